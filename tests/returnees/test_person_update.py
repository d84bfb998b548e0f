"""Correcting and updating the person of a case (intake.services.person_update): the
page (a fieldset per writable part), the API (PATCH any subset plus `version`), the
stale-edit refusal, per-part write rules and the same validation as intake."""

import datetime

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse

from audit.models import AuditEvent
from casework import services as casework
from casework.models import CaseGroupObjectPermission
from casework.parts import NOBODY, RULES, Part, Rule
from intake.services import PERSON_FIELDS, person_update
from returnees.models import Returnee
from returnees.names import alias_key, name_key
from tests.casework.helpers import triage


def edit_url(case, part=None):
    url = reverse("intake:person_edit", args=[case.pk])
    return f"{url}?part={part}" if part else url


def api_url(case):
    return reverse("api-case-person", args=[case.pk])


def form_data(returnee, **overrides) -> dict:
    """The edit page's form as the stored person fills it, with `overrides`."""
    data = {}
    for name in PERSON_FIELDS:
        value = getattr(returnee, name)
        if name == "aliases":
            value = "\n".join(value)
        elif value is None:
            value = ""
        elif isinstance(value, datetime.date):
            value = value.isoformat()
        data[name] = value
    return {**data, "version": returnee.version, **overrides}


def stored(case) -> Returnee:
    return Returnee.objects.get(pk=case.returnee_id)


# --- It works ------------------------------------------------------------------------------


def test_a_social_worker_corrects_a_name_and_the_case_page_shows_it(cast, client_of, case):
    http = client_of(cast.social_worker)
    returnee = stored(case)

    page = http.get(edit_url(case, "identity"))
    assert page.status_code == 200
    assert [legend for legend, _fields in page.context["sections"]] == [Part.IDENTITY.label]
    response = http.post(edit_url(case, "identity"), form_data(returnee, given_name="Timurbek"))

    assert response.status_code == 302
    assert response.url == reverse("casework:case_detail", args=[case.pk])
    after = stored(case)
    assert after.given_name == "Timurbek"
    assert after.name_key == name_key("Timurbek", returnee.family_name)
    assert after.version == returnee.version + 1
    assert "Timurbek" in http.get(response.url).content.decode()


def test_the_page_offers_a_fieldset_for_each_part_of_the_person_the_team_writes(
    cast, client_of, case
):
    page = client_of(cast.social_worker).get(edit_url(case))
    legends = [legend for legend, _fields in page.context["sections"]]
    assert legends == [
        Part.IDENTITY.label,
        Part.CONTACT.label,
        Part.RETURN_LEGAL.label,
        Part.NEEDS.label,
    ]
    assert set(page.context["form"].fields) == {*PERSON_FIELDS, "version"}


def test_the_case_page_links_each_section_to_its_edit_page_for_the_team_only(
    cast, client_of, case, grant_view
):
    team = client_of(cast.social_worker).get(reverse("casework:case_detail", args=[case.pk]))
    for part in ("identity", "contact", "return_legal", "needs"):
        assert f'?part={part}" data-edit="{part}"' in team.content.decode()
    assert reverse("intake:person_history", args=[case.pk]) in team.content.decode()
    grant_view(cast.police_liaison, case)
    police = client_of(cast.police_liaison).get(reverse("casework:case_detail", args=[case.pk]))
    assert police.status_code == 200
    assert reverse("intake:person_edit", args=[case.pk]) not in police.content.decode()
    assert reverse("intake:person_history", args=[case.pk]) not in police.content.decode()


def test_the_api_takes_any_subset_of_the_fields_and_answers_the_person(cast, client_of, case):
    returnee = stored(case)
    response = client_of(cast.social_worker).patch(
        api_url(case),
        {"phone": "+996 700 000001", "aliases": [" Timka ", ""], "version": returnee.version},
        content_type="application/json",
    )
    # An empty alias is refused like at intake: nothing is written.
    assert response.status_code == 400
    assert "aliases" in response.json()
    assert stored(case).phone == returnee.phone

    response = client_of(cast.social_worker).patch(
        api_url(case),
        {"phone": "+996 700 000001", "aliases": [" Timka "], "version": returnee.version},
        content_type="application/json",
    )
    assert response.status_code == 200, response.json()
    body = response.json()
    assert (body["phone"], body["aliases"], body["version"]) == (
        "+996 700 000001",
        ["Timka"],
        returnee.version + 1,
    )
    after = stored(case)
    assert after.alias_key == alias_key(["Timka"])
    assert after.family_name == returnee.family_name


def test_only_the_fields_that_changed_are_saved(cast, case):
    returnee = stored(case)
    changes = {name: getattr(returnee, name) for name in PERSON_FIELDS}
    changes["phone"] = "+996 700 000002"
    person_update(
        actor=cast.social_worker, case=case, expected_version=returnee.version, changes=changes
    )
    change = AuditEvent.objects.filter(
        object_type="returnees.returnee", returnee_id=returnee.pk, detail__op="update"
    ).get()
    assert set(change.detail["new"]) == {"phone"}
    assert change.actor_id == cast.social_worker.pk  # the service names who, in any channel


def test_saving_nothing_new_keeps_the_version(cast, case):
    returnee = stored(case)
    person_update(
        actor=cast.social_worker,
        case=case,
        expected_version=returnee.version,
        changes={"given_name": f"  {returnee.given_name} "},
    )
    assert stored(case).version == returnee.version


def test_a_new_region_brings_police_jurisdiction_along(cast, register):
    casework.agency_set_jurisdiction(
        actor=cast.administrator, agency=cast.police_agency, regions=["bishkek"]
    )
    case = register(region="osh_city")
    triage(cast.social_worker, case, "unsettled")
    police = CaseGroupObjectPermission.objects.filter(
        content_object=case, group=cast.police_agency.group
    )
    assert not police.exists()
    person_update(
        actor=cast.social_worker,
        case=case,
        expected_version=stored(case).version,
        changes={"region": "bishkek"},
    )
    assert set(police.values_list("permission__codename", flat=True)) == {
        "view_case",
        "view_case_triage",
    }


def test_a_closed_case_is_reopened_before_its_person_is_changed(cast, case):
    casework.case_close(
        actor=cast.social_worker, case=case, reason="transferred", note="", expected_version=None
    )
    with pytest.raises(ValidationError):
        person_update(
            actor=cast.social_worker,
            case=case,
            expected_version=stored(case).version,
            changes={"phone": "1"},
        )


# --- A stale edit ----------------------------------------------------------------------------


@pytest.mark.parametrize("channel", ["page", "api"])
def test_a_stale_person_edit_is_refused_with_the_current_values(cast, client_of, case, channel):
    seen = stored(case)
    # A colleague saves a new phone number while the worker is still typing.
    person_update(
        actor=cast.colleague,
        case=case,
        expected_version=seen.version,
        changes={"phone": "+996 555 999999"},
    )
    http = client_of(cast.social_worker)
    if channel == "page":
        response = http.post(edit_url(case), form_data(seen, given_name="Timurbek"))
        assert response.status_code == 409
        page = response.content.decode()
        assert "Someone else changed this record" in page
        assert "+996 555 999999" in page  # the current values are shown
        # Saving again applies the worker's values over the stored record.
        assert response.context["form"]["version"].value() == seen.version + 1
    else:
        response = http.patch(
            api_url(case),
            {"given_name": "Timurbek", "version": seen.version},
            content_type="application/json",
        )
        assert response.status_code == 409
        body = response.json()
        assert body["current"]["phone"] == "+996 555 999999"
        assert body["current"]["version"] == seen.version + 1
        assert body["current"]["given_name"] == seen.given_name
    after = stored(case)
    assert (after.given_name, after.phone) == (seen.given_name, "+996 555 999999")


# --- Who may write which part ------------------------------------------------------------------


def test_a_police_liaison_who_reads_the_person_may_not_change_it(cast, client_of, case, grant_view):
    grant_view(cast.police_liaison, case)
    http = client_of(cast.police_liaison)
    returnee = stored(case)
    assert http.get(edit_url(case)).status_code == 403
    response = http.patch(
        api_url(case),
        {"given_name": "Other", "version": returnee.version},
        content_type="application/json",
    )
    assert response.status_code == 403
    assert stored(case).given_name == returnee.given_name


def test_a_social_worker_who_holds_the_case_through_a_referral_is_not_its_team(
    cast, client_of, case, grant_view
):
    """The outsider's role may change cases, but holding this one only to read it (as a
    referral would give) writes no part of the person: the same 404 as no case."""
    grant_view(cast.outsider, case, ["view_case", "view_case_contact"])
    http = client_of(cast.outsider)
    returnee = stored(case)
    assert http.get(reverse("casework:case_detail", args=[case.pk])).status_code == 200
    assert http.post(edit_url(case), form_data(returnee, phone="1")).status_code == 404
    response = http.patch(
        api_url(case), {"phone": "1", "version": returnee.version}, content_type="application/json"
    )
    assert response.status_code == 404
    assert stored(case).phone == returnee.phone


def test_a_part_the_team_may_not_write_is_neither_offered_nor_written(
    cast, client_of, case, monkeypatch
):
    """Were contact details not the team's to write, the page would leave them out and
    the API and the service would refuse them, writing nothing at all."""
    contact = RULES[Part.CONTACT]
    monkeypatch.setitem(
        RULES, Part.CONTACT, Rule(read=contact.read, write=NOBODY, fields=contact.fields)
    )
    http = client_of(cast.social_worker)
    returnee = stored(case)

    page = http.get(edit_url(case, "contact"))  # not writable: the parts that are
    assert Part.CONTACT.label not in [legend for legend, _f in page.context["sections"]]
    assert "phone" not in page.context["form"].fields
    response = http.patch(
        api_url(case),
        {"given_name": "Timurbek", "phone": "1", "version": returnee.version},
        content_type="application/json",
    )
    assert response.status_code == 403
    with pytest.raises(PermissionDenied):
        person_update(
            actor=cast.social_worker,
            case=case,
            expected_version=returnee.version,
            changes={"phone": "1"},
        )
    after = stored(case)
    assert (after.given_name, after.phone, after.version) == (
        returnee.given_name,
        returnee.phone,
        returnee.version,
    )


# --- Bad input ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"given_name": ""}, "given_name"),
        ({"given_name": "123"}, "given_name"),  # no letter: no name key
        ({"family_name": "x" * 10_000}, "family_name"),
        ({"given_name": "Ti\x00mur"}, "given_name"),
        ({"birth_date": "yesterday"}, "birth_date"),
        ({"birth_date": "", "approximate_age": ""}, "birth_date"),
        ({"approximate_age": "500", "birth_date": ""}, "approximate_age"),
        ({"sex": "other"}, "sex"),
        ({"languages": ["xx"]}, "languages"),
        ({"aliases": "a\n" * 11}, "aliases"),
        ({"version": "x"}, "version"),
    ],
)
def test_bad_input_on_the_page_is_a_field_error_and_nothing_is_saved(
    cast, client_of, case, overrides, field
):
    returnee = stored(case)
    response = client_of(cast.social_worker).post(edit_url(case), form_data(returnee, **overrides))
    assert response.status_code == 400
    assert field in response.context["form"].errors
    assert stored(case).version == returnee.version


def test_a_rule_across_parts_is_said_on_top_of_a_page_that_has_not_the_field(cast, client_of, case):
    """On the identity page, a date of birth after the return date: the error belongs to
    the return date, which this page does not show, so it is said above the form."""
    returnee = stored(case)
    data = form_data(returnee, birth_date="2020-01-01")
    response = client_of(cast.social_worker).post(edit_url(case, "identity"), data)
    assert response.status_code == 400
    assert response.context["form"].non_field_errors()
    assert stored(case).birth_date == returnee.birth_date


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"given_name": ""}, "given_name"),
        ({"given_name": None}, "given_name"),
        ({"given_name": "42"}, "given_name"),
        ({"birth_date": "2999-01-01"}, "birth_date"),
        ({"birth_date": None}, "birth_date"),  # and no approximate age
        ({"departure_date": "2019-01-01", "return_date": "2018-01-01"}, "return_date"),
        ({"return_date": "2000-01-01"}, "return_date"),  # before the stored departure
        ({"legal_status": "guilty"}, "legal_status"),
        ({"needs": "housing"}, "needs"),
        ({"aliases": ["x"] * 11}, "aliases"),
        ({"approximate_age": -1}, "approximate_age"),
        ({}, "version"),
    ],
)
def test_bad_input_in_the_api_is_a_field_error_and_nothing_is_saved(
    cast, client_of, case, changes, field
):
    returnee = stored(case)
    body = {**changes, "version": returnee.version} if changes else {}
    response = client_of(cast.social_worker).patch(
        api_url(case), body, content_type="application/json"
    )
    assert response.status_code == 400, response.content
    assert field in response.json()
    assert stored(case).version == returnee.version
