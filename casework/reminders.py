"""The review reminders casework declares for the sweep (notifications/sweep.py):
the assigned worker's before, on and after a review or follow-up's due date, and
the lead agency's program managers' once it is a week overdue."""

import datetime

from django.utils import timezone

from agencies.models import Agency, Role
from casework.models import Case, CaseStatus, FollowUp
from notifications.models import NotificationKind
from notifications.sweep import INSERT_NOTIFICATIONS, reminder

UPCOMING_DAYS = 3
ESCALATE_AFTER_DAYS = 7

CASE = Case._meta.db_table
FOLLOWUP = FollowUp._meta.db_table
AGENCY = Agency._meta.db_table
_INSERT = INSERT_NOTIFICATIONS

# Everything a review reminder can be about: the open cases' next reviews and
# the pending post-exit follow-ups, as (case, follow-up, due date, worker).
_DUE = f"""
    SELECT c.id AS case_id, NULL::bigint AS followup_id, c.next_review_on AS due_on,
           c.assigned_worker_id AS worker_id, c.lead_agency_id
      FROM {CASE} c
     WHERE c.status = %(open)s AND c.next_review_on IS NOT NULL
    UNION ALL
    SELECT c.id, f.id, f.due_on, c.assigned_worker_id, c.lead_agency_id
      FROM {FOLLOWUP} f JOIN {CASE} c ON c.id = f.case_id
     WHERE f.review_id IS NULL
"""

# To the assigned worker: 3 days before, on the day, and once overdue.
WORKER_REMINDERS = f"""
    {_INSERT}
    SELECT due.worker_id,
           CASE WHEN due.due_on > %(today)s THEN %(upcoming)s
                WHEN due.due_on = %(today)s THEN %(due)s
                ELSE %(overdue)s END,
           due.case_id, due.followup_id, NULL, due.due_on, %(now)s
      FROM ({_DUE}) due
     WHERE due.worker_id IS NOT NULL AND due.due_on <= %(upcoming_until)s
    ON CONFLICT DO NOTHING
    RETURNING id
"""

# To the program managers of the lead agency: a review a week overdue.
ESCALATIONS = f"""
    {_INSERT}
    SELECT managers.user_id, %(escalation)s, due.case_id, due.followup_id, NULL, due.due_on,
           %(now)s
      FROM ({_DUE}) due
      JOIN {AGENCY} a ON a.id = due.lead_agency_id
      JOIN auth_user_groups managers ON managers.group_id = a.group_id
      JOIN auth_user u ON u.id = managers.user_id AND u.is_active
     WHERE due.due_on <= %(escalate_until)s
       AND EXISTS (SELECT 1 FROM auth_user_groups r JOIN auth_group g ON g.id = r.group_id
                    WHERE r.user_id = managers.user_id AND g.name = %(manager_role)s)
    ON CONFLICT DO NOTHING
    RETURNING id
"""


def _params(now: datetime.datetime) -> dict:
    today = timezone.localdate(now)
    return {
        "now": now,
        "today": today,
        "open": CaseStatus.OPEN,
        "upcoming": NotificationKind.REVIEW_UPCOMING,
        "due": NotificationKind.REVIEW_DUE,
        "overdue": NotificationKind.REVIEW_OVERDUE,
        "escalation": NotificationKind.REVIEW_ESCALATION,
        "manager_role": Role.PROGRAM_MANAGER.value,
        "upcoming_until": today + datetime.timedelta(days=UPCOMING_DAYS),
        "escalate_until": today - datetime.timedelta(days=ESCALATE_AFTER_DAYS),
    }


@reminder("worker reminders")
def worker_reminders(now: datetime.datetime) -> tuple[str, dict]:
    return WORKER_REMINDERS, _params(now)


@reminder("escalations")
def escalations(now: datetime.datetime) -> tuple[str, dict]:
    return ESCALATIONS, _params(now)
