"""Reads of tasks, already filtered by what the reader may see (casework/parts.py)."""

import datetime

from django.db.models import BooleanField, ExpressionWrapper, Q, QuerySet
from django.utils import timezone

from agencies.selectors import agencies_of
from casework.access import audience_condition
from casework.models import Case, CaseStatus
from casework.parts import RULES, Part
from tasks.models import Task, TaskEvent

# Done tasks stay in "My tasks" this long, below the open ones: what was just ticked off.
RECENTLY_DONE_DAYS = 14

_DONE = ExpressionWrapper(Q(done_at__isnull=False), output_field=BooleanField())


def _open_first(tasks: QuerySet[Task]) -> QuerySet[Task]:
    return tasks.annotate(done=_DONE).order_by("done", "due_on", "pk")


def tasks_of_case(case: Case) -> QuerySet[Task]:
    """The case's tasks, open first and by due date; for readers of its tasks part."""
    return _open_first(
        Task.objects.filter(case=case).select_related("owner", "done_by", "created_by")
    )


def case_task_panel(case: Case) -> dict:
    """The case page's tasks section (casework.selectors.case_page_section): one query."""
    return {"tasks": list(tasks_of_case(case)), "today": timezone.localdate()}


def my_tasks(user) -> QuerySet[Task]:
    """Tasks owned by the user, and their lead agencies' tasks owned by no one, on the
    cases whose tasks part they read — all in SQL: open first by due date, then those
    done in the last RECENTLY_DONE_DAYS."""
    if not (user.is_authenticated and user.is_active):
        return Task.objects.none()
    readable = audience_condition(user, RULES[Part.TASKS].read, case_ref="case")
    # An IN-set, not a join through the agency's group: a join would repeat each task
    # once per member of the group.
    teams = agencies_of(user).values("pk")
    mine = Q(owner=user) | Q(owner__isnull=True, case__lead_agency_id__in=teams)
    since = timezone.now() - datetime.timedelta(days=RECENTLY_DONE_DAYS)
    recent = Q(done_at__isnull=True) | Q(done_at__gte=since)
    tasks = Task.objects.filter(readable, mine).filter(recent)
    return _open_first(
        tasks.select_related("case", "case__returnee", "owner", "done_by", "created_by")
    )


def task_events_of(case: Case) -> QuerySet[TaskEvent]:
    return TaskEvent.objects.filter(case=case)


def task_owners(case: Case):
    """Who may own a task of the case: active members of its lead agency whose role
    works tasks, and its assigned worker (the service checks the same)."""
    from django.contrib.auth import get_user_model

    users = get_user_model().objects.filter(is_active=True)
    team = users.filter(Q(groups__agency__pk=case.lead_agency_id) | Q(pk=case.assigned_worker_id))
    return (
        team.filter(
            groups__permissions__content_type__app_label="casework",
            groups__permissions__codename="change_case",
        )
        .distinct()
        .order_by("last_name", "first_name", "username")
    )


def overdue_task_cases(manager, today) -> list[int]:
    """Ids of the open cases of the manager's agencies with a task open past its due date
    (a section of the weekly digest: references only)."""
    overdue = Task.objects.filter(
        case__lead_agency__in=agencies_of(manager).values("pk"),
        case__status=CaseStatus.OPEN,
        done_at__isnull=True,
        due_on__lt=today,
    )
    return list(overdue.order_by("case_id").values_list("case_id", flat=True).distinct())
