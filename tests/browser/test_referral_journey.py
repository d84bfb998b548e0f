"""A social worker records consent and refers a case to an employer; the employer's
staff accepts it and records progress; the social worker reads the update on the
timeline. A police liaison acknowledges a flag on the flags board."""

import re

import pytest
from django.contrib.auth import get_user_model
from playwright.sync_api import expect

from casework.models import Flag
from referrals.models import Referral
from referrals.services import agency_set_jurisdiction
from tests.casework.helpers import flag, triage

pytestmark = pytest.mark.django_db(transaction=True)


def test_a_referral_to_an_employer_is_accepted_and_its_progress_reaches_the_case(
    cast, page, login, register
):
    case = register(given_name="Azamat", family_name="Tailorov")
    login(cast.social_worker)
    page.goto(f"/cases/{case.pk}/")

    page.get_by_role("link", name="Record consent").click()
    page.get_by_label("Agency").select_option(label="Dordoi Textile Works")
    page.get_by_label("Purpose (service)").select_option("job_placement")
    expect(page.get_by_label("Identity basics")).to_be_checked()
    expect(page.get_by_label("Identity basics")).to_be_disabled()
    page.get_by_role("textbox", name="Note").fill("Signed the consent form at the office.")
    page.get_by_role("button", name="Record consent").click()
    expect(page.locator("#consent-h + p + .table-wrap")).to_contain_text("Dordoi Textile Works")

    page.get_by_role("link", name="New referral").click()
    page.get_by_label("Refer to").select_option(label="Dordoi Textile Works")
    page.get_by_label("Service").select_option("job_placement")
    page.get_by_label("Reason").fill("Trained as a tailor before leaving; wants steady work.")
    page.get_by_role("button", name="Save draft").click()
    expect(page.get_by_text("Recorded consent covers this referral")).to_be_visible()
    page.get_by_role("button", name="Send referral").click()
    expect(page.locator(".messages")).to_contain_text("Referral sent to Dordoi Textile Works")

    page.get_by_role("button", name="Sign out").click()
    login(cast.partner)
    page.get_by_role("link", name="Inbox").click()
    rows = page.locator("table.list tbody tr")
    expect(rows).to_have_count(1)
    expect(rows.first).to_contain_text(case.reference)
    # Before accepting, the employer sees the referral, not the person.
    expect(rows.first).not_to_contain_text("Tailorov")
    rows.first.get_by_role("link", name="Read and accept").click()
    expect(page.get_by_text("Trained as a tailor")).to_be_visible()
    page.get_by_role("button", name="Accept", exact=True).click()
    expect(rows.first).to_contain_text("Tailorov")
    rows.first.get_by_role("link", name="Record progress").click()
    page.get_by_label("What happened").fill("First week on the cutting line went well.")
    page.get_by_role("button", name="Save progress").click()
    expect(page.locator(".messages")).to_contain_text("Progress recorded")

    page.get_by_role("button", name="Sign out").click()
    login(cast.social_worker)
    page.goto(f"/cases/{case.pk}/timeline/")
    update = page.locator(".entry.kind-referral").filter(has_text="Partner update")
    expect(update).to_contain_text("First week on the cutting line went well.")
    expect(update).to_contain_text("Samat Jumaliev")
    assert Referral.objects.get().status == "in_progress"


def test_a_police_liaison_acknowledges_a_flag_on_the_board(cast, page, login, register):
    admin = get_user_model().objects.create_superuser("root", "root@homeward.example", "x")
    agency_set_jurisdiction(actor=admin, agency=cast.police_agency, regions=["bishkek"])
    case = register(region="bishkek")
    triage(cast.social_worker, case, "unsettled")
    flag(cast.social_worker, case, severity="concern", category="travel")

    login(cast.police_liaison)
    page.get_by_role("link", name="Flags board").click()
    row = page.locator("table.flags-board tbody tr")
    expect(row).to_have_count(1)
    expect(row).to_contain_text(case.reference)
    expect(row).to_contain_text("Open")
    row.get_by_role("button", name="Acknowledge").click()
    expect(page).to_have_url(re.compile(r"/referrals/flags/$"))
    expect(page.locator(".messages")).to_contain_text("Flag acknowledged.")
    expect(row).to_contain_text("Acknowledged")
    assert Flag.objects.get().status == "acknowledged"
