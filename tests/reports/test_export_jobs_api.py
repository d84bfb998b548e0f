"""Export jobs over the API: start an export of the caseload report, follow it, download
its file — with the rules of the report page's export (pseudonymised by default; names
and contacts only with the permission and a purpose; recorded before any row leaves)."""

import csv
import datetime
import io

import openpyxl
import pytest
from django.urls import reverse
from django.utils import timezone

from audit.models import AuditAction, AuditEvent
from reports.models import ExportJob
from tests.reports.conftest import IDENTITY
from tests.reports.pdf import pdf_pages, pdf_text

START = reverse("api-report-exports")


def status_url(job_id):
    return reverse("api-report-export", args=[job_id])


def download_url(job_id):
    return reverse("api-report-export-download", args=[job_id])


def start(http, capture, query="", **body):
    """POST an export and let the job run, as the worker does once the request commits."""
    with capture(execute=True):
        return http.post(
            f"{START}?{query}" if query else START,
            {"format": "csv", **body},
            content_type="application/json",
        )


def content(response) -> bytes:
    return b"".join(response.streaming_content)


def csv_rows(data: bytes) -> list[list[str]]:
    return list(csv.reader(io.StringIO(data.decode("utf-8-sig"))))


def test_a_manager_starts_an_export_follows_it_and_downloads_the_pseudonymised_file(
    cast, client_of, program, django_capture_on_commit_callbacks
):
    http = client_of(cast.program_manager)

    started = start(http, django_capture_on_commit_callbacks)
    job = started.json()
    status = http.get(status_url(job["id"])).json()
    download = http.get(status["download_url"])

    assert started.status_code == 202
    assert (job["status"], job["format"], job["identified"]) == ("queued", "csv", False)
    assert job["row_count"] == len(program["a_cases"])
    assert job["download_url"] is None
    assert status["status"] == "done"
    assert status["progress_percent"] == 100
    assert status["download_url"] == download_url(job["id"])
    assert download.status_code == 200
    assert download["Content-Type"].startswith("text/csv")
    assert "pseudonymised" in download["Content-Disposition"]
    rows = csv_rows(content(download))
    references = {row[0] for row in rows[1:]}
    assert references == {case.reference for case in program["a_cases"]}
    text = "\n".join(",".join(row) for row in rows)
    for value in IDENTITY.values():
        for piece in value if isinstance(value, list) else [value]:
            assert piece not in text


def test_the_query_strings_filter_chooses_the_rows_as_on_the_report_page(
    cast, client_of, program, django_capture_on_commit_callbacks
):
    http = client_of(cast.program_manager)

    job = start(http, django_capture_on_commit_callbacks, query="category=violent").json()
    rows = csv_rows(content(http.get(download_url(job["id"]))))

    assert [row[0] for row in rows[1:]] == []  # the violent triage waits for approval
    job = start(http, django_capture_on_commit_callbacks, query="category=unsettled").json()
    rows = csv_rows(content(http.get(download_url(job["id"]))))
    assert [row[0] for row in rows[1:]] == [program["flagged"].reference]
    assert ExportJob.objects.get(pk=job["id"]).filter_params == {"category": "unsettled"}


@pytest.mark.parametrize(
    ("fmt", "content_type"),
    [
        ("xlsx", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
        ("pdf", "application/pdf"),
    ],
)
def test_xlsx_and_the_pdf_summary_are_exported_as_jobs_too(
    cast, client_of, program, django_capture_on_commit_callbacks, fmt, content_type
):
    http = client_of(cast.program_manager)

    job = start(http, django_capture_on_commit_callbacks, format=fmt).json()
    download = http.get(download_url(job["id"]))

    assert download.status_code == 200
    assert download["Content-Type"] == content_type
    data = content(download)
    if fmt == "xlsx":
        sheet = openpyxl.load_workbook(io.BytesIO(data), read_only=True).active
        assert sheet.max_row == len(program["a_cases"]) + 1
    else:
        assert "caseload summary" in pdf_text(data)


def test_the_caseload_pdf_prints_russian_labels_in_a_font_with_cyrillic(
    cast, client_of, program, django_capture_on_commit_callbacks
):
    http = client_of(cast.program_manager)
    http.post(reverse("language"), {"language": "ru", "next": "/"})

    job = start(http, django_capture_on_commit_callbacks, format="pdf").json()
    data = content(http.get(download_url(job["id"])))

    fonts = set()
    for page in pdf_pages(data):
        page.extract_text(
            visitor_text=lambda text, cm, tm, font, size: (
                text.strip() and fonts.add(str(font.get("/BaseFont")))
            )
        )
    assert fonts
    assert all(name.split("+")[-1].startswith("DejaVuSans") for name in fonts), fonts
    assert any("\u0400" <= char <= "\u04ff" for char in pdf_text(data))  # Cyrillic text


def test_an_identified_export_is_refused_without_the_permission_and_nothing_is_recorded(
    cast, client_of, program, django_capture_on_commit_callbacks
):
    response = start(
        client_of(cast.program_manager),
        django_capture_on_commit_callbacks,
        identified=True,
        purpose="Court order 12/2026.",
    )

    assert response.status_code == 403
    assert not ExportJob.objects.exists()
    assert not AuditEvent.objects.filter(action=AuditAction.EXPORTED).exists()


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"identified": True, "purpose": "  "}, "purpose"),
        ({"identified": True, "purpose": "Court order.", "format": "pdf"}, "format"),
        ({"format": "docx"}, "format"),
        ({"purpose": "x" * 2001}, "purpose"),
    ],
    ids=["no purpose", "identified pdf", "unknown format", "purpose too long"],
)
def test_bad_export_requests_get_field_errors_and_record_nothing(
    client_of, program, identified_exporter, django_capture_on_commit_callbacks, body, field
):
    response = start(client_of(identified_exporter), django_capture_on_commit_callbacks, **body)

    assert response.status_code == 400
    assert field in response.json()
    assert not ExportJob.objects.exists()


def test_a_filter_that_is_not_valid_is_a_400(
    cast, client_of, program, django_capture_on_commit_callbacks
):
    response = start(
        client_of(cast.program_manager), django_capture_on_commit_callbacks, query="region=mars"
    )

    assert response.status_code == 400
    assert "region" in response.json()
    assert not ExportJob.objects.exists()


def test_an_identified_export_carries_names_and_is_recorded_with_its_purpose(
    client_of, program, identified_exporter, django_capture_on_commit_callbacks
):
    http = client_of(identified_exporter)

    job = start(
        http,
        django_capture_on_commit_callbacks,
        identified=True,
        purpose="Court order 12/2026.",
        format="csv",
    ).json()
    data = content(http.get(download_url(job["id"]))).decode("utf-8-sig")

    assert IDENTITY["family_name"] in data
    assert "identified" in http.get(download_url(job["id"]))["Content-Disposition"]
    stored = ExportJob.objects.get(pk=job["id"])
    assert (stored.identified, stored.purpose, stored.background) == (
        True,
        "Court order 12/2026.",
        True,
    )
    event = AuditEvent.objects.get(action=AuditAction.EXPORTED)
    assert (event.object_type, event.object_id) == ("reports.exportjob", str(job["id"]))
    assert event.detail["identified"] is True
    assert event.path == START
    assert "Court order" not in str(event.detail)  # the purpose stays on the job


def test_an_export_is_only_its_requesters(
    cast, client_of, program, django_capture_on_commit_callbacks
):
    job = start(client_of(cast.program_manager), django_capture_on_commit_callbacks).json()

    other_manager = client_of(cast.outsider_manager)
    worker = client_of(cast.social_worker)

    assert other_manager.get(status_url(job["id"])).status_code == 404
    assert other_manager.get(download_url(job["id"])).status_code == 404
    assert worker.get(status_url(job["id"])).status_code == 403
    assert worker.get(download_url(job["id"])).status_code == 403
    assert worker.post(START, {"format": "csv"}, content_type="application/json").status_code == 403


def test_an_expired_export_can_no_longer_be_downloaded(
    cast, client_of, program, django_capture_on_commit_callbacks
):
    http = client_of(cast.program_manager)
    job = start(http, django_capture_on_commit_callbacks).json()
    ExportJob.objects.filter(pk=job["id"]).update(
        expires_at=timezone.now() - datetime.timedelta(minutes=1)
    )

    assert http.get(status_url(job["id"])).json()["download_url"] is None
    assert http.get(download_url(job["id"])).status_code == 404


def test_a_job_still_running_reports_its_progress_and_has_no_file_yet(cast, client_of, program):
    http = client_of(cast.program_manager)
    # Without the commit the worker never starts: the job stays queued.
    job = http.post(START, {"format": "csv"}, content_type="application/json").json()
    ExportJob.objects.filter(pk=job["id"]).update(status="running", row_count=10, rows_written=4)

    status = http.get(status_url(job["id"])).json()

    assert (status["status"], status["progress_percent"]) == ("running", 40)
    assert status["download_url"] is None
    assert http.get(download_url(job["id"])).status_code == 404
