"""A partner's journey, in Russian on a phone: the employer's staff member opens the
inbox, reads and accepts a referral (only then is the person's name shown), and
records progress, which reaches the social worker's timeline of the case.

Pages are found by URL, field names and data- attributes, never by English text;
each key page is checked with axe-core and saved as a screenshot
(test-artifacts/journeys/partner-<variant>/)."""

import re

import pytest
from playwright.sync_api import expect

from referrals.models import Referral
from tests.referrals.helpers import sent

pytestmark = pytest.mark.django_db(transaction=True)

SUBMIT = "main form[method=post] button[type=submit].primary"


@pytest.mark.parametrize("page", ["ru-phone", "en"], indirect=True)
def test_partner(cast, page, login, register, journey):
    case = register(given_name="Azamat", family_name="Tailorov")
    referral = sent(cast, case)

    login(cast.partner)
    expect(page.locator("html")).to_have_attribute("lang", journey.language)
    page.locator("nav a[href='/referrals/inbox/']").click()
    row = page.locator(f"tr[data-referral='{referral.pk}']")
    expect(row).to_have_attribute("data-status", "sent")
    expect(row).to_contain_text(case.reference)
    # Before accepting, the employer sees the referral, not the person.
    expect(row).not_to_contain_text("Tailorov")
    journey.step("inbox")

    row.locator(f"a[href='/referrals/inbox/{referral.pk}/accept/']").click()
    expect(page.locator("main")).to_contain_text("Wants to work")
    journey.step("accept")
    page.locator(SUBMIT).click()
    expect(page).to_have_url(re.compile(r"/referrals/inbox/$"))
    expect(row).to_have_attribute("data-status", "accepted")
    expect(row).to_contain_text("Tailorov")
    journey.step("accepted")

    row.locator(f"a[href='/referrals/inbox/{referral.pk}/progress/']").click()
    page.locator("[name=note]").fill("First week on the cutting line went well.")
    journey.step("progress")
    page.locator(SUBMIT).click()
    expect(page).to_have_url(re.compile(r"/referrals/inbox/$"))
    expect(row).to_have_attribute("data-status", "in_progress")
    journey.step("progress-recorded")
    assert Referral.objects.get().status == "in_progress"

    # The social worker reads the update on the case timeline.
    page.locator("header form[action='/accounts/logout/'] button").click()
    login(cast.social_worker)
    page.goto(f"/cases/{case.pk}/timeline/")
    update = page.locator(".entry.kind-referral").filter(has_text="First week on the cutting line")
    expect(update).to_contain_text(cast.partner.get_full_name())
    journey.step("social-worker-timeline")
