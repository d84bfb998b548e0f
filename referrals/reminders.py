"""The reminder referrals declare for the sweep (notifications/sweep.py): to whoever
sent a referral still unanswered past its response deadline."""

import datetime

from django.utils import timezone

from notifications.models import NotificationKind
from notifications.sweep import INSERT_NOTIFICATIONS, reminder
from referrals.models import Referral, ReferralStatus

REFERRAL = Referral._meta.db_table
_INSERT = INSERT_NOTIFICATIONS

# To whoever sent a referral that is still unanswered past its response deadline.
REFERRAL_REMINDERS = f"""
    {_INSERT}
    SELECT r.created_by_id, %(referral_overdue)s, r.case_id, NULL, r.id, r.response_deadline,
           %(now)s
      FROM {REFERRAL} r
      JOIN auth_user u ON u.id = r.created_by_id AND u.is_active
     WHERE r.status = %(sent)s AND r.response_deadline < %(today)s
    ON CONFLICT DO NOTHING
    RETURNING id
"""


@reminder("referral reminders")
def referral_reminders(now: datetime.datetime) -> tuple[str, dict]:
    params = {
        "now": now,
        "today": timezone.localdate(now),
        "referral_overdue": NotificationKind.REFERRAL_OVERDUE,
        "sent": ReferralStatus.SENT,
    }
    return REFERRAL_REMINDERS, params
