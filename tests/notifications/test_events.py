"""Each step of a referral, a lead transfer and a triage approval tells whom its
lifecycle declares (casework/lifecycles.py, referrals/lifecycles.py), once, never the
person who took it, and by a mail that names cases by reference only."""

import pytest
from django.core import mail
from django.core.exceptions import ValidationError

from agencies.models import Role
from agencies.services import staff_language_set, staff_member_create
from casework import services as casework
from notifications.models import Notification, NotificationKind
from notifications.tasks import send_notification_emails
from referrals import services as referrals
from referrals.lifecycles import REFERRAL
from referrals.models import ReferralEvent, ReferralEventKind
from tests.casework.helpers import triage
from tests.referrals.helpers import consent, draft


def _told(kind) -> list[str]:
    return sorted(
        Notification.objects.filter(kind=kind).values_list("recipient__username", flat=True)
    )


def _sent_by_colleague(cast, case):
    """A referral to the employer sent by the colleague: its sender is not the case's
    assigned worker (the social worker), so both are told of the answer."""
    consent(cast, case)
    referral = draft(cast, case, actor=cast.colleague)
    return referrals.referral_send(actor=cast.colleague, referral=referral)


def _draft(cast, case):
    consent(cast, case)
    return draft(cast, case)


def _accepted(cast, case):
    return referrals.referral_accept(actor=cast.partner, referral=_sent_by_colleague(cast, case))


def _pending_triage(cast, case):
    return triage(cast.social_worker, case, "violent")


SENDERS = ["aigul", "nurbek"]  # the assigned worker, and the colleague who sent it

# kind -> (what comes before the step, the step, who is told). The step is taken twice:
# the second time it is refused, and tells nobody anything more.
EVENTS = {
    NotificationKind.REFERRAL_RECEIVED: (
        _draft,
        lambda cast, r: referrals.referral_send(actor=cast.social_worker, referral=r),
        ["samat"],  # the employer's partner staff, who work referrals
    ),
    NotificationKind.REFERRAL_ACCEPTED: (
        _sent_by_colleague,
        lambda cast, r: referrals.referral_accept(actor=cast.partner, referral=r),
        SENDERS,
    ),
    NotificationKind.REFERRAL_DECLINED: (
        _sent_by_colleague,
        lambda cast, r: referrals.referral_decline(actor=cast.partner, referral=r, reason="Full."),
        SENDERS,
    ),
    NotificationKind.REFERRAL_COMPLETED: (
        _accepted,
        lambda cast, r: referrals.referral_complete(
            actor=cast.partner, referral=r, outcome="Hired."
        ),
        SENDERS,
    ),
    NotificationKind.TRANSFER_OFFERED: (
        lambda cast, case: case,
        # Offering again while an offer waits is refused.
        lambda cast, case: referrals.lead_transfer_offer(
            actor=cast.program_manager, case=case, to_agency=cast.agency_b
        ),
        ["bakhtiyar"],  # agency B's program manager; its social worker answers no transfer
    ),
    NotificationKind.TRANSFER_ACCEPTED: (
        lambda cast, case: referrals.lead_transfer_offer(
            actor=cast.program_manager, case=case, to_agency=cast.agency_b
        ),
        lambda cast, t: referrals.lead_transfer_accept(actor=cast.outsider_manager, transfer=t),
        ["gulmira"],  # the program manager who offered it
    ),
    NotificationKind.TRANSFER_DECLINED: (
        lambda cast, case: referrals.lead_transfer_offer(
            actor=cast.program_manager, case=case, to_agency=cast.agency_b
        ),
        lambda cast, t: referrals.lead_transfer_decline(actor=cast.outsider_manager, transfer=t),
        ["gulmira"],
    ),
    NotificationKind.TRIAGE_APPROVED: (
        _pending_triage,
        lambda cast, a: casework.triage_decide(
            actor=cast.program_manager, assessment=a, approve=True, comment="Agreed."
        ),
        ["aigul"],  # the assessor
    ),
    NotificationKind.TRIAGE_REJECTED: (
        _pending_triage,
        lambda cast, a: casework.triage_decide(
            actor=cast.program_manager, assessment=a, approve=False, comment="Not yet."
        ),
        ["aigul"],
    ),
}


@pytest.mark.parametrize("kind", sorted(EVENTS))
def test_each_event_notifies_once_and_a_retried_email_task_sends_nothing_more(
    cast, register, django_capture_on_commit_callbacks, kind
):
    before, step, told = EVENTS[kind]
    case = register()
    record = before(cast, case)
    with django_capture_on_commit_callbacks(execute=True):
        step(cast, record)
    assert _told(kind) == told
    ids = list(Notification.objects.filter(kind=kind).values_list("pk", flat=True))
    assert sorted(m.to[0].split("@")[0] for m in mail.outbox) == told

    outbox = len(mail.outbox)
    with django_capture_on_commit_callbacks(execute=True), pytest.raises(ValidationError):
        step(cast, record)
    assert _told(kind) == told
    # The email task, delivered again (a redelivered message, a retry): nothing more.
    assert send_notification_emails(ids) == 0
    assert len(mail.outbox) == outbox


def test_each_progress_update_tells_the_sender_once(
    cast, register, django_capture_on_commit_callbacks
):
    case = register()
    referral = _accepted(cast, case)
    with django_capture_on_commit_callbacks(execute=True):
        referrals.referral_progress(actor=cast.partner, referral=referral, note="Week one.")
    assert _told(NotificationKind.REFERRAL_PROGRESSED) == SENDERS
    first = ReferralEvent.objects.get(kind=ReferralEventKind.PROGRESS)
    progressed = Notification.objects.filter(kind=NotificationKind.REFERRAL_PROGRESSED)
    ids = list(progressed.values_list("pk", flat=True))
    outbox = len(mail.outbox)

    # The same update told again (a retried step) tells nobody twice, nor mails twice.
    again = REFERRAL.tell("progress", referral, actor=cast.partner, case=case, occasion=first.pk)
    assert again == []
    assert send_notification_emails(ids) == 0
    assert len(mail.outbox) == outbox

    # A second update is news of its own.
    with django_capture_on_commit_callbacks(execute=True):
        referrals.referral_progress(actor=cast.partner, referral=referral, note="Week two.")
    assert _told(NotificationKind.REFERRAL_PROGRESSED) == sorted(SENDERS * 2)
    assert len(mail.outbox) == outbox + 2


def test_the_actor_is_not_told_of_their_own_action(cast, register):
    # A worker of agency A who also works the employer's referrals sends one there,
    # then accepts it for the employer: neither step tells them.
    both = staff_member_create(
        actor=None,
        username="two.hats",
        password=None,
        password_hash="!",
        role=Role.SOCIAL_WORKER,
        agencies=[cast.agency_a, cast.employer],
        email="two.hats@homeward.example",
    )
    case = register()
    consent(cast, case)
    referral = referrals.referral_send(actor=both, referral=draft(cast, case, actor=both))
    assert _told(NotificationKind.REFERRAL_RECEIVED) == ["samat"]
    referrals.referral_accept(actor=both, referral=referral)
    assert _told(NotificationKind.REFERRAL_ACCEPTED) == ["aigul"]  # the assigned worker only
    assert not Notification.objects.filter(recipient=both).exists()


def test_none_with_a_name_in_the_mail(cast, register, django_capture_on_commit_callbacks):
    person = {"given_name": "Zarina", "family_name": "Tokhtasinova", "patronymic": "Rustamovna"}
    case = register(**person)
    staff_language_set(actor=cast.social_worker, language="ru")
    notes = ["Trained as a seamstress", "No places this month", "Hired on the cutting line"]
    with django_capture_on_commit_callbacks(execute=True):
        referral = _sent_by_colleague(cast, case)
        referrals.referral_accept(actor=cast.partner, referral=referral)
        referrals.referral_progress(actor=cast.partner, referral=referral, note=notes[0])
        referrals.referral_complete(actor=cast.partner, referral=referral, outcome=notes[2])
        declined = draft(cast, case, service_type="job_placement")
        referrals.referral_send(actor=cast.social_worker, referral=declined)
        referrals.referral_decline(actor=cast.partner, referral=declined, reason=notes[1])
        assessment = triage(cast.social_worker, case, "violent")
        casework.triage_decide(
            actor=cast.program_manager, assessment=assessment, approve=True, comment=notes[1]
        )
        transfer = referrals.lead_transfer_offer(
            actor=cast.program_manager, case=case, to_agency=cast.agency_b, note=notes[0]
        )
        referrals.lead_transfer_decline(
            actor=cast.outsider_manager, transfer=transfer, note=notes[1]
        )
    assert set(Notification.objects.values_list("kind", flat=True)) == {
        NotificationKind.REFERRAL_RECEIVED,
        NotificationKind.REFERRAL_ACCEPTED,
        NotificationKind.REFERRAL_PROGRESSED,
        NotificationKind.REFERRAL_COMPLETED,
        NotificationKind.REFERRAL_DECLINED,
        NotificationKind.TRIAGE_PENDING,
        NotificationKind.TRIAGE_APPROVED,
        NotificationKind.TRANSFER_OFFERED,
        NotificationKind.TRANSFER_DECLINED,
    }
    assert len(mail.outbox) == Notification.objects.count()
    who = ("social_worker", "colleague", "partner", "program_manager", "outsider_manager")
    staff = [getattr(cast, role) for role in who]
    names = [*person.values(), *(u.first_name for u in staff), *(u.last_name for u in staff)]
    for message in mail.outbox:
        for text in (message.subject, message.body):
            assert case.reference in text
            for secret in [*names, *notes]:
                assert secret not in text, (secret, message.subject)
    # In the recipient's language: the social worker reads Russian.
    russian = [m for m in mail.outbox if m.to == ["aigul@homeward.example"]]
    assert russian
    assert all("Откройте дело в Homeward" in m.body for m in russian)
