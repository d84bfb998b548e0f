"""The reminder tasks declare for the sweep (notifications/sweep.py): an open task past
its due date, to its owner or, for a team task, to the case's assigned worker. Once per
task and due date: a changed due date is a new reminder, a repeated sweep none."""

import datetime

from django.utils import timezone

from casework.models import Case, CaseStatus
from notifications.models import NotificationKind
from notifications.sweep import INSERT_TASK_NOTIFICATIONS, reminder
from tasks.models import Task

TASK = Task._meta.db_table
CASE = Case._meta.db_table

TASK_REMINDERS = f"""
    {INSERT_TASK_NOTIFICATIONS}
    SELECT u.id, %(task_overdue)s, t.case_id, t.id, t.due_on, %(now)s
      FROM {TASK} t
      JOIN {CASE} c ON c.id = t.case_id
      JOIN auth_user u ON u.id = COALESCE(t.owner_id, c.assigned_worker_id) AND u.is_active
     WHERE t.done_at IS NULL AND t.due_on < %(today)s AND c.status = %(open)s
    ON CONFLICT DO NOTHING
    RETURNING id
"""  # noqa: S608 (table names from model metadata; every value is a parameter)


@reminder("task reminders")
def task_reminders(now: datetime.datetime) -> tuple[str, dict]:
    params = {
        "now": now,
        "today": timezone.localdate(now),
        "task_overdue": NotificationKind.TASK_OVERDUE,
        "open": CaseStatus.OPEN,
    }
    return TASK_REMINDERS, params
