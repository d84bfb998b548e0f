"""A program manager's staff page: deactivating a leaver ends their access at once
(sessions and API token), then their open cases are handed over (issue #15, part 2)."""

import pytest
from django.contrib.sessions.models import Session
from django.core.exceptions import ValidationError
from django.test import Client, override_settings
from django.urls import reverse
from rest_framework.authtoken.models import Token

from agencies.models import Role
from agencies.services import staff_member_create, staff_member_deactivate
from casework.models import Case
from tests.conftest import SESSION_QUERIES

STAFF = reverse("casework:staff")
CASELOAD = reverse("casework:caseload")
CASE_LIST_API = reverse("api-case-list")


def deactivate_url(user) -> str:
    return reverse("casework:staff_deactivate", args=[user.pk])


def signed_in(client_of, user) -> tuple[Client, str]:
    """A client with an open session of `user`, proved by a page it reaches."""
    http = client_of(user)
    assert http.get(CASELOAD).status_code == 200
    return http, http.session.session_key


def test_deactivation_ends_an_open_session_and_a_token(cast, client_of, register):
    register(actor=cast.colleague)
    http, session_key = signed_in(client_of, cast.colleague)
    token = Token.objects.create(user=cast.colleague)
    api = Client(HTTP_AUTHORIZATION=f"Token {token.key}")
    assert api.get(CASE_LIST_API).status_code == 200
    manager = client_of(cast.program_manager)

    confirm = manager.get(deactivate_url(cast.colleague))
    assert confirm.status_code == 200
    assert "will no longer be able to sign in" in confirm.content.decode()
    response = manager.post(deactivate_url(cast.colleague))
    assert response.status_code == 302
    assert response.url == reverse("casework:hand_over", args=[cast.colleague.pk])

    cast.colleague.refresh_from_db()
    assert not cast.colleague.is_active
    assert not Session.objects.filter(session_key=session_key).exists()
    assert not Token.objects.filter(user=cast.colleague).exists()
    # The open session is refused on its next request, page and API alike; so is the token.
    page = http.get(CASELOAD)
    assert page.status_code == 302
    assert page.url.startswith(reverse("login"))
    assert http.get(CASE_LIST_API).status_code in (401, 403)
    assert api.get(CASE_LIST_API).status_code in (401, 403)
    # The manager lands on the hand-over of the leaver's open case.
    hand_over = manager.get(response.url)
    assert "1 open case is assigned to them." in hand_over.content.decode()


def test_deactivation_ends_only_the_leavers_sessions(cast, client_of):
    _http, leaver_session = signed_in(client_of, cast.colleague)
    _other, kept_session = signed_in(client_of, cast.social_worker)
    ended = staff_member_deactivate(actor=cast.program_manager, user=cast.colleague)
    assert ended == 1
    assert not Session.objects.filter(session_key=leaver_session).exists()
    assert Session.objects.filter(session_key=kept_session).exists()


@override_settings(AXES_ENABLED=False)
def test_without_the_sign_in_log_the_sessions_are_still_found(cast, client_of):
    """With the lockout (and its sign-in log) off, the open sessions are read instead."""
    _http, leaver_session = signed_in(client_of, cast.colleague)
    _other, kept_session = signed_in(client_of, cast.social_worker)
    assert staff_member_deactivate(actor=cast.program_manager, user=cast.colleague) == 1
    assert not Session.objects.filter(session_key=leaver_session).exists()
    assert Session.objects.filter(session_key=kept_session).exists()


def test_deactivation_is_for_program_managers_of_the_same_agency(cast, client_of):
    assert client_of(cast.social_worker).post(deactivate_url(cast.colleague)).status_code == 403
    assert client_of(cast.outsider_manager).post(deactivate_url(cast.colleague)).status_code == 404
    assert client_of(cast.program_manager).get(deactivate_url(cast.outsider)).status_code == 404
    cast.colleague.refresh_from_db()
    assert cast.colleague.is_active


def test_a_manager_cannot_deactivate_themselves(cast, client_of):
    with pytest.raises(ValidationError):
        staff_member_deactivate(actor=cast.program_manager, user=cast.program_manager)
    # Nor reach their own row on the staff page.
    http = client_of(cast.program_manager)
    assert http.post(deactivate_url(cast.program_manager)).status_code == 404
    cast.program_manager.refresh_from_db()
    assert cast.program_manager.is_active


def test_the_staff_page_lists_my_agencys_members_with_their_open_cases(cast, client_of, register):
    register(actor=cast.colleague)
    register(actor=cast.colleague)
    register(actor=cast.outsider, agency=cast.agency_b)
    page = client_of(cast.program_manager).get(STAFF)
    assert page.status_code == 200
    members = {m.username: m.open_cases for m in page.context["members"]}
    assert members == {"aigul": 0, "nurbek": 2}
    content = page.content.decode()
    assert deactivate_url(cast.colleague) in content
    assert reverse("casework:hand_over", args=[cast.colleague.pk]) in content


def test_a_deactivated_worker_can_no_longer_be_assigned(cast, client_of, case):
    staff_member_deactivate(actor=cast.program_manager, user=cast.colleague)
    response = client_of(cast.program_manager).post(
        reverse("casework:case_assign", args=[case.pk]),
        {"worker": cast.colleague.pk, "version": case.version},
    )
    assert response.status_code == 400
    assert Case.objects.get(pk=case.pk).assigned_worker == cast.social_worker


# --- Query counts ---------------------------------------------------------------------------

STAFF_PAGE_QUERIES = [
    *SESSION_QUERIES,
    "the members of the manager's agencies, each with their open cases counted",
    "header: the user's groups with their agencies",
    "header: unread notification count",
]


@pytest.mark.parametrize("extra_members", [0, 12])
def test_staff_page_query_count_does_not_grow_with_members(
    cast, client_of, register, django_assert_num_queries, extra_members
):
    for n in range(extra_members):
        staff_member_create(
            actor=None,
            username=f"worker{n}",
            password=None,
            password_hash="!",
            role=Role.SOCIAL_WORKER,
            agencies=[cast.agency_a],
        )
    register(actor=cast.colleague)
    http = client_of(cast.program_manager)
    with django_assert_num_queries(len(STAFF_PAGE_QUERIES)):
        response = http.get(STAFF)
    assert len(response.context["members"]) == 2 + extra_members


HAND_OVER_QUERIES = [
    *SESSION_QUERIES,
    "the member, among the manager's agencies' staff",
    "COUNT of their open cases the manager's agencies lead",
    "the first of those cases with their people",
    "the workers who may take them over (the form's choices)",
    "header: the user's groups with their agencies",
    "header: unread notification count",
]


@pytest.mark.parametrize("cases", [2, 20])
def test_hand_over_page_query_count_does_not_grow_with_cases(
    cast, client_of, register, django_assert_num_queries, cases
):
    for _ in range(cases):
        register(actor=cast.colleague)
    http = client_of(cast.program_manager)
    with django_assert_num_queries(len(HAND_OVER_QUERIES)):
        response = http.get(reverse("casework:hand_over", args=[cast.colleague.pk]))
    assert response.context["count"] == cases
