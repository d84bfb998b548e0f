"""The lifecycles of a referral and of a lead agency transfer (casework/lifecycles.py):
each step, the states it is allowed from, the state it leads to, and who takes it —
the role (a model permission) and the side of the record (referrals/access.py).

The services, the pages, the templates and the API all read these tables; adding
a state or a step starts here — and whom each step tells (`tells=`).
"""

from django.contrib.auth import get_user_model
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from casework.lifecycles import Lifecycle, Tells, Transition
from casework.models import Case
from casework.parts import Part
from notifications.models import NotificationKind
from referrals.access import OFFERED, OFFERING, RECEIVER, SENDER
from referrals.models import (
    LeadTransfer,
    LeadTransferStatus,
    Referral,
    ReferralEvent,
    ReferralEventKind,
    ReferralStatus,
)

DRAFT, SENT = ReferralStatus.DRAFT, ReferralStatus.SENT
ACCEPTED, IN_PROGRESS = ReferralStatus.ACCEPTED, ReferralStatus.IN_PROGRESS


# --- Whom the steps tell ----------------------------------------------------------------


def _members_who_may(agency_id: int, perm: str):
    """The active members of an agency whose roles (or own permissions) hold `perm`."""
    app_label, codename = perm.split(".")
    holders = get_user_model().objects.filter(
        Q(groups__permissions__codename=codename)
        & Q(groups__permissions__content_type__app_label=app_label)
        | Q(user_permissions__codename=codename)
        & Q(user_permissions__content_type__app_label=app_label)
    )
    return get_user_model().objects.filter(
        is_active=True, groups__agency=agency_id, pk__in=holders.values("pk")
    )


def _receiving_staff(referral: Referral):
    """Those of the receiving agency who work referrals."""
    return _members_who_may(referral.to_agency_id, "referrals.change_referral")


def _senders(referral: Referral):
    """The person who sent the referral, and the case's assigned worker while they
    work for the sending agency (after a lead transfer the case is another team's)."""
    sent_by = ReferralEvent.objects.filter(
        referral=referral, kind=ReferralEventKind.TRANSITION, status=ReferralStatus.SENT
    ).values("actor")
    assigned = Case.objects.filter(
        pk=referral.case_id, assigned_worker__groups__agency=referral.from_agency_id
    ).values("assigned_worker")
    return get_user_model().objects.filter(Q(pk__in=sent_by) | Q(pk__in=assigned), is_active=True)


def _offered_managers(transfer: LeadTransfer):
    """Those of the offered agency who may answer a lead transfer."""
    return _members_who_may(transfer.to_agency_id, "referrals.change_leadtransfer")


def _offerer(transfer: LeadTransfer):
    return [transfer.offered_by_id]


def _sending(action, sources, target, refusal, permission="referrals.add_referral", tells=None):
    """A step of the sending agency's case team."""
    return Transition(
        action=action,
        sources=sources,
        target=target,
        permission=permission,
        side=SENDER,
        refusal=refusal,
        tells=tells,
    )


def _receiving(action, sources, target, refusal, kind):
    """A step of the agency the referral was sent to."""
    return Transition(
        action=action,
        sources=sources,
        target=target,
        permission="referrals.change_referral",
        side=RECEIVER,
        refusal=refusal,
        # Each answer and update of the receiving agency tells the sender.
        tells=Tells(kind, _senders),
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
        _sending(
            "send",
            (DRAFT,),
            SENT,
            _("Only a draft referral can be sent."),
            tells=Tells(NotificationKind.REFERRAL_RECEIVED, _receiving_staff),
        ),
        _receiving(
            "accept",
            (SENT,),
            ACCEPTED,
            _("Only a sent referral can be accepted."),
            NotificationKind.REFERRAL_ACCEPTED,
        ),
        _receiving(
            "decline",
            (SENT,),
            ReferralStatus.DECLINED,
            _("Only a sent referral can be declined."),
            NotificationKind.REFERRAL_DECLINED,
        ),
        _receiving(
            "progress",
            (ACCEPTED, IN_PROGRESS),
            IN_PROGRESS,
            _("Progress can be recorded only on an accepted referral that is not finished."),
            NotificationKind.REFERRAL_PROGRESSED,
        ),
        _receiving(
            "complete",
            (ACCEPTED, IN_PROGRESS),
            ReferralStatus.COMPLETED,
            _("Only an accepted or in-progress referral can be completed."),
            NotificationKind.REFERRAL_COMPLETED,
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
    noun="referral",
    about=lambda referral: {"referral_id": referral.pk},
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
            tells=Tells(NotificationKind.TRANSFER_ACCEPTED, _offerer),
        ),
        Transition(
            action="decline",
            sources=(LeadTransferStatus.OFFERED,),
            target=LeadTransferStatus.DECLINED,
            permission="referrals.change_leadtransfer",
            side=OFFERED,
            refusal=_ANSWERED,
            tells=Tells(NotificationKind.TRANSFER_DECLINED, _offerer),
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
    noun="transfer",
    # Offering the lead is no step (the offer starts in its default state); it tells
    # the offered agency's managers.
    created=Tells(NotificationKind.TRANSFER_OFFERED, _offered_managers),
)
