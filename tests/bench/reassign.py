"""A program manager's bulk reassignment of 10,000 cases, next to one bare UPDATE of the
same rows (its lower bound: the cases must change, with their audit events).

Each run happens in a transaction that is rolled back, so every run does the same
work and nothing is emailed (emails are queued only on commit). A rolled-back run
leaves dead rows behind and autovacuum is off on the bench database, so the tables
are vacuumed and analysed before every run.

The reassignment runs inside a pghistory context naming the manager, as the audit
middleware opens for a request, so its triggers look up the actor as they would.

`make bench` runs it after the rest; alone, on the bench database as seeded already:
`python -m tests.bench.reassign`.
"""

import statistics
import sys
import time
from dataclasses import dataclass

CASES = 10_000
RUNS = 3
MANAGER = "pm.bishkek"
# Tables a reassignment writes (and the trail its triggers write to).
WRITTEN = [
    "casework_case",
    "casework_caseuserobjectpermission",
    "casework_notification",
    "audit_auditevent",
]
BARE_UPDATE = """
    UPDATE casework_case SET assigned_worker_id = %s, version = version + 1, updated_at = now()
    WHERE id = ANY(%s)
"""


class Rollback(Exception):
    pass


@dataclass(frozen=True)
class Timing:
    label: str
    runs_ms: list[float]
    rows: int
    # Each statement's share, from the last run: (first words of the SQL, ms).
    statements: list[tuple[str, float]]

    @property
    def median_ms(self) -> float:
        return statistics.median(self.runs_ms)


def vacuum() -> None:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(f"VACUUM ANALYZE {', '.join(WRITTEN)}")


def _without_context(sql: str) -> str:
    """The statement without the `SELECT set_config('pghistory.…')` pghistory puts first."""
    if sql.startswith("SELECT set_config('pghistory."):
        return sql.split("; ", 1)[-1]
    return sql


def _timed(action) -> tuple[float, object, list[tuple[str, float]]]:
    """Run `action` in a transaction rolled back afterwards: (ms, result, statements)."""
    from django.db import connection, transaction
    from django.test.utils import CaptureQueriesContext

    result = None
    with CaptureQueriesContext(connection) as captured:
        started = time.perf_counter()
        try:
            with transaction.atomic():
                result = action()
                elapsed = (time.perf_counter() - started) * 1000
                raise Rollback
        except Rollback:
            pass
    statements = [
        (" ".join(_without_context(query["sql"]).split()[:3])[:40], float(query["time"]) * 1000)
        for query in captured.captured_queries
    ]
    return elapsed, result, statements


def measure(*, manager, worker, case_ids: list[int], runs: int = RUNS, vacuuming=True):
    """The reassignment of `case_ids` to `worker` and the bare UPDATE, `runs` times each."""
    import pghistory
    from django.db import connection

    from casework.models import Case
    from casework.services import cases_reassign

    def reassign():
        with pghistory.context(user=manager.pk):
            return cases_reassign(
                actor=manager, cases=Case.objects.filter(pk__in=case_ids), worker=worker
            ).reassigned

    def bare():
        with pghistory.context(user=manager.pk), connection.cursor() as cursor:
            cursor.execute(BARE_UPDATE, [worker.pk, case_ids])
            return cursor.rowcount

    timings = []
    for label, action in [("bulk reassign (service)", reassign), ("bare UPDATE", bare)]:
        runs_ms, rows, statements = [], 0, []
        for _ in range(runs):
            if vacuuming:
                vacuum()
            elapsed, rows, statements = _timed(action)
            runs_ms.append(elapsed)
        timings.append(Timing(label=label, runs_ms=runs_ms, rows=rows, statements=statements))
    return timings


def chosen_cases(manager, n: int = CASES):
    """`n` open cases of the manager's agency, and the worker of that agency holding the
    fewest of them (so nearly every case really moves)."""
    from django.db.models import Count, Q

    from agencies.models import Agency
    from agencies.selectors import case_workers
    from casework.models import Case, CaseStatus

    agency = Agency.objects.filter(group__user=manager).order_by("pk").first()
    open_cases = Case.objects.filter(lead_agency=agency, status=CaseStatus.OPEN)
    worker = (
        case_workers([agency.pk])
        .exclude(pk=manager.pk)
        .annotate(held=Count("assigned_cases", filter=Q(assigned_cases__status=CaseStatus.OPEN)))
        .order_by("held", "pk")
        .first()
    )
    ids = list(
        open_cases.exclude(assigned_worker=worker).order_by("pk").values_list("pk", flat=True)[:n]
    )
    return worker, ids


def run() -> None:
    from django.contrib.auth import get_user_model

    manager = get_user_model().objects.get(username=MANAGER)
    worker, ids = chosen_cases(manager)
    print(f"bulk reassignment of {len(ids):,} open cases of {MANAGER}'s agency to one worker")
    timings = measure(manager=manager, worker=worker, case_ids=ids)
    print(f"{'measurement':<34}{'median ms':>10}{'rows':>10}")
    for timing in timings:
        print(f"{timing.label:<34}{timing.median_ms:>10.1f}{timing.rows:>10,}")
    service, bare = timings
    print(f"ratio {service.median_ms / bare.median_ms:.1f}x over {RUNS} runs each, rolled back")
    print("statements of the reassignment (last run):")
    for sql, ms in service.statements:
        print(f"  {sql:<42}{ms:>10.1f}")


def main(argv: list[str]) -> None:
    from tests.bench.__main__ import configure_environment, parse_args, prepare_database

    args = parse_args(argv)
    prepare_database(fresh=args.fresh)
    configure_environment()

    import django

    django.setup()

    from tests.bench import measure as bench

    bench.seed(args.returnees)
    run()


if __name__ == "__main__":
    main(sys.argv[1:])
