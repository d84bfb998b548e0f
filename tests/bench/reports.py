"""The program manager's dashboard, caseload report and exports at scale.

Pages are timed like the caseload (tests.bench.measure: real requests through
the whole stack, next to their bare SQL). Exports are timed next to Postgres
`COPY (the same SELECT) TO STDOUT`, the floor for getting those columns out of
the database, and their peak Python memory is measured with tracemalloc at
10,000 and at 100,000 rows: it must not grow with the rows.

Import only after `django.setup()`.
"""

import functools
import io
import statistics
import time
import tracemalloc

from django.contrib.auth import get_user_model
from django.db import connection
from django.test import Client, override_settings

from casework.models import Case
from config.security import second_factor_required
from reports import exports, selectors
from tests.conftest import verify_second_factor

MANAGER = "pm.bishkek"
EXPORT_SIZES = [10_000, 100_000]
HTTP_RUNS = 3


class _Sink(io.RawIOBase):
    """A writable stream that counts bytes and keeps none (COPY's destination)."""

    def __init__(self):
        self.size = 0

    def writable(self) -> bool:
        return True

    def write(self, data) -> int:
        self.size += len(data)
        return len(data)


def _first_cases(n: int):
    """The n newest cases of the whole caseload (the export pipeline, not access, is
    timed here), and whether the database holds that many."""
    ids = Case.objects.order_by("-opened_on", "-pk").values("pk")[:n]
    return Case.objects.filter(pk__in=ids), Case.objects.count() >= n


@functools.cache
def _manager():
    return get_user_model().objects.get(username=MANAGER)


def _values(cases):
    rows = selectors.report_rows(cases, reader=_manager())
    columns = selectors.columns(identified=False)
    keys = [key for key, _label in columns]
    return (
        selectors.report_values(rows, identified=False),
        keys,
        [str(label) for _key, label in columns],
    )


def csv_export(cases) -> int:
    values, keys, headings = _values(cases)
    size = 0
    for chunk in exports.csv_chunks(headings, exports.table(values, keys)):
        size += len(chunk)
    return size


def xlsx_export(cases) -> int:
    values, keys, headings = _values(cases)
    # The same writer the views use, into a sink that keeps only the size.
    target = _Counting()
    exports.write_xlsx(target, headings, exports.table(values, keys))
    return target.size


class _Counting(io.RawIOBase):
    """A seekable binary sink that remembers only its size (XLSX zip needs seek/tell)."""

    def __init__(self):
        self.size = 0
        self.position = 0

    def writable(self) -> bool:
        return True

    def seekable(self) -> bool:
        return True

    def write(self, data) -> int:
        self.position += len(data)
        self.size = max(self.size, self.position)
        return len(data)

    def seek(self, offset, whence=0):
        self.position = {0: offset, 1: self.position + offset, 2: self.size + offset}[whence]
        return self.position

    def tell(self):
        return self.position


def copy_export(cases) -> int:
    """COPY of the same SELECT (same columns, same subqueries) as CSV to a null sink."""
    values, _keys, _headings = _values(cases)
    sql, params = values.query.sql_with_params()
    with connection.cursor() as cursor:
        inlined = cursor.mogrify(sql, params).decode()
        sink = _Sink()
        cursor.copy_expert(f"COPY ({inlined}) TO STDOUT WITH (FORMAT csv, HEADER)", sink)
    return sink.size


def timed(action, cases) -> tuple[float, int]:
    started = time.perf_counter()
    size = action(cases)
    return (time.perf_counter() - started) * 1000, size


def peak_memory(action, cases) -> int:
    tracemalloc.start()
    try:
        action(cases)
        return tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


def run(measure_page, print_table) -> None:
    user = get_user_model().objects.get(username=MANAGER)
    visible = selectors.report_cases(user).count()
    print(f"{MANAGER} sees {visible:,} cases")
    client = Client()
    client.force_login(user)
    if second_factor_required(user):
        verify_second_factor(client, user)  # as after the code step of the sign-in
    pages = [
        ("dashboard", "/cases/reports/dashboard/"),
        ("dashboard region=bishkek", "/cases/reports/dashboard/?region=bishkek"),
        ("report page 1", "/cases/reports/"),
        ("report overdue+open flags", "/cases/reports/?overdue=on&open_flags=on"),
        ("API report rows page 1", "/api/reports/caseload/"),
        ("API report aggregates", "/api/reports/aggregates/"),
    ]
    measurements = [measure_page(client, label, path) for label, path in pages]
    print()
    print_table(measurements)

    print()
    print(f"CSV export over HTTP as {MANAGER} ({visible:,} rows, streamed), next to COPY")
    with override_settings(EXPORT_BACKGROUND_ROWS=10**9):
        http_ms = []
        for _ in range(HTTP_RUNS):
            started = time.perf_counter()
            response = client.post("/cases/reports/export/", {"format": "csv"})
            size = sum(len(chunk) for chunk in response.streaming_content)
            http_ms.append((time.perf_counter() - started) * 1000)
    copy_ms = [timed(copy_export, selectors.report_cases(user))[0] for _ in range(HTTP_RUNS)]
    print(f"  {'HTTP CSV export':<34}{statistics.median(http_ms):>10.0f} ms {size:>14,} bytes")
    print(f"  {'COPY same columns TO STDOUT':<34}{statistics.median(copy_ms):>10.0f} ms")
    print(f"  ratio {statistics.median(http_ms) / statistics.median(copy_ms):.1f}x")

    print()
    header = (
        f"{'rows':>8} {'CSV ms':>9} {'COPY ms':>9} {'ratio':>6} {'XLSX ms':>9} "
        f"{'CSV peak MiB':>13} {'XLSX peak MiB':>14}"
    )
    print("exports of the first N cases of the whole caseload (selector + writer, no HTTP)")
    print(header)
    print("-" * len(header))
    for n in EXPORT_SIZES:
        cases, enough = _first_cases(n)
        if not enough:
            print(f"{n:>8} (fewer cases in the database; skipped)")
            continue
        csv_ms, _size = timed(csv_export, cases)
        copy_ms, _size = timed(copy_export, cases)
        xlsx_ms, _size = timed(xlsx_export, cases)
        csv_peak = peak_memory(csv_export, cases) / 2**20
        xlsx_peak = peak_memory(xlsx_export, cases) / 2**20
        print(
            f"{n:>8,} {csv_ms:>9.0f} {copy_ms:>9.0f} {csv_ms / copy_ms:>5.1f}x {xlsx_ms:>9.0f} "
            f"{csv_peak:>13.1f} {xlsx_peak:>14.1f}"
        )
