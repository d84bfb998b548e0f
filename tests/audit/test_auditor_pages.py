"""The auditor's search and a case's access log (issue 7, part 2)."""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice

from audit.models import AuditAction, AuditEvent
from audit.services import audit_record
from core.references import reference_for
from tests.casework.helpers import note
from tests.conftest import PASSWORD, post_code, post_password

EVENTS = reverse("audit:events")


def access_log(case):
    return reverse("casework:case_access_log", args=[case.pk])


@pytest.fixture
def trail(cast, client_of, register):
    """Two cases of agency A read by its worker, one refused to the outsider."""
    first = register(given_name="Timur", family_name="Abdullaev")
    second = register(given_name="Aziza", family_name="Karimova")
    note(cast.social_worker, first, "case_team", text="Confided about the brother in Idlib.")
    worker = client_of(cast.social_worker)
    worker.get(reverse("casework:case_detail", args=[first.pk]))
    worker.get(reverse("api-case-detail", args=[second.pk]))
    client_of(cast.outsider).get(reverse("casework:case_detail", args=[first.pk]))
    return first, second


def listed(response) -> list[AuditEvent]:
    assert response.status_code == 200
    return list(response.context["page"].object_list)


def test_auditor_searches_by_case_reference(cast, client_of, trail):
    first, second = trail
    found = listed(client_of(cast.auditor).get(EVENTS, {"reference": reference_for(first.pk)}))
    assert found
    assert {e.case_id for e in found if e.case_id} == {first.pk}
    # The intake's returnee row (written before the case existed) belongs to the record too.
    assert any(e.object_type == "returnees.returnee" for e in found)


def test_auditor_searches_by_user_agency_and_action(cast, client_of, trail):
    first, _ = trail
    auditor = client_of(cast.auditor)
    by_user = listed(auditor.get(EVENTS, {"username": "DILFUZA"}))
    assert by_user
    assert {e.actor_username for e in by_user} == {"dilfuza"}
    by_agency = listed(auditor.get(EVENTS, {"agency": cast.agency_b.pk}))
    assert by_agency
    assert {e.agency_id for e in by_agency} == {cast.agency_b.pk}
    refused = listed(auditor.get(EVENTS, {"action": AuditAction.ACCESS_REFUSED}))
    assert [(e.actor_username, e.case_id) for e in refused] == [("dilfuza", first.pk)]
    both = listed(auditor.get(EVENTS, {"username": "aigul", "action": AuditAction.CASE_API_VIEWED}))
    assert len(both) == 1


def test_auditor_searches_failed_sign_ins_by_the_name_tried(cast, client, client_of):
    post_password(client, "aigul", "not it at all")
    found = listed(client_of(cast.auditor).get(EVENTS, {"username": "aigul"}))
    assert [e.action for e in found] == [AuditAction.LOGIN_FAILED]


def test_auditor_searches_by_date_range(cast, client_of, trail):
    today = timezone.localdate()
    auditor = client_of(cast.auditor)
    assert listed(auditor.get(EVENTS, {"date_from": today, "date_to": today}))
    tomorrow = today + datetime.timedelta(days=1)
    assert listed(auditor.get(EVENTS, {"date_from": tomorrow})) == []
    assert listed(auditor.get(EVENTS, {"date_to": today - datetime.timedelta(days=1)})) == []


def test_a_malformed_search_finds_nothing_and_says_why(cast, client_of, trail):
    response = client_of(cast.auditor).get(
        EVENTS, {"reference": "Abdullaev", "date_from": "2026-02-02", "date_to": "2026-01-01"}
    )
    assert listed(response) == []
    assert set(response.context["form"].errors) == {"reference", "date_to"}


def test_auditor_sees_who_accessed_a_case_but_no_case_content(cast, client_of, trail):
    first, _ = trail
    response = client_of(cast.auditor).get(access_log(first))
    found = listed(response)
    assert {e.action for e in found} >= {AuditAction.CASE_VIEWED, AuditAction.ACCESS_REFUSED}
    assert all(e.case_id == first.pk for e in found)
    page = response.content.decode()
    assert "aigul" in page
    assert "dilfuza" in page
    assert reference_for(first.pk) in page
    for content in ("Timur", "Abdullaev", "Idlib", "brother"):
        assert content not in page
    # Changes are listed by field name: "text" is named, its value is not shown.
    assert "text" in page


def test_auditor_search_page_shows_no_case_content(cast, client_of, trail):
    page = client_of(cast.auditor).get(EVENTS).content.decode()
    for content in ("Timur", "Abdullaev", "Aziza", "Karimova", "Idlib"):
        assert content not in page


def test_auditor_holds_no_case_permission(cast, client_of, trail):
    first, _ = trail
    auditor = client_of(cast.auditor)
    assert auditor.get(reverse("casework:case_detail", args=[first.pk])).status_code == 403
    assert auditor.get(reverse("api-case-detail", args=[first.pk])).status_code == 403


def test_reading_an_access_log_is_itself_recorded(cast, client_of, trail):
    first, _ = trail
    client_of(cast.auditor).get(access_log(first))
    event = AuditEvent.objects.get(action=AuditAction.ACCESS_LOG_VIEWED)
    assert (event.actor_username, event.case_id) == ("ainura", first.pk)


def test_program_manager_sees_the_access_log_of_the_case_their_agency_leads(cast, client_of, trail):
    first, _ = trail
    pm = client_of(cast.program_manager)
    case_page = pm.get(reverse("casework:case_detail", args=[first.pk])).content.decode()
    assert access_log(first) in case_page
    found = listed(pm.get(access_log(first)))
    assert {"aigul", "dilfuza"} <= {e.actor_username for e in found}


def test_others_do_not_get_the_access_log(cast, client_of, trail):
    first, _ = trail
    worker_page = client_of(cast.social_worker).get(
        reverse("casework:case_detail", args=[first.pk])
    )
    assert access_log(first) not in worker_page.content.decode()
    assert client_of(cast.social_worker).get(access_log(first)).status_code == 403
    assert client_of(cast.outsider_manager).get(access_log(first)).status_code == 404
    assert client_of(cast.police_liaison).get(access_log(first)).status_code == 403
    refused = AuditEvent.objects.filter(
        action=AuditAction.ACCESS_REFUSED, actor_username="bakhtiyar"
    )
    assert refused.count() == 1


def test_auditor_gets_404_for_a_case_that_does_not_exist(cast, client_of):
    response = client_of(cast.auditor).get(reverse("casework:case_access_log", args=[987654]))
    assert response.status_code == 404


@pytest.mark.parametrize("rows", [5, 60])
def test_auditor_search_query_count(cast, client_of, register, django_assert_num_queries, rows):
    case = register()
    for _ in range(rows):
        audit_record(action=AuditAction.EXPORTED, actor=cast.program_manager, case=case)
    client = client_of(cast.auditor)
    expected = [
        "session row",
        "user row",
        "second factor: the session's verified device",
        "user model permissions",
        "group model permissions",
        "agencies (the filter's choices and the names in the list)",
        "COUNT of the matching events (paginator)",
        "one page of events",
        "header: the user's groups with their agencies",
        "header: unread notification count",
        "savepoint",
        "session refresh",
        "release savepoint",
    ]
    with django_assert_num_queries(len(expected)):
        response = client.get(EVENTS, {"reference": reference_for(case.pk), "action": "exported"})
    assert len(response.context["page"].object_list) == min(rows, 50)


@pytest.mark.parametrize("rows", [5, 60])
def test_access_log_query_count(cast, client_of, register, django_assert_num_queries, rows):
    case = register()
    for _ in range(rows):
        audit_record(action=AuditAction.EXPORTED, actor=cast.program_manager, case=case)
    client = client_of(cast.program_manager)
    on_case = AuditEvent.objects.filter(case_id=case.pk).count()  # intake's changes and grants too
    expected = [
        "session row",
        "user row",
        "second factor: the session's verified device",
        "user model permissions",
        "group model permissions",
        "the case through the access funnel (change_case)",
        "is the reader in the case's lead agency",
        "agencies (names in the list)",
        "COUNT of the case's events (paginator)",
        "one page of events",
        "header: the user's groups with their agencies",
        "header: unread notification count",
        "audit: INSERT of the access_log_viewed event (after the view)",
        "savepoint",
        "session refresh",
        "release savepoint",
    ]
    with django_assert_num_queries(len(expected)):
        response = client.get(access_log(case))
    assert len(response.context["page"].object_list) == min(on_case, 50)


def test_signing_in_lands_the_auditor_on_the_trail(cast, client):
    device = TOTPDevice.objects.create(user=cast.auditor, name="default", confirmed=True)
    post_password(client, "ainura", PASSWORD)
    response = post_code(client, str(totp(device.bin_key)).zfill(6), follow=True)
    assert response.redirect_chain[-1][0] == EVENTS
    assert response.status_code == 200


def test_signing_in_lands_case_workers_on_their_caseload(cast, client):
    response = post_password(client, "aigul", PASSWORD, follow=True)
    assert response.redirect_chain[-1][0] == reverse("casework:caseload")
