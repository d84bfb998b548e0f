"""The permission funnel for referrals and lead transfers: pages and API alike.

A referral has two sides. The sending side is the sending agency's case team:
referrals from the caller's agencies (drafts included) on cases where the
caller may write the case's referrals (casework/parts.py). The receiving side
is the agency it was sent to, once sent: it holds no grant on the case until it
accepts, so it reaches the referral through this funnel, never through the
case. A lead transfer likewise: the offering agency's and the offered agency's.
Anything else, missing or forbidden, is one 404, recorded in the audit trail.
"""

from django.db.models import Prefetch, Q, QuerySet
from django.http import Http404

from agencies.selectors import agencies_of
from audit.services import audit_refusal
from casework.access import VIEW, case_access_flag
from referrals.models import LeadTransfer, LeadTransferStatus, Referral, ReferralEvent
from referrals.selectors import incoming_referrals, outgoing_referrals

SENDER, RECEIVER, EITHER = "sender", "receiver", "either"
OFFERING, OFFERED = "offering", "offered"


def with_case_visibility(queryset: QuerySet, user) -> QuerySet:
    """`case_visible`: whether the user may open the row's case, in the same query."""
    return queryset.annotate(case_visible=case_access_flag(user, VIEW, case_ref="case"))


def visible_referrals(user, side: str = EITHER) -> QuerySet[Referral]:
    """Referrals on the given side of them, each with `case_visible`."""
    if side == SENDER:
        referrals = outgoing_referrals(user)
    elif side == RECEIVER:
        referrals = incoming_referrals(user)
    else:
        referrals = outgoing_referrals(user) | incoming_referrals(user)
    return with_case_visibility(referrals, user)


def referral_for_user(user, referral_id, side: str = EITHER, *, case_id=None) -> Referral:
    """One referral on the given side of it (and, with `case_id`, of that case), with
    its history; otherwise Http404."""
    try:
        referral_id = int(referral_id)
    except (TypeError, ValueError):
        referral_id = None
    referral = (
        visible_referrals(user, side)
        .select_related("created_by")
        .prefetch_related(
            Prefetch("events", queryset=ReferralEvent.objects.select_related("actor"))
        )
        .filter(pk=referral_id, **({"case_id": case_id} if case_id is not None else {}))
        .first()
        if referral_id is not None
        else None
    )
    if referral is None:
        audit_refusal(object_type="referrals.referral", object_id=referral_id)
        raise Http404
    return referral


def lead_transfer_for_user(
    user, transfer_id, side: str = EITHER, *, waiting: bool = False, case_id=None
) -> LeadTransfer:
    """A lead transfer the caller's agency offered, was offered, or either — with
    `waiting`, only while it awaits an answer, with `case_id`, only of that case;
    otherwise Http404."""
    agencies = agencies_of(user).values("pk")
    party = {
        OFFERING: Q(from_agency__in=agencies),
        OFFERED: Q(to_agency__in=agencies),
        EITHER: Q(from_agency__in=agencies) | Q(to_agency__in=agencies),
    }[side]
    if waiting:
        party &= Q(status=LeadTransferStatus.OFFERED)
    if case_id is not None:
        party &= Q(case_id=case_id)
    transfer = (
        with_case_visibility(LeadTransfer.objects.filter(party), user)
        .select_related("case__returnee", "from_agency", "to_agency", "offered_by", "decided_by")
        .filter(pk=transfer_id)
        .first()
    )
    if transfer is None:
        audit_refusal(object_type="referrals.leadtransfer", object_id=transfer_id)
        raise Http404
    return transfer
