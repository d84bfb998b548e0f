"""Two-factor sign-in: mandatory for police liaisons, program managers, auditors and
administrators, optional for the others; enrolment at first sign-in; recovery codes;
API tokens only from a verified session."""

import base64
import time
from html.parser import HTMLParser

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import translation
from django_otp.oath import totp
from django_otp.plugins.otp_static.models import StaticDevice
from django_otp.plugins.otp_totp.models import TOTPDevice
from rest_framework.authtoken.models import Token

from tests.conftest import PASSWORD, post_code, post_password
from tests.matrix import MATRIX, URL_KWARGS, request_as

# What an unverified session may still reach: signing in and out, enrolment,
# and choosing the language those pages are read in.
ENROLMENT = {
    "home",
    "login",
    "logout",
    "healthz",
    "language",
    "two_factor:login",
    "two_factor:setup",
    "two_factor:qr",
}


def code_for(device: TOTPDevice) -> str:
    return f"{totp(device.bin_key, step=device.step, t0=device.t0, digits=device.digits):06d}"


def enrolled(user) -> TOTPDevice:
    return TOTPDevice.objects.create(user=user, name="default", confirmed=True)


@pytest.mark.parametrize("role", ["police_liaison", "program_manager", "auditor"])
@pytest.mark.parametrize("has_device", [False, True], ids=["not-enrolled", "enrolled"])
def test_mandatory_role_without_verified_second_factor_reaches_no_case_page_or_api(
    cast, client_of, unverified_client_of, world, role, has_device
):
    user = getattr(cast, role)
    if has_device:
        enrolled(user)
    problems = []
    for name, (method, _profile, keys) in sorted(MATRIX.items()):
        if name in ENROLMENT:
            continue
        url = reverse(name, kwargs={URL_KWARGS.get(k, k): world[k] for k in keys})
        http = unverified_client_of(user)
        response = request_as(cast, None, lambda _u, http=http: http, role, name, method, url)
        if name.startswith("api-"):
            if response.status_code != 403 or b"two-factor" not in response.content:
                problems.append(f"{name}: API answered {response.status_code}")
        elif response.status_code != 302:
            problems.append(f"{name}: page answered {response.status_code}")
        else:
            expected = reverse("login") if has_device else reverse("two_factor:setup")
            if not response.url.startswith(expected):
                problems.append(f"{name}: sent to {response.url}, not {expected}")
    assert not problems, "\n".join(problems)


def test_the_verified_police_liaison_reaches_the_case(cast, client_of, world):
    response = client_of(cast.police_liaison).get(
        reverse("casework:case_detail", args=[world["case_id"]])
    )
    assert response.status_code == 200


def test_first_sign_in_of_a_mandatory_role_enrols_the_authenticator(cast):
    http = Client()
    response = post_password(http, cast.police_liaison.username, PASSWORD)
    assert response.status_code == 302
    # Wherever it goes first, the session ends up at enrolment.
    response = http.get(reverse("casework:caseload"))
    assert response.status_code == 302
    assert response.url == reverse("two_factor:setup")
    assert http.get(response.url).status_code == 200
    step = http.post(reverse("two_factor:setup"), {"setup_view-current_step": "welcome"})
    assert step.status_code == 200
    secret = step.context["secret_key"]
    qr = http.get(reverse("two_factor:qr"))
    assert qr.status_code == 200
    assert qr.headers["Content-Type"].startswith("image/svg+xml")
    code = f"{totp(base64.b32decode(secret)):06d}"
    done = http.post(
        reverse("two_factor:setup"),
        {"setup_view-current_step": "generator", "generator-token": code},
    )
    assert done.status_code == 302
    assert TOTPDevice.objects.filter(user=cast.police_liaison, confirmed=True).exists()
    assert http.get(reverse("casework:caseload")).status_code == 200
    # Recovery codes next.
    http.post(reverse("two_factor:backup_tokens"))
    assert StaticDevice.objects.get(user=cast.police_liaison).token_set.count() == 10


def test_sign_in_with_password_then_authenticator_code(cast, settings):
    # django-otp makes the next try wait after a wrong code; this test does not wait.
    settings.OTP_TOTP_THROTTLE_FACTOR = 0
    device = enrolled(cast.program_manager)
    http = Client()
    asked = post_password(http, cast.program_manager.username, PASSWORD)
    assert asked.status_code == 200
    assert asked.context["wizard"]["steps"].current == "token"
    wrong = post_code(http, "000000" if code_for(device) != "000000" else "111111")
    assert wrong.status_code == 200
    assert wrong.context["wizard"]["form"].errors
    assert http.get(reverse("casework:caseload")).status_code == 302
    signed_in = post_code(http, code_for(device))
    assert signed_in.status_code == 302
    assert http.get(reverse("casework:caseload")).status_code == 200


def test_a_recovery_code_signs_in_once(cast):
    enrolled(cast.auditor)
    backup = StaticDevice.objects.create(user=cast.auditor, name="backup")
    backup.token_set.create(token="abcd2345")
    for expected_ok in (True, False):
        http = Client()
        post_password(http, cast.auditor.username, PASSWORD)
        http.post(
            reverse("login"), {"sign_in_view-current_step": "token", "wizard_goto_step": "backup"}
        )
        response = post_code(http, "abcd2345", step="backup")
        assert (response.status_code == 302) is expected_ok


def test_other_roles_sign_in_with_the_password_alone(cast):
    http = Client()
    assert post_password(http, cast.social_worker.username, PASSWORD).status_code == 302
    assert http.get(reverse("casework:caseload")).status_code == 200
    assert http.get(reverse("api-case-list")).status_code == 200


def test_other_roles_may_enrol_and_then_need_the_code(cast):
    device = enrolled(cast.social_worker)
    http = Client()
    asked = post_password(http, cast.social_worker.username, PASSWORD)
    assert asked.status_code == 200
    assert post_code(http, code_for(device)).status_code == 302
    assert http.get(reverse("casework:caseload")).status_code == 200


def test_an_administrator_must_use_a_second_factor(cast, unverified_client_of):
    response = unverified_client_of(cast.administrator).get(reverse("admin:index"))
    assert response.status_code == 302
    assert response.url == reverse("two_factor:setup")


def test_mandatory_roles_cannot_turn_the_second_factor_off(cast, client_of):
    http = client_of(cast.police_liaison)
    assert http.get(reverse("two_factor:disable")).status_code == 403
    assert http.post(reverse("two_factor:disable"), {"understand": "on"}).status_code == 403
    assert TOTPDevice.objects.filter(user=cast.police_liaison).exists()


def test_api_token_only_from_a_verified_session(cast, client_of, unverified_client_of):
    # An optional role without a second factor: enrol first.
    refused = client_of(cast.social_worker).post(reverse("api_token"), {"action": "create"})
    assert refused.status_code == 403
    assert not Token.objects.filter(user=cast.social_worker).exists()
    # A mandatory role signed in with the password only never gets that far.
    enrolled(cast.program_manager)
    unverified = unverified_client_of(cast.program_manager)
    assert unverified.post(reverse("api_token"), {"action": "create"}).status_code == 302
    assert not Token.objects.filter(user=cast.program_manager).exists()
    # Verified: created, shown once, works for the API, and can be revoked.
    http = client_of(cast.program_manager)
    created = http.post(reverse("api_token"), {"action": "create"})
    assert created.status_code == 200
    key = Token.objects.get(user=cast.program_manager).key
    assert key in created.content.decode()
    assert key not in http.get(reverse("api_token")).content.decode()
    api = Client(HTTP_AUTHORIZATION=f"Token {key}")
    assert api.get(reverse("api-case-list")).status_code == 200
    http.post(reverse("api_token"), {"action": "revoke"})
    assert api.get(reverse("api-case-list")).status_code in (401, 403)


def test_the_sign_in_code_step_expires(cast, settings, monkeypatch):
    settings.TWO_FACTOR_LOGIN_TIMEOUT = 60
    device = enrolled(cast.police_liaison)
    http = Client()
    post_password(http, cast.police_liaison.username, PASSWORD)
    later = time.time() + 120
    monkeypatch.setattr(time, "time", lambda: later)
    response = post_code(http, code_for(device))
    assert response.status_code == 200
    assert response.context["wizard"]["steps"].current == "auth"


class PostedForm(HTMLParser):
    """The first POST form in the page's <main>: its inputs by name, its labels by the id they name,
    and its submit buttons in document order (the first is what Enter presses)."""

    def __init__(self, html: str):
        super().__init__()
        self.inputs: dict[str, dict] = {}
        self.labels: dict[str, str] = {}
        self.submits: list[dict] = []
        self._state = "header"
        self._label_for = None
        self.feed(html)

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "main":
            self._state = "before"
        if tag == "form" and self._state == "before" and attrs.get("method") == "post":
            self._state = "in"
        if self._state != "in":
            return
        if tag == "input" and attrs.get("type") != "hidden":
            self.inputs[attrs.get("name")] = attrs
        if tag == "label":
            self._label_for = attrs.get("for")
            self.labels[self._label_for] = ""
        if tag == "button" and attrs.get("type", "submit") == "submit":
            self.submits.append(attrs)

    def handle_endtag(self, tag):
        if tag == "form" and self._state == "in":
            self._state = "after"
        if tag == "label":
            self._label_for = None

    def handle_data(self, data):
        if self._label_for is not None:
            self.labels[self._label_for] += data

    def label_of(self, name: str) -> str:
        text = " ".join(self.labels.get(self.inputs[name].get("id"), "").split())
        return text.removesuffix(":")  # Django's label suffix


def assert_one_time_code_field(form: PostedForm, name: str, label: str) -> None:
    field = form.inputs[name]
    assert field.get("type") == "text", field
    assert field.get("inputmode") == "numeric", field
    assert field.get("autocomplete") == "one-time-code", field
    assert form.label_of(name) == label


def enrolment_code_page(user, **headers):
    http = Client(**headers)
    post_password(http, user.username, PASSWORD)
    page = http.post(reverse("two_factor:setup"), {"setup_view-current_step": "welcome"})
    assert page.context["wizard"]["steps"].current == "generator"
    return page


@pytest.mark.parametrize("language", ["en", "ru", "ky"])
def test_enrolment_code_field_is_a_labelled_one_time_code_and_enter_verifies(cast, language):
    page = enrolment_code_page(cast.police_liaison, HTTP_ACCEPT_LANGUAGE=language)
    form = PostedForm(page.content.decode())
    with translation.override(language):
        label = translation.gettext("Code from your authenticator app")
    assert_one_time_code_field(form, "generator-token", label)
    # Enter in a field presses the form's first submit button: Verify, not Back.
    first, *others = form.submits
    assert first.get("name") != "wizard_goto_step"
    assert "primary" in first.get("class", "")
    assert [button.get("value") for button in others] == ["welcome"]


def test_sign_in_code_and_recovery_code_fields_are_labelled_in_words(cast):
    enrolled(cast.auditor)
    StaticDevice.objects.create(user=cast.auditor, name="backup").token_set.create(token="abcd2345")
    http = Client()
    asked = post_password(http, cast.auditor.username, PASSWORD)
    form = PostedForm(asked.content.decode())
    assert_one_time_code_field(form, "token-otp_token", "Code from your authenticator app")
    assert form.submits[0].get("class") == "primary"
    backup = http.post(
        reverse("login"), {"sign_in_view-current_step": "token", "wizard_goto_step": "backup"}
    )
    form = PostedForm(backup.content.decode())
    field = form.inputs["backup-otp_token"]
    assert (field.get("type"), field.get("autocapitalize")) == ("text", "none")
    assert form.label_of("backup-otp_token") == "Recovery code"
