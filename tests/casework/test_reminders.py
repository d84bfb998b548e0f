"""Review reminders: what is sent, to whom, and exactly once."""

import datetime
import threading

import pytest
from django.core import mail
from django.db import connection
from django.urls import reverse
from django.utils import timezone

from casework import services
from casework.models import FollowUp
from notifications.digest import weekly_digest
from notifications.models import EmailPreference, Notification, NotificationKind, SweepRun
from notifications.services import email_preferences_set
from notifications.sweep import sweep
from notifications.tasks import send_notification_emails
from tests.casework.helpers import at, flag, triage

DAY = datetime.timedelta(days=1)


def kinds(**filters):
    """Review reminders (the weekly digest comes on its own schedule)."""
    return sorted(
        Notification.objects.filter(kind__startswith="review", **filters).values_list(
            "recipient__username", "kind", "due_on"
        )
    )


def digests():
    return sorted(
        Notification.objects.filter(kind="weekly_digest").values_list(
            "recipient__username", "kind", "due_on"
        )
    )


def test_worker_is_reminded_three_days_before_on_the_day_and_once_overdue(cast, case):
    due = case.next_review_on
    for day in range(0, 20):
        sweep(now=at(day))
    assert kinds(recipient=cast.social_worker) == [
        ("aigul", "review_due", due),
        ("aigul", "review_overdue", due),
        ("aigul", "review_upcoming", due),
    ]
    upcoming = Notification.objects.get(kind="review_upcoming")
    assert timezone.localtime(upcoming.created_at).date() == due - 3 * DAY


def test_running_the_sweep_twice_creates_nothing_new(cast, case):
    first = sweep(now=at(14))
    second = sweep(now=at(14))
    assert first.created == len(kinds()) + len(digests())
    assert second.created == 0
    assert len(kinds()) == 1


def test_after_a_day_of_downtime_one_sweep_catches_up_once(cast, case):
    sweep(now=at(10))  # nothing due yet
    assert not kinds()
    # Beat was down for the whole due day; the next sweep is the day after.
    sweep(now=at(15))
    sweep(now=at(15, hour=11))
    assert kinds() == [("aigul", "review_overdue", case.next_review_on)]


def test_a_changed_review_date_reminds_for_the_new_date_only(cast, case):
    old_due = case.next_review_on
    sweep(now=at(12))
    assert kinds() == [("aigul", "review_upcoming", old_due)]
    triage(cast.social_worker, case, "non_violent")  # next review in 90 days now
    case.refresh_from_db()
    for day in range(12, 20):
        sweep(now=at(day))
    assert kinds() == [("aigul", "review_upcoming", old_due)]
    sweep(now=at(case.next_review_on.toordinal() - timezone.localdate().toordinal()))
    assert ("aigul", "review_due", case.next_review_on) in kinds()


def test_program_manager_is_told_when_a_review_is_a_week_overdue(cast, case):
    due = case.next_review_on
    sweep(now=at(14 + 6))
    assert not kinds(kind="review_escalation")
    sweep(now=at(14 + 7))
    sweep(now=at(14 + 8))
    assert kinds(kind="review_escalation") == [("gulmira", "review_escalation", due)]


def test_reintegrated_cases_get_follow_ups_at_6_and_12_months(cast, case):
    services.case_close(
        actor=cast.social_worker, case=case, reason="reintegrated", expected_version=None
    )
    closed_on = timezone.localdate()
    followups = list(FollowUp.objects.order_by("months").values_list("months", "due_on"))
    assert followups == [
        (6, services.add_months(closed_on, 6)),
        (12, services.add_months(closed_on, 12)),
    ]
    six = FollowUp.objects.get(months=6)
    days_to_six = (six.due_on - timezone.localdate()).days
    sweep(now=at(days_to_six))
    reminder = Notification.objects.get(followup=six)
    assert (reminder.kind, reminder.recipient) == ("review_due", cast.social_worker)
    assert reminder.text.startswith("Follow-up:")

    services.followup_complete(actor=cast.social_worker, followup=six, summary="Working, housed.")
    sweep(now=at(days_to_six + 1))
    assert not Notification.objects.filter(followup=six, kind="review_overdue").exists()


def test_add_months_clamps_to_the_end_of_the_month():
    assert services.add_months(datetime.date(2026, 8, 31), 6) == datetime.date(2027, 2, 28)
    assert services.add_months(datetime.date(2026, 1, 15), 12) == datetime.date(2027, 1, 15)


def test_weekly_digest_goes_to_managers_once_a_week_from_monday_morning(cast, case):
    today = timezone.localdate()
    monday = today - datetime.timedelta(days=today.weekday())
    monday_6 = timezone.make_aware(datetime.datetime.combine(monday, datetime.time(6)))
    sweep(now=monday_6)
    assert not digests()
    sweep(now=monday_6 + datetime.timedelta(hours=2))
    sweep(now=monday_6 + datetime.timedelta(days=2))
    assert digests() == [
        ("bakhtiyar", "weekly_digest", monday),
        ("gulmira", "weekly_digest", monday),
    ]


def test_digest_lists_overdue_reviews_urgent_flags_and_overdue_referrals(cast, register):
    overdue = register()
    triage(cast.social_worker, overdue, "unsettled")
    urgent = register()
    flag(cast.colleague, urgent, severity="urgent")
    other_program = register(actor=cast.outsider, agency=cast.agency_b)
    flag(cast.outsider, other_program, severity="urgent")

    with time_travel(days=20):
        digest = weekly_digest(cast.program_manager)
    assert overdue.reference in digest.overdue_reviews
    assert digest.urgent_flags == [urgent.reference]
    assert other_program.reference not in digest.overdue_reviews + digest.urgent_flags


def test_digest_keeps_an_urgent_case_that_also_has_an_old_resolved_flag(cast, register):
    case = register()
    old = flag(cast.colleague, case, severity="concern")
    services.flag_resolve(actor=cast.social_worker, flag=old, resolution_note="Ticket refunded.")
    flag(cast.colleague, case, severity="urgent")
    resolved_urgent_only = register()
    gone = flag(cast.colleague, resolved_urgent_only, severity="urgent")
    services.flag_resolve(actor=cast.social_worker, flag=gone, resolution_note="Came home.")

    assert weekly_digest(cast.program_manager).urgent_flags == [case.reference]


def test_emails_follow_preferences_and_in_app_is_always_on(
    cast, case, django_capture_on_commit_callbacks
):
    email_preferences_set(actor=cast.social_worker, enabled={"review_due": False})
    with django_capture_on_commit_callbacks(execute=True):
        sweep(now=at(11))  # upcoming: emailed
        sweep(now=at(14))  # due: muted
    assert kinds() == [
        ("aigul", "review_due", case.next_review_on),
        ("aigul", "review_upcoming", case.next_review_on),
    ]
    review_mail = [m for m in mail.outbox if m.subject.startswith("Review")]
    assert [m.subject for m in review_mail] == [
        Notification.objects.get(kind="review_upcoming").text
    ]
    assert case.reference in review_mail[0].subject
    assert case.returnee.family_name not in review_mail[0].body


def emailed_kinds(user) -> list[str]:
    muted = set(
        EmailPreference.objects.filter(user=user, send_email=False).values_list("kind", flat=True)
    )
    return [kind for kind in NotificationKind.values if kind not in muted]


def test_preferences_page_saves_the_ticked_kinds_and_all_unticked_means_no_email(cast, client_of):
    http = client_of(cast.social_worker)
    url = reverse("notification_preferences")
    assert http.post(url, {"email": ["review_due", "urgent_flag"]}).url == url
    assert emailed_kinds(cast.social_worker) == ["urgent_flag", "review_due"]
    page = http.get(url).content.decode()
    assert page.count(" checked") == 2
    assert http.post(url, {}).url == url
    assert emailed_kinds(cast.social_worker) == []


def test_preferences_page_refuses_an_unknown_kind_and_saves_nothing(cast, client_of):
    email_preferences_set(actor=cast.social_worker, enabled={"review_due": False})
    before = sorted(EmailPreference.objects.values_list("user", "kind", "send_email"))
    http = client_of(cast.social_worker)
    for unknown in (["no_such_kind"], ["urgent_flag", "no_such_kind"]):
        answer = http.post(reverse("notification_preferences"), {"email": unknown})
        assert answer.status_code == 400
        assert "no_such_kind" in answer.context["form"].errors["email"][0]
        assert 'class="form-errors"' in answer.content.decode()
        assert sorted(EmailPreference.objects.values_list("user", "kind", "send_email")) == before


def test_an_email_is_sent_once_even_when_its_task_runs_twice(cast, case):
    sweep(now=at(14))
    notification = Notification.objects.get(kind="review_due")
    assert send_notification_emails([notification.pk]) == 1
    assert send_notification_emails([notification.pk]) == 0
    assert len(mail.outbox) == 1


def test_a_lost_email_is_queued_again_by_the_next_sweep(cast, case):
    moment = at(14)
    sweep(now=moment)  # its email task never ran (broker down at commit)
    Notification.objects.filter(kind="weekly_digest").update(emailed_at=moment)
    notification = Notification.objects.get(kind="review_due")
    later = moment + datetime.timedelta(minutes=15)
    result = sweep(now=later)
    assert result.created == 0
    assert result.emails_queued == 1
    # A worker that claimed it and died leaves a lease; after it expires the row is retried.
    Notification.objects.filter(pk=notification.pk).update(
        email_claimed_at=later - datetime.timedelta(minutes=5)
    )
    assert sweep(now=later).emails_queued == 0
    Notification.objects.filter(pk=notification.pk).update(
        email_claimed_at=later - datetime.timedelta(minutes=20)
    )
    assert sweep(now=later).emails_queued == 1


def test_sweeps_are_recorded_for_healthz(cast, case, client):
    sweep(now=at(14))
    assert SweepRun.objects.get().created == 1 + len(digests())
    assert client.get("/healthz").json()["last_sweep_seconds_ago"] < 60


@pytest.mark.django_db(transaction=True)
def test_two_sweeps_at_once_create_each_reminder_once(cast, register):
    cases = [register() for _ in range(20)]
    barrier = threading.Barrier(2)
    errors = []

    def run():
        try:
            barrier.wait(timeout=10)
            sweep(now=at(14))
        except Exception as exc:  # surfaced below
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=run) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert not errors
    assert len(kinds()) == len(cases)
    assert sum(SweepRun.objects.values_list("created", flat=True)) == len(cases) + len(digests())


class time_travel:
    """Run selectors as if `days` had passed (they read timezone.localdate())."""

    def __init__(self, days: int):
        self.days = days

    def __enter__(self):
        from unittest import mock

        target = timezone.localdate() + datetime.timedelta(days=self.days)
        self.patch = mock.patch("casework.selectors.timezone.localdate", return_value=target)
        self.patch.start()

    def __exit__(self, *exc):
        self.patch.stop()


def _sent_referral(cast, case, deadline_in_days=2):
    from referrals import services as referral_services

    referral_services.consent_record(
        actor=cast.social_worker,
        case=case,
        agency=cast.employer,
        purpose="job_placement",
        scope=["identity"],
        decision="given",
        given_by="person",
    )
    referral = referral_services.referral_create(
        actor=cast.social_worker,
        case=case,
        to_agency=cast.employer,
        service_type="job_placement",
        reason="Needs work.",
        response_deadline=timezone.localdate() + datetime.timedelta(days=deadline_in_days),
        share_scope=["identity"],
    )
    referral_services.referral_send(actor=cast.social_worker, referral=referral)
    return referral


def test_sender_is_told_once_when_a_referral_response_is_overdue(cast, case):
    referral = _sent_referral(cast, case, deadline_in_days=2)
    sweep(now=at(2))
    assert not Notification.objects.filter(kind="referral_overdue").exists()
    sweep(now=at(3))
    sweep(now=at(4))
    reminder = Notification.objects.get(kind="referral_overdue")
    assert (reminder.recipient, reminder.referral_id, reminder.due_on) == (
        cast.social_worker,
        referral.pk,
        referral.response_deadline,
    )


def test_an_answered_referral_is_not_reminded(cast, case):
    from referrals import services as referral_services

    referral = _sent_referral(cast, case, deadline_in_days=2)
    referral_services.referral_accept(actor=cast.partner, referral=referral)
    sweep(now=at(5))
    assert not Notification.objects.filter(kind="referral_overdue").exists()


def test_digest_counts_overdue_referral_responses(cast, case):
    _sent_referral(cast, case, deadline_in_days=2)
    with time_travel(days=5):
        digest = weekly_digest(cast.program_manager)
    assert digest.overdue_referrals == [case.reference]
