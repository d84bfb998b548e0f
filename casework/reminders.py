"""The reminder sweep: every due review, follow-up, unanswered referral and weekly digest
becomes a notification, once.

Celery beat runs `sweep` every 15 minutes (config/schedule.py). Nothing is
scheduled ahead as a delayed message: each sweep looks at the data as it is now.

Exactly once:
- Each reminder is a `Notification` row whose unique key is (recipient, kind,
  case, follow-up, referral, due date). The sweep writes them with set-based
  `INSERT … SELECT … ON CONFLICT DO NOTHING RETURNING id`, so running twice,
  two sweeps overlapping, beat running twice, or a redelivered task (acks_late)
  create nothing new; after beat was down, the next sweep catches up once.
- A changed review date is a new due date: new reminders for it, none for the
  old one (the sweep only reads current dates).
- Emails go out after commit, in batches; a worker claims each row with a
  conditional UPDATE (a 15-minute lease) before sending and marks it sent
  after, so two workers never send the same email, and an email whose worker
  died before sending is picked up again by a later sweep.
"""

import datetime
import logging
from dataclasses import dataclass

from django.db import connection, transaction
from django.utils import timezone

from agencies.models import Agency, Role
from casework.models import (
    Case,
    CaseStatus,
    FollowUp,
    Notification,
    NotificationKind,
    SweepRun,
)
from referrals.models import Referral, ReferralStatus

logger = logging.getLogger(__name__)

UPCOMING_DAYS = 3
ESCALATE_AFTER_DAYS = 7
EMAIL_LEASE = datetime.timedelta(minutes=15)
EMAIL_RETRY_WINDOW = datetime.timedelta(days=2)
EMAIL_BATCH = 200
# Weekly digests go out from Monday 07:00 in the program's time zone.
DIGEST_WEEKDAY = 0
DIGEST_HOUR = 7

N = Notification._meta.db_table
CASE = Case._meta.db_table
FOLLOWUP = FollowUp._meta.db_table
AGENCY = Agency._meta.db_table
REFERRAL = Referral._meta.db_table

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

_INSERT = f"""
    INSERT INTO {N} (recipient_id, kind, case_id, followup_id, referral_id, due_on, created_at)
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

# To every program manager, once a week (the due date is the week's Monday).
DIGESTS = f"""
    {_INSERT}
    SELECT u.id, %(digest)s, NULL, NULL, NULL, %(week)s, %(now)s
      FROM auth_user u
     WHERE u.is_active
       AND EXISTS (SELECT 1 FROM auth_user_groups r JOIN auth_group g ON g.id = r.group_id
                    WHERE r.user_id = u.id AND g.name = %(manager_role)s)
    ON CONFLICT DO NOTHING
    RETURNING id
"""


@dataclass(frozen=True)
class SweepResult:
    created: int
    emails_queued: int
    run_id: int


def _digest_week(now: datetime.datetime) -> datetime.date | None:
    """This week's Monday, once Monday 07:00 local time has passed."""
    local = timezone.localtime(now)
    monday = local.date() - datetime.timedelta(days=local.weekday() - DIGEST_WEEKDAY)
    if local.weekday() == DIGEST_WEEKDAY and local.hour < DIGEST_HOUR:
        return None
    return monday


def _statements(now: datetime.datetime) -> list[tuple[str, str, dict]]:
    today = timezone.localdate(now)
    params = {
        "now": now,
        "today": today,
        "open": CaseStatus.OPEN,
        "upcoming": NotificationKind.REVIEW_UPCOMING,
        "due": NotificationKind.REVIEW_DUE,
        "overdue": NotificationKind.REVIEW_OVERDUE,
        "escalation": NotificationKind.REVIEW_ESCALATION,
        "digest": NotificationKind.WEEKLY_DIGEST,
        "referral_overdue": NotificationKind.REFERRAL_OVERDUE,
        "sent": ReferralStatus.SENT,
        "manager_role": Role.PROGRAM_MANAGER.value,
        "upcoming_until": today + datetime.timedelta(days=UPCOMING_DAYS),
        "escalate_until": today - datetime.timedelta(days=ESCALATE_AFTER_DAYS),
    }
    statements = [
        ("worker reminders", WORKER_REMINDERS, params),
        ("escalations", ESCALATIONS, params),
        ("referral reminders", REFERRAL_REMINDERS, params),
    ]
    if (week := _digest_week(now)) is not None:
        statements.append(("digests", DIGESTS, {**params, "week": week}))
    return statements


def _unsent_ids(now: datetime.datetime) -> list[int]:
    """Recent notifications whose email is neither sent nor being sent: lost on the
    way (a broker outage at commit, a worker killed before sending)."""
    return list(
        Notification.objects.filter(
            emailed_at__isnull=True,
            created_at__gte=now - EMAIL_RETRY_WINDOW,
        )
        .exclude(email_claimed_at__gte=now - EMAIL_LEASE)
        .values_list("pk", flat=True)
    )


def sweep(*, now: datetime.datetime | None = None) -> SweepResult:
    """Create every reminder that is due and not yet created; queue their emails."""
    from casework.tasks import send_notification_emails

    started = timezone.now()
    now = now or started
    with transaction.atomic():
        created: list[int] = []
        counts = {}
        with connection.cursor() as cursor:
            for label, statement, params in _statements(now):
                cursor.execute(statement, params)
                ids = [row[0] for row in cursor.fetchall()]
                counts[label] = len(ids)
                created += ids
        to_email = sorted(set(created) | set(_unsent_ids(now)))
        for start in range(0, len(to_email), EMAIL_BATCH):
            batch = to_email[start : start + EMAIL_BATCH]
            transaction.on_commit(lambda b=batch: send_notification_emails.delay(b), robust=True)
        run = SweepRun.objects.create(
            started_at=started,
            finished_at=timezone.now(),
            created=len(created),
            emails_queued=len(to_email),
        )
    logger.info(
        "reminder sweep run_id=%s created=%s emails_queued=%s %s",
        run.pk,
        len(created),
        len(to_email),
        " ".join(f"{k.replace(' ', '_')}={v}" for k, v in counts.items()),
    )
    return SweepResult(created=len(created), emails_queued=len(to_email), run_id=run.pk)


def last_sweep_age(now: datetime.datetime | None = None) -> datetime.timedelta | None:
    last = SweepRun.objects.order_by("-finished_at").values_list("finished_at", flat=True).first()
    return None if last is None else (now or timezone.now()) - last
