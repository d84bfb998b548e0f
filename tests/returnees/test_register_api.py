import datetime

import pytest
from django.urls import reverse

from casework.models import Case
from returnees.models import Returnee
from tests.factories import PersonDetailsFactory, intake_json

URL = reverse("api-returnee-register")


def test_register_returns_the_new_case(cast, client_of):
    response = client_of(cast.social_worker).post(
        URL, intake_json(), content_type="application/json"
    )

    assert response.status_code == 201, response.json()
    case = Case.objects.get()
    body = response.json()
    assert body["id"] == case.pk
    assert body["reference"] == case.reference
    assert body["lead_agency"] == "Bishkek Social Services"
    assert body["returnee"]["languages"] == ["ky", "ru"]


def test_token_authentication_works(cast, client):
    from rest_framework.authtoken.models import Token

    token = Token.objects.create(user=cast.social_worker)
    response = client.post(
        URL, intake_json(), content_type="application/json", HTTP_AUTHORIZATION=f"Token {token.key}"
    )
    assert response.status_code == 201


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"departure_date": "2019-01-01", "return_date": "2018-01-01"}, "return_date"),
        (
            {"birth_date": (datetime.date.today() + datetime.timedelta(days=1)).isoformat()},
            "birth_date",
        ),
        ({"family_name": ""}, "family_name"),
        ({"family_name": "x" * 10_000}, "family_name"),
        ({"given_name": "Ti\x00mur"}, "given_name"),
        ({"given_name": 42}, "given_name"),  # coerced to "42" by DRF: a name without letters
        ({"given_name": "Timur"}, None),
        ({"birth_date": "yesterday"}, "birth_date"),
        ({"languages": "ky"}, "languages"),
        ({"needs": ["flying"]}, "needs"),
        ({"aliases": ["x"] * 11}, "aliases"),
        ({"sex": None}, "sex"),
        ({"approximate_age": 100000, "birth_date": None}, "approximate_age"),
        ({"parent_case": 999999}, "parent_case"),
        ({"lead_agency": 999999}, "lead_agency"),
        ({"assigned_worker": 999999}, "assigned_worker"),
    ],
)
def test_bad_input_gets_field_errors_and_writes_nothing(cast, client_of, changes, field):
    response = client_of(cast.social_worker).post(
        URL, intake_json(**changes), content_type="application/json"
    )
    if field is None:
        assert response.status_code == 201
        return
    assert response.status_code == 400, response.content
    assert field in response.json()
    assert not Returnee.objects.exists()


@pytest.mark.parametrize("name", ["0", "-.'", "\ud800"])
def test_names_without_a_letter_are_field_errors(cast, client_of, name):
    """Their name key is empty, which the database refuses: each name is asked again."""
    body = intake_json(given_name=name, family_name=name)

    response = client_of(cast.social_worker).post(URL, body, content_type="application/json")

    assert response.status_code == 400, response.content
    assert {"given_name", "family_name"} <= response.json().keys()
    assert not Returnee.objects.exists()


ONE_LINE = "Write this on one line, without tabs or other control characters."
HIDDEN_DIRECTION = (
    "Remove the hidden text-direction characters: they make the text show differently "
    "from what is stored."
)
UNREADABLE = "Some characters of this text could not be read. Type it again."


@pytest.mark.parametrize(
    ("changes", "field", "message"),
    [
        # Shown as "Ivanova": the override reverses what follows it.
        ({"family_name": "\u202eavonavI"}, "family_name", HIDDEN_DIRECTION),
        ({"given_name": "Timur\u2066"}, "given_name", HIDDEN_DIRECTION),
        ({"patronymic": "\u200fRustamovich"}, "patronymic", HIDDEN_DIRECTION),
        ({"given_name": "Ti\x1b[2Jmur"}, "given_name", ONE_LINE),
        ({"family_name": "Ivanov\nPetrov"}, "family_name", ONE_LINE),
        ({"district": "Lenin\tsky"}, "district", ONE_LINE),
        ({"address": "Chui st. 12\u2028flat 3"}, "address", ONE_LINE),
        ({"phone": "+996\x7f555"}, "phone", ONE_LINE),
        ({"given_name": "Ti\ud800mur"}, "given_name", UNREADABLE),
    ],
)
def test_hidden_characters_in_one_line_text_are_field_errors(
    cast, client_of, changes, field, message
):
    response = client_of(cast.social_worker).post(
        URL, intake_json(**changes), content_type="application/json"
    )

    assert response.status_code == 400, response.content
    assert response.json()[field] == [message]
    assert not Returnee.objects.exists()


@pytest.mark.parametrize("alias", ["Abu\u202eAisha", "Abu\tAisha", "Abu\ud800"])
def test_hidden_characters_in_an_alias_are_a_field_error(cast, client_of, alias):
    response = client_of(cast.social_worker).post(
        URL, intake_json(aliases=["Umm Aisha", alias]), content_type="application/json"
    )

    assert response.status_code == 400, response.content
    assert "aliases" in response.json()
    assert not Returnee.objects.exists()


@pytest.mark.parametrize(
    "changes",
    [
        {"sex": "\ud800"},
        {"languages": ["ky", "\udfff"]},
        {"lead_agency": "\ud800"},
        {"\ud800": "an unknown field"},
    ],
)
def test_a_lone_surrogate_anywhere_is_a_400_not_a_500(cast, client_of, changes):
    """JSON may carry one; an error quoting it ("... is not a valid choice") could not
    be encoded, so the answer was a 500."""
    response = client_of(cast.social_worker).post(
        URL, intake_json(**changes), content_type="application/json"
    )

    if "\ud800" in changes:
        assert response.status_code == 201
        return
    assert response.status_code == 400, response.content
    assert set(response.json()) == set(changes)
    assert not Returnee.objects.exists()


def test_names_are_stored_in_nfc(cast, client_of):
    """ "Ö" typed as O and a combining diaeresis is stored as the one character Ö."""
    body = intake_json(
        given_name="O\u0308mu\u0308r", family_name="Sadykov", aliases=["O\u0308mu\u0308r-aka"]
    )

    response = client_of(cast.social_worker).post(URL, body, content_type="application/json")

    assert response.status_code == 201, response.content
    returnee = Returnee.objects.get()
    assert returnee.given_name == "\u00d6m\u00fcr"
    assert returnee.aliases == ["\u00d6m\u00fcr-aka"]


def test_malformed_json_is_a_400(cast, client_of):
    response = client_of(cast.social_worker).post(
        URL, '{"given_name": "Timur",', content_type="application/json"
    )
    assert response.status_code == 400
    assert "detail" in response.json()
    assert not Returnee.objects.exists()


def test_duplicate_is_reported_without_details_of_other_agencies(cast, client_of, register):
    born = datetime.date(1990, 4, 12)
    register(given_name="Тимур", family_name="Абдуллаев", birth_date=born)
    body = intake_json(
        PersonDetailsFactory(given_name="Timur", family_name="Abdullaev", birth_date=born)
    )

    response = client_of(cast.outsider).post(URL, body, content_type="application/json")

    assert response.status_code == 400
    assert response.json()["possible_duplicates"] == {
        "visible": [],
        "other_agencies": ["Bishkek Social Services"],
    }
    acknowledged = {**body, "acknowledge_duplicates": True}
    response = client_of(cast.outsider).post(URL, acknowledged, content_type="application/json")
    assert response.status_code == 201


# The refusal of the police liaison, the partner, the auditor and the anonymous caller
# are cells of the access matrix (tests/matrix.py).
