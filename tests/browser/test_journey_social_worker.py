"""A social worker's journey, in Russian on a phone and in English on a laptop:
register a returnee (the as-you-type duplicate warning included), triage, add a
goal to the support plan, write a note (by keyboard alone), record consent and
send a referral, raise a flag, complete a review, and find the person in the
caseload by the Cyrillic spelling of the name.

Pages are found by URL and form-field names, never by their English text, so the
journey runs the same in any language; each key page is checked with axe-core and
saved as a screenshot (test-artifacts/journeys/social_worker-<variant>/)."""

import re

import pytest
from playwright.sync_api import expect

from casework.models import Case, Flag, Goal, Note, Review
from referrals.models import Referral
from returnees.models import Returnee
from tests.browser.keyboard import assert_focus_visible, tab_to

pytestmark = pytest.mark.django_db(transaction=True)

SUBMIT = "main form[method=post] button[type=submit].primary"


@pytest.mark.parametrize("page", ["ru-phone", "en"], indirect=True)
def test_social_worker(cast, page, login, register, journey):
    # Someone in another agency already registered this person in Cyrillic.
    register(
        actor=cast.outsider,
        agency=cast.agency_b,
        given_name="Тимур",
        family_name="Абдуллаев",
        birth_date="1990-04-12",
    )
    login(cast.social_worker)
    expect(page.locator("html")).to_have_attribute("lang", journey.language)
    journey.step("caseload")

    # Intake: the duplicate check answers while the name and birth date are typed.
    page.locator("a[href$='/returnees/intake/']").first.click()
    page.locator("[name=family_name]").fill("Abdullayev")
    page.locator("[name=given_name]").fill("Timur")
    page.locator("[name=birth_date]").fill("1990-04-12")
    warning = page.locator("#duplicates")
    expect(warning).to_have_attribute("aria-live", "polite")
    expect(warning).to_contain_text(cast.agency_b.name)
    expect(warning).not_to_contain_text("Абдуллаев")
    journey.step("intake-duplicate-warning")

    page.locator("[name=sex][value=male]").check()
    page.locator("[name=citizenship_status]").select_option("citizen")
    page.locator("[name=languages][value=ky]").check()
    page.locator("[name=region]").select_option("bishkek")
    page.locator("[name=conflict_zone]").select_option("syria")
    page.locator("[name=departure_date]").fill("2014-05-01")
    page.locator("[name=return_date]").fill("2019-03-15")
    page.locator("[name=return_route]").select_option("state_repatriation")
    page.locator("[name=needs][value=housing]").check()
    page.locator(SUBMIT).click()
    # Stopped once for the possible duplicate: the error summary links to the field.
    summary = page.locator("#form-errors")
    expect(summary).to_have_attribute("role", "alert")
    expect(summary.locator("a[href='#id_acknowledge_duplicates']")).to_be_visible()
    journey.step("intake-errors")
    page.locator("[name=acknowledge_duplicates]").check()
    page.locator(SUBMIT).click()
    expect(page).to_have_url(re.compile(r"/cases/\d+/$"))
    case = Case.objects.get(lead_agency=cast.agency_a)
    expect(page.locator("main")).to_contain_text(case.reference)
    journey.step("case")
    # The case page (a fragment from a skip link or an error link survives redirects).
    CASE_PAGE = re.compile(rf"/cases/{case.pk}/(#[\w-]+)?$")

    # Triage: non-violent needs no second person.
    page.locator(f"a[href='/cases/{case.pk}/triage/']").first.click()
    page.locator(SUBMIT).click()  # nothing chosen: the summary links to each field
    expect(page.locator("#form-errors a[href='#id_category_0']")).to_be_visible()
    expect(page.locator("[name=rationale]")).to_have_attribute("aria-invalid", "true")
    journey.step("triage-errors")
    page.locator("#form-errors a[href='#id_category_0']").click()
    expect(page.locator("#id_category_0")).to_be_focused()
    page.locator("[name=category][value=non_violent]").check()
    for indicator in [
        "beliefs_attitudes",
        "intent_context",
        "history_capability",
        "commitment_motivation",
        "protective_factors",
    ]:
        page.locator(f"[name={indicator}][value=low]").check()
    page.locator("[name=rationale]").fill("Disengaged; family supportive; wants to work.")
    journey.step("triage")
    page.locator(SUBMIT).click()
    expect(page).to_have_url(CASE_PAGE)
    expect(page.locator("[data-category]")).to_have_attribute("data-category", "non_violent")

    # A goal in the support plan.
    page.locator(f"a[href='/cases/{case.pk}/goals/new/']").click()
    page.locator("[name=domain]").select_option("employment")
    page.locator("[name=description]").fill("A steady job in tailoring")
    page.locator("[name=target_date]").fill("2027-03-01")
    journey.step("goal")
    page.locator(SUBMIT).click()
    expect(page).to_have_url(CASE_PAGE)
    expect(page.locator("main")).to_contain_text("A steady job in tailoring")

    # A note, by keyboard alone: skip link, then Tab from field to field.
    page.goto(f"/cases/{case.pk}/notes/new/")
    page.keyboard.press("Tab")
    assert_focus_visible(page, "a.skip-link")
    page.keyboard.press("Enter")
    tab_to(page, "[name=kind]")
    assert_focus_visible(page, "[name=kind]")
    for _ in range(3):  # the arrow keys walk the options: (blank), contact, home visit
        if page.locator("[name=kind]").input_value() == "home_visit":
            break
        page.keyboard.press("ArrowDown")
    tab_to(page, "[name=visibility]")
    page.keyboard.press("Space")  # the first visibility: the case team only
    tab_to(page, "[name=text]")
    page.keyboard.type("Home visit: the family is glad to have him back.")
    tab_to(page, SUBMIT)
    assert_focus_visible(page, SUBMIT)
    journey.step("note")
    page.keyboard.press("Enter")
    expect(page).to_have_url(CASE_PAGE)
    note = Note.objects.get(case=case)
    assert (note.kind, note.visibility) == ("home_visit", "case_team")

    # Consent, then a referral to the employer that the consent covers.
    page.locator(f"a[href='/referrals/cases/{case.pk}/consent/']").click()
    page.locator("[name=agency]").select_option(str(cast.employer.pk))
    page.locator("[name=purpose]").select_option("job_placement")
    expect(page.locator("[name=scope][value=identity]")).to_be_disabled()
    page.locator("[name=note]").fill("Signed the consent form at the office.")
    journey.step("consent")
    page.locator(SUBMIT).click()
    expect(page.locator(".messages")).to_be_visible()

    page.locator(f"a[href='/referrals/cases/{case.pk}/new/']").click()
    page.locator("[name=to_agency]").select_option(str(cast.employer.pk))
    page.locator("[name=service_type]").select_option("job_placement")
    page.locator("[name=reason]").fill("Trained as a tailor before leaving; wants steady work.")
    journey.step("referral")
    page.locator(SUBMIT).click()
    expect(page).to_have_url(re.compile(rf"/referrals/cases/{case.pk}/\d+/send/$"))
    journey.step("referral-send")
    page.locator(SUBMIT).click()
    expect(page.locator(".messages")).to_contain_text(cast.employer.name)
    assert Referral.objects.get(case=case).status == "sent"

    # A monitoring flag the family reported.
    page.goto(f"/cases/{case.pk}/flags/new/")
    page.locator("[name=severity][value=concern]").check()
    page.locator("[name=category]").select_option("travel")
    page.locator("[name=source]").select_option("family")
    page.locator("[name=description]").fill("Brother says he asked about tickets to Istanbul.")
    journey.step("flag")
    page.locator(SUBMIT).click()
    expect(page).to_have_url(CASE_PAGE)
    expect(page.locator(".flag")).to_contain_text("tickets to Istanbul")

    # The review sets the next review date.
    page.locator(f"a[href='/cases/{case.pk}/review/']").first.click()
    page.locator("[name=outcome][value=continue]").check()
    page.locator("[name=summary]").fill("Settling in; job search under way.")
    journey.step("review")
    page.locator(SUBMIT).click()
    expect(page).to_have_url(CASE_PAGE)
    journey.step("case-after-review")

    # The caseload finds the person by either script.
    page.locator("nav a[href='/cases/']").click()
    page.locator("[name=q]").fill("абдуллаев")
    page.locator("[name=q]").press("Enter")
    rows = page.locator("table.list tbody tr")
    expect(rows).to_have_count(1)
    expect(rows.first).to_contain_text(case.reference)
    journey.step("caseload-search")

    assert Goal.objects.filter(case=case).count() == 1
    assert Flag.objects.get(case=case).source == "family"
    assert Review.objects.get(case=case).outcome == "continue"


@pytest.mark.parametrize("page", ["en", "ru-phone"], indirect=True)
def test_social_worker_corrects_a_name(cast, page, login, register, journey):
    """A typo in the given name, fixed from the identity section of the case page; the
    case page shows the new name and the person's history the old one, who and when."""
    case = register(given_name="Timru", family_name="Abdullaev")
    login(cast.social_worker)
    page.goto(f"/cases/{case.pk}/")
    page.locator("a[data-edit=identity]").click()
    expect(page).to_have_url(re.compile(rf"/returnees/cases/{case.pk}/person/\?part=identity$"))
    expect(page.locator("[name=phone]")).to_have_count(0)  # this part only
    page.locator("[name=given_name]").fill("")
    page.locator(SUBMIT).click()  # a name is needed: the summary links to the field
    expect(page.locator("#form-errors a[href='#id_given_name']")).to_be_visible()
    expect(page.locator("[name=given_name]")).to_have_attribute("aria-invalid", "true")
    journey.step("person-edit-errors")
    page.locator("[name=given_name]").fill("Timur")
    page.locator(SUBMIT).click()
    expect(page).to_have_url(re.compile(rf"/cases/{case.pk}/$"))
    expect(page.locator("section[aria-labelledby=identity-h] dl")).to_contain_text("Timur")
    expect(page.locator(".case-name")).to_have_text("Abdullaev Timur Rustamovich")
    journey.step("case-after-correction")

    page.locator("a[data-history]").click()
    row = page.locator("tr[data-field=given_name]")
    expect(row).to_contain_text("Timru")
    expect(row).to_contain_text("Timur")
    expect(page.locator("table.history")).to_contain_text("Aigul Sadykova")
    journey.step("person-history")
    assert Returnee.objects.get(pk=case.returnee_id).given_name == "Timur"
