"""Every write to agencies, consent, referrals and lead transfers.

A referral's services lock the case row, then the referral row, in that order
(the same order as the casework services, which lock the case), so changes to
one case's relationships are serialised and grants are computed from committed
state. Each referral transition is allowed from named states only, by one side
only, and writes a ReferralEvent; grants follow in the same transaction.
"""

import datetime
import logging
from collections.abc import Sequence

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group, Permission
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from casework.access import is_agency_member
from casework.models import Case, CaseGroupObjectPermission
from casework.versioning import check_version, locked_case, require_open, save_versioned
from referrals.grants import (
    POLICE_PERMISSIONS,
    police_condition,
    sync_case_grants,
    sync_police_grants,
)
from referrals.models import (
    ACTIVE_STATUSES,
    Agency,
    AgencyKind,
    ConsentDecision,
    ConsentGivenBy,
    ConsentRecord,
    LeadTransfer,
    LeadTransferStatus,
    Referral,
    ReferralEvent,
    ReferralEventKind,
    ReferralStatus,
    Role,
    ServiceType,
    ShareScope,
    StaffPreference,
    normalised_scope,
)
from referrals.selectors import consent_covering
from returnees.models import Region

logger = logging.getLogger(__name__)
User = get_user_model()


@transaction.atomic
def agency_create(*, actor: User | None, name: str, kind: str, region: str) -> Agency:
    """Create an agency together with the group its members and grants hang on."""
    group = Group.objects.create(name=f"agency:{name}")
    agency = Agency(name=name, kind=kind, region=region, group=group, created_by=actor)
    agency.full_clean(exclude=["group"])
    agency.save()
    return agency


@transaction.atomic
def staff_member_create(
    *,
    actor: User | None,
    username: str,
    password: str | None,
    role: Role,
    agencies: list[Agency],
    first_name: str = "",
    last_name: str = "",
    email: str = "",
    password_hash: str | None = None,
) -> User:
    """Create a user holding one role, as a member of the given agencies.

    `password_hash` lets bulk callers (demo data, tests) hash once and reuse it.
    """
    user = User(username=username, first_name=first_name, last_name=last_name, email=email)
    # Administrators work in the admin site; nobody is a superuser (docs/access.md).
    user.is_staff = role == Role.ADMINISTRATOR
    if password_hash is not None:
        user.password = password_hash
    else:
        user.set_password(password)
    user.full_clean(exclude=["password"])
    user.save()
    user.groups.add(Group.objects.get(name=role), *(a.group for a in agencies))
    return user


@transaction.atomic
def agency_member_add(*, actor: User | None, agency: Agency, user: User) -> None:
    user.groups.add(agency.group)


@transaction.atomic
def agency_member_remove(*, actor: User | None, agency: Agency, user: User) -> None:
    user.groups.remove(agency.group)


# --- Shared checks ----------------------------------------------------------------------


def _require(actor, perm: str) -> None:
    if not actor.has_perm(perm):
        raise PermissionDenied


def _require_member(actor, agency_id: int) -> None:
    if not is_agency_member(actor, agency_id):
        raise PermissionDenied


def _required_text(field: str, value: str, message: str) -> str:
    value = (value or "").strip()
    if not value:
        raise ValidationError({field: message})
    return value


def _valid_scope(scope: Sequence[str], field: str) -> list[str]:
    if isinstance(scope, str) or any(s not in ShareScope.values for s in scope):
        raise ValidationError({field: _("Choose what is shared from the list.")})
    return normalised_scope(scope)


# --- Consent ----------------------------------------------------------------------------


@transaction.atomic
def consent_record(
    *,
    actor,
    case: Case,
    agency: Agency,
    purpose: str,
    scope: Sequence[str],
    decision: str,
    given_by: str,
    guardian_name: str = "",
    note: str = "",
) -> ConsentRecord:
    """Record a person's consent, or its withdrawal, for one agency and purpose.

    Records are never changed: a withdrawal or a narrower consent is a new
    record, and the latest one decides. Referrals that relied on consent and are
    no longer covered by the new record are cancelled, and their access ends.
    """
    _require(actor, "referrals.add_consentrecord")
    case = locked_case(case.pk)
    _require_member(actor, case.lead_agency_id)
    if agency.pk == case.lead_agency_id:
        raise ValidationError({"agency": _("Consent is recorded for another agency than yours.")})
    guardian_name = (guardian_name or "").strip()
    if given_by == ConsentGivenBy.PARENT_GUARDIAN and not guardian_name:
        raise ValidationError({"guardian_name": _("Name the parent or guardian.")})
    if given_by != ConsentGivenBy.PARENT_GUARDIAN:
        guardian_name = ""
    if (
        decision == ConsentDecision.GIVEN
        and case.returnee.is_minor
        and given_by != ConsentGivenBy.PARENT_GUARDIAN
    ):
        raise ValidationError(
            {"given_by": _("This person is a minor: a parent or guardian gives consent.")}
        )
    record = ConsentRecord(
        case=case,
        agency=agency,
        purpose=purpose,
        scope=_valid_scope(scope, "scope"),
        decision=decision,
        given_by=given_by,
        guardian_name=guardian_name,
        note=(note or "").strip(),
        recorded_by=actor,
    )
    record.full_clean(exclude=["case", "agency", "recorded_by"])
    record.save()
    logger.info(
        "consent recorded case_id=%s agency_id=%s consent_id=%s decision=%s actor_id=%s",
        case.pk,
        agency.pk,
        record.pk,
        decision,
        actor.pk,
    )
    _end_referrals_no_longer_consented(case, record, actor)
    return record


def _end_referrals_no_longer_consented(case: Case, record: ConsentRecord, actor) -> None:
    """Sharing that rested on consent stops when the consent no longer covers it.

    Referrals sent under a legal basis instead of consent are left as they are.
    """
    relying = Referral.objects.select_for_update().filter(
        case=case,
        to_agency_id=record.agency_id,
        service_type=record.purpose,
        status__in=[ReferralStatus.SENT, *ACTIVE_STATUSES],
        consent__isnull=False,
    )
    ended = False
    for referral in relying:
        if record.covers(referral.share_scope):
            continue
        referral.status = ReferralStatus.CANCELLED
        referral.cancel_reason = _("Consent no longer covers this referral.")
        referral.closed_at = timezone.now()
        save_versioned(referral, ["status", "cancel_reason", "closed_at"])
        _event(referral, actor, note=referral.cancel_reason)
        ended = True
    if ended:
        sync_case_grants(case, record.agency)


# --- Referrals --------------------------------------------------------------------------


def _event(referral: Referral, actor, *, kind: str = ReferralEventKind.TRANSITION, note=""):
    ReferralEvent.objects.create(
        referral=referral,
        case_id=referral.case_id,
        status=referral.status,
        kind=kind,
        note=note,
        actor=actor,
    )


def _locked_referral(referral: Referral) -> tuple[Case, Referral]:
    """Lock the case, then the referral: the order every writer of a case follows."""
    case = locked_case(referral.case_id)
    referral = Referral.objects.select_for_update().get(pk=referral.pk)
    return case, referral


def _require_sender(actor, referral: Referral) -> None:
    _require(actor, "referrals.add_referral")
    _require_member(actor, referral.from_agency_id)


def _require_receiver(actor, referral: Referral) -> None:
    _require(actor, "referrals.change_referral")
    _require_member(actor, referral.to_agency_id)


def _require_status(referral: Referral, allowed: Sequence[str], message: str) -> None:
    if referral.status not in allowed:
        status = referral.get_status_display()
        raise ValidationError(
            f"{message} {_('Its status is: %(status)s.') % {'status': status}}", code="transition"
        )


def _log(action: str, referral: Referral, actor) -> None:
    logger.info(
        "referral %s referral_id=%s case_id=%s to_agency_id=%s actor_id=%s",
        action,
        referral.pk,
        referral.case_id,
        referral.to_agency_id,
        actor.pk,
    )


@transaction.atomic
def referral_create(
    *,
    actor,
    case: Case,
    to_agency: Agency,
    service_type: str,
    reason: str,
    response_deadline: datetime.date,
    share_scope: Sequence[str],
) -> Referral:
    """A draft referral from the case's lead agency. Identity basics are always shared."""
    _require(actor, "referrals.add_referral")
    case = locked_case(case.pk)
    _require_member(actor, case.lead_agency_id)
    require_open(case)
    if to_agency.pk == case.lead_agency_id:
        raise ValidationError({"to_agency": _("Refer the case to another agency than yours.")})
    if service_type == ServiceType.POLICE_MONITORING and to_agency.kind != AgencyKind.POLICE:
        raise ValidationError(
            {"service_type": _("Police monitoring can only be asked of a police agency.")}
        )
    if response_deadline is None or response_deadline < timezone.localdate():
        raise ValidationError({"response_deadline": _("The deadline cannot be in the past.")})
    referral = Referral(
        case=case,
        from_agency_id=case.lead_agency_id,
        to_agency=to_agency,
        service_type=service_type,
        reason=(reason or "").strip(),
        response_deadline=response_deadline,
        share_scope=_valid_scope(share_scope, "share_scope"),
        created_by=actor,
    )
    referral.full_clean(exclude=["case", "from_agency", "to_agency", "created_by", "consent"])
    referral.save()
    _event(referral, actor)
    _log("created", referral, actor)
    return referral


@transaction.atomic
def referral_send(
    *,
    actor,
    referral: Referral,
    consent_override_basis: str = "",
    expected_version: int | None = None,
) -> Referral:
    """Send a draft. Consent must cover it (agency, purpose and shared scope), unless
    the sender holds the override permission and records the legal basis."""
    _require_sender(actor, referral)
    case, referral = _locked_referral(referral)
    check_version(referral, expected_version)
    _require_status(referral, [ReferralStatus.DRAFT], _("Only a draft referral can be sent."))
    require_open(case)
    if referral.from_agency_id != case.lead_agency_id:
        raise ValidationError(
            _("The case has moved to another lead agency; this draft can only be cancelled."),
            code="lead_changed",
        )
    consent = consent_covering(
        case=case,
        agency=referral.to_agency,
        purpose=referral.service_type,
        scope=referral.share_scope,
    )
    if consent is not None and case.returnee.is_minor:
        # Belt and braces: a minor's referral relies on a parent's or guardian's consent only.
        consent = consent if consent.given_by == ConsentGivenBy.PARENT_GUARDIAN else None
    basis = (consent_override_basis or "").strip()
    if consent is not None:
        referral.consent = consent
        referral.consent_override_basis = ""
    elif not basis:
        raise ValidationError(
            _(
                "No recorded consent covers this referral (this agency, this service and "
                "everything it shares). Record the person's consent first."
            ),
            code="consent",
        )
    elif not actor.has_perm("referrals.override_consent"):
        raise PermissionDenied
    else:
        referral.consent = None
        referral.consent_override_basis = basis
        referral.full_clean(exclude=["case", "from_agency", "to_agency", "created_by", "consent"])
    referral.status = ReferralStatus.SENT
    referral.sent_at = timezone.now()
    save_versioned(referral, ["status", "sent_at", "consent", "consent_override_basis"])
    _event(referral, actor, note=referral.consent_override_basis)
    logger.info(
        "referral sent referral_id=%s case_id=%s to_agency_id=%s consent_id=%s "
        "override=%s actor_id=%s",
        referral.pk,
        referral.case_id,
        referral.to_agency_id,
        referral.consent_id,
        referral.consent_id is None,
        actor.pk,
    )
    return referral


@transaction.atomic
def referral_accept(*, actor, referral: Referral, expected_version: int | None = None) -> Referral:
    """The receiving agency takes the referral on and gains its share scope of the case."""
    _require_receiver(actor, referral)
    case, referral = _locked_referral(referral)
    check_version(referral, expected_version)
    _require_status(referral, [ReferralStatus.SENT], _("Only a sent referral can be accepted."))
    require_open(case)
    referral.status = ReferralStatus.ACCEPTED
    referral.responded_at = timezone.now()
    save_versioned(referral, ["status", "responded_at"])
    _event(referral, actor)
    sync_case_grants(case, referral.to_agency)
    _log("accepted", referral, actor)
    return referral


@transaction.atomic
def referral_decline(
    *, actor, referral: Referral, reason: str, expected_version: int | None = None
) -> Referral:
    _require_receiver(actor, referral)
    _case, referral = _locked_referral(referral)
    check_version(referral, expected_version)
    _require_status(referral, [ReferralStatus.SENT], _("Only a sent referral can be declined."))
    referral.decline_reason = _required_text("reason", reason, _("Say why you decline."))
    referral.full_clean(exclude=["case", "from_agency", "to_agency", "created_by", "consent"])
    referral.status = ReferralStatus.DECLINED
    referral.responded_at = referral.closed_at = timezone.now()
    save_versioned(referral, ["status", "decline_reason", "responded_at", "closed_at"])
    _event(referral, actor, note=referral.decline_reason)
    _log("declined", referral, actor)
    return referral


@transaction.atomic
def referral_progress(
    *, actor, referral: Referral, note: str, expected_version: int | None = None
) -> ReferralEvent:
    """A partner's update; the case worker sees it on the case timeline."""
    _require_receiver(actor, referral)
    _case, referral = _locked_referral(referral)
    check_version(referral, expected_version)
    _require_status(
        referral,
        ACTIVE_STATUSES,
        _("Progress can be recorded only on an accepted referral that is not finished."),
    )
    note = _required_text("note", note, _("Write what happened."))
    event = ReferralEvent(
        referral=referral,
        case_id=referral.case_id,
        status=ReferralStatus.IN_PROGRESS,
        kind=ReferralEventKind.PROGRESS,
        note=note,
        actor=actor,
    )
    event.full_clean(exclude=["referral", "case", "actor"])
    referral.status = ReferralStatus.IN_PROGRESS
    save_versioned(referral, ["status"])
    event.save()
    _log("progress", referral, actor)
    return event


@transaction.atomic
def referral_complete(
    *, actor, referral: Referral, outcome: str, expected_version: int | None = None
) -> Referral:
    """The service is done; the agency's access ends unless another referral justifies it."""
    _require_receiver(actor, referral)
    case, referral = _locked_referral(referral)
    check_version(referral, expected_version)
    _require_status(
        referral,
        ACTIVE_STATUSES,
        _("Only an accepted or in-progress referral can be completed."),
    )
    referral.outcome = _required_text("outcome", outcome, _("Describe the outcome."))
    referral.full_clean(exclude=["case", "from_agency", "to_agency", "created_by", "consent"])
    referral.status = ReferralStatus.COMPLETED
    referral.closed_at = timezone.now()
    save_versioned(referral, ["status", "outcome", "closed_at"])
    _event(referral, actor, note=referral.outcome)
    sync_case_grants(case, referral.to_agency)
    _log("completed", referral, actor)
    return referral


@transaction.atomic
def referral_cancel(
    *, actor, referral: Referral, reason: str, expected_version: int | None = None
) -> Referral:
    """The sender withdraws the referral; the receiving agency's access ends with it."""
    _require_sender(actor, referral)
    case, referral = _locked_referral(referral)
    check_version(referral, expected_version)
    _require_status(
        referral,
        [ReferralStatus.DRAFT, ReferralStatus.SENT, *ACTIVE_STATUSES],
        _("This referral is finished; it cannot be cancelled."),
    )
    referral.cancel_reason = _required_text("reason", reason, _("Say why you cancel."))
    referral.full_clean(exclude=["case", "from_agency", "to_agency", "created_by", "consent"])
    referral.status = ReferralStatus.CANCELLED
    referral.closed_at = timezone.now()
    save_versioned(referral, ["status", "cancel_reason", "closed_at"])
    _event(referral, actor, note=referral.cancel_reason)
    sync_case_grants(case, referral.to_agency)
    _log("cancelled", referral, actor)
    return referral


@transaction.atomic
def referral_revoke(
    *, actor, referral: Referral, reason: str, expected_version: int | None = None
) -> Referral:
    """A program manager of the case's lead agency ends a referral and its access."""
    _require(actor, "referrals.revoke_referral")
    case, referral = _locked_referral(referral)
    _require_member(actor, case.lead_agency_id)
    check_version(referral, expected_version)
    _require_status(
        referral,
        [ReferralStatus.SENT, *ACTIVE_STATUSES],
        _("Only a sent, accepted or in-progress referral can be revoked."),
    )
    referral.revoke_reason = _required_text("reason", reason, _("Say why you revoke it."))
    referral.full_clean(exclude=["case", "from_agency", "to_agency", "created_by", "consent"])
    referral.status = ReferralStatus.REVOKED
    referral.closed_at = timezone.now()
    save_versioned(referral, ["status", "revoke_reason", "closed_at"])
    _event(referral, actor, note=referral.revoke_reason)
    sync_case_grants(case, referral.to_agency)
    _log("revoked", referral, actor)
    return referral


# --- Lead agency transfer ---------------------------------------------------------------


def _locked_transfer(transfer: LeadTransfer) -> tuple[Case, LeadTransfer]:
    case = locked_case(transfer.case_id)
    transfer = LeadTransfer.objects.select_for_update().get(pk=transfer.pk)
    if transfer.status != LeadTransferStatus.OFFERED:
        raise ValidationError(
            _("This transfer has already been answered or withdrawn."), code="transition"
        )
    return case, transfer


def _decide(transfer: LeadTransfer, actor, status: str) -> None:
    transfer.status = status
    transfer.decided_by = actor
    transfer.decided_at = timezone.now()
    transfer.save(update_fields=["status", "decided_by", "decided_at"])


@transaction.atomic
def lead_transfer_offer(*, actor, case: Case, to_agency: Agency, note: str = "") -> LeadTransfer:
    """A program manager of the lead agency offers the case to another agency."""
    _require(actor, "referrals.add_leadtransfer")
    case = locked_case(case.pk)
    _require_member(actor, case.lead_agency_id)
    require_open(case)
    if to_agency.pk == case.lead_agency_id:
        raise ValidationError({"to_agency": _("Choose another agency than the current lead.")})
    if case.lead_transfers.filter(status=LeadTransferStatus.OFFERED).exists():
        raise ValidationError(
            _("A transfer of this case is already waiting for an answer."), code="pending"
        )
    transfer = LeadTransfer(
        case=case,
        from_agency_id=case.lead_agency_id,
        to_agency=to_agency,
        note=(note or "").strip(),
        offered_by=actor,
    )
    transfer.full_clean(exclude=["case", "from_agency", "to_agency", "offered_by"])
    transfer.save()
    logger.info(
        "lead transfer offered transfer_id=%s case_id=%s to_agency_id=%s actor_id=%s",
        transfer.pk,
        case.pk,
        to_agency.pk,
        actor.pk,
    )
    return transfer


@transaction.atomic
def lead_transfer_accept(*, actor, transfer: LeadTransfer) -> Case:
    """A program manager of the receiving agency takes the lead.

    The lead grants move, the case is left unassigned for the new agency to
    assign, and the previous assignee's own grants on the case end.
    """
    # Imported here: casework.services imports this module (a cycle #13 breaks).
    from casework.services import case_lead_agency_set

    _require(actor, "referrals.change_leadtransfer")
    case, transfer = _locked_transfer(transfer)
    _require_member(actor, transfer.to_agency_id)
    if case.lead_agency_id != transfer.from_agency_id:
        raise ValidationError(
            _("The case's lead agency changed since this offer; it no longer stands."),
            code="stale",
        )
    require_open(case)
    old_agency = case.lead_agency
    case = case_lead_agency_set(actor=actor, case=case, lead_agency=transfer.to_agency)
    _decide(transfer, actor, LeadTransferStatus.ACCEPTED)
    sync_case_grants(case, old_agency)
    sync_case_grants(case, transfer.to_agency)
    logger.info(
        "lead transfer accepted transfer_id=%s case_id=%s from_agency_id=%s to_agency_id=%s "
        "actor_id=%s",
        transfer.pk,
        case.pk,
        old_agency.pk,
        transfer.to_agency_id,
        actor.pk,
    )
    return case


@transaction.atomic
def lead_transfer_decline(*, actor, transfer: LeadTransfer, note: str = "") -> LeadTransfer:
    _require(actor, "referrals.change_leadtransfer")
    _case, transfer = _locked_transfer(transfer)
    _require_member(actor, transfer.to_agency_id)
    _decide(transfer, actor, LeadTransferStatus.DECLINED)
    logger.info(
        "lead transfer declined transfer_id=%s case_id=%s actor_id=%s",
        transfer.pk,
        transfer.case_id,
        actor.pk,
    )
    return transfer


@transaction.atomic
def lead_transfer_cancel(*, actor, transfer: LeadTransfer) -> LeadTransfer:
    _require(actor, "referrals.add_leadtransfer")
    _case, transfer = _locked_transfer(transfer)
    _require_member(actor, transfer.from_agency_id)
    _decide(transfer, actor, LeadTransferStatus.CANCELLED)
    logger.info(
        "lead transfer cancelled transfer_id=%s case_id=%s actor_id=%s",
        transfer.pk,
        transfer.case_id,
        actor.pk,
    )
    return transfer


# --- Police jurisdiction ----------------------------------------------------------------


@transaction.atomic
def police_sync_for_case(*, case: Case) -> None:
    """Re-apply the police rule to a case after its category or open flags changed.

    Casework calls this inside its own transaction, with the case already locked.
    """
    sync_police_grants(case)


@transaction.atomic
def agency_set_jurisdiction(*, actor, agency: Agency, regions: Sequence[str]) -> Agency:
    """Set the regions a police agency covers, and bring its grants in line.

    Every case in a region that was added or removed is locked first (one
    statement), so a concurrent triage or flag on such a case, which re-applies
    the police rule with the jurisdiction it read, either finishes before this
    recomputes the case or waits for it to commit — never leaves a stale grant.
    Only the cases the rule can concern are then recomputed.
    """
    _require(actor, "referrals.change_agency")
    if isinstance(regions, str) or any(r not in Region.values for r in regions):
        raise ValidationError({"jurisdiction": _("Choose regions from the list.")})
    agency = Agency.objects.select_for_update().get(pk=agency.pk)
    if regions and agency.kind != AgencyKind.POLICE:
        raise ValidationError({"jurisdiction": _("Only police agencies have a jurisdiction.")})
    old, new = set(agency.jurisdiction), set(regions)
    agency.jurisdiction = [r for r in Region.values if r in new]
    agency.save(update_fields=["jurisdiction"])
    changed = old ^ new
    if not changed:
        return agency
    in_changed_regions = Case.objects.filter(returnee__region__in=changed)
    list(in_changed_regions.order_by("pk").select_for_update(of=("self",)).values_list("pk"))
    # Cases the police rule now covers get the police permissions in one bulk
    # insert (whatever else the agency holds there stays justified). Only cases
    # where it holds grants the rule no longer covers are recomputed one by one.
    covered = in_changed_regions.filter(returnee__region__in=new).filter(police_condition())
    permissions = list(
        Permission.objects.filter(
            content_type__app_label="casework", codename__in=POLICE_PERMISSIONS
        )
    )
    agency_grants = CaseGroupObjectPermission.objects.filter(group_id=agency.group_id)
    before = agency_grants.count()
    CaseGroupObjectPermission.objects.bulk_create(
        [
            CaseGroupObjectPermission(
                group_id=agency.group_id, permission=permission, content_object_id=case_id
            )
            for case_id in covered.values_list("pk", flat=True).iterator(chunk_size=5000)
            for permission in permissions
        ],
        ignore_conflicts=True,
        batch_size=5000,
    )
    added, removed = agency_grants.count() - before, 0
    held = CaseGroupObjectPermission.objects.filter(group_id=agency.group_id).values(
        "content_object_id"
    )
    uncovered = in_changed_regions.filter(pk__in=held).exclude(pk__in=covered.values("pk"))
    for case in uncovered.order_by("pk"):
        case_added, case_removed = sync_case_grants(case, agency)
        added, removed = added + case_added, removed + case_removed
    logger.info(
        "jurisdiction set agency_id=%s regions_changed=%s grants_added=%s grants_removed=%s "
        "actor_id=%s",
        agency.pk,
        len(changed),
        added,
        removed,
        actor.pk,
    )
    return agency


@transaction.atomic
def staff_language_set(*, actor, language: str) -> StaffPreference:
    """Stores the interface language `actor` chose; emails and notifications follow it too."""
    if language not in dict(settings.LANGUAGES):
        raise ValidationError({"language": _("Choose one of the offered languages.")})
    preference, _created = StaffPreference.objects.update_or_create(
        user=actor, defaults={"language": language}
    )
    return preference
