"""GET /api/notifications/ (the caller's own, by kind and unread, paged) and
POST /api/notifications/read/ (all, or a list of ids)."""

import pytest
from django.urls import reverse

from notifications.models import Notification, NotificationKind
from notifications.services import notify
from tests.conftest import SESSION_QUERIES


def _tell(user, case, count, kind=NotificationKind.CASE_ASSIGNED):
    for i in range(count):
        notify(recipients=[user], kind=kind, case=case, key=f"api:{kind}:{i}")


def test_the_list_is_the_callers_own_with_text_and_link(cast, client_of, case):
    _tell(cast.social_worker, case, 2, NotificationKind.TRIAGE_APPROVED)
    _tell(cast.colleague, case, 3)
    body = client_of(cast.social_worker).get(reverse("api-notifications")).json()
    assert body["count"] == 2
    first = body["results"][0]
    assert first["kind"] == "triage_approved"
    assert first["text"] == f"Your triage of case {case.reference} was approved"
    assert first["url"] == reverse("casework:case_detail", args=[case.pk])
    assert first["case_id"] == case.pk
    assert first["read_at"] is None


def test_the_list_filters_by_kind_and_unread_and_pages(cast, client_of, case):
    _tell(cast.social_worker, case, 3, NotificationKind.TRIAGE_APPROVED)
    _tell(cast.social_worker, case, 2, NotificationKind.REFERRAL_ACCEPTED)
    client = client_of(cast.social_worker)
    url = reverse("api-notifications")
    by_kind = client.get(url, {"kind": "referral_accepted"}).json()
    assert [n["kind"] for n in by_kind["results"]] == ["referral_accepted"] * 2
    paged = client.get(url, {"page_size": 2}).json()
    assert paged["count"] == 5
    assert len(paged["results"]) == 2
    one = Notification.objects.filter(kind="triage_approved").first()
    client.post(
        reverse("api-notifications-read"), {"ids": [one.pk]}, content_type="application/json"
    )
    unread = client.get(url, {"unread": "true"}).json()
    assert unread["count"] == 4
    assert one.pk not in [n["id"] for n in unread["results"]]


def test_an_unknown_kind_is_a_field_error(cast, client_of):
    response = client_of(cast.social_worker).get(reverse("api-notifications"), {"kind": "nope"})
    assert response.status_code == 400
    assert "kind" in response.json()


def test_marking_read_takes_all_or_the_listed_ids_and_ignores_anyone_elses(cast, client_of, case):
    _tell(cast.social_worker, case, 3)
    _tell(cast.colleague, case, 1)
    theirs = Notification.objects.get(recipient=cast.colleague)
    mine = list(Notification.objects.filter(recipient=cast.social_worker))
    client = client_of(cast.social_worker)
    url = reverse("api-notifications-read")
    answer = client.post(url, {"ids": [mine[0].pk, theirs.pk]}, content_type="application/json")
    assert answer.status_code == 200
    assert answer.json() == {"marked": 1}
    theirs.refresh_from_db()
    assert theirs.read_at is None
    assert client.post(url, {}, content_type="application/json").json() == {"marked": 2}
    assert client.post(url, {}, content_type="application/json").json() == {"marked": 0}


@pytest.mark.parametrize("ids", ["1", ["x"], [0], [2**70], None])
def test_bad_ids_are_a_field_error_and_mark_nothing(cast, client_of, case, ids):
    _tell(cast.social_worker, case, 2)
    response = client_of(cast.social_worker).post(
        reverse("api-notifications-read"), {"ids": ids}, content_type="application/json"
    )
    assert response.status_code == 400
    assert "ids" in response.json()
    assert Notification.objects.filter(read_at=None).count() == 2


@pytest.mark.parametrize("rows", [3, 30])
def test_list_query_count_does_not_grow_with_rows(
    cast, client_of, case, django_assert_num_queries, rows
):
    _tell(cast.social_worker, case, rows)
    client = client_of(cast.social_worker)
    expected = [
        # Signed in is all it takes: no role check, so no permission queries.
        *SESSION_QUERIES[:3],
        *SESSION_QUERIES[-3:],
        "COUNT of the caller's notifications (paginator)",
        "one page of them (texts name cases by reference, from case_id: no join)",
    ]
    with django_assert_num_queries(len(expected)):
        response = client.get(reverse("api-notifications"))
    assert len(response.json()["results"]) == rows


def test_the_schema_documents_the_notification_endpoints(cast, client_of):
    schema = client_of(cast.social_worker).get(reverse("api-schema")).content.decode()
    for fragment in ("/api/notifications/", "/api/notifications/read/", "MarkReadInput"):
        assert fragment in schema
