"""A social worker logs in, registers a returnee, and finds them in the caseload."""

import pytest
from playwright.sync_api import expect

from casework.models import Case

pytestmark = pytest.mark.django_db(transaction=True)


def test_social_worker_registers_a_returnee_and_finds_them(cast, page, login, register):
    # Someone in another agency already registered this person in Cyrillic.
    register(
        actor=cast.outsider,
        agency=cast.agency_b,
        given_name="Тимур",
        family_name="Абдуллаев",
        birth_date="1990-04-12",
    )
    login(cast.social_worker)

    page.get_by_role("link", name="Register a returnee").first.click()
    page.get_by_label("Family name").fill("Abdullayev")
    page.get_by_label("Given name").fill("Timur")
    page.get_by_label("Date of birth").fill("1990-04-12")
    # The as-you-type check names the other agency and nothing else.
    warning = page.locator("#duplicates")
    expect(warning).to_contain_text("A possible existing record is held by Osh Social Services")
    expect(warning).not_to_contain_text("Абдуллаев")

    page.get_by_label("Male", exact=True).check()
    page.get_by_label("Citizenship status").select_option("citizen")
    page.get_by_label("Kyrgyz").check()
    page.get_by_label("Region").select_option("bishkek")
    page.get_by_label("Conflict zone").select_option("syria")
    page.get_by_label("Departure date").fill("2014-05-01")
    page.get_by_label("Return date").fill("2019-03-15")
    page.get_by_label("Return route").select_option("state_repatriation")
    page.get_by_label("Housing").check()
    page.get_by_role("button", name="Register and open case").click()

    # Stopped once for the possible duplicate; confirm it is a different person.
    expect(page.locator("#form-errors")).to_contain_text("may already be registered")
    page.get_by_label("I have checked the possible matches").check()
    page.get_by_role("button", name="Register and open case").click()

    case = Case.objects.get(lead_agency=cast.agency_a)
    expect(page.get_by_role("heading", level=1)).to_have_text("Abdullayev Timur")
    expect(page.get_by_text(case.reference).first).to_be_visible()

    page.get_by_role("link", name="My caseload").click()
    page.get_by_label("Name or reference").fill("абдуллаев")
    page.get_by_role("button", name="Apply").click()
    rows = page.locator("table.list tbody tr")
    expect(rows).to_have_count(1)
    expect(rows.first).to_contain_text(case.reference)
    expect(rows.first).to_contain_text("Abdullayev Timur")
