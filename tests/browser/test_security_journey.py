"""In a real browser: a police liaison enrols the authenticator at first sign-in, and
pages (Swagger UI included) work under the CSP without a single violation."""

import base64
import re

import pytest
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice
from playwright.sync_api import expect

from tests.conftest import PASSWORD

pytestmark = pytest.mark.django_db(transaction=True)


def watch_csp(page) -> list[str]:
    """Chromium reports each CSP violation on the console."""
    violations = []
    page.on(
        "console",
        lambda message: (
            violations.append(message.text) if "Content Security Policy" in message.text else None
        ),
    )
    return violations


def test_police_liaison_enrols_at_first_sign_in_and_reaches_the_flags_board(cast, page):
    violations = watch_csp(page)
    page.goto("/accounts/login/")
    page.get_by_label("Username").fill(cast.police_liaison.username)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url("**/two-factor/setup/")
    page.get_by_role("button", name="Next").click()
    qr = page.get_by_role("img", name="QR code for your authenticator app")
    expect(qr).to_be_visible()
    # Visible is not yet loaded: wait for the image itself, then check it decoded.
    page.wait_for_function("img => img.complete", arg=qr.element_handle())
    assert page.evaluate("img => img.naturalWidth", qr.element_handle()) > 0
    secret = page.locator("code").first.inner_text()
    code = f"{totp(base64.b32decode(secret)):06d}"
    page.get_by_label("Code from your authenticator app").fill(code)
    page.get_by_role("button", name="Verify").click()
    expect(page.get_by_role("heading", name="Two-factor sign-in is on")).to_be_visible()
    assert TOTPDevice.objects.filter(user=cast.police_liaison, confirmed=True).exists()
    page.get_by_role("link", name="Make recovery codes").click()
    page.get_by_role("button", name="Make new recovery codes").click()
    expect(page.locator("ul.codes li")).to_have_count(10)
    page.goto("/cases/flags/")
    expect(page.get_by_role("heading", level=1, name="Flags board")).to_be_visible()
    assert not violations, violations


def test_enter_in_the_enrolment_code_field_verifies_the_code(cast, page):
    page.goto("/accounts/login/")
    page.get_by_label("Username").fill(cast.police_liaison.username)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_label("Password").press("Enter")
    page.wait_for_url("**/two-factor/setup/")
    page.get_by_role("button", name="Next").click()
    secret = page.locator("code").first.inner_text()
    code = page.get_by_label("Code from your authenticator app")
    # A wrong code and Enter: the same step again, with the error (not back to the start).
    right = f"{totp(base64.b32decode(secret)):06d}"
    code.fill("000000" if right != "000000" else "111111")
    code.press("Enter")
    expect(page.locator(".errorlist")).to_be_visible()
    expect(page.get_by_role("img", name="QR code for your authenticator app")).to_be_visible()
    assert page.locator("code").first.inner_text() == secret
    code = page.get_by_label("Code from your authenticator app")
    code.fill(f"{totp(base64.b32decode(secret)):06d}")
    code.press("Enter")
    expect(page.get_by_role("heading", name="Two-factor sign-in is on")).to_be_visible()
    assert TOTPDevice.objects.filter(user=cast.police_liaison, confirmed=True).exists()


def test_swagger_ui_renders_under_the_csp(cast, page, login):
    violations = watch_csp(page)
    login(cast.social_worker)
    page.goto("/api/docs/")
    expect(page.locator(".swagger-ui .information-container")).to_contain_text("Homeward API")
    expect(page.locator(".opblock").first).to_be_visible()
    assert not [v for v in violations if not re.search(r"data:", v)], violations
