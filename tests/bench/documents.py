"""A document upload and download through the whole stack, at 2 MB and at 20 MB.

Each request is a real one through Django's WSGI handler (middleware, token
authentication, multipart parsing, the service, the storage), with the request
body read from a file on disk as a server would hand it over, and the download
consumed chunk by chunk as a server would send it. Python's allocation peak
(tracemalloc) is taken for each: streaming both ways means it stays flat when the
file grows tenfold.

Runs inside `make bench` (tests/bench/measure.py), or alone against the configured
database (migrated), in a transaction rolled back at the end, with the files in a
temporary directory removed afterwards:

    DATABASE_URL=postgres://127.0.0.1:5432/homeward_docs python -m tests.bench.documents
"""

import io
import os
import shutil
import sys
import tempfile
import time
import tracemalloc
import uuid
from dataclasses import dataclass

MB = 1_000_000
SIZES = (2 * MB, 20 * MB)
# A peak that grows by less than this from 2 MB to 20 MB does not grow with the file.
FLAT_MARGIN = 1 * MB
PDF_HEAD = b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n"


@dataclass(frozen=True)
class RoundTrip:
    size: int
    upload_ms: float
    upload_peak: int
    download_ms: float
    download_peak: int


def _multipart_body(path: str, size: int, boundary: str) -> int:
    """Write a multipart upload of a `size`-byte PDF to `path`, 1 MB at a time."""
    fields = {
        "kind": "court_decision",
        "title": "Bench decision",
        "document_date": "2024-01-15",
        "visibility": "case_team",
    }
    with open(path, "wb") as out:
        for name, value in fields.items():
            out.write(
                f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n'
                f"{value}\r\n".encode()
            )
        out.write(
            f'--{boundary}\r\nContent-Disposition: form-data; name="file"; '
            f'filename="bench.pdf"\r\nContent-Type: application/pdf\r\n\r\n'.encode()
        )
        out.write(PDF_HEAD)
        filler = b"0" * MB
        left = size - len(PDF_HEAD)
        while left > 0:
            out.write(filler[: min(left, MB)])
            left -= MB
        out.write(f"\r\n--{boundary}--\r\n".encode())
    return os.path.getsize(path)


def _environ(method: str, path: str, token: str, **extra) -> dict:
    return {
        "REQUEST_METHOD": method,
        "PATH_INFO": path,
        "SCRIPT_NAME": "",
        "QUERY_STRING": "",
        "SERVER_NAME": "localhost",
        "SERVER_PORT": "80",
        "HTTP_HOST": "localhost",
        "REMOTE_ADDR": "127.0.0.1",
        "SERVER_PROTOCOL": "HTTP/1.1",
        "HTTP_AUTHORIZATION": f"Token {token}",
        "wsgi.version": (1, 0),
        "wsgi.url_scheme": "http",
        "wsgi.input": io.BytesIO(b""),
        "wsgi.errors": sys.stderr,
        "wsgi.multithread": False,
        "wsgi.multiprocess": False,
        "wsgi.run_once": False,
        **extra,
    }


def _call(app, environ) -> tuple[str, bytes | None, int]:
    """Status, the body if it is small (JSON), and the bytes a server would have sent."""
    status = []
    response = app(environ, lambda s, headers, exc_info=None: status.append(s))
    sent, small = 0, io.BytesIO()
    try:
        for chunk in response:  # one chunk at a time, as a server writes them out
            sent += len(chunk)
            if sent <= 65536:
                small.write(chunk)
    finally:
        if hasattr(response, "close"):
            response.close()
    return status[0], small.getvalue() if sent <= 65536 else None, sent


def _upload(app, token: str, case, size: int, *, traced: bool) -> tuple[int, float, int]:
    """(document id, ms, peak bytes or 0): one upload of a `size`-byte PDF."""
    import json

    boundary = uuid.uuid4().hex
    with tempfile.TemporaryDirectory(prefix="homeward-bench-") as scratch:
        body = os.path.join(scratch, "body")
        length = _multipart_body(body, size, boundary)
        with open(body, "rb") as stream:
            environ = _environ(
                "POST",
                f"/api/cases/{case.pk}/documents/",
                token,
                CONTENT_TYPE=f"multipart/form-data; boundary={boundary}",
                CONTENT_LENGTH=str(length),
                **{"wsgi.input": stream},
            )
            (status, answer, _sent), ms, peak = _timed(app, environ, traced=traced)
    if not status.startswith("201"):
        raise RuntimeError(f"upload answered {status}: {answer!r}")
    return json.loads(answer)["id"], ms, peak


def _download(app, token: str, document_id: int, size: int, *, traced: bool):
    environ = _environ("GET", f"/api/documents/{document_id}/download/", token)
    (status, _answer, sent), ms, peak = _timed(app, environ, traced=traced)
    if not status.startswith("200") or sent != size:
        raise RuntimeError(f"download answered {status} with {sent:,} bytes of {size:,}")
    return ms, peak


def _timed(app, environ, *, traced: bool):
    """The call's result, its time and, when `traced`, its allocation peak. Tracing
    slows Python several times over, so times come from untraced runs."""
    if traced:
        tracemalloc.start()
    started = time.perf_counter()
    try:
        result = _call(app, environ)
        return (
            result,
            (time.perf_counter() - started) * 1000,
            (tracemalloc.get_traced_memory()[1] if traced else 0),
        )
    finally:
        if traced:
            tracemalloc.stop()


def measure_round_trip(*, user, case, size: int) -> RoundTrip:
    """Upload a `size`-byte PDF to `case` as `user` through the API, then download it:
    timed once untraced, and again under tracemalloc for the allocation peak. A small
    round trip first loads what a first request loads (URLconf, serializers, schema).
    Call inside a transaction that is rolled back, with Django's per-request connection
    closing switched off (`keep_the_connection`)."""
    from django.core.wsgi import get_wsgi_application
    from rest_framework.authtoken.models import Token

    app = get_wsgi_application()
    token = Token.objects.get_or_create(user=user)[0].key
    warm, _ms, _peak = _upload(app, token, case, 10_000, traced=False)
    _download(app, token, warm, 10_000, traced=False)
    document_id, upload_ms, _peak = _upload(app, token, case, size, traced=False)
    download_ms, _peak = _download(app, token, document_id, size, traced=False)
    document_id, _ms, upload_peak = _upload(app, token, case, size, traced=True)
    _ms, download_peak = _download(app, token, document_id, size, traced=True)
    return RoundTrip(size, upload_ms, upload_peak, download_ms, download_peak)


def keep_the_connection():
    """Django's WSGI handler closes the database connection when a request ends; the
    measurement's own transaction must outlive the requests."""
    from django.core import signals
    from django.db import close_old_connections

    signals.request_started.disconnect(close_old_connections)
    signals.request_finished.disconnect(close_old_connections)

    def restore():
        signals.request_started.connect(close_old_connections)
        signals.request_finished.connect(close_old_connections)

    return restore


class Rollback(Exception):
    pass


def run(*, user, case, sizes=SIZES) -> list[RoundTrip]:
    """Measure each size as `user` on `case`, rolled back, files in a scratch directory;
    print the table and whether the peaks stay flat."""
    from django.conf import settings
    from django.db import transaction
    from django.test.utils import override_settings

    scratch = tempfile.mkdtemp(prefix="homeward-bench-documents-")
    documents = {
        "BACKEND": "django.core.files.storage.FileSystemStorage",
        "OPTIONS": {"location": scratch},
    }
    restore = keep_the_connection()
    rows: list[RoundTrip] = []
    try:
        # override_settings resets the storages handler, so the scratch directory is used.
        scratch_storage = override_settings(STORAGES={**settings.STORAGES, "documents": documents})
        with scratch_storage, transaction.atomic():
            for size in sizes:
                rows.append(measure_round_trip(user=user, case=case, size=size))
            raise Rollback
    except Rollback:
        pass
    finally:
        restore()
        shutil.rmtree(scratch, ignore_errors=True)
    print_rows(rows)
    return rows


def print_rows(rows: list[RoundTrip]) -> None:
    print("Document upload and download (API, streamed), Python allocation peak (tracemalloc)")
    header = ("size", "upload ms", "upload peak", "download ms", "download peak")
    print("{:>8} {:>10} {:>12} {:>12} {:>14}".format(*header))
    for row in rows:
        print(
            f"{row.size / MB:>6.0f} MB {row.upload_ms:>10.0f} {row.upload_peak / MB:>9.2f} MB "
            f"{row.download_ms:>12.0f} {row.download_peak / MB:>11.2f} MB"
        )
    if len(rows) >= 2:
        first, last = rows[0], rows[-1]
        flat = (
            last.upload_peak - first.upload_peak < FLAT_MARGIN
            and last.download_peak - first.download_peak < FLAT_MARGIN
        )
        verdict = "flat" if flat else "GROWS WITH THE FILE"
        print(f"peak memory from {first.size / MB:.0f} MB to {last.size / MB:.0f} MB: {verdict}")


def main() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    import django

    django.setup()
    from django.db import transaction

    from agencies.models import AgencyKind, Role
    from agencies.services import agency_create, staff_member_create
    from intake.services import returnee_register
    from tests.factories import PersonDetailsFactory

    restore = keep_the_connection()
    try:
        with transaction.atomic():
            agency = agency_create(
                actor=None,
                name=f"Bench documents {uuid.uuid4().hex[:8]}",
                kind=AgencyKind.SOCIAL_SERVICES,
                region="bishkek",
            )
            user = staff_member_create(
                actor=None,
                username=f"bench.documents.{uuid.uuid4().hex[:8]}",
                password=None,
                password_hash="!",
                role=Role.SOCIAL_WORKER,
                agencies=[agency],
            )
            case = returnee_register(
                actor=user,
                person=PersonDetailsFactory(),
                lead_agency=agency,
                assigned_worker=user,
                parent_case=None,
                acknowledge_duplicates=True,
            )
            rows = run(user=user, case=case)
            raise Rollback
    except Rollback:
        pass
    finally:
        restore()
    first, last = rows[0], rows[-1]
    if last.upload_peak - first.upload_peak >= FLAT_MARGIN or (
        last.download_peak - first.download_peak >= FLAT_MARGIN
    ):
        raise SystemExit(1)


if __name__ == "__main__":
    main()
