"""Playwright driving Debian's Chromium against pytest-django's live server.

The browser is the system one (`/usr/bin/chromium`, or $CHROMIUM); Playwright
never downloads its own. A failing test leaves a full-page screenshot in
test-artifacts/screenshots/; the journeys keep screenshots of their key pages in
test-artifacts/journeys/<journey>/ and run axe-core (npm, node_modules) on them.

A test asks for a language and a screen with an indirect parameter of `page`:
`@pytest.mark.parametrize("page", ["ru", "ru-phone"], indirect=True)`. The
language is the browser's (Accept-Language), as a person's own browser sends it.
"""

import os
import re
from pathlib import Path

import pytest

from tests.conftest import CHECKED_PAGES

ROOT = Path(__file__).resolve().parents[2]
SCREENSHOTS = ROOT / "test-artifacts" / "screenshots"
JOURNEYS = ROOT / "test-artifacts" / "journeys"
AXE_SOURCE = ROOT / "node_modules" / "axe-core" / "axe.min.js"
DESKTOP = {"width": 1280, "height": 900}
PHONE = {"width": 375, "height": 812}
# indirect parameter of `page` -> (browser locale, viewport)
VARIANTS = {
    "en": ("en-GB", DESKTOP),
    "ru": ("ru-RU", DESKTOP),
    "en-phone": ("en-GB", PHONE),
    "ru-phone": ("ru-RU", PHONE),
}
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
    locale, viewport = VARIANTS[getattr(request, "param", "en")]
    context = browser.new_context(base_url=live_server.url, viewport=viewport, locale=locale)
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

    def _login(user, *, check=None):
        """Sign in by field names (any language), typing the second factor for the
        roles that must use it. `check(step)` runs on the password and code pages."""
        device = enrolled_authenticator(user)
        page.goto("/accounts/login/")
        if check:
            check("sign-in")
        page.locator("[name=auth-username]").fill(user.username)
        page.locator("[name=auth-password]").fill(PASSWORD)
        page.locator("[name=auth-password]").press("Enter")
        if device is not None:
            token = page.locator("[name=token-otp_token]")
            token.wait_for()
            if check:
                check("second-factor")
            token.fill(authenticator_code(device))
            token.press("Enter")
        # Each role lands where its work is (config.views.LANDING).
        page.wait_for_url(
            re.compile(r"/(cases|cases/flags|cases/reports/dashboard|referrals/inbox|audit)/$")
        )

    return _login


def enrolled_authenticator(user):
    """The TOTP device of a user whose role must use a second factor (enrolled
    already, so the sign-in asks for the code); None for the other roles."""
    from django_otp.plugins.otp_totp.models import TOTPDevice

    from config.security import second_factor_required

    if not second_factor_required(user):
        return None
    device, _ = TOTPDevice.objects.get_or_create(
        user=user, name="default", defaults={"confirmed": True}
    )
    return device


def authenticator_code(device) -> str:
    """The code the person's authenticator app shows now."""
    from django_otp.oath import totp

    code = totp(device.bin_key, step=device.step, t0=device.t0, digits=device.digits)
    return f"{code:06d}"


# --- Accessibility and journey screenshots ------------------------------------------

# WCAG 2.1 A and AA, plus axe's best practices (heading order, landmarks, one h1);
# a violation fails the test when it is serious or critical, or one of STRICT.
AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "best-practice"]
FAILING_IMPACTS = {"serious", "critical"}
STRICT = {"heading-order", "page-has-heading-one", "landmark-one-main", "region", "label"}


def check_accessibility(page, name: str) -> None:
    """Run axe-core on the page as it is now and fail on serious or critical
    violations, printing each rule, its help and the offending elements.

    axe is evaluated through the DevTools protocol (page.evaluate), not added as a
    page script, so the page's own CSP stays on. At phone width the page must not
    scroll sideways (tables scroll inside their own region)."""
    if not page.evaluate("typeof window.axe !== 'undefined'"):
        page.evaluate(AXE_SOURCE.read_text(encoding="utf-8"))
    results = page.evaluate(
        """tags => axe.run(document, {runOnly: {type: "tag", values: tags},
                                     resultTypes: ["violations"]})""",
        AXE_TAGS,
    )
    failing = [
        v for v in results["violations"] if v["impact"] in FAILING_IMPACTS or v["id"] in STRICT
    ]
    problems = [
        f"{v['id']} ({v['impact']}): {v['help']}\n    "
        + "\n    ".join(" ".join(node["target"]) for node in v["nodes"][:10])
        for v in failing
    ]
    # Errors: each summary link leads to a field; each invalid field is described.
    problems += page.evaluate(
        """() => [
          ...[...document.querySelectorAll(".form-errors a[href^='#']")]
             .filter(a => !document.getElementById(a.hash.slice(1)))
             .map(a => `error summary link ${a.hash} leads nowhere`),
          ...[...document.querySelectorAll("[aria-invalid=true]")]
             .filter(e => !(e.closest("fieldset[aria-describedby]") || e)
                              .getAttribute("aria-describedby")?.split(" ")
                              .some(id => document.getElementById(id)))
             .map(e => `invalid field ${e.name} has no description of its error`),
        ]"""
    )
    lang = page.evaluate("document.documentElement.lang")
    if not lang:
        problems.append("<html> has no lang attribute")
    overflow = page.evaluate(
        "document.documentElement.scrollWidth - document.documentElement.clientWidth"
    )
    if overflow > 0:
        wide = page.evaluate(
            """() => [...document.querySelectorAll("main *, header *")]
                 .filter(e => e.getBoundingClientRect().right > document.documentElement.clientWidth
                              && (!e.parentElement.closest(".table-wrap")
                                  || getComputedStyle(e).position === "absolute"))
                 .slice(0, 5).map(e => e.tagName.toLowerCase() + (e.id ? "#" + e.id : "")
                                        + (e.className ? "." + e.className : ""))"""
        )
        problems.append(f"the page scrolls sideways by {overflow}px: {wide}")
    assert not problems, f"Accessibility of {name} ({page.url}):\n  " + "\n  ".join(problems)
    CHECKED_PAGES.append(f"{name} [{lang}, {page.viewport_size['width']}px]")


_journey_steps: dict[str, int] = {}


def snap(page, journey: str, step: str) -> Path:
    """Save a full-page screenshot as test-artifacts/journeys/<journey>/<nn>-<step>.png;
    a journey's folder is emptied when the run first writes to it."""
    folder = JOURNEYS / journey
    if journey not in _journey_steps:
        if folder.exists():
            for old in folder.glob("*.png"):
                old.unlink()
        folder.mkdir(parents=True, exist_ok=True)
        _journey_steps[journey] = 0
    _journey_steps[journey] += 1
    path = folder / f"{_journey_steps[journey]:02d}-{step}.png"
    page.screenshot(path=str(path), full_page=True)
    return path


@pytest.fixture
def journey(page, request):
    """A journey's screenshots and accessibility checks, named after the test and its
    language/screen: `journey.step("triage")` checks the page with axe, then saves it."""
    variant = getattr(getattr(request.node, "callspec", None), "params", {}).get("page", "en")
    name = request.node.originalname.removeprefix("test_") + f"-{variant}"

    class Journey:
        folder = JOURNEYS / name
        language = VARIANTS[variant][0].split("-")[0]  # what <html lang> must say

        @staticmethod
        def step(step: str) -> None:
            snap(page, name, step)
            check_accessibility(page, f"{name}/{step}")

    return Journey()
