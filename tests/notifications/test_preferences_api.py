"""GET and PATCH /api/notifications/preferences/ (issue #15, API parity): the
notification preferences page's email on/off per kind, through the same selector and
service (notifications.selectors.email_preferences_of, services.email_preferences_set)."""

import pytest
from django.test import Client
from django.urls import reverse

from notifications.models import EmailPreference, NotificationKind

PREFERENCES_API = reverse("api-notification-preferences")


def patch(http, body):
    return http.patch(PREFERENCES_API, body, content_type="application/json")


def test_everyone_is_emailed_every_kind_until_they_say_otherwise(cast, client_of):
    response = client_of(cast.partner).get(PREFERENCES_API)
    assert response.status_code == 200
    assert response.json() == dict.fromkeys(NotificationKind.values, True)


def test_switching_kinds_off_and_on_keeps_the_kinds_left_out(cast, client_of):
    http = client_of(cast.social_worker)
    response = patch(http, {"urgent_flag": False, "weekly_digest": False})
    assert response.status_code == 200
    expected = {
        **dict.fromkeys(NotificationKind.values, True),
        "urgent_flag": False,
        "weekly_digest": False,
    }
    assert response.json() == expected
    assert http.get(PREFERENCES_API).json() == expected
    again = patch(http, {"weekly_digest": True})
    assert again.json() == {**expected, "weekly_digest": True}


def test_what_the_api_sets_the_page_shows_and_the_other_way_round(cast, client_of):
    http = client_of(cast.social_worker)
    patch(http, {"case_assigned": False})
    emailed = http.get(reverse("notification_preferences")).context["form"].initial["email"]
    assert "case_assigned" not in emailed
    assert "urgent_flag" in emailed
    http.post(reverse("notification_preferences"), {"email": ["urgent_flag"]})
    body = http.get(PREFERENCES_API).json()
    assert [kind for kind, send in body.items() if send] == ["urgent_flag"]


def test_one_persons_preferences_are_their_own(cast, client_of):
    patch(client_of(cast.social_worker), {"urgent_flag": False})
    assert client_of(cast.colleague).get(PREFERENCES_API).json()["urgent_flag"] is True
    assert not EmailPreference.objects.filter(user=cast.colleague).exists()


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"no_such_kind": False}, "no_such_kind"),
        ({"urgent_flag": False, "Urgent flag raised": True}, "Urgent flag raised"),
        ({"urgent_flag": "perhaps"}, "urgent_flag"),
        ({"urgent_flag": None}, "urgent_flag"),
    ],
)
def test_an_unknown_kind_or_a_value_that_is_no_boolean_is_a_field_error_and_saves_nothing(
    cast, client_of, body, field
):
    http = client_of(cast.social_worker)
    response = patch(http, body)
    assert response.status_code == 400
    assert field in response.json()
    assert not EmailPreference.objects.filter(user=cast.social_worker).exists()


@pytest.mark.parametrize("body", [[], ["urgent_flag"], "urgent_flag", 1])
def test_a_body_that_is_no_object_is_refused(cast, client_of, body):
    response = patch(client_of(cast.social_worker), body)
    assert response.status_code == 400
    assert not EmailPreference.objects.filter(user=cast.social_worker).exists()


def test_signed_out_callers_are_refused(cast):
    assert Client().get(PREFERENCES_API).status_code in (401, 403)
    assert patch(Client(), {"urgent_flag": False}).status_code in (401, 403)
    assert not EmailPreference.objects.exists()
