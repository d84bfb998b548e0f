"""Every write to agencies, consent, referrals and lead transfers.

A referral's services lock the case row, then the referral row, in that order
(the same order as the casework services, which lock the case), so changes to
one case's relationships are serialised and grants are computed from committed
state. Each referral transition is allowed from the states, by the role and the
side that referrals/lifecycles.py declares, and writes a ReferralEvent; grants
follow in the same transaction.
"""

import datetime
import logging
from collections.abc import Sequence

from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from agencies.access import require_member
from agencies.models import Agency, AgencyKind
from casework.grants import (
    sync_case_grants,
)
from casework.lifecycles import CREATED
from casework.models import Case
from casework.services import case_lead_agency_set
from casework.versioning import check_version, locked_case, require_open, save_versioned
from referrals.access import RECEIVER, SENDER
from referrals.lifecycles import LEAD_TRANSFER, REFERRAL
from referrals.models import (
    ConsentDecision,
    ConsentGivenBy,
    ConsentRecord,
    LeadTransfer,
    LeadTransferStatus,
    Referral,
    ReferralEvent,
    ReferralEventKind,
    ServiceType,
    ShareScope,
    normalised_scope,
)
from referrals.selectors import consent_covering

logger = logging.getLogger(__name__)
User = get_user_model()


# --- Shared checks ----------------------------------------------------------------------


def _require(actor, perm: str) -> None:
    if not actor.has_perm(perm):
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
    require_member(actor, case.lead_agency_id)
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
        status__in=REFERRAL["consent_ended"].sources,
        consent__isnull=False,
    )
    ended = False
    for referral in relying:
        if record.covers(referral.share_scope):
            continue
        referral.status = REFERRAL.advance(referral, "consent_ended")
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


def _require_side(actor, referral: Referral, action: str) -> None:
    """The step's role, and membership of the agency on its side of the referral."""
    transition = REFERRAL[action]
    _require(actor, transition.permission)
    agency_id = {SENDER: referral.from_agency_id, RECEIVER: referral.to_agency_id}
    require_member(actor, agency_id[transition.side])


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
    require_member(actor, case.lead_agency_id)
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
    _require_side(actor, referral, "send")
    case, referral = _locked_referral(referral)
    check_version(referral, expected_version)
    status = REFERRAL.advance(referral, "send")
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
    referral.status = status
    referral.sent_at = timezone.now()
    save_versioned(referral, ["status", "sent_at", "consent", "consent_override_basis"])
    _event(referral, actor, note=referral.consent_override_basis)
    REFERRAL.tell("send", referral, actor=actor, case=case)
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
    _require_side(actor, referral, "accept")
    case, referral = _locked_referral(referral)
    check_version(referral, expected_version)
    status = REFERRAL.advance(referral, "accept")
    require_open(case)
    referral.status = status
    referral.responded_at = timezone.now()
    save_versioned(referral, ["status", "responded_at"])
    _event(referral, actor)
    sync_case_grants(case, referral.to_agency)
    REFERRAL.tell("accept", referral, actor=actor, case=case)
    _log("accepted", referral, actor)
    return referral


@transaction.atomic
def referral_decline(
    *, actor, referral: Referral, reason: str, expected_version: int | None = None
) -> Referral:
    _require_side(actor, referral, "decline")
    case, referral = _locked_referral(referral)
    check_version(referral, expected_version)
    status = REFERRAL.advance(referral, "decline")
    referral.decline_reason = _required_text("reason", reason, _("Say why you decline."))
    referral.full_clean(exclude=["case", "from_agency", "to_agency", "created_by", "consent"])
    referral.status = status
    referral.responded_at = referral.closed_at = timezone.now()
    save_versioned(referral, ["status", "decline_reason", "responded_at", "closed_at"])
    _event(referral, actor, note=referral.decline_reason)
    REFERRAL.tell("decline", referral, actor=actor, case=case)
    _log("declined", referral, actor)
    return referral


@transaction.atomic
def referral_progress(
    *, actor, referral: Referral, note: str, expected_version: int | None = None
) -> ReferralEvent:
    """A partner's update; the case worker sees it on the case timeline."""
    _require_side(actor, referral, "progress")
    case, referral = _locked_referral(referral)
    check_version(referral, expected_version)
    status = REFERRAL.advance(referral, "progress")
    note = _required_text("note", note, _("Write what happened."))
    event = ReferralEvent(
        referral=referral,
        case_id=referral.case_id,
        status=status,
        kind=ReferralEventKind.PROGRESS,
        note=note,
        actor=actor,
    )
    event.full_clean(exclude=["referral", "case", "actor"])
    referral.status = status
    save_versioned(referral, ["status"])
    event.save()
    # Progress is recorded again and again: each update is an event of its own.
    REFERRAL.tell("progress", referral, actor=actor, case=case, occasion=event.pk)
    _log("progress", referral, actor)
    return event


@transaction.atomic
def referral_complete(
    *, actor, referral: Referral, outcome: str, expected_version: int | None = None
) -> Referral:
    """The service is done; the agency's access ends unless another referral justifies it."""
    _require_side(actor, referral, "complete")
    case, referral = _locked_referral(referral)
    check_version(referral, expected_version)
    status = REFERRAL.advance(referral, "complete")
    referral.outcome = _required_text("outcome", outcome, _("Describe the outcome."))
    referral.full_clean(exclude=["case", "from_agency", "to_agency", "created_by", "consent"])
    referral.status = status
    referral.closed_at = timezone.now()
    save_versioned(referral, ["status", "outcome", "closed_at"])
    _event(referral, actor, note=referral.outcome)
    sync_case_grants(case, referral.to_agency)
    REFERRAL.tell("complete", referral, actor=actor, case=case)
    _log("completed", referral, actor)
    return referral


@transaction.atomic
def referral_cancel(
    *, actor, referral: Referral, reason: str, expected_version: int | None = None
) -> Referral:
    """The sender withdraws the referral; the receiving agency's access ends with it."""
    _require_side(actor, referral, "cancel")
    case, referral = _locked_referral(referral)
    check_version(referral, expected_version)
    status = REFERRAL.advance(referral, "cancel")
    referral.cancel_reason = _required_text("reason", reason, _("Say why you cancel."))
    referral.full_clean(exclude=["case", "from_agency", "to_agency", "created_by", "consent"])
    referral.status = status
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
    _require(actor, REFERRAL["revoke"].permission)
    case, referral = _locked_referral(referral)
    require_member(actor, case.lead_agency_id)
    check_version(referral, expected_version)
    status = REFERRAL.advance(referral, "revoke")
    referral.revoke_reason = _required_text("reason", reason, _("Say why you revoke it."))
    referral.full_clean(exclude=["case", "from_agency", "to_agency", "created_by", "consent"])
    referral.status = status
    referral.closed_at = timezone.now()
    save_versioned(referral, ["status", "revoke_reason", "closed_at"])
    _event(referral, actor, note=referral.revoke_reason)
    sync_case_grants(case, referral.to_agency)
    _log("revoked", referral, actor)
    return referral


# --- Lead agency transfer ---------------------------------------------------------------


def _locked_transfer(transfer: LeadTransfer, action: str) -> tuple[Case, LeadTransfer, str]:
    """The case and the transfer, locked; and the state `action` takes the transfer to."""
    case = locked_case(transfer.case_id)
    transfer = LeadTransfer.objects.select_for_update().get(pk=transfer.pk)
    return case, transfer, LEAD_TRANSFER.advance(transfer, action)


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
    require_member(actor, case.lead_agency_id)
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
    LEAD_TRANSFER.tell(CREATED, transfer, actor=actor, case=case)
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
    _require(actor, LEAD_TRANSFER["accept"].permission)
    case, transfer, status = _locked_transfer(transfer, "accept")
    require_member(actor, transfer.to_agency_id)
    if case.lead_agency_id != transfer.from_agency_id:
        raise ValidationError(
            _("The case's lead agency changed since this offer; it no longer stands."),
            code="stale",
        )
    require_open(case)
    old_agency = case.lead_agency
    case = case_lead_agency_set(actor=actor, case=case, lead_agency=transfer.to_agency)
    _decide(transfer, actor, status)
    sync_case_grants(case, old_agency)
    sync_case_grants(case, transfer.to_agency)
    LEAD_TRANSFER.tell("accept", transfer, actor=actor, case=case)
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
    _require(actor, LEAD_TRANSFER["decline"].permission)
    case, transfer, status = _locked_transfer(transfer, "decline")
    require_member(actor, transfer.to_agency_id)
    _decide(transfer, actor, status)
    LEAD_TRANSFER.tell("decline", transfer, actor=actor, case=case)
    logger.info(
        "lead transfer declined transfer_id=%s case_id=%s actor_id=%s",
        transfer.pk,
        transfer.case_id,
        actor.pk,
    )
    return transfer


@transaction.atomic
def lead_transfer_cancel(*, actor, transfer: LeadTransfer) -> LeadTransfer:
    _require(actor, LEAD_TRANSFER["cancel"].permission)
    _case, transfer, status = _locked_transfer(transfer, "cancel")
    require_member(actor, transfer.from_agency_id)
    _decide(transfer, actor, status)
    logger.info(
        "lead transfer cancelled transfer_id=%s case_id=%s actor_id=%s",
        transfer.pk,
        transfer.case_id,
        actor.pk,
    )
    return transfer


# --- Police jurisdiction ----------------------------------------------------------------
