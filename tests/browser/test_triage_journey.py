"""A social worker triages a case violent, a program manager approves it, the
case shows the law-enforcement pathway; a flag is raised and acknowledged."""

import pytest
from playwright.sync_api import expect

from casework.models import Case, Flag

pytestmark = pytest.mark.django_db(transaction=True)

INDICATORS = [
    "beliefs_attitudes",
    "intent_context",
    "history_capability",
    "commitment_motivation",
    "protective_factors",
]


def test_violent_triage_is_approved_by_a_manager_and_a_flag_acknowledged(
    cast, page, login, register
):
    case = register(given_name="Bakyt", family_name="Toktogulov")
    login(cast.social_worker)
    page.goto(f"/cases/{case.pk}/")
    page.get_by_role("link", name="New triage").click()
    page.get_by_label("Violent", exact=True).check()
    for name in INDICATORS:
        page.locator(f"input[name={name}][value=high]").check()
    page.get_by_label("Rationale").fill("Threatened a neighbour; contact with the network.")
    page.get_by_role("button", name="Save triage").click()
    expect(page.get_by_text("Triage awaiting a program manager's decision")).to_be_visible()
    expect(page.locator(".badges")).to_contain_text("Not triaged yet")

    # Raise an urgent flag while here.
    page.get_by_role("link", name="Raise a flag").click()
    page.get_by_label("Urgent").check()
    page.get_by_label("Category").select_option("threats")
    page.get_by_label("Source").select_option("family")
    page.get_by_label("What was observed").fill("Brother reports threats at a wedding.")
    page.get_by_role("button", name="Raise flag").click()
    expect(page.locator(".flag")).to_contain_text("Brother reports threats")

    page.get_by_role("button", name="Sign out").click()
    login(cast.program_manager)
    page.goto(f"/cases/{case.pk}/")
    page.get_by_label("Comment").fill("Agreed: the threats are corroborated.")
    page.get_by_role("button", name="Approve").click()
    badges = page.locator(".badges")
    expect(badges).to_contain_text("Violent")
    expect(badges).to_contain_text("Law enforcement")

    page.get_by_role("button", name="Acknowledge").click()
    expect(page.locator(".flag")).to_contain_text("Acknowledged")

    case.refresh_from_db()
    assert (case.category, case.pathway) == ("violent", "law_enforcement")
    assert Flag.objects.get().status == "acknowledged"
    assert Case.objects.count() == 1
