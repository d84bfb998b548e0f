"""Every write to a task: add, change, complete, reopen.

Each service checks the role, locks the case first and then the task
(casework.versioning), checks that the actor writes the case's tasks part
(casework/parts.py), and records what happened as a TaskEvent, which the case
timeline shows; row changes reach the audit trail through its triggers. Giving a
task to someone other than the actor tells them, once per task and owner.
"""

import datetime
import logging

from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from agencies.access import is_member
from casework.access import case_viewer
from casework.models import Case
from casework.parts import Part
from casework.versioning import check_version, locked_case, require_open, save_versioned
from notifications.models import NotificationKind
from notifications.services import notify
from tasks.lifecycles import TASK, TASK_PERMISSION
from tasks.models import Task, TaskEvent, TaskEventKind

logger = logging.getLogger(__name__)
User = get_user_model()


def _require_task_writer(actor, case: Case) -> None:
    """The role works tasks, and the actor is on the case's team (the tasks part)."""
    if not actor.has_perm(TASK_PERMISSION):
        raise PermissionDenied
    if not case_viewer(actor, case).can_write(Part.TASKS):
        raise PermissionDenied


def _check_owner(case: Case, owner) -> None:
    """A person owning a task works the case: an active member of its lead agency whose
    role works tasks, or its assigned worker."""
    if owner is None:
        return
    on_team = owner.pk == case.assigned_worker_id or is_member(owner, case.lead_agency_id)
    if not (owner.is_active and on_team and owner.has_perm(TASK_PERMISSION)):
        raise ValidationError(
            {"owner": _("Give the task to someone on the case team, or to the whole team.")}
        )


def _check_due(due_on: datetime.date | None, *, was: datetime.date | None = None) -> None:
    if due_on is None:
        raise ValidationError({"due_on": _("Say by when the task is due.")})
    if due_on != was and due_on < timezone.localdate():
        raise ValidationError({"due_on": _("The due date cannot be in the past.")})


def _event(task: Task, actor, kind: str) -> None:
    TaskEvent.objects.create(task=task, case_id=task.case_id, kind=kind, actor=actor)
    logger.info("task %s case_id=%s task_id=%s actor_id=%s", kind, task.case_id, task.pk, actor.pk)


def _tell_owner(task: Task, actor) -> None:
    if task.owner_id is not None and task.owner_id != actor.pk:
        notify(
            recipients=[task.owner_id],
            kind=NotificationKind.TASK_ASSIGNED,
            case=task.case,
            task_id=task.pk,
            key=f"task:{task.pk}:assigned:{task.owner_id}",
        )


def _locked_task(task: Task) -> tuple[Case, Task]:
    """The case, then the task, locked in that order (casework.versioning)."""
    case = locked_case(task.case_id)
    current = Task.objects.select_for_update().get(pk=task.pk)
    current.case = case
    return case, current


@transaction.atomic
def task_add(
    *,
    actor,
    case: Case,
    title: str,
    due_on: datetime.date | None,
    owner=None,
    details: str = "",
) -> Task:
    """A new open task on an open case, owned by `owner` or, with none, by the team."""
    case = locked_case(case.pk)
    _require_task_writer(actor, case)
    require_open(case)
    _check_owner(case, owner)
    _check_due(due_on)
    task = Task(
        case=case,
        title=(title or "").strip(),
        details=(details or "").strip(),
        owner=owner,
        due_on=due_on,
        created_by=actor,
    )
    task.full_clean(exclude=["case", "owner", "created_by", "done_by"])
    task.save()
    _event(task, actor, TaskEventKind.CREATED)
    _tell_owner(task, actor)
    return task


@transaction.atomic
def task_update(
    *,
    actor,
    task: Task,
    expected_version: int | None,
    title: str,
    due_on: datetime.date | None,
    owner=None,
    details: str = "",
) -> Task:
    """Change what the task says, its date or its owner (None: the team). A stale
    `expected_version` is refused with ConcurrentEdit, nothing saved."""
    case, current = _locked_task(task)
    _require_task_writer(actor, case)
    require_open(case)
    check_version(current, expected_version)
    _check_owner(case, owner)
    _check_due(due_on, was=current.due_on)
    current.title = (title or "").strip()
    current.details = (details or "").strip()
    current.owner = owner
    current.due_on = due_on
    current.full_clean(exclude=["case", "owner", "created_by", "done_by"])
    save_versioned(current, ["title", "details", "owner", "due_on"])
    _event(current, actor, TaskEventKind.UPDATED)
    _tell_owner(current, actor)
    return current


@transaction.atomic
def task_complete(*, actor, task: Task, expected_version: int | None = None) -> Task:
    """Mark an open task done. Allowed on a closed case too: the team tidies up."""
    case, current = _locked_task(task)
    _require_task_writer(actor, case)
    check_version(current, expected_version)
    TASK.advance(current, "complete")
    current.done_at = timezone.now()
    current.done_by = actor
    save_versioned(current, ["done_at", "done_by"])
    _event(current, actor, TaskEventKind.DONE)
    return current


@transaction.atomic
def task_reopen(*, actor, task: Task, expected_version: int | None = None) -> Task:
    """Open a done task again, on an open case."""
    case, current = _locked_task(task)
    _require_task_writer(actor, case)
    require_open(case)
    check_version(current, expected_version)
    TASK.advance(current, "reopen")
    current.done_at = None
    current.done_by = None
    save_versioned(current, ["done_at", "done_by"])
    _event(current, actor, TaskEventKind.REOPENED)
    return current
