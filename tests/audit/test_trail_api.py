"""The auditor's trail search through the API (issue 15, part B): the page's filters,
validated by the page's form, the page's columns, no case content."""

import datetime
import json

import pytest
from django.urls import reverse
from django.utils import timezone

from audit.models import AuditAction, AuditEvent
from audit.services import audit_record
from audit.views import PAGE_SIZE
from core.references import reference_for
from tests.casework.helpers import note
from tests.conftest import SESSION_QUERIES, post_password

EVENTS_API = reverse("api-audit-events")
EVENTS_PAGE = reverse("audit:events")
NOTE_TEXT = "Confided about the brother in Idlib."
NAMES = ("Timur", "Abdullaev", "Rustamovich", "Aziza", "Karimova")


@pytest.fixture
def reads(cast, client_of, register):
    """Two cases of agency A with names and a case-team note; the worker reads both, the
    outsider is refused the first."""
    first = register(given_name="Timur", family_name="Abdullaev", patronymic="Rustamovich")
    second = register(given_name="Aziza", family_name="Karimova")
    note(cast.social_worker, first, "case_team", text=NOTE_TEXT)
    worker = client_of(cast.social_worker)
    worker.get(reverse("casework:case_detail", args=[first.pk]))
    worker.get(reverse("api-case-detail", args=[second.pk]))
    client_of(cast.outsider).get(reverse("casework:case_detail", args=[first.pk]))
    return first, second


def results(response) -> list[dict]:
    assert response.status_code == 200, response.content
    return response.json()["results"]


def page_ids(response) -> list[int]:
    assert response.status_code == 200
    return [event.pk for event in response.context["page"].object_list]


def test_the_auditor_searches_the_api_with_the_pages_filters_and_finds_what_the_page_finds(
    cast, client_of, reads
):
    first, _ = reads
    auditor = client_of(cast.auditor)
    today = timezone.localdate().isoformat()
    searches = [
        {"reference": reference_for(first.pk)},
        {"username": "DILFUZA"},
        {"agency": cast.agency_b.pk},
        {"action": AuditAction.ACCESS_REFUSED},
        {"username": "aigul", "action": AuditAction.CASE_API_VIEWED},
        {"date_from": today, "date_to": today},
    ]
    for search in searches:
        found = results(auditor.get(EVENTS_API, search))
        assert found, search
        assert [row["id"] for row in found] == page_ids(auditor.get(EVENTS_PAGE, search)), search
    by_reference = results(auditor.get(EVENTS_API, {"reference": reference_for(first.pk)}))
    assert {row["case_id"] for row in by_reference if row["case_id"]} == {first.pk}
    # The intake's returnee row (written before the case existed) belongs to the record too.
    assert any(row["object_type"] == "returnees.returnee" for row in by_reference)
    refused = results(auditor.get(EVENTS_API, {"action": AuditAction.ACCESS_REFUSED}))
    assert [(row["actor_username"], row["case_reference"]) for row in refused] == [
        ("dilfuza", reference_for(first.pk))
    ]
    assert refused[0]["agency_name"] == cast.agency_b.name
    assert refused[0]["agency_id"] == cast.agency_b.pk


def test_an_event_shows_the_columns_of_the_page(cast, client_of, reads):
    first, _ = reads
    auditor = client_of(cast.auditor)
    found = results(
        auditor.get(EVENTS_API, {"reference": reference_for(first.pk), "username": "aigul"})
    )
    viewed = next(row for row in found if row["action"] == AuditAction.CASE_VIEWED)
    assert viewed["action_label"] == "Case page viewed"
    assert viewed["agency_name"] == cast.agency_a.name
    assert viewed["case_reference"] == reference_for(first.pk)
    assert viewed["method"] == "GET"
    assert viewed["path"] == reverse("casework:case_detail", args=[first.pk])
    assert viewed["ip_address"] == "127.0.0.1"
    granted = results(
        auditor.get(
            EVENTS_API,
            {"reference": reference_for(first.pk), "action": AuditAction.PERMISSION_GRANTED},
        )
    )
    assert granted
    assert all(row["permission"] for row in granted)
    changed = results(
        auditor.get(
            EVENTS_API, {"reference": reference_for(first.pk), "action": AuditAction.CHANGED}
        )
    )
    note_added = next(row for row in changed if row["object_type"] == "casework.note")
    assert "text" in note_added["changed_fields"]


def test_the_trail_api_shows_no_case_content(cast, client_of, reads):
    first, _ = reads
    # The trail itself keeps the values (for an investigation): the API must not show them.
    assert AuditEvent.objects.filter(case_id=first.pk, detail__new__text=NOTE_TEXT).exists()
    auditor = client_of(cast.auditor)
    for search in ({}, {"reference": reference_for(first.pk)}, {"action": AuditAction.CHANGED}):
        body = auditor.get(EVENTS_API, {**search, "page_size": 200}).content.decode()
        assert json.loads(body)["count"] > 0
        for content in (NOTE_TEXT, "Idlib", "brother", *NAMES):
            assert content not in body, (search, content)


def test_a_failed_sign_in_shows_the_name_tried_and_no_actor(cast, client, client_of):
    post_password(client, "aigul", "not it at all")
    found = results(client_of(cast.auditor).get(EVENTS_API, {"username": "aigul"}))
    assert [(r["action"], r["actor_username"], r["tried_username"]) for r in found] == [
        (AuditAction.LOGIN_FAILED, "", "aigul")
    ]


def test_a_malformed_search_is_a_400_naming_the_fields_the_page_names(cast, client_of, reads):
    auditor = client_of(cast.auditor)
    search = {"reference": "Abdullaev", "date_from": "2026-02-02", "date_to": "2026-01-01"}
    response = auditor.get(EVENTS_API, search)
    assert response.status_code == 400
    assert set(response.json()) == set(auditor.get(EVENTS_PAGE, search).context["form"].errors)
    assert set(response.json()) == {"reference", "date_to"}
    for bad in (
        {"agency": "not a number"},
        {"agency": 987654},
        {"action": "deleted_everything"},
        {"date_from": "yesterday"},
        {"username": "x" * 151},
        {"username": "nul\x00byte"},
    ):
        response = auditor.get(EVENTS_API, bad)
        assert response.status_code == 400, bad
        assert set(response.json()) == set(bad), bad


def test_the_last_day_there_is_bounds_a_search_without_a_server_error(cast, client_of, reads):
    auditor = client_of(cast.auditor)
    search = {"date_from": "0001-01-01", "date_to": "9999-12-31"}
    assert results(auditor.get(EVENTS_API, search))
    assert page_ids(auditor.get(EVENTS_PAGE, search))


@pytest.mark.parametrize(
    "role",
    [
        "social_worker",
        "program_manager",
        "police_liaison",
        "partner",
        "outsider",
        "outsider_manager",
        "administrator",
    ],
)
def test_only_the_auditor_searches_the_trail(cast, client_of, reads, role):
    response = client_of(getattr(cast, role)).get(EVENTS_API)
    assert response.status_code == 403
    assert "results" not in response.json()


def test_an_anonymous_caller_is_refused_the_trail(client):
    assert client.get(EVENTS_API).status_code in (401, 403)


def test_the_trail_api_is_paged_like_the_page(cast, client_of, register):
    case = register()
    for _ in range(PAGE_SIZE + 5):
        audit_record(action=AuditAction.EXPORTED, actor=cast.program_manager, case=case)
    auditor = client_of(cast.auditor)
    search = {"reference": reference_for(case.pk), "action": AuditAction.EXPORTED}
    first = auditor.get(EVENTS_API, search).json()
    assert first["count"] == PAGE_SIZE + 5
    assert len(first["results"]) == PAGE_SIZE
    assert [row["id"] for row in first["results"]] == page_ids(auditor.get(EVENTS_PAGE, search))
    second = auditor.get(first["next"]).json()
    assert len(second["results"]) == 5
    assert [row["id"] for row in second["results"]] == page_ids(
        auditor.get(EVENTS_PAGE, {**search, "page": 2})
    )


def test_a_trail_search_is_recorded_as_the_page_records_it(cast, client_of, reads):
    """The page writes no event for a search (no case is read, the URL names none), so
    neither does the API: searching the trail by a case's reference is not a read of it."""
    first, _ = reads
    auditor = client_of(cast.auditor)
    search = {"reference": reference_for(first.pk)}
    before = AuditEvent.objects.count()
    auditor.get(EVENTS_PAGE, search)
    by_page = AuditEvent.objects.count() - before
    auditor.get(EVENTS_API, search)
    by_api = AuditEvent.objects.count() - before - by_page
    assert by_api == by_page == 0
    assert not AuditEvent.objects.filter(actor_id=cast.auditor.pk, case_id=first.pk).exists()


@pytest.mark.parametrize("rows", [5, 60])
def test_the_trail_api_query_count_does_not_grow_with_rows(
    cast, client_of, register, django_assert_num_queries, rows
):
    case = register()
    for _ in range(rows):
        audit_record(action=AuditAction.EXPORTED, actor=cast.program_manager, case=case)
    client = client_of(cast.auditor)
    expected = [
        *SESSION_QUERIES,
        "agencies (the filter's choices and the names in the list)",
        "COUNT of the matching events (paginator)",
        "one page of events",
    ]
    with django_assert_num_queries(len(expected)):
        response = client.get(
            EVENTS_API, {"reference": reference_for(case.pk), "action": "exported"}
        )
    assert len(response.json()["results"]) == min(rows, PAGE_SIZE)


def test_a_date_range_in_the_future_finds_nothing(cast, client_of, reads):
    tomorrow = timezone.localdate() + datetime.timedelta(days=1)
    response = client_of(cast.auditor).get(EVENTS_API, {"date_from": tomorrow})
    assert response.json() == {"count": 0, "next": None, "previous": None, "results": []}
