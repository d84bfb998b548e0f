"""A program manager opens the dashboard, follows a tile to the caseload report,
filters it, and exports CSV and XLSX; the files are parsed and hold the rows."""

import csv
import io

import openpyxl
import pytest
from playwright.sync_api import expect

pytestmark = pytest.mark.django_db(transaction=True)


def test_a_program_manager_filters_the_caseload_and_exports_csv_and_xlsx(
    cast, page, login, register
):
    osh = [register(region="osh_city", family_name=f"Oshov{n}") for n in range(3)]
    register(region="bishkek", family_name="Bishkekov")
    register(actor=cast.outsider, agency=cast.agency_b, region="osh_city")  # not theirs
    errors = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))

    login(cast.program_manager)
    page.get_by_role("link", name="Dashboard").click()
    expect(page.get_by_role("heading", name="Program dashboard")).to_be_visible()
    expect(page.locator("#chart-by-region")).to_be_visible()
    assert page.evaluate("typeof window.Chart") == "function"  # served by our own static
    expect(page.locator('[data-tile="open"] .tile-count')).to_have_text("4")

    page.get_by_role("link", name="Reports").click()
    page.get_by_label("Region").select_option("osh_city")
    page.get_by_role("button", name="Apply").click()
    rows = page.locator("table.report tbody tr")
    expect(rows).to_have_count(3)
    expect(page.locator("table.report")).not_to_contain_text("Oshov")
    expect(rows.first).to_contain_text("Osh city")

    with page.expect_download() as download_info:
        page.get_by_role("button", name="Export CSV").click()
    assert download_info.value.suggested_filename.endswith(".csv")
    text = download_info.value.path().read_text(encoding="utf-8-sig")
    parsed = list(csv.reader(io.StringIO(text)))
    assert parsed[0][:2] == ["Reference", "Region"]
    assert sorted(row[0] for row in parsed[1:]) == sorted(c.reference for c in osh)
    assert {row[1] for row in parsed[1:]} == {"Osh city"}
    assert "Oshov" not in text

    with page.expect_download() as download_info:
        page.get_by_role("button", name="Export XLSX").click()
    assert download_info.value.suggested_filename.endswith(".xlsx")
    # The saved download has no extension, which openpyxl refuses: read the bytes.
    content = io.BytesIO(download_info.value.path().read_bytes())
    sheet = openpyxl.load_workbook(content, read_only=True).active
    table = [list(row) for row in sheet.iter_rows(values_only=True)]
    assert table[0][0] == "Reference"
    assert sorted(row[0] for row in table[1:]) == sorted(c.reference for c in osh)
    assert errors == []
