from django.db.models import QuerySet
from django.utils import timezone

from agencies.selectors import agencies_of
from casework.access import audience_condition
from casework.parts import RULES, Part
from referrals.models import (
    ACTIVE_STATUSES,
    ConsentRecord,
    LeadTransfer,
    LeadTransferStatus,
    Referral,
    ReferralEvent,
    ReferralStatus,
    ShareScope,
)

# --- Consent ----------------------------------------------------------------------------


def consent_covering(*, case, agency, purpose: str, scope) -> ConsentRecord | None:
    """The consent a referral may rely on: the latest record for (case, agency,
    purpose), if it gives consent to at least `scope`; otherwise None."""
    latest = (
        ConsentRecord.objects.filter(case=case, agency=agency, purpose=purpose)
        .order_by("-recorded_at", "-pk")
        .first()
    )
    if latest is not None and latest.covers(scope):
        return latest
    return None


def consents_of(case) -> QuerySet[ConsentRecord]:
    return (
        ConsentRecord.objects.filter(case=case)
        .select_related("agency", "recorded_by")
        .order_by("-recorded_at", "-pk")
    )


# --- Referrals --------------------------------------------------------------------------


def _agency_ids(user) -> QuerySet:
    return agencies_of(user).values("pk")


def _referral_list(user) -> QuerySet[Referral]:
    if not (user.is_authenticated and user.is_active and user.has_perm("referrals.view_referral")):
        return Referral.objects.none()
    return Referral.objects.select_related("case", "case__returnee", "from_agency", "to_agency")


def incoming_referrals(user, status: str | None = None) -> QuerySet[Referral]:
    """Referrals sent to the user's agencies (drafts never), newest first.

    Until a referral is accepted the receiving agency holds no grant on the case:
    a page should show the referral itself, not the case.
    """
    referrals = _referral_list(user).filter(to_agency__in=_agency_ids(user), sent_at__isnull=False)
    if status:
        referrals = referrals.filter(status=status)
    return referrals.order_by("-sent_at", "-pk")


def _sending_side(user) -> QuerySet[Referral]:
    """From the user's agencies, on cases whose referrals the user may write (the case
    team, casework/parts.py): a former lead agency no longer lists them."""
    writers = RULES[Part.REFERRALS].write
    return _referral_list(user).filter(
        audience_condition(user, writers, case_ref="case"), from_agency__in=_agency_ids(user)
    )


def outgoing_referrals(user) -> QuerySet[Referral]:
    """Referrals on the user's sending side, drafts included, newest first."""
    return _sending_side(user).order_by("-created_at", "-pk")


def overdue_responses(user) -> QuerySet[Referral]:
    """Sent referrals on the user's sending side still unanswered after their deadline."""
    return (
        _sending_side(user)
        .filter(status=ReferralStatus.SENT, response_deadline__lt=timezone.localdate())
        .order_by("response_deadline", "pk")
    )


def referrals_of_case(case) -> QuerySet[Referral]:
    """Every referral of a case the caller already may work on (the case team's view)."""
    return (
        Referral.objects.filter(case=case)
        .select_related("from_agency", "to_agency", "created_by")
        .order_by("-created_at", "-pk")
    )


def referral_events_of_case(case) -> QuerySet[ReferralEvent]:
    """Transitions and partner updates of a case's referrals, for its timeline."""
    return (
        ReferralEvent.objects.filter(case=case)
        .select_related("referral", "referral__to_agency", "actor")
        .order_by("-at", "-pk")
    )


def shared_scope_for(user, case) -> set[ShareScope]:
    """What the user's agencies may see of the case through active referrals to them.

    Empty for an agency that sees the case for another reason only (lead, police).
    """
    if not (user.is_authenticated and user.is_active):
        return set()
    scopes = Referral.objects.filter(
        case=case, to_agency__in=_agency_ids(user), status__in=ACTIVE_STATUSES
    ).values_list("share_scope", flat=True)
    return {ShareScope(s) for scope in scopes for s in scope}


# --- Flags board ------------------------------------------------------------------------


def case_referral_panel(case) -> dict:
    """The case page's referrals, consent records and pending lead transfer (3 queries)."""
    return {
        "referrals": list(referrals_of_case(case)),
        "consents": list(consents_of(case)),
        "offer": case.lead_transfers.filter(status=LeadTransferStatus.OFFERED)
        .select_related("to_agency")
        .first(),
    }


def overdue_referral_cases(manager, today) -> list[int]:
    """Ids of the manager's agencies' cases with a referral sent and unanswered past
    its deadline (a section of the weekly digest)."""
    return list(
        Referral.objects.filter(
            case__lead_agency__group__user=manager, status="sent", response_deadline__lt=today
        )
        .order_by("case_id")
        .values_list("case_id", flat=True)
        .distinct()
    )


def lead_transfers_offered_to(user) -> QuerySet[LeadTransfer]:
    """Lead transfers waiting for an answer from one of the user's agencies, oldest
    first (the referral inbox page and its API)."""
    return (
        LeadTransfer.objects.filter(
            to_agency__in=_agency_ids(user), status=LeadTransferStatus.OFFERED
        )
        .select_related("case", "from_agency", "to_agency")
        .order_by("offered_at", "pk")
    )
