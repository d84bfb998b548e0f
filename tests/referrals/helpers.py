"""Shortcuts for referral tests: each goes through the real service."""

import datetime

from django.utils import timezone

from casework import services as casework
from casework.access import cases_for_user
from casework.grants import sync_police_grants
from referrals import services
from referrals.models import SCOPE_PERMISSIONS, Referral
from tests.casework.helpers import triage

ALL_CODENAMES = ["change_case", *SCOPE_PERMISSIONS.values()]


def in_a_week() -> datetime.date:
    return timezone.localdate() + datetime.timedelta(days=7)


def consent(cast, case, agency=None, purpose="job_placement", scope=("identity",), **kwargs):
    return services.consent_record(
        actor=kwargs.pop("actor", cast.social_worker),
        case=case,
        agency=agency or cast.employer,
        purpose=purpose,
        scope=list(scope),
        decision=kwargs.pop("decision", "given"),
        given_by=kwargs.pop("given_by", "person"),
        **kwargs,
    )


def draft(cast, case, to_agency=None, service_type="job_placement", scope=("identity",), **kw):
    return services.referral_create(
        actor=kw.pop("actor", cast.social_worker),
        case=case,
        to_agency=to_agency or cast.employer,
        service_type=service_type,
        reason=kw.pop("reason", "Wants to work; trained as a tailor before leaving."),
        response_deadline=kw.pop("response_deadline", in_a_week()),
        share_scope=list(scope),
    )


def sent(cast, case, to_agency=None, service_type="job_placement", scope=("identity",)):
    """A referral sent on the person's consent, which is recorded first."""
    to_agency = to_agency or cast.employer
    consent(cast, case, agency=to_agency, purpose=service_type, scope=scope)
    referral = draft(cast, case, to_agency=to_agency, service_type=service_type, scope=scope)
    return services.referral_send(actor=cast.social_worker, referral=referral)


def accepted(cast, case, to_agency=None, by=None, **kwargs):
    referral = sent(cast, case, to_agency=to_agency, **kwargs)
    return services.referral_accept(actor=by or cast.partner, referral=referral)


def to_state(cast, case, status) -> Referral:
    """A referral to the employer, driven through the services to `status`."""
    if status == "draft":
        consent(cast, case)
        return draft(cast, case)
    if status in ("sent", "declined", "revoked"):
        referral = sent(cast, case)
        if status == "declined":
            services.referral_decline(actor=cast.partner, referral=referral, reason="No places.")
        if status == "revoked":
            services.referral_revoke(actor=cast.program_manager, referral=referral, reason="Moved.")
        return referral
    if status == "cancelled":
        referral = draft(cast, case)
        return services.referral_cancel(actor=cast.social_worker, referral=referral, reason="Dup.")
    referral = accepted(cast, case)
    if status == "in_progress":
        services.referral_progress(
            actor=cast.partner, referral=referral, note="First week went well."
        )
    if status == "completed":
        services.referral_complete(actor=cast.partner, referral=referral, outcome="Hired.")
    return Referral.objects.get(pk=referral.pk)


def visible_codenames(user, case) -> set[str]:
    """Which case permissions the user holds on the case, each read through the access funnel."""
    return {
        codename
        for codename in ALL_CODENAMES
        if cases_for_user(user, codename).filter(pk=case.pk).exists()
    }


def triaged(cast, case, category):
    """Triage through casework (a move to violent approved by the program manager),
    then re-apply the police rule as casework does after a triage."""
    assessment = triage(cast.social_worker, case, category)
    if assessment.needs_approval:
        casework.triage_decide(
            actor=cast.program_manager, assessment=assessment, approve=True, comment="Agreed."
        )
    sync_police_grants(case)
    case.refresh_from_db()
    return case
