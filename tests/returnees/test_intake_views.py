import datetime

import pytest
from django.urls import reverse

from casework.models import Case
from returnees.models import Returnee
from tests.factories import PersonDetailsFactory, intake_post_data

INTAKE = reverse("intake:intake")
CHECK = reverse("intake:duplicate_check")


def test_intake_page_renders_for_a_social_worker(cast, client_of):
    response = client_of(cast.social_worker).get(INTAKE)
    assert response.status_code == 200
    assert b'name="family_name"' in response.content
    # Members of one agency get it preselected.
    assert response.context["form"].fields["lead_agency"].initial == cast.agency_a


def test_intake_registers_and_redirects_to_the_case(cast, client_of):
    data = intake_post_data(lead_agency=cast.agency_a.pk, assigned_worker=cast.social_worker.pk)

    response = client_of(cast.social_worker).post(INTAKE, data)

    case = Case.objects.get()
    assert response.status_code == 302
    assert response.url == reverse("casework:case_detail", args=[case.pk])
    assert case.returnee.family_name == data["family_name"]
    assert case.returnee.languages == ["ky", "ru"]
    assert case.assigned_worker == cast.social_worker


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"departure_date": "2019-01-01", "return_date": "2018-01-01"}, "return_date"),
        (
            {"birth_date": (datetime.date.today() + datetime.timedelta(days=2)).isoformat()},
            "birth_date",
        ),
        ({"family_name": ""}, "family_name"),
        ({"family_name": "x" * 10_000}, "family_name"),
        ({"given_name": "Ti\x00mur"}, "given_name"),
        ({"sex": "robot"}, "sex"),
        ({"birth_date": "31/31/1990"}, "birth_date"),
        ({"approximate_age": "-3", "birth_date": ""}, "approximate_age"),
        ({"needs": ["flying"]}, "needs"),
        ({"parent_reference": "HW-999999"}, "parent_reference"),
        ({"lead_agency": "999999"}, "lead_agency"),
    ],
)
def test_bad_intake_shows_the_error_in_place_and_writes_nothing(cast, client_of, changes, field):
    data = {**intake_post_data(lead_agency=cast.agency_a.pk), **changes}

    response = client_of(cast.social_worker).post(INTAKE, data)

    assert response.status_code == 400
    assert field in response.context["form"].errors
    assert b'id="form-errors"' in response.content
    assert not Returnee.objects.exists()


@pytest.mark.parametrize("name", ["0", "-.'", "?"])
def test_names_without_a_letter_are_form_errors(cast, client_of, name):
    data = intake_post_data(lead_agency=cast.agency_a.pk, given_name=name, family_name=name)

    response = client_of(cast.social_worker).post(INTAKE, data)

    assert response.status_code == 400
    errors = response.context["form"].errors
    assert errors["given_name"] == ["A name needs at least one letter."]
    assert errors["family_name"] == ["A name needs at least one letter."]
    assert not Returnee.objects.exists()


def test_one_name_without_a_letter_is_an_error_on_that_name(cast, client_of):
    data = intake_post_data(lead_agency=cast.agency_a.pk, given_name="-")

    response = client_of(cast.social_worker).post(INTAKE, data)

    assert response.status_code == 400
    assert list(response.context["form"].errors) == ["given_name"]


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"family_name": "\u202eavonavI"}, "family_name"),
        ({"given_name": "Timur\u2069"}, "given_name"),
        ({"given_name": "Ti\x07mur"}, "given_name"),
        ({"address": "Chui st.\t12"}, "address"),
        ({"district": "Lenin\u2028sky"}, "district"),
        ({"aliases": "Umm Aisha\nAbu\u202dAisha"}, "aliases"),
        ({"aliases": "Abu\tAisha"}, "aliases"),
    ],
)
def test_hidden_characters_in_one_line_text_are_form_errors(cast, client_of, changes, field):
    data = intake_post_data(lead_agency=cast.agency_a.pk, **changes)

    response = client_of(cast.social_worker).post(INTAKE, data)

    assert response.status_code == 400
    assert list(response.context["form"].errors) == [field]
    assert not Returnee.objects.exists()


def test_intake_stores_names_in_nfc(cast, client_of):
    data = intake_post_data(
        lead_agency=cast.agency_a.pk,
        given_name="O\u0308mu\u0308r",
        aliases="Umm A\u0301isha\nO\u0308mu\u0308r-aka",
    )

    response = client_of(cast.social_worker).post(INTAKE, data)

    assert response.status_code == 302
    returnee = Returnee.objects.get()
    assert returnee.given_name == "\u00d6m\u00fcr"
    assert returnee.aliases == ["Umm \u00c1isha", "\u00d6m\u00fcr-aka"]


def test_an_outsiders_case_cannot_be_named_as_parent(cast, client_of, register):
    theirs = register(actor=cast.outsider, agency=cast.agency_b)
    data = intake_post_data(lead_agency=cast.agency_a.pk, parent_reference=theirs.reference)

    response = client_of(cast.social_worker).post(INTAKE, data)

    assert response.status_code == 400
    assert "parent_reference" in response.context["form"].errors
    assert Returnee.objects.count() == 1


def test_register_dependent_link_prefills_only_a_visible_parent(cast, client_of, register):
    mine = register()
    theirs = register(actor=cast.outsider, agency=cast.agency_b)
    client = client_of(cast.social_worker)

    response = client.get(INTAKE, {"parent": mine.pk})
    assert response.context["form"].initial["parent_reference"] == mine.reference
    assert client.get(INTAKE, {"parent": theirs.pk}).status_code == 404


def test_duplicate_blocks_registration_until_acknowledged(cast, client_of, register):
    register(given_name="Тимур", family_name="Абдуллаев", birth_date=datetime.date(1990, 4, 12))
    person = PersonDetailsFactory(
        given_name="Timur", family_name="Abdullaev", birth_date=datetime.date(1990, 4, 12)
    )
    client = client_of(cast.outsider)
    data = intake_post_data(person, lead_agency=cast.agency_b.pk)

    response = client.post(INTAKE, data)
    assert response.status_code == 400
    assert "acknowledge_duplicates" in response.context["form"].errors
    content = response.content.decode()
    assert "A possible existing record is held by Bishkek Social Services" in content
    assert "Абдуллаев" not in content
    assert Returnee.objects.count() == 1

    response = client.post(INTAKE, {**data, "acknowledge_duplicates": "on"})
    assert response.status_code == 302
    assert Returnee.objects.count() == 2


def test_duplicate_check_fragment_links_visible_and_hides_other_agencies(cast, client_of, register):
    born = datetime.date(1990, 4, 12)
    mine = register(given_name="Тимур", family_name="Абдуллаев", birth_date=born)
    register(
        actor=cast.outsider,
        agency=cast.agency_b,
        given_name="Timur",
        family_name="Abdullayev",
        birth_date=born,
        patronymic="Secretovich",
    )
    query = {"given_name": "Timur", "family_name": "Abdullaev", "birth_date": "1990-04-12"}

    content = client_of(cast.social_worker).post(CHECK, query).content.decode()

    assert reverse("casework:case_detail", args=[mine.pk]) in content
    assert "A possible existing record is held by Osh Social Services" in content
    assert "Secretovich" not in content


def test_duplicate_check_tolerates_partial_and_junk_input(cast, client_of):
    client = client_of(cast.social_worker)
    for query in ({}, {"given_name": "T"}, {"birth_date": "nonsense", "family_name": "x" * 500}):
        response = client.post(CHECK, query)
        assert response.status_code == 200
        assert b"possible" not in response.content.lower()


# The refusal of the police liaison, the partner and the auditor, and the anonymous
# visitor's way to sign in, are cells of the access matrix (tests/matrix.py).
