"""A police liaison's journey, in Russian, by keyboard: sign in with the second
factor, open the flags board, acknowledge a flag, and open the case, which shows
the note shared with police and not the clinical one.

Pages are found by URL, field names and data- attributes, never by English text;
each key page is checked with axe-core and saved as a screenshot
(test-artifacts/journeys/police_liaison-<variant>/)."""

import re

import pytest
from playwright.sync_api import expect

from casework.models import Flag
from casework.services import agency_set_jurisdiction
from tests.browser.keyboard import assert_focus_visible, tab_to
from tests.casework.helpers import flag, note, triage

pytestmark = pytest.mark.django_db(transaction=True)

CLINICAL = "Sleeps badly; nightmares about Raqqa; started sertraline."
FOR_POLICE = "Reports weekly to the district officer as agreed."


@pytest.mark.parametrize("page", ["ru", "en-phone"], indirect=True)
def test_police_liaison(cast, page, login, register, journey):
    admin = cast.administrator
    agency_set_jurisdiction(actor=admin, agency=cast.police_agency, regions=["bishkek"])
    case = register(region="bishkek", given_name="Bakyt", family_name="Toktogulov")
    triage(cast.social_worker, case, "unsettled")
    raised = flag(cast.social_worker, case, severity="concern", category="travel")
    note(cast.social_worker, case, "clinical", text=CLINICAL)
    note(cast.social_worker, case, "police", text=FOR_POLICE)

    # Password, then the code from the authenticator app (login types it).
    login(cast.police_liaison, check=journey.step)
    expect(page.locator("html")).to_have_attribute("lang", journey.language)

    # The main navigation, by keyboard.
    tab_to(page, "nav a[href='/cases/flags/']")
    assert_focus_visible(page, "nav a[href='/cases/flags/']")
    page.keyboard.press("Enter")
    row = page.locator(f"table.flags-board tr[data-flag='{raised.pk}']")
    expect(row).to_have_attribute("data-status", "open")
    expect(row).to_contain_text(case.reference)
    journey.step("flags-board")

    acknowledge = f"tr[data-flag='{raised.pk}'] form[action$='/acknowledge/'] button"
    tab_to(page, acknowledge)
    assert_focus_visible(page, acknowledge)
    page.keyboard.press("Enter")
    expect(page).to_have_url(re.compile(r"/cases/flags/$"))
    expect(row).to_have_attribute("data-status", "acknowledged")
    expect(page.locator(".messages")).to_be_visible()
    journey.step("flag-acknowledged")
    assert Flag.objects.get().status == "acknowledged"

    tab_to(page, f"tr[data-flag='{raised.pk}'] a[href='/cases/{case.pk}/']")
    page.keyboard.press("Enter")
    expect(page).to_have_url(re.compile(rf"/cases/{case.pk}/$"))
    expect(page.locator("[data-category]")).to_have_attribute("data-category", "unsettled")
    main = page.locator("main")
    expect(main).to_contain_text(FOR_POLICE)
    expect(main).not_to_contain_text(CLINICAL)
    journey.step("case")
    assert CLINICAL not in page.content()
