import datetime

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from casework.access import case_for_user
from casework.models import Case, CaseGroupObjectPermission, CaseUserObjectPermission
from intake.services import returnee_register
from returnees.models import Returnee
from tests.factories import PersonDetailsFactory


def test_register_opens_a_case_for_the_lead_agency_and_assignee(cast, register):
    case = register(given_name="Тимур", family_name="Абдуллаев")

    assert case.status == "open"
    assert case.opened_on == timezone.localdate()
    assert case.lead_agency == cast.agency_a
    assert case.assigned_worker == cast.social_worker
    assert case.returnee.name_key == "timur abdulaev"
    assert case.reference == f"HW-{case.pk:06d}"
    group_perms = set(
        CaseGroupObjectPermission.objects.filter(content_object=case).values_list(
            "group__name", "permission__codename"
        )
    )
    assert group_perms == {
        (cast.agency_a.group.name, codename)
        for codename in (
            "view_case",
            "change_case",
            "view_case_contact",
            "view_case_plan",
            "view_case_shared_notes",
            "view_case_triage",
        )
    }
    user_perms = set(
        CaseUserObjectPermission.objects.filter(content_object=case).values_list(
            "user__username", "permission__codename"
        )
    )
    assert user_perms == {("aigul", "view_case"), ("aigul", "change_case")}
    # The whole lead agency sees it, the outsider does not.
    assert case_for_user(cast.colleague, case.pk) == case
    assert case_for_user(cast.program_manager, case.pk) == case


def test_dependent_child_is_linked_to_the_parent(register):
    mother = register(sex="female", given_name="Aigerim", family_name="Karimova")
    child = register(
        parent_case=mother,
        given_name="Aisha",
        family_name="Karimova",
        birth_date=None,
        approximate_age=6,
        departure_date=None,
    )
    assert child.returnee.parent == mother.returnee
    assert list(mother.returnee.dependents.all()) == [child.returnee]


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        (
            {"departure_date": datetime.date(2019, 1, 1), "return_date": datetime.date(2018, 1, 1)},
            "return_date",
        ),
        ({"birth_date": datetime.date.today() + datetime.timedelta(days=1)}, "birth_date"),
        ({"birth_date": datetime.date(1850, 1, 1)}, "birth_date"),
        ({"birth_date": None, "approximate_age": None}, "birth_date"),
        ({"approximate_age": 500, "birth_date": None}, "approximate_age"),
        ({"return_date": datetime.date.today() + datetime.timedelta(days=30)}, "return_date"),
        ({"given_name": ""}, "given_name"),
        ({"family_name": "x" * 10_000}, "family_name"),
        ({"given_name": "Ti\x00mur"}, "given_name"),
        ({"given_name": "Ti\x07mur"}, "given_name"),
        ({"sex": "unknown"}, "sex"),
        ({"region": "atlantis"}, "region"),
        ({"languages": ["klingon"]}, "languages"),
        ({"aliases": ["a"] * 11}, "aliases"),
    ],
)
def test_bad_intake_gets_a_field_error_and_writes_nothing(cast, changes, field):
    with pytest.raises(ValidationError) as excinfo:
        returnee_register(
            actor=cast.social_worker,
            person=PersonDetailsFactory(**changes),
            lead_agency=cast.agency_a,
            assigned_worker=cast.social_worker,
        )
    assert field in excinfo.value.message_dict
    assert not Returnee.objects.exists()
    assert not Case.objects.exists()


def test_cannot_open_a_case_for_another_agency(cast):
    with pytest.raises(ValidationError) as excinfo:
        returnee_register(
            actor=cast.outsider, person=PersonDetailsFactory(), lead_agency=cast.agency_a
        )
    assert "lead_agency" in excinfo.value.message_dict
    assert not Returnee.objects.exists()


def test_assignee_must_belong_to_the_lead_agency(cast):
    with pytest.raises(ValidationError) as excinfo:
        returnee_register(
            actor=cast.social_worker,
            person=PersonDetailsFactory(),
            lead_agency=cast.agency_a,
            assigned_worker=cast.outsider,
        )
    assert "assigned_worker" in excinfo.value.message_dict
    # The case is opened after the returnee row: the transaction rolled both back.
    assert not Returnee.objects.exists()
