"""Seed the benchmark caseload, then time what a social worker's browser and API client ask for.

Each measurement is a real request through the whole stack (middleware,
session, permission checks, template or serializer) made in-process with
Django's test client, next to its lower bound: the time of the bare SQL that
fetches the same case rows, run directly on the database connection.

Import only after `django.setup()`.
"""

import io
import math
import re
import statistics
import time
import traceback
import warnings
from collections.abc import Callable
from dataclasses import dataclass

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from agencies.models import Agency
from casework.models import Case
from casework.selectors import caseload
from casework.views import CASELOAD_PAGE_SIZE
from config.security import second_factor_required
from core.api import PageNumberPagination
from demo.management.commands.seed_demo import AGENCIES
from tests.conftest import verify_second_factor

WORKER = "sw.bishkek"
SEARCH = "abdullaev"
DEEP_PAGE = 1000
WARMUP = 2
RUNS = 20
# A request that takes seconds needs fewer samples than one that takes
# milliseconds, and 20 of them would stretch `make bench` past a few minutes:
# a timed loop stops early once it has run this long and has MIN_RUNS samples.
LOOP_BUDGET_S = 12.0
MIN_RUNS = 5
# A query on cases has them in its top-level FROM. The closing quote keeps out
# the permission tables (casework_caseuserobjectpermission…) of the access subqueries.
CASE_QUERY = re.compile(r'^SELECT .*? FROM "casework_case"', re.DOTALL)


@dataclass(frozen=True)
class CaseQuery:
    position: int  # 1-based, among all the queries of the request
    sql: str  # as executed, parameters inlined
    median_ms: float  # run bare, rows fetched

    @property
    def kind(self) -> str:
        return "count" if self.sql.startswith("SELECT COUNT(") else "rows"


@dataclass(frozen=True)
class Measurement:
    label: str
    timings_ms: list[float]
    queries: int
    case_queries: list[CaseQuery]
    bare_sql_ms: float  # median of running all of case_queries in a row

    @property
    def median_ms(self) -> float:
        return statistics.median(self.timings_ms)

    @property
    def p95_ms(self) -> float:
        # Nearest rank: with 20 runs the 19th fastest, with fewer the slowest.
        ordered = sorted(self.timings_ms)
        return ordered[math.ceil(0.95 * len(ordered)) - 1]


def run(*, returnees: int) -> None:
    from tests.bench import sweep as sweep_bench

    serve_without_collectstatic()
    seed(returnees)

    user = get_user_model().objects.get(username=WORKER)
    visible = caseload(user).count()
    assigned = Case.objects.filter(assigned_worker=user).count()
    print(f"{WORKER} sees {visible:,} cases ({assigned:,} assigned to them)")

    client = Client()
    client.force_login(user)
    if second_factor_required(user):
        verify_second_factor(client, user)  # as after the code step of the sign-in
    caseload_deep = deep_page(visible, CASELOAD_PAGE_SIZE)
    api_deep = deep_page(visible, PageNumberPagination.page_size)
    case = case_with_dependents(user)
    pages = [
        ("caseload page 1", "/cases/"),
        (f"caseload page {caseload_deep}", f"/cases/?page={caseload_deep}"),
        (f"caseload search {SEARCH!r}", f"/cases/?q={SEARCH}"),
        ("case detail", f"/cases/{case.pk}/"),
        ("API cases page 1", "/api/cases/"),
        (f"API cases page {api_deep}", f"/api/cases/?page={api_deep}"),
    ]
    measurements, failures = [], []
    for label, path in pages:
        # One broken page should not hide the timings of the others.
        try:
            measurements.append(measure(client, label, path))
        except RequestFailed as exc:
            failures.append(f"{label}: GET {path} {exc}")
    print()
    print_table(measurements)
    print()
    print_query_breakdown(measurements)
    print()
    sweep_bench.run()
    print()
    # Imported here like the sweep: it loads models.
    from tests.bench import reports as reports_bench

    try:
        reports_bench.run(measure, print_table)
    except RequestFailed as exc:
        failures.append(f"reports: {exc}")
    print()
    from tests.bench import reassign as reassign_bench

    reassign_bench.run()
    print()
    from tests.bench import documents as documents_bench

    try:
        documents_bench.run(user=user, case=case)
    except RuntimeError as exc:
        failures.append(f"documents: {exc}")
    if failures:
        print()
        print("FAILED (Django logged the details above):", *failures, sep="\n  ")
        raise SystemExit(1)


def serve_without_collectstatic() -> None:
    """Let templates resolve {% static %} from the source tree, as `runserver` does.

    Production's manifest storage needs `collectstatic`; the lookup it saves is
    not what this benchmark measures. Must run before the first template renders.
    """
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }
    settings.ALLOWED_HOSTS = [*settings.ALLOWED_HOSTS, "testserver"]
    # WhiteNoise looks for collected files in STATIC_ROOT; there are none, on purpose.
    warnings.filterwarnings("ignore", message="No directory at: ", category=UserWarning)


def seed(returnees: int) -> None:
    call_command("migrate", interactive=False, verbosity=0)
    if Agency.objects.filter(name=AGENCIES[0][1]).exists():
        cases = Case.objects.count()
        if cases < returnees:
            # seed_demo adds nothing to a database that has its agencies.
            raise SystemExit(
                f"The benchmark database holds {cases:,} cases, fewer than {returnees:,}; "
                "run again with --fresh."
            )
        print(f"seed_demo skipped: the database already holds {cases:,} cases (--fresh reseeds)")
    else:
        print(f"Seeding {returnees:,} returnees…", flush=True)
        started = time.perf_counter()
        # Its output (progress, demo logins) would bury the table.
        call_command("seed_demo", returnees=returnees, stdout=io.StringIO())
        print(f"seed_demo --returnees {returnees}: {time.perf_counter() - started:.1f} s")
    # Fresh statistics, so the planner sees the caseload's real size.
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")


def deep_page(rows: int, per_page: int) -> int:
    """Page DEEP_PAGE, or the middle page of a shorter list, so the page always exists."""
    last = max(1, math.ceil(rows / per_page))
    return min(DEEP_PAGE, max(1, last // 2))


def case_with_dependents(user) -> Case:
    """One of the worker's own cases, preferably a parent's, so the family section has rows."""
    own = Case.objects.filter(assigned_worker=user).order_by("pk")
    case = own.filter(returnee__dependents__isnull=False).first() or own.first()
    if case is None:
        raise SystemExit(f"{WORKER} has no assigned case to open.")
    return case


class RequestFailed(Exception):
    pass


def get(client: Client, path: str) -> None:
    try:
        response = client.get(path)
    except Exception as exc:
        # Where, not the message: a message may quote a person's data.
        where = traceback.extract_tb(exc.__traceback__)[-1]
        message = f"raised {type(exc).__name__} at {where.filename}:{where.lineno}"
        raise RequestFailed(message) from exc
    if response.status_code != 200:
        raise RequestFailed(f"answered {response.status_code}, expected 200")


def repeat(action: Callable[[], object]) -> list[float]:
    """Milliseconds of each of up to RUNS calls of `action` (see LOOP_BUDGET_S)."""
    timings: list[float] = []
    started = time.perf_counter()
    while len(timings) < RUNS and (
        len(timings) < MIN_RUNS or time.perf_counter() - started < LOOP_BUDGET_S
    ):
        call_started = time.perf_counter()
        action()
        timings.append((time.perf_counter() - call_started) * 1000)
    return timings


def measure(client: Client, label: str, path: str) -> Measurement:
    print(f"measuring {label}…", flush=True)
    for _ in range(WARMUP):
        get(client, path)
    timings = repeat(lambda: get(client, path))
    # Queries are captured on a request of their own: recording them costs time.
    with CaptureQueriesContext(connection) as captured:
        get(client, path)
    case_sql = [
        (position, query["sql"])
        for position, query in enumerate(captured.captured_queries, start=1)
        if CASE_QUERY.match(query["sql"])
    ]
    totals, per_statement = time_bare_sql([sql for _, sql in case_sql])
    return Measurement(
        label=label,
        timings_ms=timings,
        queries=len(captured),
        case_queries=[
            CaseQuery(position=position, sql=sql, median_ms=statistics.median(statement_ms))
            for (position, sql), statement_ms in zip(case_sql, per_statement, strict=True)
        ],
        bare_sql_ms=statistics.median(totals) if totals else 0.0,
    )


def time_bare_sql(statements: list[str]) -> tuple[list[float], list[list[float]]]:
    """Run `statements` one after another, fetching all rows, up to RUNS times.

    Returns the milliseconds of each run, and of each statement across runs.
    The captured SQL has its parameters inlined, so it runs without parameters
    (and a '%' in a LIKE pattern is not taken for a parameter marker).
    """
    if not statements:
        return [], []
    per_statement: list[list[float]] = [[] for _ in statements]
    with connection.cursor() as cursor:

        def run_all() -> None:
            for timings, sql in zip(per_statement, statements, strict=True):
                started = time.perf_counter()
                cursor.execute(sql)
                cursor.fetchall()
                timings.append((time.perf_counter() - started) * 1000)

        totals = repeat(run_all)
    return totals, per_statement


def explain_summary(sql: str) -> str:
    """EXPLAIN ANALYZE's server-side execution time, and how much of it JIT compilation took."""
    with connection.cursor() as cursor:
        cursor.execute(f"EXPLAIN (ANALYZE, BUFFERS off) {sql}")
        lines = [row[0].strip() for row in cursor.fetchall()]
    summary = next((line for line in lines if line.startswith("Execution Time")), "?")
    # "Timing: Generation 6.9 ms, Inlining 147.8 ms, …, Total 805.3 ms" under "JIT:"
    jit = next((line for line in lines if line.startswith("Timing:") and "Total" in line), None)
    if jit:
        summary += f" (JIT{jit.rsplit('Total', 1)[1]})"
    return summary


def print_table(measurements: list[Measurement]) -> None:
    header = (
        f"{'measurement':<30} {'median ms':>10} {'p95 ms':>9} {'runs':>5} {'queries':>8} "
        f"{'bare SQL ms':>12} {'ratio':>7}"
    )
    print(header)
    print("-" * len(header))
    for m in measurements:
        ratio = f"{m.median_ms / m.bare_sql_ms:.1f}x" if m.bare_sql_ms else "—"
        print(
            f"{m.label:<30} {m.median_ms:>10.1f} {m.p95_ms:>9.1f} {len(m.timings_ms):>5} "
            f"{m.queries:>8} {m.bare_sql_ms:>12.1f} {ratio:>7}"
        )


def print_query_breakdown(measurements: list[Measurement]) -> None:
    """Each query on cases on its own, with EXPLAIN ANALYZE's server-side time.

    Bare SQL minus execution time is planning, transfer and decoding of rows.
    """
    title = "query on casework_case (#n of the request)"
    print(f"{title:<46} {'bare SQL ms':>11}   EXPLAIN ANALYZE")
    for m in measurements:
        for query in m.case_queries:
            label = f"{m.label} #{query.position} {query.kind}"
            print(f"  {label:<44} {query.median_ms:>11.1f}   {explain_summary(query.sql)}")
