"""The drifts the declaration of parts ended, each as the running app showed it:
the case API and the case page disagreed on what police and partners see, and the
flag and note pages let a reader write what the API refused."""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from casework.models import Flag, Note
from casework.services import agency_set_jurisdiction
from referrals import services as referrals
from tests.casework.helpers import triage


def _refer(cast, case, agency, receiver, scope):
    referrals.consent_record(
        actor=cast.social_worker,
        case=case,
        agency=agency,
        purpose="family_support",
        scope=scope,
        decision="given",
        given_by="person",
    )
    referral = referrals.referral_create(
        actor=cast.social_worker,
        case=case,
        to_agency=agency,
        service_type="family_support",
        reason="Support.",
        response_deadline=timezone.localdate() + datetime.timedelta(days=5),
        share_scope=scope,
    )
    referrals.referral_send(actor=cast.social_worker, referral=referral)
    referrals.referral_accept(actor=receiver, referral=referral)


def test_police_get_no_return_or_legal_details_from_the_case_api(cast, client_of, case):
    agency_set_jurisdiction(
        actor=cast.administrator, agency=cast.police_agency, regions=["bishkek"]
    )
    triage(cast.social_worker, case, "unsettled")
    data = client_of(cast.police_liaison).get(reverse("api-case-detail", args=[case.pk])).json()
    person = data["returnee"]
    for field in ("conflict_zone", "departure_date", "return_date", "return_route", "legal_status"):
        assert person[field] is None, field
    assert data["category"] == "unsettled"  # the triage category is theirs to see
    assert person["address"] is None


def test_a_partner_sharing_contact_details_gets_them_from_page_and_api_alike(cast, client_of, case):
    _refer(cast, case, cast.employer, cast.partner, ["identity", "contact"])
    http = client_of(cast.partner)
    person = http.get(reverse("api-case-detail", args=[case.pk])).json()["returnee"]
    assert person["address"] == "Chui st. 12"
    assert person["conflict_zone"] is None
    page = http.get(reverse("casework:case_detail", args=[case.pk])).content.decode()
    assert "Chui st. 12" in page


@pytest.fixture
def held_by_referral(cast, case):
    """Agency B's social worker holds the case through an accepted referral only: a role
    that may raise flags and write notes, on a case whose team they are not."""
    _refer(cast, case, cast.agency_b, cast.outsider, ["identity", "shared_notes"])
    return case


def test_a_referral_holder_may_not_raise_a_flag_on_the_page_or_the_api(
    cast, client_of, held_by_referral
):
    http = client_of(cast.outsider)
    case = held_by_referral
    assert http.get(reverse("casework:case_detail", args=[case.pk])).status_code == 200
    data = {"severity": "concern", "category": "travel", "source": "family", "description": "x"}
    page = http.post(reverse("casework:flag_new", args=[case.pk]), data)
    api = http.post(reverse("api-case-flags", args=[case.pk]), data)
    assert (page.status_code, api.status_code) == (404, 404)
    assert not Flag.objects.filter(case=case).exists()


def test_a_referral_holder_may_not_write_a_note_on_the_page_or_the_api(
    cast, client_of, held_by_referral
):
    http = client_of(cast.outsider)
    case = held_by_referral
    data = {
        "kind": "contact",
        "occurred_at": timezone.now().isoformat(),
        "visibility": "all_agencies",
        "text": "Met at the workshop.",
    }
    page = http.post(reverse("casework:note_new", args=[case.pk]), data)
    api = http.post(
        reverse("api-case-notes", args=[case.pk]), data, content_type="application/json"
    )
    assert (page.status_code, api.status_code) == (404, 404)
    assert not Note.objects.filter(case=case).exists()


def test_the_case_page_offers_a_referral_holder_no_team_actions(cast, client_of, held_by_referral):
    page = client_of(cast.outsider).get(reverse("casework:case_detail", args=[held_by_referral.pk]))
    html = page.content.decode()
    for action in ("casework:flag_new", "casework:note_new", "casework:triage_new"):
        assert reverse(action, args=[held_by_referral.pk]) not in html, action


def test_a_referral_holder_may_not_register_a_dependent_of_the_case(
    cast, client_of, held_by_referral
):
    from tests.factories import PersonDetailsFactory, intake_post_data

    http = client_of(cast.outsider)
    data = intake_post_data(PersonDetailsFactory(), parent_reference=held_by_referral.reference)
    data |= {"lead_agency": cast.agency_b.pk, "assigned_worker": cast.outsider.pk}
    page = http.post(reverse("intake:intake"), data)
    assert page.status_code == 400
    assert "parent_reference" in page.context["form"].errors
    intake_link = http.get(reverse("intake:intake") + f"?parent={held_by_referral.pk}")
    assert intake_link.status_code == 404


def test_a_former_lead_agency_no_longer_lists_the_cases_referrals(cast, client_of, case):
    _refer(cast, case, cast.employer, cast.partner, ["identity"])
    offered = referrals.lead_transfer_offer(
        actor=cast.program_manager, case=case, to_agency=cast.agency_b
    )
    referrals.lead_transfer_accept(actor=cast.outsider_manager, transfer=offered)
    http = client_of(cast.social_worker)
    listed = http.get(reverse("api-referral-sent")).json()["results"]
    assert listed == []
    assert list(http.get(reverse("referrals:outgoing")).context["page"].object_list) == []
