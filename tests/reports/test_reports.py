"""Issue 6: the dashboard, the caseload report, its exports and API."""

import csv
import io
import pathlib

import openpyxl
import pytest
from django.conf import settings
from django.db.models import F
from django.test import override_settings
from django.urls import reverse

from audit.models import AuditAction, AuditEvent
from core.references import reference_for
from reports import selectors, tasks
from reports.models import ExportJob, ExportStatus
from tests.reports.conftest import IDENTITY

DASHBOARD = reverse("reports:dashboard")
REPORT = reverse("reports:report")
EXPORT = reverse("reports:report_export")
ROWS_API = reverse("api-report-rows")
AGGREGATES_API = reverse("api-report-aggregates")


def export(client, fmt="csv", query="", **data):
    url = f"{EXPORT}?{query}" if query else EXPORT
    return client.post(url, {"format": fmt, **data})


def body(response) -> bytes:
    if response.streaming:
        return b"".join(response.streaming_content)
    return response.content


def csv_rows(response) -> list[list[str]]:
    return list(csv.reader(io.StringIO(body(response).decode("utf-8-sig"))))


def read_xlsx(content: bytes) -> list[list]:
    sheet = openpyxl.load_workbook(io.BytesIO(content), read_only=True).active
    return [list(row) for row in sheet.iter_rows(values_only=True)]


def xlsx_rows(response) -> list[list]:
    return read_xlsx(body(response))


def personal_values(case) -> list[str]:
    r = case.returnee
    return [r.given_name, r.family_name, r.patronymic, *r.aliases, r.phone, r.address]


# --- Pseudonymised by default ----------------------------------------------------------


@pytest.mark.parametrize("fmt", ["csv", "xlsx", "pdf"])
def test_pseudonymised_export_holds_no_name_patronymic_alias_phone_or_address(
    cast, client_of, program, fmt
):
    response = export(client_of(cast.program_manager), fmt)

    assert response.status_code == 200
    content = body(response)
    if fmt == "xlsx":
        rows = read_xlsx(content)
        text = "\n".join(",".join(str(c) for c in row) for row in rows)
    else:
        text = content.decode("utf-8-sig", errors="replace")
        rows = list(csv.reader(io.StringIO(text))) if fmt == "csv" else None
    for value in personal_values(program["flagged"]) + ["=HYPERLINK", "Test-Case"]:
        assert value not in text
    if rows is not None:
        assert {row[0] for row in rows[1:]} == {reference_for(c.pk) for c in program["a_cases"]}


def test_a_pseudonymised_export_is_recorded_too(cast, client_of, program):
    export(client_of(cast.program_manager), "csv", query="region=osh_city")

    job = ExportJob.objects.get()
    assert (job.requested_by, job.identified, job.format) == (cast.program_manager, False, "csv")
    assert job.filter_params == {"region": "osh_city"}
    assert job.row_count == 2


# --- Identified exports ----------------------------------------------------------------


def test_identified_export_is_refused_without_the_permission(cast, client_of, program):
    response = export(
        client_of(cast.program_manager), "csv", identified="on", purpose="Court request 12/2026"
    )

    assert response.status_code == 403
    assert not ExportJob.objects.exists()


def test_identified_export_is_refused_without_a_purpose(client_of, program, identified_exporter):
    response = export(client_of(identified_exporter), "csv", identified="on", purpose="  ")

    assert response.status_code == 400
    assert "State why you need names" in response.content.decode()
    assert not ExportJob.objects.exists()


def test_identified_export_is_recorded_with_who_when_filter_and_rows(
    client_of, program, identified_exporter
):
    response = export(
        client_of(identified_exporter),
        "csv",
        query="region=bishkek&status=open",
        identified="on",
        purpose="Ministry audit of housing support, letter 45/2026",
    )

    assert response.status_code == 200
    rows = csv_rows(response)
    assert len(rows) - 1 == 2  # the flagged case and the odd one, both open in Bishkek
    flat = "\n".join(",".join(r) for r in rows)
    for value in personal_values(program["flagged"]):
        assert value in flat
    job = ExportJob.objects.get()
    assert job.requested_by == identified_exporter
    assert job.identified is True
    assert job.purpose == "Ministry audit of housing support, letter 45/2026"
    assert job.filter_params == {"region": "bishkek", "status": "open"}
    assert job.row_count == 2
    assert job.requested_at is not None
    event = AuditEvent.objects.get(action=AuditAction.EXPORTED)
    assert event.actor_id == identified_exporter.pk
    assert event.object_id == str(job.pk)
    assert event.detail == {
        "format": "csv",
        "identified": True,
        "filter": {"region": "bishkek", "status": "open"},
        "rows": 2,
        "background": False,
    }
    assert "Ministry" not in str(event.detail)


# --- Scope -----------------------------------------------------------------------------


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_an_outsiders_export_has_none_of_another_agencys_cases(cast, client_of, program, fmt):
    response = export(client_of(cast.outsider_manager), fmt)

    rows = csv_rows(response) if fmt == "csv" else xlsx_rows(response)
    references = {row[0] for row in rows[1:]}
    assert references == {program["outsider_case"].reference}
    assert not references & {c.reference for c in program["a_cases"]}


def test_the_report_and_its_api_list_only_visible_cases(cast, client_of, program):
    page = client_of(cast.outsider_manager).get(REPORT)
    api = client_of(cast.outsider_manager).get(ROWS_API).json()

    assert [r.pk for r in page.context["page"].object_list] == [program["outsider_case"].pk]
    assert [r["id"] for r in api["results"]] == [program["outsider_case"].pk]


# --- Formula neutralisation ------------------------------------------------------------


def test_formula_values_are_neutralised_in_csv_and_xlsx(client_of, program, identified_exporter):
    client = client_of(identified_exporter)
    query = "region=bishkek&status=open"
    for fmt, read in (("csv", csv_rows), ("xlsx", xlsx_rows)):
        response = export(client, fmt, query=query, identified="on", purpose="Formula check")
        rows = read(response)
        headings = rows[0]
        odd = next(r for r in rows[1:] if r[0] == program["odd"].reference)
        assert odd[headings.index("Assigned worker")] == "'@SUM"
        assert odd[headings.index("Given name")] == "'=HYPERLINK"
        # Nothing else starts with a formula trigger.
        for row in rows:
            for cell in row:
                assert not (isinstance(cell, str) and cell and cell[0] in "=+-@\t\r")


# --- Dashboard totals equal the report's rows ------------------------------------------


@pytest.mark.parametrize("query", [{}, {"region": "osh_city"}, {"sex": "male"}])
def test_dashboard_tiles_equal_the_report_rows_for_the_same_filter(cast, client_of, program, query):
    client = client_of(cast.program_manager)
    dashboard = client.get(DASHBOARD, query)
    assert dashboard.status_code == 200
    tiles = dashboard.context["tiles"]
    assert {t["tile"].key for t in tiles} >= {
        "pending_approval",
        "overdue",
        "urgent_flags",
        "awaiting_response",
        "minors",
        "category_violent",
        "pathway_filtration",
    }
    for item in tiles:
        report = client.get(item["url"])
        assert report.status_code == 200, item["url"]
        assert report.context["page"].paginator.count == item["tile"].count, item["tile"].key
        api = client.get(f"{ROWS_API}?{item['url'].partition('?')[2]}")
        assert api.json()["count"] == item["tile"].count


def test_dashboard_counts_what_the_program_holds(cast, client_of, program):
    tiles = {
        t["tile"].key: t["tile"].count
        for t in client_of(cast.program_manager).get(DASHBOARD).context["tiles"]
    }

    assert tiles["open"] == 4
    assert tiles["urgent_flags"] == 1
    assert tiles["awaiting_response"] == 1
    assert tiles["pending_approval"] == 1
    assert tiles["minors"] == 1
    assert tiles["category_unsettled"] == 1


def test_aggregates_api_matches_the_dashboard(cast, client_of, program):
    client = client_of(cast.program_manager)
    page = client.get(DASHBOARD, {"region": "bishkek"}).context["data"]
    api = client.get(AGGREGATES_API, {"region": "bishkek"}).json()

    assert {t["key"]: t["count"] for t in api["tiles"]} == {t.key: t.count for t in page["tiles"]}
    assert api["outcomes"] == page["outcomes"]
    assert [r["kind"] for r in api["referrals"]] == ["employer"]
    assert api["referrals"][0]["sent"] == 1


def test_dashboard_shows_a_table_beside_every_chart_and_no_inline_script(cast, client_of, program):
    html = client_of(cast.program_manager).get(DASHBOARD).content.decode()

    assert html.count("<canvas") == 4
    assert html.count("<caption") >= 4
    assert 'type="application/json"' in html
    assert "vendor/chartjs/chart.umd.min.js" in html
    # The only <script> elements: the JSON data block and files from our own static.
    for part in html.split("<script")[1:]:
        assert part.lstrip().startswith(('id="dashboard-data" type="application/json"', "src="))
    assert "style=" not in html


# --- Bad input -------------------------------------------------------------------------


def test_invalid_filters_show_form_errors_and_answer_400_in_the_api(cast, client_of, program):
    client = client_of(cast.program_manager)
    bad = {"region": "mars", "opened_from": "yesterday", "agency": "999999"}

    page = client.get(REPORT, bad)
    dashboard = client.get(DASHBOARD, bad)
    api = client.get(ROWS_API, bad)
    aggregates = client.get(AGGREGATES_API, bad)

    assert page.status_code == dashboard.status_code == 400
    assert page.context["page"].paginator.count == 0
    assert api.status_code == aggregates.status_code == 400
    assert {"region", "opened_from", "agency"} <= set(api.json())
    assert {"region", "opened_from", "agency"} <= set(aggregates.json())


def test_an_export_with_an_invalid_filter_exports_and_records_nothing(cast, client_of, program):
    response = export(client_of(cast.program_manager), "csv", query="status=maybe")

    assert response.status_code == 400
    assert not ExportJob.objects.exists()


def test_the_report_filters_by_each_condition(cast, client_of, program):
    client = client_of(cast.program_manager)

    def refs(**params):
        response = client.get(REPORT, params)
        assert response.status_code == 200
        return {row.pk for row in response.context["page"].object_list}

    assert refs(status="closed") == {program["closed"].pk}
    assert refs(age_band="under_18") == {program["minor"].pk}
    assert refs(minors="on") == {program["minor"].pk}
    assert refs(sex="female") == {program["pending"].pk}
    assert refs(open_flags="on") == {program["flagged"].pk}
    assert refs(outcome="employment") == {program["flagged"].pk}
    assert refs(pending_approval="on") == {program["pending"].pk}
    assert refs(agency=str(cast.agency_b.pk)) == set()
    assert refs(category="non_violent", pathway="rehabilitation") == {program["minor"].pk}


def test_report_row_shows_the_cases_numbers(cast, client_of, program):
    api = client_of(cast.program_manager).get(ROWS_API, {"open_flags": "on"}).json()

    (row,) = api["results"]
    assert row["reference"] == program["flagged"].reference
    assert row["open_flags"] == 1
    assert row["referrals_awaiting"] == 1
    assert (row["goals_achieved"], row["goals_total"]) == (1, 1)
    assert row["last_contact"] is not None
    assert "given_name" not in row


# --- Background exports ----------------------------------------------------------------


@override_settings(EXPORT_BACKGROUND_ROWS=2)
def test_a_large_export_runs_in_the_background_and_its_link_expires(
    cast, client_of, program, django_capture_on_commit_callbacks
):
    client = client_of(cast.program_manager)
    with django_capture_on_commit_callbacks(execute=True):
        response = export(client, "xlsx")
    job = ExportJob.objects.get()
    assert response.status_code == 302
    assert response.url == reverse("reports:export_job", args=[job.pk])

    job.refresh_from_db()
    assert job.status == ExportStatus.DONE
    assert job.background
    status = client.get(response.url)
    assert "Download" in status.content.decode()
    download = client.get(reverse("reports:export_download", args=[job.pk]))
    assert download.status_code == 200
    assert len(xlsx_rows(download)) == 1 + len(program["a_cases"])
    # Only the requester may fetch it.
    other = client_of(cast.outsider_manager).get(reverse("reports:export_download", args=[job.pk]))
    assert other.status_code == 404

    # After expiry: no download, and the purge deletes the file (twice is harmless).
    ExportJob.objects.filter(pk=job.pk).update(expires_at=job.finished_at)
    assert client.get(reverse("reports:export_download", args=[job.pk])).status_code == 404
    path = pathlib.Path(job.file_path)
    assert path.exists()
    assert tasks.purge_expired_exports() == 1
    assert tasks.purge_expired_exports() == 0
    assert not path.exists()


def test_the_progress_page_polls_while_the_export_runs(cast, client_of, program):
    job = ExportJob.objects.create(
        requested_by=cast.program_manager,
        format="csv",
        filter_params={},
        background=True,
        status=ExportStatus.RUNNING,
        row_count=10_000,
        rows_written=4_000,
    )
    response = client_of(cast.program_manager).get(
        reverse("reports:export_job", args=[job.pk]), headers={"HX-Request": "true"}
    )

    html = response.content.decode()
    assert 'hx-trigger="every 2s"' in html
    assert 'value="40"' in html
    assert "<html" not in html  # htmx gets the fragment only


def test_the_pdf_summary_is_one_page(cast, client_of, program):
    response = export(client_of(cast.program_manager), "pdf")

    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert body(response).count(b"/Type /Page\n") + body(response).count(b"/Type /Page ") == 1


def test_nav_links_show_for_managers_only(cast, client_of):
    manager = client_of(cast.program_manager).get(reverse("casework:caseload")).content.decode()
    worker = client_of(cast.social_worker).get(reverse("casework:caseload")).content.decode()

    assert DASHBOARD in manager
    assert REPORT in manager
    assert DASHBOARD not in worker


def test_identified_columns_follow_the_identity(client_of, program, identified_exporter):
    response = export(
        client_of(identified_exporter),
        "xlsx",
        identified="on",
        purpose="Check",
        query="open_flags=on",
    )
    rows = xlsx_rows(response)
    record = dict(zip(rows[0], rows[1], strict=True))
    assert record["Given name"] == IDENTITY["given_name"]
    assert record["Aliases"] == "Abu Talha"
    # A leading + is a formula trigger too (OWASP): the phone number keeps its quote.
    assert record["Phone"] == "'" + IDENTITY["phone"]
    assert record["Address"] == IDENTITY["address"]


def test_the_schema_documents_the_report_endpoints_and_their_filters(cast, client_of):
    schema = client_of(cast.program_manager).get(reverse("api-schema")).content.decode()

    for fragment in ("/api/reports/caseload/", "/api/reports/aggregates/", "age_band"):
        assert fragment in schema
    aggregates = schema.split("/api/reports/aggregates/:")[1].split("/api/reports/caseload/")[0]
    assert "overdue" in aggregates


def test_a_background_export_reports_progress_in_batches(cast, program, monkeypatch):
    from reports import exports, services

    monkeypatch.setattr(exports, "CHUNK_ROWS", 2)
    seen = []
    progress = services.export_progress
    monkeypatch.setattr(
        services,
        "export_progress",
        lambda *, job, rows_written: (
            seen.append(rows_written) or progress(job=job, rows_written=rows_written)
        ),
    )
    job = services.export_record(
        actor=cast.program_manager,
        format="csv",
        identified=False,
        purpose="",
        filter_params={},
        row_count=5,
        background=True,
    )

    assert tasks.run_export(job.pk) == 5
    assert tasks.run_export(job.pk) == 0  # a retried task finds it claimed: nothing twice
    job.refresh_from_db()
    assert seen == [2, 4]
    assert (job.status, job.rows_written, job.progress_percent) == ("done", 5, 100)
    assert job.expires_at > job.finished_at
    assert pathlib.Path(job.file_path).parent == pathlib.Path(settings.EXPORT_DIR)


def test_the_beat_schedule_purges_expired_exports():
    from config.schedule import CELERY_BEAT_SCHEDULE

    assert CELERY_BEAT_SCHEDULE["purge-expired-exports"]["task"] == tasks.purge_expired_exports.name


# --- One list of columns ----------------------------------------------------------------


@pytest.mark.parametrize("added", [False, True])
def test_every_declared_column_is_in_the_csv_xlsx_api_and_page(
    cast, client_of, register, program, monkeypatch, added
):
    """A column is one entry of selectors.COLUMNS: the exports, the API's rows (and
    its schema) and the report page all follow it, a new one included."""
    if added:
        district = selectors.Column(
            "district", "Districtheading", lambda: F("returnee__district"), selectors.Kind.TEXT
        )
        monkeypatch.setattr(selectors, "COLUMNS", [*selectors.COLUMNS, district])
    case = register(district="Districtmark")
    client = client_of(cast.program_manager)
    columns = selectors.report_columns(identified=False)
    headings = [str(c.heading) for c in columns]
    keys = [c.key for c in columns]

    for fmt, read in (("csv", csv_rows), ("xlsx", xlsx_rows)):
        rows = read(export(client, fmt))
        assert rows[0] == headings, fmt
        row = next(r for r in rows[1:] if r[0] == case.reference)
        assert len(row) == len(keys)
        assert ("Districtmark" in row) is added, fmt

    api = client.get(ROWS_API).json()["results"]
    row = next(r for r in api if r["reference"] == case.reference)
    assert list(row) == ["id", *keys]
    assert (row.get("district") == "Districtmark") is added
    schema = client.get(reverse("api-schema"), {"format": "json"}).json()
    assert list(schema["components"]["schemas"]["ReportRowOutput"]["properties"]) == [
        "id",
        *keys,
    ]

    html = client.get(REPORT).content.decode()
    for column in columns:
        assert f'<th scope="col">{column.page_heading or column.heading}</th>' in html
    assert ("<td>Districtmark</td>" in html) is added
