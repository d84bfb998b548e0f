"""Tasks through their services: who may write them, what the database refuses, who is
told, and the overdue reminders of the sweep."""

import datetime

import pytest
from django.core import mail
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from casework import services as casework
from casework.versioning import ConcurrentEdit
from notifications.models import Notification, NotificationKind
from notifications.sweep import sweep
from tasks import services
from tasks.models import Task, TaskEvent
from tests.casework.helpers import at
from tests.tasks.helpers import add_task, due_in


def test_a_task_is_added_for_the_team_and_recorded_as_an_event(cast, case):
    task = add_task(cast.social_worker, case, title="  Visit the family  ")
    assert (task.title, task.owner, task.done_at, task.version) == (
        "Visit the family",
        None,
        None,
        1,
    )
    assert list(TaskEvent.objects.filter(task=task).values_list("kind", "actor")) == [
        ("created", cast.social_worker.pk)
    ]


def test_a_task_is_completed_and_reopened_with_who_and_when(cast, case):
    task = add_task(cast.social_worker, case)
    done = services.task_complete(actor=cast.colleague, task=task)
    assert done.done_by == cast.colleague
    assert done.done_at is not None
    assert done.version == 2
    with pytest.raises(ValidationError, match="already done"):
        services.task_complete(actor=cast.social_worker, task=done)
    reopened = services.task_reopen(actor=cast.social_worker, task=done)
    assert (reopened.done_at, reopened.done_by, reopened.version) == (None, None, 3)
    with pytest.raises(ValidationError, match="not done"):
        services.task_reopen(actor=cast.social_worker, task=reopened)
    kinds = list(TaskEvent.objects.filter(task=task).order_by("pk").values_list("kind", flat=True))
    assert kinds == ["created", "done", "reopened"]


def test_a_stale_task_update_is_refused_with_the_current_task(cast, case):
    task = add_task(cast.social_worker, case)
    services.task_update(
        actor=cast.colleague, task=task, expected_version=1, title="Call", due_on=task.due_on
    )
    with pytest.raises(ConcurrentEdit) as refused:
        services.task_update(
            actor=cast.social_worker, task=task, expected_version=1, title="Visit", due_on=due_in(5)
        )
    assert refused.value.current.title == "Call"
    assert Task.objects.get(pk=task.pk).title == "Call"


def test_only_the_case_team_writes_tasks(cast, case, grant_view):
    grant_view(cast.police_liaison, case)
    grant_view(cast.partner, case)
    for actor in (cast.police_liaison, cast.partner, cast.outsider, cast.auditor):
        with pytest.raises(PermissionDenied):
            add_task(actor, case)
    assert not Task.objects.filter(case=case).exists()


def test_a_task_is_owned_by_someone_on_the_case_team_only(cast, case):
    for stranger in (cast.outsider, cast.police_liaison, cast.partner, cast.auditor):
        with pytest.raises(ValidationError) as refused:
            add_task(cast.social_worker, case, owner=stranger)
        assert "owner" in refused.value.message_dict
    assert add_task(cast.social_worker, case, owner=cast.program_manager).owner == (
        cast.program_manager
    )


def test_a_task_needs_a_title_and_a_due_date_not_in_the_past(cast, case):
    with pytest.raises(ValidationError) as refused:
        add_task(cast.social_worker, case, title="   ")
    assert "title" in refused.value.message_dict
    with pytest.raises(ValidationError) as refused:
        add_task(cast.social_worker, case, days=-1)
    assert "due_on" in refused.value.message_dict
    with pytest.raises(ValidationError) as refused:
        services.task_add(actor=cast.social_worker, case=case, title="Call", due_on=None)
    assert "due_on" in refused.value.message_dict
    assert not Task.objects.filter(case=case).exists()


def test_no_task_is_added_to_a_closed_case_but_an_open_one_can_still_be_done(cast, case):
    task = add_task(cast.social_worker, case)
    casework.case_close(
        actor=cast.social_worker,
        case=case,
        reason="left_country",
        note="Left.",
        expected_version=None,
    )
    with pytest.raises(ValidationError, match="closed"):
        add_task(cast.social_worker, case)
    done = services.task_complete(actor=cast.social_worker, task=task)
    with pytest.raises(ValidationError, match="closed"):
        services.task_reopen(actor=cast.social_worker, task=done)


def test_the_database_refuses_a_task_done_without_who_or_an_empty_title(cast, case):
    task = add_task(cast.social_worker, case)
    with pytest.raises(IntegrityError), transaction.atomic():
        Task.objects.filter(pk=task.pk).update(done_at=timezone.now())
    with pytest.raises(IntegrityError), transaction.atomic():
        Task.objects.filter(pk=task.pk).update(done_by=cast.social_worker)
    with pytest.raises(IntegrityError), transaction.atomic():
        Task.objects.filter(pk=task.pk).update(title="")


# --- Who is told ----------------------------------------------------------------------------


def _assigned(user):
    return Notification.objects.filter(recipient=user, kind=NotificationKind.TASK_ASSIGNED)


def test_a_task_assigned_to_someone_else_notifies_them_once(
    cast, case, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        task = add_task(cast.social_worker, case, owner=cast.colleague)
        # Changing the task again, still theirs, tells them nothing new.
        services.task_update(
            actor=cast.social_worker,
            task=task,
            expected_version=1,
            title="Visit the family at home",
            due_on=task.due_on,
            owner=cast.colleague,
        )
    assert list(_assigned(cast.colleague).values_list("case", "task_id")) == [(case.pk, task.pk)]
    mails = [m for m in mail.outbox if cast.colleague.email in m.to]
    assert len(mails) == 1
    assert case.reference in mails[0].subject
    assert "Visit" not in mails[0].subject + mails[0].body  # references only, never the task


def test_a_task_one_gives_oneself_or_the_team_notifies_nobody(cast, case):
    add_task(cast.social_worker, case, owner=cast.social_worker)
    add_task(cast.social_worker, case)
    assert not Notification.objects.filter(kind=NotificationKind.TASK_ASSIGNED).exists()


def test_a_task_handed_to_another_person_notifies_the_new_owner(cast, case):
    task = add_task(cast.social_worker, case, owner=cast.colleague)
    services.task_update(
        actor=cast.social_worker,
        task=task,
        expected_version=1,
        title=task.title,
        due_on=task.due_on,
        owner=cast.program_manager,
    )
    assert _assigned(cast.colleague).count() == 1
    assert _assigned(cast.program_manager).count() == 1


# --- Overdue reminders (notifications/sweep.py) ---------------------------------------------


def _overdue(user):
    return Notification.objects.filter(recipient=user, kind=NotificationKind.TASK_OVERDUE)


def test_an_overdue_task_is_reminded_once_however_often_the_sweep_runs(cast, case):
    task = add_task(cast.social_worker, case, days=2, owner=cast.colleague)
    sweep(now=at(2))  # due today: not overdue yet
    assert not _overdue(cast.colleague).exists()
    first = sweep(now=at(3))
    second = sweep(now=at(3, hour=11))
    sweep(now=at(10))
    assert list(_overdue(cast.colleague).values_list("task_id", "due_on", "case")) == [
        (task.pk, task.due_on, case.pk)
    ]
    assert second.created == 0
    assert first.created >= 1


def test_a_team_task_reminds_the_assigned_worker_and_a_done_one_nobody(cast, case):
    team = add_task(cast.colleague, case, days=1)
    done = add_task(cast.colleague, case, days=1, title="Done already")
    services.task_complete(actor=cast.colleague, task=done)
    sweep(now=at(2))
    assert list(_overdue(cast.social_worker).values_list("task_id", flat=True)) == [team.pk]
    assert not _overdue(cast.colleague).exists()


def test_a_new_due_date_is_reminded_again_once_it_passes(cast, case):
    task = add_task(cast.social_worker, case, days=1)
    sweep(now=at(2))
    task = services.task_update(
        actor=cast.social_worker,
        task=task,
        expected_version=1,
        title=task.title,
        due_on=timezone.localdate() + datetime.timedelta(days=5),
    )
    sweep(now=at(3))
    assert _overdue(cast.social_worker).count() == 1
    sweep(now=at(6))
    sweep(now=at(6))
    assert sorted(_overdue(cast.social_worker).values_list("due_on", flat=True)) == [
        due_in(1),
        due_in(5),
    ]


def test_an_owner_who_left_the_case_team_is_not_reminded_of_its_task(cast, case):
    add_task(cast.social_worker, case, days=1, owner=cast.colleague)
    cast.colleague.groups.remove(cast.agency_a.group)  # left Bishkek social services
    sweep(now=at(2))
    assert not _overdue(cast.colleague).exists()


def test_the_weekly_digest_lists_cases_with_overdue_tasks_of_the_managers_program(
    cast, register, monkeypatch
):
    from notifications.digest import weekly_digest

    late, on_time, done = register(), register(), register()
    add_task(cast.social_worker, late, days=1)
    add_task(cast.social_worker, on_time, days=30)
    services.task_complete(actor=cast.social_worker, task=add_task(cast.social_worker, done))
    osh = register(actor=cast.outsider, agency=cast.agency_b)
    add_task(cast.outsider, osh, days=1)
    later = due_in(5)
    monkeypatch.setattr(timezone, "localdate", lambda *args, **kwargs: later)
    assert weekly_digest(cast.program_manager).overdue_tasks == [late.reference]
    assert weekly_digest(cast.outsider_manager).overdue_tasks == [osh.reference]
