"""Nobody sees a case unless their agency or they themselves were given it."""

import pytest
from django.contrib.auth.models import Permission
from django.http import Http404
from django.urls import reverse

from casework.access import case_for_user, cases_for_user
from intake.selectors import possible_duplicates


@pytest.fixture
def abdullaev(register):
    """A case whose person's name is written in Cyrillic (found in either script)."""
    return register(given_name="Тимур", family_name="Абдуллаев")


# The outsider's 404 and the auditor's 403 on the case page, the case API and the
# caseload are cells of the access matrix (tests/test_access_matrix.py).


def test_missing_and_forbidden_cases_look_the_same(cast, client_of, case):
    client = client_of(cast.outsider)
    forbidden = client.get(reverse("api-case-detail", args=[case.pk]))
    missing = client.get(reverse("api-case-detail", args=[case.pk + 1000]))
    assert forbidden.status_code == missing.status_code == 404
    assert forbidden.json() == missing.json()


def test_outsider_never_sees_the_case_in_lists_or_search(cast, client_of, abdullaev):
    case = abdullaev
    client = client_of(cast.outsider)
    for params in ({}, {"q": "Абдуллаев"}, {"q": "Abdullaev"}, {"q": case.reference}):
        page = client.get(reverse("casework:caseload"), params)
        assert page.status_code == 200
        assert page.context["page"].paginator.count == 0
        assert reverse("casework:case_detail", args=[case.pk]) not in page.content.decode()
        api = client.get(reverse("api-case-list"), params).json()
        assert api["count"] == 0


def test_outsider_duplicate_warning_names_only_the_agency(cast, abdullaev):
    case = abdullaev
    report = possible_duplicates(
        user=cast.outsider,
        given_name="Timur",
        family_name="Abdullaev",
        birth_date=case.returnee.birth_date,
    )
    assert report.visible == []
    assert report.other_agencies == [case.lead_agency.name]


@pytest.mark.parametrize("who", ["social_worker", "colleague", "program_manager"])
def test_lead_agency_members_see_the_case(cast, client_of, abdullaev, who):
    case = abdullaev
    client = client_of(getattr(cast, who))
    response = client.get(reverse("casework:case_detail", args=[case.pk]))
    assert response.status_code == 200
    assert "Абдуллаев" in response.content.decode()
    assert client.get(reverse("api-case-detail", args=[case.pk])).json()["id"] == case.pk


@pytest.mark.parametrize("who", ["police_liaison", "partner"])
def test_other_roles_without_a_relationship_get_404(cast, client_of, case, who):
    client = client_of(getattr(cast, who))
    assert client.get(reverse("casework:case_detail", args=[case.pk])).status_code == 404
    assert client.get(reverse("api-case-detail", args=[case.pk])).status_code == 404


def test_global_model_permission_never_widens_object_access(cast, case):
    cast.outsider.user_permissions.add(
        Permission.objects.get(codename="view_case", content_type__app_label="casework")
    )
    assert not cases_for_user(cast.outsider).exists()
    with pytest.raises(Http404):
        case_for_user(cast.outsider, case.pk)


def test_inactive_member_sees_nothing(cast, case):
    cast.colleague.is_active = False
    cast.colleague.save(update_fields=["is_active"])
    assert not cases_for_user(cast.colleague).exists()


def test_dependents_and_parent_are_shown_only_when_visible(cast, client_of, register):
    mother = register(sex="female", given_name="Aigerim", family_name="Karimova")
    child = register(parent_case=mother, given_name="Aisha", family_name="Karimova")
    foreign_child = register(
        actor=cast.outsider,
        agency=cast.agency_b,
        given_name="Yusuf",
        family_name="Karimov",
    )
    foreign_child.returnee.parent = mother.returnee
    foreign_child.returnee.save(update_fields=["parent"])

    page = client_of(cast.social_worker).get(reverse("casework:case_detail", args=[mother.pk]))
    assert list(page.context["dependents"]) == [child]
    assert "Yusuf" not in page.content.decode()

    outsider_view = client_of(cast.outsider).get(
        reverse("casework:case_detail", args=[foreign_child.pk])
    )
    assert outsider_view.context["parent_case"] is None
    assert "Aigerim" not in outsider_view.content.decode()


def test_an_id_no_bigint_can_hold_is_a_404_or_a_field_error_never_a_500(cast, client_of):
    """Found by the schema fuzz: a parent case id past Postgres' bigint reached the
    database and answered 500."""
    client = client_of(cast.social_worker)
    huge = 10**30

    page = client.get(reverse("casework:case_detail", args=[huge]))
    api = client.get(reverse("api-case-detail", args=[huge]))
    register = client.post(
        reverse("api-returnee-register"), {"parent_case": huge}, content_type="application/json"
    )

    assert page.status_code == 404
    assert api.status_code == 404
    assert register.status_code == 400
    assert "parent_case" in register.json()
    with pytest.raises(Http404):
        case_for_user(cast.social_worker, str(10**80))
