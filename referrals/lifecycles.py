"""The lifecycles of a referral and of a lead agency transfer (casework/lifecycles.py):
each step, the states it is allowed from, the state it leads to, and who takes it —
the role (a model permission) and the side of the record (referrals/access.py).

The services, the pages, the templates and the API all read these tables; adding
a state or a step starts here.
"""

from django.utils.translation import gettext_lazy as _

from casework.lifecycles import Lifecycle, Transition
from casework.parts import Part
from referrals.access import OFFERED, OFFERING, RECEIVER, SENDER
from referrals.models import LeadTransfer, LeadTransferStatus, Referral, ReferralStatus

DRAFT, SENT = ReferralStatus.DRAFT, ReferralStatus.SENT
ACCEPTED, IN_PROGRESS = ReferralStatus.ACCEPTED, ReferralStatus.IN_PROGRESS


def _sending(action, sources, target, refusal, permission="referrals.add_referral"):
    """A step of the sending agency's case team."""
    return Transition(
        action=action,
        sources=sources,
        target=target,
        permission=permission,
        side=SENDER,
        refusal=refusal,
    )


def _receiving(action, sources, target, refusal):
    """A step of the agency the referral was sent to."""
    return Transition(
        action=action,
        sources=sources,
        target=target,
        permission="referrals.change_referral",
        side=RECEIVER,
        refusal=refusal,
    )


def _case_team_sides(record, viewer) -> set[str]:
    """On its case's page, the case team stands on the sending side of the referrals
    (and transfer offers) of the case's lead agency; a former lead's are no longer theirs."""
    if viewer.can_write(Part.REFERRALS) and record.from_agency_id == viewer.case.lead_agency_id:
        return {SENDER if isinstance(record, Referral) else OFFERING}
    return set()


REFERRAL = Lifecycle(
    model=Referral,
    transitions=(
        # Sending also needs consent covering it (or the override), and an open case.
        _sending("send", (DRAFT,), SENT, _("Only a draft referral can be sent.")),
        _receiving("accept", (SENT,), ACCEPTED, _("Only a sent referral can be accepted.")),
        _receiving(
            "decline", (SENT,), ReferralStatus.DECLINED, _("Only a sent referral can be declined.")
        ),
        _receiving(
            "progress",
            (ACCEPTED, IN_PROGRESS),
            IN_PROGRESS,
            _("Progress can be recorded only on an accepted referral that is not finished."),
        ),
        _receiving(
            "complete",
            (ACCEPTED, IN_PROGRESS),
            ReferralStatus.COMPLETED,
            _("Only an accepted or in-progress referral can be completed."),
        ),
        _sending(
            "cancel",
            (DRAFT, SENT, ACCEPTED, IN_PROGRESS),
            ReferralStatus.CANCELLED,
            _("This referral is finished; it cannot be cancelled."),
        ),
        # The service also requires membership of the case's (current) lead agency.
        _sending(
            "revoke",
            (SENT, ACCEPTED, IN_PROGRESS),
            ReferralStatus.REVOKED,
            _("Only a sent, accepted or in-progress referral can be revoked."),
            permission="referrals.revoke_referral",
        ),
        # Not a page's or the API's step: recording consent that no longer covers a
        # referral sent on consent cancels it (referrals.services.consent_record),
        # which selects only referrals in these states, so it is never refused.
        Transition(
            action="consent_ended",
            sources=(SENT, ACCEPTED, IN_PROGRESS),
            target=ReferralStatus.CANCELLED,
            permission="referrals.add_consentrecord",
            side=Part.REFERRALS,
            refusal=None,
        ),
    ),
    tell_state=True,
    viewer_sides=_case_team_sides,
)


_ANSWERED = _("This transfer has already been answered or withdrawn.")

LEAD_TRANSFER = Lifecycle(
    model=LeadTransfer,
    transitions=(
        Transition(
            action="accept",
            sources=(LeadTransferStatus.OFFERED,),
            target=LeadTransferStatus.ACCEPTED,
            permission="referrals.change_leadtransfer",
            side=OFFERED,
            refusal=_ANSWERED,
        ),
        Transition(
            action="decline",
            sources=(LeadTransferStatus.OFFERED,),
            target=LeadTransferStatus.DECLINED,
            permission="referrals.change_leadtransfer",
            side=OFFERED,
            refusal=_ANSWERED,
        ),
        # The offering agency withdraws its offer.
        Transition(
            action="cancel",
            sources=(LeadTransferStatus.OFFERED,),
            target=LeadTransferStatus.CANCELLED,
            permission="referrals.add_leadtransfer",
            side=OFFERING,
            refusal=_ANSWERED,
        ),
    ),
    viewer_sides=_case_team_sides,
)
