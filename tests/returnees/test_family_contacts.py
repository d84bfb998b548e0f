"""Family contacts: recorded on the returnee, visible to the case team only."""

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from intake.services import family_contact_add
from returnees.models import FamilyContact

CONTACT = {
    "name": "Гульнара Абдуллаева",
    "relationship": "mother",
    "phone": "+996 555 111222",
    "warning_channel": True,
}


def test_case_worker_adds_a_contact_through_the_page(cast, client_of, case):
    response = client_of(cast.social_worker).post(
        reverse("intake:family_contact_new", args=[case.pk]),
        {**CONTACT, "warning_channel": "on"},
    )
    assert response.status_code == 302
    contact = FamilyContact.objects.get()
    assert (contact.returnee, contact.warning_channel) == (case.returnee, True)


def test_api_lists_adds_and_removes_contacts(cast, client_of, case):
    client = client_of(cast.colleague)
    url = reverse("api-case-family-contacts", args=[case.pk])
    created = client.post(url, CONTACT, content_type="application/json")
    assert created.status_code == 201
    assert [c["name"] for c in client.get(url).json()] == [CONTACT["name"]]
    detail = reverse("api-case-family-contact", args=[case.pk, created.json()["id"]])
    assert client.delete(detail).status_code == 204
    assert not FamilyContact.objects.exists()


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"name": ""}, "name"),
        ({"relationship": "neighbour"}, "relationship"),
        ({"phone": "+996\x00"}, "phone"),
        ({"name": "x" * 1000}, "name"),
        ({"name": "\u202eавеладуллбА арангьлуГ"}, "name"),
        ({"phone": "+996\u2066555"}, "phone"),
        ({"name": "Гульнара\nАбдуллаева"}, "name"),
    ],
)
def test_bad_contacts_are_refused(cast, client_of, case, changes, field):
    response = client_of(cast.social_worker).post(
        reverse("api-case-family-contacts", args=[case.pk]),
        {**CONTACT, **changes},
        content_type="application/json",
    )
    assert response.status_code == 400
    assert field in response.json()
    with pytest.raises(ValidationError):
        family_contact_add(actor=cast.social_worker, case=case, **{**CONTACT, **changes})
    assert not FamilyContact.objects.exists()


@pytest.mark.parametrize("who", ["police_liaison", "partner", "clinician"])
def test_only_the_case_team_sees_family_contacts(cast, client_of, case, grant_view, who):
    family_contact_add(actor=cast.social_worker, case=case, **CONTACT)
    reader = getattr(cast, who)
    grant_view(reader, case)
    client = client_of(reader)
    page = client.get(reverse("casework:case_detail", args=[case.pk]))
    assert page.status_code == 200
    assert CONTACT["name"] not in page.content.decode()
    assert CONTACT["phone"] not in page.content.decode()
    assert client.get(reverse("api-case-family-contacts", args=[case.pk])).status_code in (403, 404)
    assert client.get(reverse("intake:family_contact_new", args=[case.pk])).status_code in (
        403,
        404,
    )


# The outsider's 404 and the auditor's 403 on the contact pages and endpoints are cells
# of the access matrix (tests/matrix.py).


def test_a_contact_name_with_a_hidden_direction_mark_is_a_form_error(cast, client_of, case):
    response = client_of(cast.social_worker).post(
        reverse("intake:family_contact_new", args=[case.pk]),
        {**CONTACT, "name": "Гульнара\u200f Абдуллаева", "warning_channel": "on"},
    )
    assert response.status_code == 400
    assert "name" in response.context["form"].errors
    assert not FamilyContact.objects.exists()
