import pytest
from django.core import mail
from django.core.exceptions import ValidationError
from django.urls import reverse

from casework import services
from casework.models import Flag, FlagEvent
from notifications.models import Notification
from tests.casework.helpers import flag


def test_flag_lifecycle_is_recorded(cast, case):
    raised = flag(cast.social_worker, case)
    services.flag_acknowledge(actor=cast.colleague, flag=raised)
    services.flag_resolve(actor=cast.social_worker, flag=raised, resolution_note="Ticket refunded.")
    raised.refresh_from_db()
    assert raised.status == "resolved"
    assert list(FlagEvent.objects.filter(flag=raised).values_list("status", "actor__username")) == [
        ("open", "aigul"),
        ("acknowledged", "nurbek"),
        ("resolved", "aigul"),
    ]


def test_urgent_flag_needs_a_second_person_to_resolve(cast, case):
    raised = flag(cast.social_worker, case, severity="urgent")
    with pytest.raises(ValidationError, match="someone other"):
        services.flag_resolve(actor=cast.social_worker, flag=raised, resolution_note="Fine.")
    assert Flag.objects.get(pk=raised.pk).status == "open"
    services.flag_resolve(actor=cast.program_manager, flag=raised, resolution_note="Checked.")
    assert Flag.objects.get(pk=raised.pk).status == "resolved"


@pytest.mark.parametrize("transition", ["acknowledge", "resolve"])
def test_transitions_not_allowed_from_resolved(cast, case, transition):
    raised = flag(cast.social_worker, case)
    services.flag_resolve(actor=cast.colleague, flag=raised, resolution_note="Done.")
    again = {
        "acknowledge": lambda: services.flag_acknowledge(actor=cast.colleague, flag=raised),
        "resolve": lambda: services.flag_resolve(
            actor=cast.colleague, flag=raised, resolution_note="Again."
        ),
    }[transition]
    with pytest.raises(ValidationError):
        again()
    assert FlagEvent.objects.filter(flag=raised).count() == 2


def test_resolution_needs_a_note(cast, case):
    raised = flag(cast.social_worker, case)
    with pytest.raises(ValidationError) as excinfo:
        services.flag_resolve(actor=cast.colleague, flag=raised, resolution_note="  ")
    assert "resolution_note" in excinfo.value.message_dict


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"category": "gossip"}, "category"),
        ({"severity": "apocalyptic"}, "severity"),
        ({"source": "rumour"}, "source"),
        ({"description": ""}, "description"),
    ],
)
def test_bad_flags_are_refused(cast, case, changes, field):
    with pytest.raises(ValidationError) as excinfo:
        flag(cast.social_worker, case, **changes)
    assert field in excinfo.value.message_dict
    assert not Flag.objects.exists()


def test_urgent_flag_notifies_case_worker_and_police_at_once(
    cast, register, grant_view, django_capture_on_commit_callbacks
):
    case = register(actor=cast.social_worker)
    grant_view(cast.police_liaison, case)
    with django_capture_on_commit_callbacks(execute=True):
        raised = flag(cast.colleague, case, severity="urgent")

    recipients = set(
        Notification.objects.filter(flag=raised).values_list("recipient__username", flat=True)
    )
    assert recipients == {"aigul", "marat"}
    assert sorted(m.to[0] for m in mail.outbox) == [
        "aigul@homeward.example",
        "marat@homeward.example",
    ]
    message = mail.outbox[0]
    assert case.reference in message.subject
    # Mail names the case by reference only.
    assert case.returnee.family_name not in message.subject + message.body
    assert Notification.objects.filter(emailed_at__isnull=False).count() == 2


def test_email_is_sent_once_even_if_the_task_runs_twice(cast, register, grant_view):
    from notifications.tasks import send_notification_emails

    case = register()
    raised = flag(cast.colleague, case, severity="urgent")
    notification = Notification.objects.get(flag=raised)
    assert send_notification_emails([notification.pk]) == 1
    assert send_notification_emails([notification.pk]) == 0
    assert len(mail.outbox) == 1


def test_concern_flag_notifies_nobody(cast, case, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        flag(cast.colleague, case, severity="concern")
    assert not Notification.objects.exists()
    assert not mail.outbox


def test_notifications_page_lists_and_marks_read(cast, client_of, register):
    case = register()
    flag(cast.colleague, case, severity="urgent")
    client = client_of(cast.social_worker)
    page = client.get(reverse("notifications"))
    assert case.reference in page.content.decode()
    assert client.post(reverse("notifications")).status_code == 302
    assert not Notification.objects.filter(read_at__isnull=True).exists()
