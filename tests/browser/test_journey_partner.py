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


@pytest.mark.parametrize("page", ["en", "ru-phone"], indirect=True)
def test_partner_is_told_of_a_referral_and_the_sender_of_its_acceptance(
    cast, page, login, register, journey
):
    """A referral sent to the employer: the partner signs in, lands on the inbox, finds the
    referral through the bell and accepts it; the sender then finds the acceptance in theirs."""
    case = register(given_name="Azamat", family_name="Tailorov")
    referral = sent(cast, case)

    login(cast.partner)
    expect(page).to_have_url(re.compile(r"/referrals/inbox/$"))
    bell = page.locator("header a.bell")
    expect(bell.locator(".count [aria-hidden=true]")).to_have_text("1")
    journey.step("lands-on-inbox")
    bell.click()
    expect(page).to_have_url(re.compile(r"/notifications/$"))
    told = page.locator("li[data-kind='referral_received'] a")
    expect(told).to_contain_text(case.reference)
    expect(told).not_to_contain_text("Tailorov")
    journey.step("bell-referral-received")
    told.click()
    expect(page).to_have_url(re.compile(rf"/referrals/inbox/#referral-{referral.pk}$"))
    row = page.locator(f"tr[data-referral='{referral.pk}']")
    row.locator(f"a[href='/referrals/inbox/{referral.pk}/accept/']").click()
    page.locator(SUBMIT).click()
    expect(page).to_have_url(re.compile(r"/referrals/inbox/$"))
    expect(row).to_have_attribute("data-status", "accepted")
    # Marking all read from the bell leaves the partner on the page they were on.
    page.locator("header form.bell-read button").click()
    expect(page).to_have_url(re.compile(r"/referrals/inbox/$"))
    expect(page.locator("header a.bell .count")).to_have_count(0)

    page.locator("header form[action='/accounts/logout/'] button").click()
    login(cast.social_worker)
    expect(page).to_have_url(re.compile(r"/cases/$"))
    page.locator("header a.bell").click()
    accepted = page.locator("li[data-kind='referral_accepted'] a")
    expect(accepted).to_contain_text(case.reference)
    journey.step("bell-referral-accepted")
    accepted.click()
    expect(page).to_have_url(re.compile(rf"/cases/{case.pk}/#referrals-h$"))
    assert Referral.objects.get().status == "accepted"
