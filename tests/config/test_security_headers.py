"""Headers every answer carries, and templates that keep the CSP honest."""

import re
from pathlib import Path

import pytest
from django.conf import settings
from django.urls import reverse

from tests.matrix import MATRIX, URL_KWARGS, request_as

ROOT = Path(settings.BASE_DIR)
EXPECTED_CSP = {
    "default-src 'self'",
    "script-src 'self'",
    "style-src 'self'",
    "img-src 'self'",
    "connect-src 'self'",
    "frame-ancestors 'none'",
    "form-action 'self'",
    "base-uri 'none'",
    "object-src 'none'",
}

# Our own templates (project and apps), not those of installed packages.
TEMPLATE_FILES = sorted(
    path
    for base in [ROOT / "templates", *ROOT.glob("*/templates")]
    if ".venv" not in base.parts
    for path in base.rglob("*.html")
)
INLINE = [
    (re.compile(r"<script\b(?![^>]*\bsrc=)[^>]*>", re.I), "a <script> without src"),
    (re.compile(r"\son[a-z]+\s*=", re.I), "an inline event handler (on…=)"),
    (re.compile(r"\sstyle\s*=", re.I), "a style attribute"),
    (re.compile(r"<style\b", re.I), "a <style> element"),
    (re.compile(r"javascript:", re.I), "a javascript: URL"),
    (re.compile(r"\bdata:image", re.I), "a data: image"),
]


COMMENTS = re.compile(r"\{#.*?#\}|\{% comment %\}.*?\{% endcomment %\}", re.S)


def test_templates_were_found():
    assert ROOT / "templates" / "base.html" in TEMPLATE_FILES


@pytest.mark.parametrize("path", TEMPLATE_FILES, ids=lambda p: str(p.relative_to(ROOT)))
def test_no_inline_script_or_style_in_templates(path):
    text = COMMENTS.sub("", path.read_text())
    found = [what for pattern, what in INLINE if pattern.search(text)]
    assert not found, f"{path.relative_to(ROOT)} has {', '.join(found)}"


def csp_problems(name, response):
    policy = response.headers.get("Content-Security-Policy")
    if policy is None:
        return [f"{name} ({response.status_code}): no Content-Security-Policy"]
    missing = EXPECTED_CSP - {part.strip() for part in policy.split(";")}
    return [f"{name}: CSP lacks {sorted(missing)}"] if missing else []


def cache_problems(name, response):
    cache = response.headers.get("Cache-Control", "")
    return [] if "no-store" in cache else [f"{name}: Cache-Control is {cache!r}"]


@pytest.mark.parametrize("role", ["program_manager", "social_worker", "anonymous"])
def test_every_page_has_the_csp_and_is_not_cached(cast, client, client_of, world, role):
    """Every URL of the access matrix, whatever the answer (page, redirect, 403, 404)."""
    problems = []
    for name, (method, _profile, keys) in sorted(MATRIX.items()):
        url = reverse(name, kwargs={URL_KWARGS.get(k, k): world[k] for k in keys})
        response = request_as(cast, client, client_of, role, name, method, url)
        problems += csp_problems(name, response)
        problems += cache_problems(name, response)
    assert not problems, "\n".join(problems)


def test_error_pages_and_the_admin_have_the_csp(cast, client_of):
    http = client_of(cast.social_worker)
    for url in ["/no-such-page/", "/admin/", "/admin/login/"]:
        response = http.get(url)
        assert not csp_problems(url, response)
        assert not cache_problems(url, response)


def test_swagger_ui_loads_its_init_script_from_a_file(cast, client_of):
    response = client_of(cast.social_worker).get(reverse("api-docs"))
    assert response.status_code == 200
    html = response.content.decode()
    assert "<style" not in html
    assert not re.search(r"<script\b(?![^>]*\bsrc=)[^>]*>", html)
    script = client_of(cast.social_worker).get(reverse("api-docs") + "?script=")
    assert script.status_code == 200
    assert b"SwaggerUIBundle" in script.content


def test_static_files_stay_cacheable(client):
    response = client.get("/static/css/homeward.css")
    assert response.status_code == 200
    assert "no-store" not in response.headers.get("Cache-Control", "")
