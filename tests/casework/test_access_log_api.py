"""A case's access log through the API (issue 15, part B): the page's rule
(casework.access.case_access_log_for_user), the page's events, no case content."""

import json

import pytest
from django.urls import reverse

from audit.models import AuditAction, AuditEvent
from audit.services import audit_record
from audit.views import PAGE_SIZE
from core.references import reference_for
from tests.casework.helpers import note
from tests.conftest import SESSION_QUERIES

NOTE_TEXT = "Confided about the brother in Idlib."


def log_api(case_id) -> str:
    return reverse("api-case-access-log", args=[case_id])


def log_page(case_id) -> str:
    return reverse("casework:case_access_log", args=[case_id])


@pytest.fixture
def read_case(cast, client_of, register):
    """A case of agency A with a case-team note, read by its worker, refused to the outsider."""
    case = register(given_name="Timur", family_name="Abdullaev")
    note(cast.social_worker, case, "case_team", text=NOTE_TEXT)
    client_of(cast.social_worker).get(reverse("casework:case_detail", args=[case.pk]))
    client_of(cast.outsider).get(reverse("casework:case_detail", args=[case.pk]))
    return case


def results(response) -> list[dict]:
    assert response.status_code == 200, response.content
    return response.json()["results"]


def page_ids(response) -> list[int]:
    assert response.status_code == 200
    return [event.pk for event in response.context["page"].object_list]


@pytest.mark.parametrize("reader", ["auditor", "program_manager"])
def test_the_auditor_and_the_lead_agencys_manager_read_who_accessed_the_case(
    cast, client_of, read_case, reader
):
    http = client_of(getattr(cast, reader))
    expected = page_ids(http.get(log_page(read_case.pk)))
    found = results(http.get(log_api(read_case.pk)))
    # The page's own read came first, and is the newest event the API lists.
    assert [row["id"] for row in found][1:] == expected
    assert found[0]["action"] == AuditAction.ACCESS_LOG_VIEWED
    assert {row["case_id"] for row in found} == {read_case.pk}
    assert {"aigul", "dilfuza"} <= {row["actor_username"] for row in found}
    refused = next(row for row in found if row["action"] == AuditAction.ACCESS_REFUSED)
    assert (refused["actor_username"], refused["agency_name"]) == ("dilfuza", cast.agency_b.name)
    assert refused["case_reference"] == reference_for(read_case.pk)


def test_reading_the_access_log_through_the_api_is_recorded_as_an_access_log_read(
    cast, client_of, read_case
):
    client_of(cast.auditor).get(log_api(read_case.pk))
    event = AuditEvent.objects.get(action=AuditAction.ACCESS_LOG_VIEWED)
    assert (event.actor_username, event.case_id, event.path) == (
        "ainura",
        read_case.pk,
        log_api(read_case.pk),
    )
    # Not counted as a read of the case's content.
    assert not AuditEvent.objects.filter(
        actor_username="ainura", action=AuditAction.CASE_API_VIEWED
    ).exists()


def test_the_access_log_api_shows_no_case_content(cast, client_of, read_case):
    assert AuditEvent.objects.filter(case_id=read_case.pk, detail__new__text=NOTE_TEXT).exists()
    for reader in (cast.auditor, cast.program_manager):
        body = client_of(reader).get(log_api(read_case.pk), {"page_size": 200}).content.decode()
        assert json.loads(body)["count"] > 0
        for content in (NOTE_TEXT, "Idlib", "brother", "Timur", "Abdullaev"):
            assert content not in body, content
        # Changes are listed by field name: "text" is named, its value is not shown.
        assert '"text"' in body


@pytest.mark.parametrize(
    ("role", "status"),
    [
        ("social_worker", 403),
        ("police_liaison", 403),
        ("partner", 403),
        ("outsider", 403),
        ("administrator", 403),
        ("outsider_manager", 404),
    ],
)
def test_others_are_refused_the_access_log_api_as_the_page_refuses_them(
    cast, client_of, read_case, role, status
):
    http = client_of(getattr(cast, role))
    assert http.get(log_page(read_case.pk)).status_code == status
    response = http.get(log_api(read_case.pk))
    assert response.status_code == status
    assert "results" not in response.json()


def test_another_agencys_manager_is_refused_with_a_404_that_is_recorded(cast, client_of, read_case):
    client_of(cast.outsider_manager).get(log_api(read_case.pk))
    refused = AuditEvent.objects.get(action=AuditAction.ACCESS_REFUSED, actor_username="bakhtiyar")
    assert (refused.case_id, refused.path) == (read_case.pk, log_api(read_case.pk))
    assert refused.detail == {"status": 404}


def test_a_case_that_does_not_exist_is_a_404_for_everyone_who_may_read_access_logs(cast, client_of):
    for reader in (cast.auditor, cast.program_manager):
        assert client_of(reader).get(log_api(987654)).status_code == 404


def test_an_anonymous_caller_is_refused_the_access_log(client, read_case):
    assert client.get(log_api(read_case.pk)).status_code in (401, 403)


def test_a_page_that_is_not_a_page_is_a_404_not_a_server_error(cast, client_of, read_case):
    http = client_of(cast.auditor)
    for page in ("abc", "0", "999"):
        assert http.get(log_api(read_case.pk), {"page": page}).status_code == 404, page


def test_the_access_log_api_is_paged_like_the_page(cast, client_of, register):
    case = register()
    for _ in range(PAGE_SIZE + 5):
        audit_record(action=AuditAction.EXPORTED, actor=cast.program_manager, case=case)
    on_case = AuditEvent.objects.filter(case_id=case.pk).count()
    first = client_of(cast.auditor).get(log_api(case.pk)).json()
    assert first["count"] == on_case
    assert len(first["results"]) == PAGE_SIZE
    rest = client_of(cast.auditor).get(first["next"]).json()["results"]
    # The first request's own read is now the newest event, pushing one row down a page.
    assert len(rest) == min(on_case + 1 - PAGE_SIZE, PAGE_SIZE)


@pytest.mark.parametrize("rows", [5, 60])
@pytest.mark.parametrize("reader", ["program_manager", "auditor"])
def test_the_access_log_api_query_count_does_not_grow_with_rows(
    cast, client_of, register, django_assert_num_queries, rows, reader
):
    case = register()
    for _ in range(rows):
        audit_record(action=AuditAction.EXPORTED, actor=cast.program_manager, case=case)
    client = client_of(getattr(cast, reader))
    on_case = AuditEvent.objects.filter(case_id=case.pk).count()  # intake's changes and grants too
    the_rule = {
        "program_manager": [
            "the case through the access funnel (change_case)",
            "is the reader in the case's lead agency",
        ],
        "auditor": ["does the case exist"],
    }[reader]
    expected = [
        *SESSION_QUERIES,
        *the_rule,
        "agencies (names in the list)",
        "COUNT of the case's events (paginator)",
        "one page of events",
        "audit: INSERT of the access_log_viewed event (after the view)",
    ]
    with django_assert_num_queries(len(expected)):
        response = client.get(log_api(case.pk))
    assert len(response.json()["results"]) == min(on_case, PAGE_SIZE)
