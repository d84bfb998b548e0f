"""The reminder tasks declare for the sweep (notifications/sweep.py): an open task past
its due date, to its owner or, for a team task, to the case's assigned worker. Once per
task and due date: a changed due date is a new reminder, a repeated sweep none."""

import datetime

from django.contrib.auth.models import Permission
from django.utils import timezone

from casework.access import CHANGE
from casework.models import Case, CaseGroupObjectPermission, CaseStatus, CaseUserObjectPermission
from notifications.models import NotificationKind
from notifications.sweep import INSERT_TASK_NOTIFICATIONS, reminder
from tasks.models import Task

TASK = Task._meta.db_table
CASE = Case._meta.db_table
USER_GRANT = CaseUserObjectPermission._meta.db_table
GROUP_GRANT = CaseGroupObjectPermission._meta.db_table

# The recipient must still be on the case team (hold change_case on it, as a person or
# through a group): an owner who has left the team is told nothing about the case.
TASK_REMINDERS = f"""
    {INSERT_TASK_NOTIFICATIONS}
    SELECT u.id, %(task_overdue)s, t.case_id, t.id, t.due_on, %(now)s
      FROM {TASK} t
      JOIN {CASE} c ON c.id = t.case_id
      JOIN auth_user u ON u.id = COALESCE(t.owner_id, c.assigned_worker_id) AND u.is_active
     WHERE t.done_at IS NULL AND t.due_on < %(today)s AND c.status = %(open)s
       AND (EXISTS (SELECT 1 FROM {USER_GRANT} g
                     WHERE g.content_object_id = t.case_id AND g.user_id = u.id
                       AND g.permission_id = %(change_case)s)
            OR EXISTS (SELECT 1 FROM {GROUP_GRANT} g
                         JOIN auth_user_groups m ON m.group_id = g.group_id
                        WHERE g.content_object_id = t.case_id AND m.user_id = u.id
                          AND g.permission_id = %(change_case)s))
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
        "change_case": Permission.objects.get(
            content_type__app_label="casework", codename=CHANGE
        ).pk,
    }
    return TASK_REMINDERS, params
