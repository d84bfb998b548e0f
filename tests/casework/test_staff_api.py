"""GET /api/staff/ and POST /api/staff/{user_id}/deactivate/ (issue #15, API parity):
the staff page and its deactivation, through the same selector, access function and
service (casework.selectors.staff_with_open_cases, casework.access.staff_member_for_user,
agencies.services.staff_member_deactivate)."""

import pytest
from django.contrib.auth import get_user_model
from django.test import Client
from django.urls import reverse
from rest_framework.authtoken.models import Token

from agencies.models import Role
from agencies.services import staff_member_create
from audit.models import AuditAction, AuditEvent
from tests.conftest import SESSION_QUERIES

User = get_user_model()
STAFF_API = reverse("api-staff")


def deactivate_api(user) -> str:
    return reverse("api-staff-deactivate", kwargs={"user_id": user.pk})


def test_a_program_manager_lists_the_members_of_their_agency_with_their_open_cases(
    cast, client_of, register
):
    register()
    register()
    response = client_of(cast.program_manager).get(STAFF_API)
    assert response.status_code == 200
    rows = {row["id"]: row for row in response.json()["results"]}
    # Agency A's members, by name, never the manager themselves.
    assert set(rows) == {cast.social_worker.pk, cast.colleague.pk}
    assert rows[cast.social_worker.pk] == {
        "id": cast.social_worker.pk,
        "name": "Aigul Sadykova",
        "is_active": True,
        "open_cases": 2,
    }
    assert rows[cast.colleague.pk]["open_cases"] == 0


def test_the_list_is_the_one_the_staff_page_shows(cast, client_of, register):
    register()
    http = client_of(cast.program_manager)
    page = http.get(reverse("casework:staff")).context["members"]
    api = http.get(STAFF_API).json()["results"]
    assert [(row["id"], row["open_cases"]) for row in api] == [
        (member.pk, member.open_cases) for member in page
    ]


def test_another_agencys_manager_lists_only_their_own_agencys_members(cast, client_of):
    rows = client_of(cast.outsider_manager).get(STAFF_API).json()["results"]
    assert [row["id"] for row in rows] == [cast.outsider.pk]


@pytest.mark.parametrize("role", ["social_worker", "police_liaison", "partner", "auditor"])
def test_roles_that_do_not_manage_staff_are_refused_the_list_and_deactivation(
    cast, client_of, role
):
    http = client_of(getattr(cast, role))
    assert http.get(STAFF_API).status_code == 403
    assert http.post(deactivate_api(cast.colleague)).status_code == 403
    assert User.objects.get(pk=cast.colleague.pk).is_active


def test_deactivating_a_member_ends_their_token_and_answers_with_the_member(
    cast, client_of, register
):
    register(actor=cast.colleague)
    token = Token.objects.create(user=cast.colleague)
    by_token = {"HTTP_AUTHORIZATION": f"Token {token.key}"}
    assert Client().get(reverse("api-notifications"), **by_token).status_code == 200
    response = client_of(cast.program_manager).post(deactivate_api(cast.colleague))
    assert response.status_code == 200
    assert response.json() == {
        "id": cast.colleague.pk,
        "name": "Nurbek Asanov",
        "is_active": False,
        # Still theirs until handed over (/api/cases/hand-over/).
        "open_cases": 1,
    }
    assert not User.objects.get(pk=cast.colleague.pk).is_active
    assert not Token.objects.filter(user=cast.colleague).exists()
    assert Client().get(reverse("api-notifications"), **by_token).status_code in (401, 403)


def test_deactivating_someone_already_deactivated_answers_the_same(cast, client_of):
    http = client_of(cast.program_manager)
    assert http.post(deactivate_api(cast.colleague)).status_code == 200
    again = http.post(deactivate_api(cast.colleague))
    assert again.status_code == 200
    assert again.json()["is_active"] is False


def test_another_agencys_manager_cannot_deactivate_my_member_and_the_refusal_is_recorded(
    cast, client_of
):
    response = client_of(cast.outsider_manager).post(deactivate_api(cast.colleague))
    assert response.status_code == 404
    assert User.objects.get(pk=cast.colleague.pk).is_active
    assert AuditEvent.objects.filter(
        action=AuditAction.ACCESS_REFUSED,
        object_type="auth.user",
        object_id=str(cast.colleague.pk),
        actor_id=cast.outsider_manager.pk,
    ).exists()


def test_a_manager_cannot_deactivate_themselves_or_someone_who_does_not_exist(cast, client_of):
    http = client_of(cast.program_manager)
    assert http.post(deactivate_api(cast.program_manager)).status_code == 404
    assert http.post(reverse("api-staff-deactivate", kwargs={"user_id": 2**62})).status_code == 404
    assert User.objects.get(pk=cast.program_manager.pk).is_active


def test_deactivation_takes_no_other_method(cast, client_of):
    http = client_of(cast.program_manager)
    assert http.get(deactivate_api(cast.colleague)).status_code == 405
    assert User.objects.get(pk=cast.colleague.pk).is_active


STAFF_LIST_QUERIES = [
    *SESSION_QUERIES,
    "COUNT of the manager's agencies' members (paginator)",
    "one page of members, each with their open cases led by those agencies (one GROUP BY)",
]


@pytest.mark.parametrize("members", [2, 20])
def test_the_staff_list_keeps_its_query_count_whatever_the_agency_size(
    cast, client_of, register, django_assert_num_queries, members
):
    for i in range(members):
        worker = staff_member_create(
            actor=None,
            username=f"member{i}",
            password=None,
            password_hash="!",
            role=Role.SOCIAL_WORKER,
            agencies=[cast.agency_a],
        )
        register(actor=worker)
    http = client_of(cast.program_manager)
    with django_assert_num_queries(len(STAFF_LIST_QUERIES)):
        response = http.get(STAFF_API)
    assert response.json()["count"] == members + 2
