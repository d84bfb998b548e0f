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
import warnings
from dataclasses import dataclass

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from casework.models import Case
from casework.selectors import caseload
from casework.views import CASELOAD_PAGE_SIZE
from config.api import PageNumberPagination
from referrals.models import Agency
from returnees.management.commands.seed_demo import AGENCIES

WORKER = "sw.bishkek"
SEARCH = "abdullaev"
WARMUP = 2
RUNS = 20
DEEP_PAGE = 1000
# A query on cases has them in its top-level FROM. The closing quote keeps out
# the permission tables (casework_caseuserobjectpermission…) of the access subqueries.
CASE_QUERY = re.compile(r'^SELECT .*? FROM "casework_case"', re.DOTALL)


@dataclass(frozen=True)
class Measurement:
    label: str
    timings_ms: list[float]
    queries: int
    # The queries on casework_case as (position among the request's queries, SQL).
    case_queries: list[tuple[int, str]]
    bare_sql_ms: float

    @property
    def median_ms(self) -> float:
        return statistics.median(self.timings_ms)

    @property
    def p95_ms(self) -> float:
        # Nearest rank: with 20 runs, the 19th fastest.
        ordered = sorted(self.timings_ms)
        return ordered[math.ceil(0.95 * len(ordered)) - 1]


def run(*, returnees: int) -> None:
    serve_without_collectstatic()
    seed(returnees)

    user = get_user_model().objects.get(username=WORKER)
    visible = caseload(user).count()
    assigned = Case.objects.filter(assigned_worker=user).count()
    print(f"{WORKER} sees {visible:,} cases ({assigned:,} assigned to them)")

    client = Client()
    client.force_login(user)
    caseload_deep = deep_page(visible, CASELOAD_PAGE_SIZE)
    api_deep = deep_page(visible, PageNumberPagination.page_size)
    case = case_with_dependents(user)
    measurements = [
        measure(client, "caseload page 1", "/cases/"),
        measure(client, f"caseload page {caseload_deep}", f"/cases/?page={caseload_deep}"),
        measure(client, f"caseload search {SEARCH!r}", f"/cases/?q={SEARCH}"),
        measure(client, "case detail", f"/cases/{case.pk}/"),
        measure(client, "API cases page 1", "/api/cases/"),
        measure(client, f"API cases page {api_deep}", f"/api/cases/?page={api_deep}"),
    ]
    print()
    print_table(measurements)
    print()
    print_query_breakdown(measurements)


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


def get(client: Client, path: str) -> None:
    response = client.get(path)
    if response.status_code != 200:
        raise SystemExit(f"GET {path} answered {response.status_code}, expected 200.")


def measure(client: Client, label: str, path: str) -> Measurement:
    print(f"measuring {label}…", flush=True)
    for _ in range(WARMUP):
        get(client, path)
    timings = []
    for _ in range(RUNS):
        started = time.perf_counter()
        get(client, path)
        timings.append((time.perf_counter() - started) * 1000)
    # Queries are captured on a request of their own: recording them costs time.
    with CaptureQueriesContext(connection) as captured:
        get(client, path)
    case_queries = [
        (position, query["sql"])
        for position, query in enumerate(captured.captured_queries, start=1)
        if CASE_QUERY.match(query["sql"])
    ]
    return Measurement(
        label=label,
        timings_ms=timings,
        queries=len(captured),
        case_queries=case_queries,
        bare_sql_ms=time_sql([sql for _, sql in case_queries]),
    )


def time_sql(statements: list[str]) -> float:
    """Median ms of running `statements` one after another and fetching all their rows.

    The captured SQL has its parameters inlined, so it runs without parameters
    (and a '%' in a LIKE pattern is not taken for a placeholder).
    """
    timings = []
    with connection.cursor() as cursor:
        for _ in range(RUNS):
            started = time.perf_counter()
            for sql in statements:
                cursor.execute(sql)
                cursor.fetchall()
            timings.append((time.perf_counter() - started) * 1000)
    return statistics.median(timings)


def execution_time(sql: str) -> str:
    """The 'Execution Time' line of EXPLAIN ANALYZE: the server-side cost, without transfer."""
    with connection.cursor() as cursor:
        cursor.execute(f"EXPLAIN (ANALYZE, BUFFERS off) {sql}")
        lines = [row[0] for row in cursor.fetchall()]
    return next((line for line in lines if line.startswith("Execution Time")), "?")


def query_kind(sql: str) -> str:
    return "count" if sql.startswith("SELECT COUNT(") else "rows"


def print_table(measurements: list[Measurement]) -> None:
    header = (
        f"{'measurement':<30} {'median ms':>10} {'p95 ms':>9} {'queries':>8} "
        f"{'bare SQL ms':>12} {'ratio':>7}"
    )
    print(header)
    print("-" * len(header))
    for m in measurements:
        ratio = f"{m.median_ms / m.bare_sql_ms:.1f}x" if m.bare_sql_ms else "—"
        print(
            f"{m.label:<30} {m.median_ms:>10.1f} {m.p95_ms:>9.1f} {m.queries:>8} "
            f"{m.bare_sql_ms:>12.1f} {ratio:>7}"
        )


def print_query_breakdown(measurements: list[Measurement]) -> None:
    """Each query on cases on its own, with EXPLAIN ANALYZE's server-side time.

    The difference between the two is the transfer and decoding of rows.
    """
    title = "query on casework_case (#n of the request)"
    print(f"{title:<46} {'bare SQL ms':>11}   EXPLAIN ANALYZE")
    for m in measurements:
        for position, sql in m.case_queries:
            label = f"{m.label} #{position} {query_kind(sql)}"
            print(f"  {label:<44} {time_sql([sql]):>11.1f}   {execution_time(sql)}")
