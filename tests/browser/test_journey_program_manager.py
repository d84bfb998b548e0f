"""A program manager's journey, in Russian: sign in with the second factor, approve
a colleague's move of a case to violent (it needs a second person), open the
dashboard, follow it to the caseload report, filter it, and download the
pseudonymised CSV (and XLSX), which hold the filtered rows and no names.

Pages are found by URL, field names and data- attributes, never by English text;
each key page is checked with axe-core and saved as a screenshot
(test-artifacts/journeys/program_manager-<variant>/)."""

import csv
import io
import re

import openpyxl
import pytest
from playwright.sync_api import expect

from casework.models import Case
from tests.casework.helpers import triage

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.mark.parametrize("page", ["ru", "en-phone"], indirect=True)
def test_program_manager(cast, page, login, register, journey):
    osh = [register(region="osh_city", family_name=f"Oshov{n}") for n in range(3)]
    case = register(region="bishkek", given_name="Bakyt", family_name="Toktogulov")
    register(actor=cast.outsider, agency=cast.agency_b, region="osh_city")  # not theirs
    pending = triage(cast.social_worker, case, "violent")
    assert pending.needs_approval
    errors = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))

    login(cast.program_manager)
    expect(page.locator("html")).to_have_attribute("lang", journey.language)

    # Approve the move to violent: the case takes the law-enforcement pathway.
    page.goto(f"/cases/{case.pk}/")
    page.locator("#decision-comment").fill("Agreed: the threats are corroborated.")
    journey.step("triage-awaiting-approval")
    page.locator("button[name=decision][value=approve]").click()
    expect(page.locator("[data-category]")).to_have_attribute("data-category", "violent")
    expect(page.locator("[data-pathway]")).to_have_attribute("data-pathway", "law_enforcement")
    journey.step("triage-approved")
    case.refresh_from_db()
    assert (case.category, case.pathway) == ("violent", "law_enforcement")

    page.locator("nav a[href='/cases/reports/dashboard/']").click()
    expect(page.locator("#chart-by-region")).to_be_visible()
    assert page.evaluate("typeof window.Chart") == "function"  # served by our own static
    expect(page.locator('[data-tile="open"] .tile-count')).to_have_text("4")
    journey.step("dashboard")

    page.locator("nav a[href='/cases/reports/']").click()
    page.locator("form.filters [name=region]").select_option("osh_city")
    page.locator("form.filters button[type=submit]").click()
    expect(page).to_have_url(re.compile(r"region=osh_city"))
    rows = page.locator("table.report tbody tr")
    expect(rows).to_have_count(3)
    expect(page.locator("table.report")).not_to_contain_text("Oshov")
    journey.step("report-filtered")

    pseudonymised = page.locator("form.export-form:not(:has([name=identified]))")
    with page.expect_download() as download:
        pseudonymised.locator("button[name=format][value=csv]").click()
    assert download.value.suggested_filename.endswith(".csv")
    text = download.value.path().read_text(encoding="utf-8-sig")
    table = list(csv.reader(io.StringIO(text)))
    assert sorted(row[0] for row in table[1:]) == sorted(c.reference for c in osh)
    for returnee in [c.returnee for c in osh]:
        assert returnee.family_name not in text
        assert returnee.given_name not in text

    with page.expect_download() as download:
        pseudonymised.locator("button[name=format][value=xlsx]").click()
    assert download.value.suggested_filename.endswith(".xlsx")
    # The saved download has no extension, which openpyxl refuses: read the bytes.
    content = io.BytesIO(download.value.path().read_bytes())
    sheet = openpyxl.load_workbook(content, read_only=True).active
    table = [list(row) for row in sheet.iter_rows(values_only=True)]
    assert sorted(row[0] for row in table[1:]) == sorted(c.reference for c in osh)
    assert not any("Oshov" in str(cell) for row in table for cell in row)
    assert errors == []
    assert Case.objects.count() == 5


@pytest.mark.parametrize("page", ["ru"], indirect=True)
def test_program_manager_reassigns_the_filtered_caseload(cast, page, login, register, journey):
    """Filter the caseload by region, choose "all matching this filter" (more cases than
    one page shows), reassign them to a colleague, and see the result in the list."""
    osh = [register(region="osh_city", family_name=f"Oshov{n}") for n in range(27)]
    elsewhere = register(region="bishkek")
    errors = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))

    login(cast.program_manager)  # lands on the dashboard
    page.goto("/cases/")
    page.locator("form.filters [name=region]").select_option("osh_city")
    page.locator("form.filters button[type=submit]").click()
    expect(page).to_have_url(re.compile(r"region=osh_city"))
    journey.step("caseload-filtered")

    form = page.locator("#reassign-form")
    form.locator("[name=scope][value=matching]").check()
    form.locator("[name=worker]").select_option(str(cast.colleague.pk))
    journey.step("reassign-all-matching")
    form.locator("button[type=submit]").click()

    # Back on the filtered caseload, with the result said and every row the colleague's.
    expect(page).to_have_url(re.compile(r"region=osh_city"))
    expect(page.locator(".messages")).to_contain_text("27")
    expect(page.locator("table.list tbody tr").first).to_contain_text("Nurbek")
    journey.step("reassigned")
    assert set(
        Case.objects.filter(pk__in=[c.pk for c in osh]).values_list("assigned_worker", flat=True)
    ) == {cast.colleague.pk}
    elsewhere.refresh_from_db()
    assert elsewhere.assigned_worker == cast.social_worker
    assert errors == []
