"""The reminder sweep: every due review, follow-up, unanswered referral and weekly digest
becomes a notification, once.

What is due is declared by the app that owns it: casework registers its review
reminders (casework/reminders.py), referrals its unanswered referrals
(referrals/reminders.py), each with `@reminder`; this module runs them all in one
transaction, then the weekly digests.

Celery beat runs `sweep` every 15 minutes (config/schedule.py). Nothing is
scheduled ahead as a delayed message: each sweep looks at the data as it is now.

Exactly once:
- Each reminder is a `Notification` row whose unique key is (recipient, kind,
  case, follow-up, referral, task, due date). The sweep writes them with set-based
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
from collections.abc import Callable
from dataclasses import dataclass

from django.db import connection, transaction
from django.utils import timezone

from agencies.models import Role
from notifications.models import Notification, NotificationKind, SweepRun

logger = logging.getLogger(__name__)

EMAIL_LEASE = datetime.timedelta(minutes=15)
EMAIL_RETRY_WINDOW = datetime.timedelta(days=2)
EMAIL_BATCH = 200
# Weekly digests go out from Monday 07:00 in the program's time zone.
DIGEST_WEEKDAY = 0
DIGEST_HOUR = 7

N = Notification._meta.db_table

# The head of every reminder statement: each SELECTs these columns and ends with
# ON CONFLICT DO NOTHING RETURNING id, so a reminder already created is skipped.
INSERT_NOTIFICATIONS = f"""
    INSERT INTO {N} (recipient_id, kind, case_id, followup_id, referral_id, due_on, created_at)
"""
# The head of a reminder about a task (tasks/reminders.py): the same, naming the task
# (task_id is in the unique reminder key) instead of a follow-up or a referral.
INSERT_TASK_NOTIFICATIONS = f"""
    INSERT INTO {N} (recipient_id, kind, case_id, task_id, due_on, created_at)
"""

# To every program manager, once a week (the due date is the week's Monday).
DIGESTS = f"""
    {INSERT_NOTIFICATIONS}
    SELECT u.id, %(digest)s, NULL, NULL, NULL, %(week)s, %(now)s
      FROM auth_user u
     WHERE u.is_active
       AND EXISTS (SELECT 1 FROM auth_user_groups r JOIN auth_group g ON g.id = r.group_id
                    WHERE r.user_id = u.id AND g.name = %(manager_role)s)
    ON CONFLICT DO NOTHING
    RETURNING id
"""

# label -> statement(now) returning (SQL, params); registered by the owning apps.
Statement = Callable[[datetime.datetime], tuple[str, dict]]
_REMINDERS: dict[str, Statement] = {}


def reminder(label: str) -> Callable[[Statement], Statement]:
    """Register one kind of reminder: a function of the sweep's time giving an
    `INSERT_NOTIFICATIONS … SELECT … ON CONFLICT DO NOTHING RETURNING id` statement."""

    def register(statement: Statement) -> Statement:
        _REMINDERS[label] = statement
        return statement

    return register


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
    statements = [(label, *statement(now)) for label, statement in _REMINDERS.items()]
    if (week := _digest_week(now)) is not None:
        params = {
            "now": now,
            "digest": NotificationKind.WEEKLY_DIGEST,
            "manager_role": Role.PROGRAM_MANAGER.value,
            "week": week,
        }
        statements.append(("digests", DIGESTS, params))
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
    from notifications.tasks import send_notification_emails

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
