"""Every browser form, posted with hostile values by someone who may use it.

The forms are found from the access matrix (every page URL): a page whose GET renders a
form, or that answers POST, is posted to. Each field in turn gets each hostile value
while the others hold plausible ones. The answer is never a server error; an error
answer (4xx) says what is wrong and leaves every table as it was.
"""

import datetime
import re

import pytest
from django import forms
from django.apps import apps
from django.contrib.auth import get_user_model
from django.db import connection, transaction
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from intake.forms import DuplicateCheckForm
from tests.conftest import SIGN_IN_STEP
from tests.matrix import MATRIX, OK, URL_KWARGS

HOSTILE = {
    "over-long text": "x" * 100_000,
    "NUL byte": "before\x00after",
    "control characters": "\x01\x02\x07\x08\x1b[2J\u202e\ufeff\x7f",
    "wrong type": "not a number, date or choice",
    "unknown choice": "no_such_choice",
    "far past": "0001-01-01",
    "far future": "9999-12-31",
    "far future time": "9999-12-31 23:59",
    "huge number": "-99999999999999999999999",
    "SQL fragment": "1' OR '1'='1'; DROP TABLE casework_case; --",
    "HTML fragment": '<script>alert(1)</script><img src=x onerror="alert(1)">',
}
# Who may use forms the cast cannot: the lead transfer is offered to agency C's manager.
RECEIVING_MANAGER = {"referrals:transfer_accept", "referrals:transfer_decline"}
ROLE_ORDER = ["social_worker", "program_manager", "police_liaison", "partner"]
# Not forms of ours: signing out; the sign-in is below, with its wizard step.
SKIP = {"logout"}

PAGES = sorted(name for name in MATRIX if not name.startswith("api-") and name not in SKIP)


def user_for(cast, name, profile):
    if name in RECEIVING_MANAGER:
        return get_user_model().objects.get(username="chuy.pm")
    for role in ROLE_ORDER:
        if profile.get(role) == OK:
            return getattr(cast, role)
    return None


def plausible(field: forms.Field, bound: forms.BoundField):
    value = bound.value()
    if isinstance(field, forms.MultipleChoiceField | forms.ModelMultipleChoiceField):
        return [str(v) for v in value] if value else [_first_choice(field)]
    if value not in (None, ""):
        if isinstance(value, datetime.datetime):
            return value.strftime("%Y-%m-%d %H:%M")
        if isinstance(value, datetime.date):
            return value.isoformat()
        return str(value) if not isinstance(value, bool) else ("on" if value else "")
    if isinstance(field, forms.ChoiceField | forms.ModelChoiceField):
        return _first_choice(field)
    if isinstance(field, forms.DateTimeField):
        return timezone.localtime().strftime("%Y-%m-%d %H:%M")
    if isinstance(field, forms.DateField):
        return timezone.localdate().isoformat()
    if isinstance(field, forms.IntegerField | forms.DecimalField | forms.FloatField):
        return "1"
    if isinstance(field, forms.BooleanField):
        return "on"
    return "Plausible text"


def _first_choice(field):
    for value, _label in field.choices:
        if value not in ("", None):
            return str(getattr(value, "value", value))
    return ""


def row_counts() -> dict[str, int]:
    """Rows in every table of our apps (and users, groups, tokens), in one query."""
    tables = sorted(
        model._meta.db_table
        for model in apps.get_models()
        if model._meta.app_label in {"casework", "returnees", "referrals", "auth", "authtoken"}
        and not model._meta.proxy
        and model._meta.managed
    )
    select = ", ".join(f'(SELECT count(*) FROM "{t}")' for t in tables)
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT {select}")  # noqa: S608 (table names from model metadata)
        return dict(zip(tables, cursor.fetchone(), strict=True))


class Rollback(Exception):
    pass


def post_in_rollback(http, url, data):
    """Post, check, and undo, so every post meets the same world."""
    result = {}
    try:
        with transaction.atomic():
            before = row_counts()
            response = http.post(url, data)
            result["response"] = response
            result["changed"] = (
                {t: n for t, n in row_counts().items() if before[t] != n}
                if response.status_code < 500
                else {}
            )
            raise Rollback
    except Rollback:
        pass
    return result["response"], result["changed"]


def form_of(response):
    context = response.context or {}
    if "wizard" in context:
        wizard = context["wizard"]
        step = wizard["management_form"].add_prefix("current_step")
        return wizard["form"], {step: wizard["steps"].current}
    form = context.get("form")
    return (form, {}) if isinstance(form, forms.BaseForm) else (None, {})


# POST-only endpoints whose form shows on another page (the intake's as-you-type check).
POST_ONLY_FORMS = {"intake:duplicate_check": DuplicateCheckForm}
FIELD_NAMES = re.compile(r"<(?:input|select|textarea)\b[^>]*\bname=\"([^\"]+)\"", re.I)


def discover(http, name, url):
    """The form a page posts: from its GET, from its answer to an empty POST, from the
    registry above, or (for hand-written forms) the field names in its HTML."""
    page = http.get(url)
    assert page.status_code < 500
    form, extra = form_of(page)
    if form is None and page.status_code == 405:
        empty, _changed = post_in_rollback(http, url, {})
        form, extra = form_of(empty)
    if form is None and name in POST_ONLY_FORMS:
        form = POST_ONLY_FORMS[name]()
    if form is not None:
        baseline = {**extra}
        for field_name, field in form.fields.items():
            baseline[form.add_prefix(field_name)] = plausible(field, form[field_name])
        # A form without fields (a confirmation) still gets a field it does not expect.
        return baseline if form.fields else {**baseline, "unexpected": "Plausible text"}
    # A download (a streamed file) has no form to find.
    html = (
        page.content.decode(errors="replace")
        if page.status_code == 200 and not page.streaming
        else ""
    )
    names = {n for n in FIELD_NAMES.findall(html) if n != "csrfmiddlewaretoken"}
    return dict.fromkeys(sorted(names) or ["unexpected"], "Plausible text")


def clear_message(response) -> bool:
    body = response.content.decode(errors="replace")
    return any(mark in body for mark in ('class="errorlist', 'role="alert"', '"detail"'))


@pytest.mark.parametrize("name", PAGES)
def test_hostile_values_never_break_a_form(cast, client_of, world, name):
    method, profile, keys = MATRIX[name]
    user = user_for(cast, name, profile)
    url = reverse(name, kwargs={URL_KWARGS.get(k, k): world[k] for k in keys})
    signing_in = name in {"login", "two_factor:login"}
    http = Client() if signing_in or user is None else client_of(user)
    baseline = discover(http, name, url)
    problems = []
    for key in baseline:
        if key == SIGN_IN_STEP or key.endswith("-current_step"):
            continue
        for label, value in HOSTILE.items():
            hostile = [value] if isinstance(baseline[key], list) else value
            response, changed = post_in_rollback(http, url, {**baseline, key: hostile})
            status = response.status_code
            if status >= 500:
                problems.append(f"{key} = {label}: server error {status}")
            elif status >= 400:
                if changed:
                    problems.append(f"{key} = {label}: {status} but wrote {changed}")
                if status not in (401, 403, 404, 405, 429) and not clear_message(response):
                    problems.append(f"{key} = {label}: {status} without a message")
    assert not problems, f"POST {name}:\n" + "\n".join(problems)
