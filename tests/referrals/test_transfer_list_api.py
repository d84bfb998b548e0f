"""GET /api/referrals/transfers/ (issue #15, API parity): the lead transfers offered to
the caller's agencies and waiting for their answer — the referral inbox's "cases
offered to your agency", through the same selector
(referrals.selectors.lead_transfers_offered_to) — so an API client finds the ids it
accepts or declines at /api/lead-transfers/{transfer_id}/…."""

import pytest
from django.urls import reverse

from referrals import services
from tests.conftest import SESSION_QUERIES

TRANSFERS_API = reverse("api-lead-transfers-offered")


def offer_to_b(cast, case, note=""):
    """Agency A's program manager offers the case's lead to agency B (the outsider's)."""
    return services.lead_transfer_offer(
        actor=cast.program_manager, case=case, to_agency=cast.agency_b, note=note
    )


def test_a_manager_of_the_offered_agency_lists_the_offer_and_answers_it_by_its_id(
    cast, client_of, case
):
    transfer = offer_to_b(cast, case, note="Moving to Osh.")
    http = client_of(cast.outsider_manager)
    response = http.get(TRANSFERS_API)
    assert response.status_code == 200
    body = response.json()
    assert body["count"] == 1
    row = body["results"][0]
    assert row["id"] == transfer.pk
    assert row["case_id"] == case.pk
    assert row["case_reference"] == case.reference
    # Agency B holds no grant on the case until it accepts: no name.
    assert row["person_name"] is None
    assert row["from_agency"] == {"id": cast.agency_a.pk, "name": cast.agency_a.name}
    assert row["to_agency"] == {"id": cast.agency_b.pk, "name": cast.agency_b.name}
    assert row["status"] == "offered"
    assert row["note"] == "Moving to Osh."
    assert row["offered_by"] == "Gulmira Abdyldaeva"
    accept = reverse("api-lead-transfer-accept", kwargs={"transfer_id": row["id"]})
    assert http.post(accept, content_type="application/json").status_code == 200
    # Answered: no longer waiting, so no longer listed.
    assert http.get(TRANSFERS_API).json()["count"] == 0


def test_the_list_is_the_one_the_inbox_page_shows(cast, client_of, register):
    for _ in range(3):
        offer_to_b(cast, register())
    http = client_of(cast.outsider_manager)
    page = http.get(reverse("referrals:inbox")).context["transfers"]
    api = http.get(TRANSFERS_API).json()["results"]
    assert [row["id"] for row in api] == [transfer.pk for transfer in page]


def test_a_declined_or_withdrawn_offer_is_no_longer_listed(cast, client_of, register):
    declined = offer_to_b(cast, register())
    services.lead_transfer_decline(actor=cast.outsider_manager, transfer=declined, note="No.")
    withdrawn = offer_to_b(cast, register())
    services.lead_transfer_cancel(actor=cast.program_manager, transfer=withdrawn)
    waiting = offer_to_b(cast, register())
    rows = client_of(cast.outsider_manager).get(TRANSFERS_API).json()["results"]
    assert [row["id"] for row in rows] == [waiting.pk]


def test_the_offering_agency_and_other_agencies_do_not_see_an_offer_made_to_another(
    cast, client_of, case
):
    offer_to_b(cast, case)
    # Agency A made the offer: it waits for B's answer, not A's.
    assert client_of(cast.program_manager).get(TRANSFERS_API).json()["count"] == 0


@pytest.mark.parametrize("role", ["social_worker", "police_liaison", "partner", "auditor"])
def test_roles_that_answer_no_transfer_are_refused(cast, client_of, case, role):
    offer_to_b(cast, case)
    assert client_of(getattr(cast, role)).get(TRANSFERS_API).status_code == 403


def test_a_page_beyond_the_last_is_not_found_and_a_bad_page_size_falls_back(cast, client_of):
    http = client_of(cast.outsider_manager)
    assert http.get(TRANSFERS_API, {"page": 2}).status_code == 404
    assert http.get(TRANSFERS_API, {"page": "x"}).status_code == 404
    assert http.get(TRANSFERS_API, {"page_size": "x"}).status_code == 200


TRANSFER_LIST_QUERIES = [
    *SESSION_QUERIES,
    "COUNT of the transfers offered to the manager's agencies (paginator)",
    "one page of them with case, person, agencies and people, and whether the case is visible",
]


@pytest.mark.parametrize("offers", [2, 15])
def test_the_transfer_list_keeps_its_query_count_whatever_the_number_of_offers(
    cast, client_of, register, django_assert_num_queries, offers
):
    for _ in range(offers):
        offer_to_b(cast, register())
    http = client_of(cast.outsider_manager)
    with django_assert_num_queries(len(TRANSFER_LIST_QUERIES)):
        response = http.get(TRANSFERS_API)
    assert response.json()["count"] == offers
