"""A session ends after DJANGO_SESSION_IDLE_SECONDS without a request."""

import datetime

from django.conf import settings
from django.contrib.sessions.models import Session
from django.urls import reverse
from django.utils import timezone


def session_of(client):
    return Session.objects.get(session_key=client.session.session_key)


def test_idle_timeout_defaults_to_thirty_minutes():
    assert settings.SESSION_COOKIE_AGE == 30 * 60
    assert settings.SESSION_SAVE_EVERY_REQUEST


def test_each_request_pushes_the_expiry_forward(cast, client_of):
    http = client_of(cast.social_worker)
    Session.objects.filter(session_key=http.session.session_key).update(
        expire_date=timezone.now() + datetime.timedelta(minutes=1)
    )
    assert http.get(reverse("casework:caseload")).status_code == 200
    left = session_of(http).expire_date - timezone.now()
    assert left > datetime.timedelta(minutes=29)


def test_an_idle_session_has_expired(cast, client_of):
    http = client_of(cast.social_worker)
    assert http.get(reverse("casework:caseload")).status_code == 200
    # As if the last request was made 31 minutes ago.
    Session.objects.filter(session_key=http.session.session_key).update(
        expire_date=timezone.now() - datetime.timedelta(minutes=1)
    )
    page = http.get(reverse("casework:caseload"))
    assert page.status_code == 302
    assert page.url.startswith(reverse("login"))
    api = http.get(reverse("api-case-list"))
    assert api.status_code in (401, 403)
