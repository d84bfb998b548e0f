"""The reminder sweep at scale: its time next to one bare INSERT … SELECT.

Each run happens inside a transaction that is rolled back, so every run does
the same work and nothing is emailed (emails are queued only on commit).
"""

import statistics
import time

from django.db import connection, transaction
from django.utils import timezone

from casework.models import Case, CaseStatus
from notifications.sweep import sweep

RUNS = 5

# The same rows the sweep's worker reminders create, as one plain statement.
BARE_INSERT = """
    INSERT INTO casework_notification (recipient_id, kind, case_id, due_on, created_at)
    SELECT c.assigned_worker_id,
           CASE WHEN c.next_review_on > %(today)s THEN 'review_upcoming'
                WHEN c.next_review_on = %(today)s THEN 'review_due'
                ELSE 'review_overdue' END,
           c.id, c.next_review_on, now()
      FROM casework_case c
     WHERE c.status = 'open' AND c.assigned_worker_id IS NOT NULL
       AND c.next_review_on <= %(today)s + 3
"""


class Rollback(Exception):
    pass


def spread_review_dates() -> int:
    """Open cases get review dates from 20 days ago to 60 days ahead (deterministic)."""
    with connection.cursor() as cursor:
        cursor.execute(
            "UPDATE casework_case SET next_review_on = current_date + ((id %% 81) - 20)::int "
            "WHERE status = %s",
            [CaseStatus.OPEN],
        )
        return cursor.rowcount


def timed_in_rollback(action) -> tuple[float, object]:
    started = time.perf_counter()
    result = None
    try:
        with transaction.atomic():
            result = action()
            elapsed = (time.perf_counter() - started) * 1000
            raise Rollback
    except Rollback:
        pass
    return elapsed, result


def bare_insert() -> int:
    with connection.cursor() as cursor:
        cursor.execute(BARE_INSERT, {"today": timezone.localdate()})
        return cursor.rowcount


def run() -> None:
    cases = spread_review_dates()
    open_cases = Case.objects.filter(status=CaseStatus.OPEN).count()
    print(f"reminder sweep over {open_cases:,} open cases (review dates set on {cases:,})")
    sweep_ms, bare_ms = [], []
    created = inserted = 0
    for _ in range(RUNS):
        elapsed, result = timed_in_rollback(sweep)
        sweep_ms.append(elapsed)
        created = result.created
        elapsed, inserted = timed_in_rollback(bare_insert)
        bare_ms.append(elapsed)
    sweep_median, bare_median = statistics.median(sweep_ms), statistics.median(bare_ms)
    print(f"{'measurement':<34}{'median ms':>10}{'rows':>10}")
    print(f"{'sweep (all reminders, one run)':<34}{sweep_median:>10.1f}{created:>10,}")
    print(f"{'bare INSERT … SELECT (worker)':<34}{bare_median:>10.1f}{inserted:>10,}")
    print(f"ratio {sweep_median / bare_median:.1f}x over {RUNS} runs each, rolled back")
