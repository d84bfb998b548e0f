"""Playwright driving Debian's Chromium against pytest-django's live server.

The browser is the system one (`/usr/bin/chromium`, or $CHROMIUM); Playwright
never downloads its own. A failing test leaves a full-page screenshot in
test-artifacts/screenshots/.
"""

import os
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
SCREENSHOTS = ROOT / "test-artifacts" / "screenshots"
CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")
# Flags for a closed network: no background calls home, no updates, no sync.
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-dev-shm-usage",
]

# Playwright's sync API runs an event loop in the test thread; the ORM calls the
# tests make around it are ordinary synchronous ones.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")


def pytest_collection_modifyitems(items):
    for item in items:
        if "tests/browser/" in str(item.fspath):
            item.add_marker(pytest.mark.browser)


@pytest.fixture(scope="session")
def browser():
    from playwright.sync_api import sync_playwright

    if not Path(CHROMIUM).exists():
        pytest.fail(f"Browser tests need Chromium at {CHROMIUM} (Debian package 'chromium').")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS
        )
        yield browser
        browser.close()


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item, call):
    report = yield
    setattr(item, f"report_{report.when}", report)
    return report


@pytest.fixture
def page(browser, request, live_server):
    context = browser.new_context(
        base_url=live_server.url, viewport={"width": 1280, "height": 900}, locale="en-GB"
    )
    context.set_default_timeout(10_000)
    page = context.new_page()
    yield page
    failed = getattr(request.node, "report_call", None)
    if failed is not None and failed.failed:
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        name = re.sub(r"[^\w.-]+", "_", request.node.nodeid)
        page.screenshot(path=str(SCREENSHOTS / f"{name}.png"), full_page=True)
    context.close()


@pytest.fixture
def login(page):
    from tests.conftest import PASSWORD

    def _login(user):
        from django_otp.oath import totp
        from django_otp.plugins.otp_totp.models import TOTPDevice

        from config.security import second_factor_required

        device = None
        if second_factor_required(user):
            # Enrolled already: the sign-in asks for the code after the password.
            device, _ = TOTPDevice.objects.get_or_create(
                user=user, name="default", defaults={"confirmed": True}
            )
        page.goto("/accounts/login/")
        page.get_by_label("Username").fill(user.username)
        page.get_by_label("Password").fill(PASSWORD)
        page.get_by_role("button", name="Sign in").click()
        if device is not None:
            # The code the person's authenticator app would show now.
            code = totp(device.bin_key, step=device.step, t0=device.t0, digits=device.digits)
            page.get_by_label("Token").fill(f"{code:06d}")
            page.get_by_role("button", name="Verify").click()
        page.wait_for_url("**/cases/")

    return _login
