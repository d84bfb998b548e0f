"""The referrals JSON API: referrals and consent of a case, each step of a referral,
the inbox and sent lists, the flags board and lead transfers, over HTTP, with state
set up through the real services."""

import datetime
from dataclasses import dataclass

import pytest
from django.contrib.auth.hashers import make_password
from django.urls import reverse
from django.utils import timezone

from agencies import services as agencies_services
from agencies.models import AgencyKind, Role
from casework.models import Case, CaseGroupObjectPermission, Flag
from casework.services import agency_set_jurisdiction, flag_resolve
from core.references import reference_for
from referrals import services
from referrals.models import ConsentRecord, LeadTransfer, Referral, ReferralEvent
from tests.casework.helpers import flag
from tests.conftest import SESSION_QUERIES
from tests.matrix import MATRIX, in_matrix
from tests.referrals.helpers import accepted, consent, draft, in_a_week, sent, to_state

CASE_ENDPOINTS = {"api-case-referrals", "api-case-consents", "api-case-lead-transfer"}
REFERRAL_ENDPOINTS = {
    "api-referral-detail",
    "api-referral-send",
    "api-referral-accept",
    "api-referral-decline",
    "api-referral-progress",
    "api-referral-complete",
    "api-referral-cancel",
    "api-referral-revoke",
}
TRANSFER_ENDPOINTS = {
    "api-lead-transfer-accept",
    "api-lead-transfer-decline",
    "api-lead-transfer-cancel",
}
LIST_ENDPOINTS = {
    "api-referral-inbox",
    "api-referral-sent",
    "api-flags-board",
    "api-lead-transfers-offered",
}

ENDPOINT_NAMES = [
    ("get", "api-case-referrals"),
    ("post", "api-case-referrals"),
    ("get", "api-case-consents"),
    ("post", "api-case-consents"),
    ("post", "api-case-lead-transfer"),
    ("get", "api-referral-detail"),
    ("post", "api-referral-send"),
    ("post", "api-referral-accept"),
    ("post", "api-referral-decline"),
    ("post", "api-referral-progress"),
    ("post", "api-referral-complete"),
    ("post", "api-referral-cancel"),
    ("post", "api-referral-revoke"),
    ("get", "api-referral-inbox"),
    ("get", "api-referral-sent"),
    ("get", "api-flags-board"),
    ("post", "api-lead-transfer-accept"),
    ("post", "api-lead-transfer-decline"),
    ("post", "api-lead-transfer-cancel"),
    ("get", "api-lead-transfers-offered"),
]


def send(client, method: str, path: str, body=None):
    if method == "get":
        return client.get(path, body or {})
    return getattr(client, method)(path, body or {}, content_type="application/json")


def referral_url(name: str, referral) -> str:
    return reverse(name, kwargs={"referral_id": getattr(referral, "pk", referral)})


def case_url(name: str, case) -> str:
    return reverse(name, kwargs={"case_id": getattr(case, "pk", case)})


def fresh(referral) -> Referral:
    return Referral.objects.get(pk=referral.pk)


def snapshot() -> tuple:
    """What any endpoint could change: referrals, their history, consent, lead
    transfers, the cases' lead and version, agency grants, flags."""
    return (
        list(
            Referral.objects.order_by("pk").values_list(
                "pk", "status", "version", "consent_id", "consent_override_basis"
            )
        ),
        ReferralEvent.objects.count(),
        list(ConsentRecord.objects.order_by("pk").values_list("pk", flat=True)),
        list(LeadTransfer.objects.order_by("pk").values_list("pk", "status")),
        list(Case.objects.order_by("pk").values_list("pk", "lead_agency_id", "version")),
        list(CaseGroupObjectPermission.objects.order_by("pk").values_list("pk", flat=True)),
        list(Flag.objects.order_by("pk").values_list("pk", "status")),
    )


@pytest.fixture
def chui(cast):
    """A third agency and its program manager, to offer a case's lead to."""
    agency = agencies_services.agency_create(
        actor=None, name="Chuy Social Services", kind=AgencyKind.SOCIAL_SERVICES, region="chuy"
    )
    manager = agencies_services.staff_member_create(
        actor=None,
        username="kanat",
        password=None,
        password_hash=make_password("x"),
        role=Role.PROGRAM_MANAGER,
        agencies=[agency],
        first_name="Kanat",
        last_name="Osmonov",
    )
    return agency, manager


@pytest.fixture
def admin(cast):
    return cast.administrator


@pytest.fixture
def bishkek_police(cast, admin):
    agency_set_jurisdiction(actor=admin, agency=cast.police_agency, regions=["bishkek"])
    return cast.police_agency


@dataclass
class World:
    case: Case
    draft_id: int
    sent_id: int
    accepted_id: int
    transfer_id: int


@pytest.fixture
def world(cast, register, chui, case) -> World:
    """Agency A's case with a draft, a sent and an accepted referral to the employer
    and an open flag; and another of A's cases whose lead is offered to Chuy."""
    sw = cast.social_worker
    consent(cast, case)
    drafted = draft(cast, case)
    waiting = services.referral_send(actor=sw, referral=draft(cast, case))
    taken = services.referral_accept(
        actor=cast.partner, referral=services.referral_send(actor=sw, referral=draft(cast, case))
    )
    flag(sw, case)
    offer = services.lead_transfer_offer(
        actor=cast.program_manager, case=register(), to_agency=chui[0], note="Moving to Chuy."
    )
    return World(Case.objects.get(pk=case.pk), drafted.pk, waiting.pk, taken.pk, offer.pk)


def endpoint(world: World, cast, chui, method: str, name: str) -> tuple[str, dict, str]:
    """(path, a valid body, who may do it) for one endpoint of the world."""
    agency_c, _manager = chui
    deadline = in_a_week().isoformat()
    table = {
        ("get", "api-case-referrals"): ({}, "social_worker"),
        ("post", "api-case-referrals"): (
            {
                "to_agency": cast.employer.pk,
                "service_type": "vocational_training",
                "reason": "Wants a trade.",
                "response_deadline": deadline,
                "share_scope": ["contact"],
            },
            "social_worker",
        ),
        ("get", "api-case-consents"): ({}, "social_worker"),
        ("post", "api-case-consents"): (
            {
                "agency": cast.health_agency.pk,
                "purpose": "psychological_support",
                "scope": ["identity", "shared_notes"],
                "decision": "given",
                "given_by": "person",
            },
            "social_worker",
        ),
        ("post", "api-case-lead-transfer"): (
            {"to_agency": agency_c.pk, "note": "Moving."},
            "program_manager",
        ),
        ("get", "api-referral-detail"): ({}, "social_worker"),
        ("post", "api-referral-send"): ({}, "social_worker"),
        ("post", "api-referral-accept"): ({}, "partner"),
        ("post", "api-referral-decline"): ({"reason": "No places."}, "partner"),
        ("post", "api-referral-progress"): ({"note": "Started on the line."}, "partner"),
        ("post", "api-referral-complete"): ({"outcome": "Hired."}, "partner"),
        ("post", "api-referral-cancel"): ({"reason": "Found work."}, "social_worker"),
        ("post", "api-referral-revoke"): ({"reason": "Under review."}, "program_manager"),
        ("get", "api-referral-inbox"): ({}, "partner"),
        ("get", "api-referral-sent"): ({}, "social_worker"),
        ("get", "api-flags-board"): ({}, "social_worker"),
        ("post", "api-lead-transfer-accept"): ({}, "chui"),
        ("post", "api-lead-transfer-decline"): ({}, "chui"),
        ("post", "api-lead-transfer-cancel"): ({}, "program_manager"),
        ("get", "api-lead-transfers-offered"): ({}, "chui"),
    }
    body, who = table[(method, name)]
    referral_of = {
        "api-referral-detail": world.sent_id,
        "api-referral-send": world.draft_id,
        "api-referral-accept": world.sent_id,
        "api-referral-decline": world.sent_id,
        "api-referral-progress": world.accepted_id,
        "api-referral-complete": world.accepted_id,
        "api-referral-cancel": world.sent_id,
        "api-referral-revoke": world.accepted_id,
    }
    if name in CASE_ENDPOINTS:
        path = case_url(name, world.case)
    elif name in REFERRAL_ENDPOINTS:
        path = referral_url(name, referral_of[name])
    elif name in TRANSFER_ENDPOINTS:
        path = reverse(name, kwargs={"transfer_id": world.transfer_id})
    else:
        path = reverse(name)
    return path, body, who


def actor(cast, chui, who: str):
    return chui[1] if who == "chui" else getattr(cast, who)


def missing_path(name: str) -> str:
    if name in CASE_ENDPOINTS:
        return case_url(name, 999999)
    if name in REFERRAL_ENDPOINTS:
        return referral_url(name, 999999)
    return reverse(name, kwargs={"transfer_id": 999999})


def test_every_endpoint_is_covered_by_these_lists():
    from referrals.api_urls import urlpatterns

    # The flags board is casework's (casework/api_urls.py) but is tested with these lists.
    named = {p.name for p in urlpatterns} | {"api-flags-board"}
    assert named == {name for _method, name in ENDPOINT_NAMES}
    assert named == CASE_ENDPOINTS | REFERRAL_ENDPOINTS | TRANSFER_ENDPOINTS | LIST_ENDPOINTS


# --- It works for the right side ------------------------------------------------------


@pytest.mark.parametrize(("method", "name"), ENDPOINT_NAMES)
def test_every_endpoint_works_for_the_right_side_and_a_missing_id_is_404(
    cast, client_of, world, chui, method, name
):
    """The bodies above are valid (so the outsider's 404 is no 400 in disguise)."""
    path, body, who = endpoint(world, cast, chui, method, name)
    client = client_of(actor(cast, chui, who))

    response = send(client, method, path, body)

    assert response.status_code in (200, 201), response.content
    if name not in LIST_ENDPOINTS:
        assert send(client, method, missing_path(name), body).status_code == 404


def test_a_referral_from_draft_to_completed_over_http(cast, client_of, case):
    worker, partner = client_of(cast.social_worker), client_of(cast.partner)
    recorded = send(
        worker,
        "post",
        case_url("api-case-consents", case),
        {
            "agency": cast.employer.pk,
            "purpose": "job_placement",
            "scope": ["contact"],
            "decision": "given",
            "given_by": "person",
            "note": "Signed the form at the office.",
        },
    )
    assert recorded.status_code == 201, recorded.json()
    assert recorded.json()["scope"] == ["identity", "contact"]
    assert recorded.json()["recorded_by"] == "Aigul Sadykova"

    created = send(
        worker,
        "post",
        case_url("api-case-referrals", case),
        {
            "to_agency": cast.employer.pk,
            "service_type": "job_placement",
            "reason": "Trained as a tailor before leaving.",
            "response_deadline": in_a_week().isoformat(),
            "share_scope": ["contact"],
        },
    )
    assert created.status_code == 201, created.json()
    body = created.json()
    referral_id = body["id"]
    assert (body["status"], body["share_scope"]) == ("draft", ["identity", "contact"])
    assert body["from_agency"]["name"] == "Bishkek Social Services"
    assert body["to_agency"] == {"id": cast.employer.pk, "name": "Dordoi Textile Works"}
    assert body["case_reference"] == reference_for(case.pk)
    assert body["person_name"] == case.returnee.full_name
    # The draft is the sender's alone.
    assert send(partner, "get", referral_url("api-referral-detail", referral_id)).status_code == 404

    sent_ = send(worker, "post", referral_url("api-referral-send", referral_id))
    assert sent_.status_code == 200, sent_.json()
    assert sent_.json()["status"] == "sent"
    assert sent_.json()["consent_id"] == recorded.json()["id"]

    accepted_ = send(partner, "post", referral_url("api-referral-accept", referral_id))
    progressed = send(
        partner,
        "post",
        referral_url("api-referral-progress", referral_id),
        {"note": "First week went well."},
    )
    completed = send(
        partner,
        "post",
        referral_url("api-referral-complete", referral_id),
        {"outcome": "Permanent contract."},
    )

    assert accepted_.status_code == 200
    assert accepted_.json()["status"] == "accepted"
    assert progressed.json()["status"] == "in_progress"
    assert completed.status_code == 200
    assert completed.json()["outcome"] == "Permanent contract."
    history = send(worker, "get", referral_url("api-referral-detail", referral_id)).json()
    assert [(e["kind"], e["status"], e["note"]) for e in history["events"]] == [
        ("transition", "draft", ""),
        ("transition", "sent", ""),
        ("transition", "accepted", ""),
        ("progress", "in_progress", "First week went well."),
        ("transition", "completed", "Permanent contract."),
    ]
    assert history["events"][2]["actor"] == "Samat Jumaliev"
    listed = send(worker, "get", case_url("api-case-referrals", case)).json()
    assert [(r["id"], r["status"], r["created_by"]) for r in listed] == [
        (referral_id, "completed", "Aigul Sadykova")
    ]
    consents = send(worker, "get", case_url("api-case-consents", case)).json()
    assert [c["id"] for c in consents] == [recorded.json()["id"]]


def test_decline_and_cancel_and_revoke_record_their_reasons(cast, client_of, case):
    declined = sent(cast, case)
    cancelled = sent(cast, case, service_type="mentoring")
    revoked = sent(cast, case, service_type="vocational_training")

    d = send(
        client_of(cast.partner),
        "post",
        referral_url("api-referral-decline", declined),
        {"reason": "No places until spring."},
    )
    c = send(
        client_of(cast.social_worker),
        "post",
        referral_url("api-referral-cancel", cancelled),
        {"reason": "Found a mentor himself."},
    )
    r = send(
        client_of(cast.program_manager),
        "post",
        referral_url("api-referral-revoke", revoked),
        {"reason": "Partner under review."},
    )

    assert (d.json()["status"], d.json()["decline_reason"]) == (
        "declined",
        "No places until spring.",
    )
    assert (c.json()["status"], c.json()["cancel_reason"]) == (
        "cancelled",
        "Found a mentor himself.",
    )
    assert (r.json()["status"], r.json()["revoke_reason"]) == ("revoked", "Partner under review.")


def test_the_receiver_sees_no_name_before_accepting_nor_after_the_end(cast, client_of, case):
    referral = sent(cast, case)
    partner = client_of(cast.partner)
    detail = referral_url("api-referral-detail", referral)

    before = send(partner, "get", detail).json()
    inbox_before = send(partner, "get", reverse("api-referral-inbox")).json()["results"]
    taken = send(partner, "post", referral_url("api-referral-accept", referral)).json()
    inbox_during = send(partner, "get", reverse("api-referral-inbox")).json()["results"]
    send(partner, "post", referral_url("api-referral-complete", referral), {"outcome": "Hired."})
    after = send(partner, "get", detail).json()

    assert before["person_name"] is None
    assert before["case_reference"] == reference_for(case.pk)
    assert before["reason"] == referral.reason
    assert "returnee" not in before
    assert [r["person_name"] for r in inbox_before] == [None]
    assert taken["person_name"] == case.returnee.full_name
    assert [r["person_name"] for r in inbox_during] == [case.returnee.full_name]
    assert after["person_name"] is None
    # The sender always sees whom it is about.
    worker = send(client_of(cast.social_worker), "get", detail).json()
    assert worker["person_name"] == case.returnee.full_name


@pytest.mark.parametrize("ending", ["complete", "cancel", "revoke"])
def test_the_partner_sees_the_case_while_the_referral_is_active(cast, client_of, case, ending):
    referral = sent(cast, case)
    partner = client_of(cast.partner)
    case_detail = case_url("api-case-detail", case)
    assert send(partner, "get", case_detail).status_code == 404

    send(partner, "post", referral_url("api-referral-accept", referral))
    during = send(partner, "get", case_detail)
    by, body = {
        "complete": (cast.partner, {"outcome": "Hired."}),
        "cancel": (cast.social_worker, {"reason": "Moved away."}),
        "revoke": (cast.program_manager, {"reason": "Partner under review."}),
    }[ending]
    ended = send(client_of(by), "post", referral_url(f"api-referral-{ending}", referral), body)

    assert during.status_code == 200
    assert during.json()["returnee"]["family_name"] == case.returnee.family_name
    # Only the shared scope: identity basics here, no contact details.
    assert during.json()["returnee"]["phone"] is None
    assert ended.status_code == 200, ended.json()
    assert send(partner, "get", case_detail).status_code == 404


def test_a_stale_version_is_a_409_with_the_current_referral(cast, client_of, case):
    referral = accepted(cast, case)
    seen = fresh(referral).version
    services.referral_progress(
        actor=cast.partner, referral=referral, note="A colleague's update.", expected_version=seen
    )
    before = snapshot()

    response = send(
        client_of(cast.partner),
        "post",
        referral_url("api-referral-complete", referral),
        {"outcome": "Hired.", "version": seen},
    )

    assert response.status_code == 409, response.json()
    assert "Someone else changed this record" in response.json()["detail"]
    current = response.json()["current"]
    assert (current["status"], current["version"]) == ("in_progress", seen + 1)
    assert current["events"][-1]["note"] == "A colleague's update."
    assert snapshot() == before


def test_withdrawing_consent_over_http_ends_the_referral_and_access(cast, client_of, case):
    referral = accepted(cast, case)
    partner = client_of(cast.partner)
    assert send(partner, "get", case_url("api-case-detail", case)).status_code == 200

    withdrawn = send(
        client_of(cast.social_worker),
        "post",
        case_url("api-case-consents", case),
        {
            "agency": cast.employer.pk,
            "purpose": "job_placement",
            "decision": "withdrawn",
            "given_by": "person",
        },
    )

    assert withdrawn.status_code == 201, withdrawn.json()
    assert fresh(referral).status == "cancelled"
    assert send(partner, "get", case_url("api-case-detail", case)).status_code == 404


# --- The consent gate -----------------------------------------------------------------


def test_without_consent_sending_is_a_400_and_the_draft_stays(cast, client_of, case):
    referral = draft(cast, case)
    before = snapshot()

    response = send(
        client_of(cast.social_worker), "post", referral_url("api-referral-send", referral)
    )

    assert response.status_code == 400
    assert "No recorded consent covers this referral" in response.json()["non_field_errors"][0]
    assert snapshot() == before


def test_consent_must_cover_everything_the_referral_shares(cast, client_of, case):
    consent(cast, case, scope=["identity"])
    referral = draft(cast, case, scope=["identity", "contact"])
    response = send(
        client_of(cast.social_worker), "post", referral_url("api-referral-send", referral)
    )
    assert response.status_code == 400
    assert fresh(referral).status == "draft"


def test_override_without_the_permission_is_a_403(cast, client_of, case):
    referral = draft(cast, case)
    before = snapshot()

    response = send(
        client_of(cast.social_worker),
        "post",
        referral_url("api-referral-send", referral),
        {"consent_override_basis": "Court order 12/2024."},
    )

    assert response.status_code == 403
    assert snapshot() == before


def test_override_with_the_permission_and_a_basis_sends_and_records_it(cast, client_of, case):
    referral = draft(cast, case)

    response = send(
        client_of(cast.program_manager),
        "post",
        referral_url("api-referral-send", referral),
        {"consent_override_basis": "Court order 12/2024."},
    )

    assert response.status_code == 200, response.json()
    body = response.json()
    assert (body["status"], body["consent_id"]) == ("sent", None)
    assert body["consent_override_basis"] == "Court order 12/2024."
    assert body["events"][-1]["note"] == "Court order 12/2024."
    row = fresh(referral)
    assert (row.status, row.consent_override_basis) == ("sent", "Court order 12/2024.")


def test_the_override_basis_is_ignored_when_consent_covers_it(cast, client_of, case):
    record = consent(cast, case)
    referral = draft(cast, case)
    response = send(
        client_of(cast.social_worker),
        "post",
        referral_url("api-referral-send", referral),
        {"consent_override_basis": "Not needed."},
    )
    assert response.status_code == 200
    assert (response.json()["consent_id"], response.json()["consent_override_basis"]) == (
        record.pk,
        "",
    )


# --- The lifecycle: anything else is a clear 400 ----------------------------------------

ACTION_BODY = {
    "send": {},
    "accept": {},
    "decline": {"reason": "No places."},
    "progress": {"note": "Started."},
    "complete": {"outcome": "Hired."},
    "cancel": {"reason": "Moved away."},
    "revoke": {"reason": "Under review."},
}


@pytest.mark.parametrize(
    ("state", "action", "who"),
    [
        ("sent", "send", "social_worker"),
        ("cancelled", "send", "social_worker"),
        ("accepted", "accept", "partner"),
        ("declined", "accept", "partner"),
        ("accepted", "decline", "partner"),
        ("sent", "progress", "partner"),
        ("completed", "progress", "partner"),
        ("sent", "complete", "partner"),
        ("declined", "complete", "partner"),
        ("completed", "cancel", "social_worker"),
        ("revoked", "cancel", "social_worker"),
        ("draft", "revoke", "program_manager"),
        ("completed", "revoke", "program_manager"),
    ],
)
def test_a_step_the_state_does_not_allow_is_a_400_and_changes_nothing(
    cast, client_of, case, state, action, who
):
    referral = to_state(cast, case, state)
    before = snapshot()

    response = send(
        client_of(getattr(cast, who)),
        "post",
        referral_url(f"api-referral-{action}", referral),
        ACTION_BODY[action],
    )

    assert response.status_code == 400, response.content
    message = response.json()["non_field_errors"][0]
    assert "Its status is:" in message
    assert snapshot() == before


# --- Who may not ----------------------------------------------------------------------

# The outsider's role (a social worker) may not revoke or transfer a lead at all:
# refused before any lookup, so the 403 says nothing about the record.
ROLE_REFUSED_FOR_A_SOCIAL_WORKER = {
    "api-referral-revoke",
    "api-case-lead-transfer",
    "api-lead-transfer-accept",
    "api-lead-transfer-decline",
    "api-lead-transfer-cancel",
    "api-lead-transfers-offered",
}


def outsider_refusal(who: str, name: str) -> int:
    return 403 if who == "outsider" and name in ROLE_REFUSED_FOR_A_SOCIAL_WORKER else 404


# The access matrix (tests/matrix.py) asserts each refusal it has a cell for (one method
# per URL); the others are asserted here, with a valid body, and nothing may change. The
# outsider's lists are here too: empty, which the matrix does not look at.
OUTSIDER_CELLS = [
    (who, method, name)
    for who in ("outsider", "outsider_manager")
    for method, name in ENDPOINT_NAMES
    if name in LIST_ENDPOINTS or not in_matrix(name, who, outsider_refusal(who, name), method)
]


@pytest.mark.parametrize(("who", "method", "name"), OUTSIDER_CELLS)
def test_outsider_gets_404_and_sees_nothing_of_agency_a(
    cast, client_of, world, chui, method, name, who
):
    path, body, _who = endpoint(world, cast, chui, method, name)
    before = snapshot()

    response = send(client_of(getattr(cast, who)), method, path, body)

    if name in LIST_ENDPOINTS and outsider_refusal(who, name) == 404:
        assert response.status_code == 200
        assert response.json()["count"] == 0
    else:
        assert response.status_code == outsider_refusal(who, name), response.content
    assert snapshot() == before


@pytest.mark.parametrize(
    ("method", "name"),
    [
        (method, name)
        for method, name in ENDPOINT_NAMES
        if not in_matrix(name, "auditor", 403, method)
    ],
)
def test_auditor_role_is_refused_every_endpoint(cast, client_of, world, chui, method, name):
    path, body, _who = endpoint(world, cast, chui, method, name)
    before = snapshot()
    response = send(client_of(cast.auditor), method, path, body)
    assert response.status_code == 403
    assert snapshot() == before


def test_anonymous_is_refused(client, world, cast, chui):
    for method, name in ENDPOINT_NAMES:
        if MATRIX[name][0] == method:
            continue  # a cell of the matrix
        path, body, _who = endpoint(world, cast, chui, method, name)
        assert send(client, method, path, body).status_code in (401, 403), name


@pytest.mark.parametrize(
    ("who", "method", "name"),
    [
        # The partner's role neither creates, sends nor cancels referrals. (The matrix
        # asks only "refused" of these; it has the social worker's 403 on revoking and
        # transferring the lead, and the partner's on the flags board.)
        ("partner", "post", "api-case-referrals"),
        ("partner", "post", "api-referral-send"),
        ("partner", "post", "api-referral-cancel"),
        ("partner", "post", "api-referral-revoke"),
        ("partner", "get", "api-case-consents"),
        ("police_liaison", "post", "api-referral-cancel"),
        ("police_liaison", "get", "api-case-consents"),
    ],
)
def test_the_wrong_role_is_a_403_and_changes_nothing(
    cast, client_of, world, chui, who, method, name
):
    path, body, _who = endpoint(world, cast, chui, method, name)
    before = snapshot()

    response = send(client_of(actor(cast, chui, who)), method, path, body)

    assert response.status_code == 403, response.content
    assert snapshot() == before


@pytest.mark.parametrize("with_body", [True, False])
@pytest.mark.parametrize(
    ("who", "name"),
    [
        # The sender does not answer its own referral, whoever in the agency asks.
        ("social_worker", "api-referral-accept"),
        ("social_worker", "api-referral-decline"),
        ("social_worker", "api-referral-progress"),
        ("social_worker", "api-referral-complete"),
        ("program_manager", "api-referral-accept"),
        ("program_manager", "api-referral-complete"),
        # Each side of a lead transfer has its own step.
        ("program_manager", "api-lead-transfer-accept"),
        ("program_manager", "api-lead-transfer-decline"),
        ("chui", "api-lead-transfer-cancel"),
    ],
)
def test_a_step_from_the_wrong_side_is_a_404_before_any_input_is_read(
    cast, client_of, world, chui, who, name, with_body
):
    path, body, _who = endpoint(world, cast, chui, "post", name)
    before = snapshot()

    response = send(client_of(actor(cast, chui, who)), "post", path, body if with_body else {})

    assert response.status_code == 404, response.content
    assert snapshot() == before


def test_a_receiver_whose_role_could_send_still_takes_only_the_receivers_steps(
    cast, client_of, case
):
    """Agency B's social worker may send and cancel referrals of B's own cases; on a
    referral from A to B it is the receiving side, and only that."""
    referral = sent(cast, case, to_agency=cast.agency_b, service_type="family_support")
    receiver = client_of(cast.outsider)
    before = snapshot()

    cancel = send(receiver, "post", referral_url("api-referral-cancel", referral), {"reason": "x"})
    resend = send(receiver, "post", referral_url("api-referral-send", referral))
    assert (cancel.status_code, resend.status_code) == (404, 404)
    assert snapshot() == before

    taken = send(receiver, "post", referral_url("api-referral-accept", referral))
    assert taken.status_code == 200, taken.json()
    assert taken.json()["person_name"] == case.returnee.full_name


def test_the_receiving_side_does_not_see_a_draft_nor_the_case_team_lists(cast, client_of, world):
    partner = client_of(cast.partner)
    for method, name in [
        ("get", "api-referral-detail"),
        ("post", "api-referral-accept"),
        ("post", "api-referral-decline"),
    ]:
        path = referral_url(name, world.draft_id)
        assert send(partner, method, path, {"reason": "x"}).status_code == 404, name
    # Seeing the case through an accepted referral is not being on its team.
    assert send(partner, "get", case_url("api-case-referrals", world.case)).status_code == 404
    inbox = send(partner, "get", reverse("api-referral-inbox")).json()
    assert {r["id"] for r in inbox["results"]} == {world.sent_id, world.accepted_id}


def test_another_agencys_partner_sees_none_of_the_employers_referrals(cast, client_of, world):
    clinician = client_of(cast.clinician)
    assert send(clinician, "get", reverse("api-referral-inbox")).json()["count"] == 0
    for referral_id in (world.sent_id, world.accepted_id):
        assert (
            send(clinician, "get", referral_url("api-referral-detail", referral_id)).status_code
            == 404
        )
        assert (
            send(clinician, "post", referral_url("api-referral-accept", referral_id)).status_code
            == 404
        )


# --- Bad input ------------------------------------------------------------------------


def _create_body(cast, **overrides):
    return {
        "to_agency": cast.employer.pk,
        "service_type": "job_placement",
        "reason": "Wants to work.",
        "response_deadline": in_a_week().isoformat(),
        **overrides,
    }


def _consent_body(cast, **overrides):
    return {
        "agency": cast.employer.pk,
        "purpose": "job_placement",
        "scope": ["identity"],
        "decision": "given",
        "given_by": "person",
        **overrides,
    }


@pytest.mark.parametrize(
    ("name", "body", "field"),
    [
        ("api-case-referrals", lambda c: _create_body(c, to_agency=999999), "to_agency"),
        ("api-case-referrals", lambda c: _create_body(c, to_agency=c.agency_a.pk), "to_agency"),
        ("api-case-referrals", lambda c: _create_body(c, service_type="teleport"), "service_type"),
        (
            "api-case-referrals",
            lambda c: _create_body(c, service_type="police_monitoring"),
            "service_type",
        ),
        ("api-case-referrals", lambda c: _create_body(c, reason="  "), "reason"),
        (
            "api-case-referrals",
            lambda c: _create_body(c, response_deadline="2020-01-01"),
            "response_deadline",
        ),
        ("api-case-referrals", lambda c: _create_body(c, share_scope=["diary"]), "share_scope"),
        ("api-case-referrals", lambda c: _create_body(c, share_scope="contact"), "share_scope"),
        ("api-case-consents", lambda c: _consent_body(c, agency=c.agency_a.pk), "agency"),
        ("api-case-consents", lambda c: _consent_body(c, decision="maybe"), "decision"),
        (
            "api-case-consents",
            lambda c: _consent_body(c, given_by="parent_guardian"),
            "guardian_name",
        ),
        ("api-case-consents", lambda c: _consent_body(c, scope=["diary"]), "scope"),
        ("api-case-lead-transfer", lambda c: {"to_agency": c.agency_a.pk}, "to_agency"),
        ("api-case-lead-transfer", lambda c: {"to_agency": "x"}, "to_agency"),
    ],
)
def test_bad_case_input_is_a_400_and_changes_nothing(cast, client_of, case, name, body, field):
    before = snapshot()
    who = cast.program_manager if name == "api-case-lead-transfer" else cast.social_worker

    response = send(client_of(who), "post", case_url(name, case), body(cast))

    assert response.status_code == 400, response.content
    assert field in response.json()
    assert snapshot() == before


@pytest.mark.parametrize(
    ("state", "action", "who", "body", "field"),
    [
        ("sent", "decline", "partner", {}, "reason"),
        ("sent", "decline", "partner", {"reason": "   "}, "reason"),
        ("accepted", "progress", "partner", {"note": ""}, "note"),
        ("accepted", "complete", "partner", {}, "outcome"),
        ("accepted", "complete", "partner", {"outcome": "x", "version": 0}, "version"),
        ("sent", "cancel", "social_worker", {}, "reason"),
        ("sent", "revoke", "program_manager", {"reason": "x" * 1_000_001}, "reason"),
        (
            "draft",
            "send",
            "social_worker",
            {"consent_override_basis": ["x"]},
            "consent_override_basis",
        ),
    ],
)
def test_bad_referral_input_is_a_400_and_changes_nothing(
    cast, client_of, case, state, action, who, body, field
):
    referral = to_state(cast, case, state)
    before = snapshot()

    response = send(
        client_of(getattr(cast, who)),
        "post",
        referral_url(f"api-referral-{action}", referral),
        body,
    )

    assert response.status_code == 400, response.content
    assert field in response.json()
    assert snapshot() == before


@pytest.mark.parametrize(
    ("name", "body", "field"),
    [
        ("api-case-referrals", lambda c: _create_body(c, reason="Wants\u202e to work."), "reason"),
        ("api-case-referrals", lambda c: _create_body(c, reason="Wants\x00 to work."), "reason"),
        ("api-case-referrals", lambda c: _create_body(c, reason="Wants \ud800"), "reason"),
        (
            "api-case-consents",
            lambda c: _consent_body(c, given_by="parent_guardian", guardian_name="Aida\nAsanova"),
            "guardian_name",
        ),
        (
            "api-case-consents",
            lambda c: _consent_body(c, given_by="parent_guardian", guardian_name="\u202eAida"),
            "guardian_name",
        ),
        ("api-case-consents", lambda c: _consent_body(c, note="Asked\u2067 twice."), "note"),
        (
            "api-case-lead-transfer",
            lambda c: {"to_agency": c.employer.pk, "note": "Moves\x1b to Osh."},
            "note",
        ),
    ],
)
def test_hidden_characters_in_case_text_are_field_errors(cast, client_of, case, name, body, field):
    before = snapshot()
    who = cast.program_manager if name == "api-case-lead-transfer" else cast.social_worker

    response = send(client_of(who), "post", case_url(name, case), body(cast))

    assert response.status_code == 400, response.content
    assert field in response.json()
    assert snapshot() == before


@pytest.mark.parametrize(
    ("state", "action", "who", "body", "field"),
    [
        ("sent", "decline", "partner", {"reason": "Full\u202d up."}, "reason"),
        ("accepted", "progress", "partner", {"note": "Started\x07 work."}, "note"),
        ("accepted", "complete", "partner", {"outcome": "Hired\u2069."}, "outcome"),
        ("sent", "cancel", "social_worker", {"reason": "Moved\x7f away."}, "reason"),
    ],
)
def test_hidden_characters_in_referral_answers_are_field_errors(
    cast, client_of, case, state, action, who, body, field
):
    referral = to_state(cast, case, state)
    before = snapshot()

    response = send(
        client_of(getattr(cast, who)),
        "post",
        referral_url(f"api-referral-{action}", referral),
        body,
    )

    assert response.status_code == 400, response.content
    assert field in response.json()
    assert snapshot() == before


@pytest.mark.parametrize("deadline", ["9999-12-31", "3000-01-01"])
def test_an_implausible_response_deadline_is_a_field_error_naming_the_bounds(
    cast, client_of, case, deadline
):
    response = send(
        client_of(cast.social_worker),
        "post",
        case_url("api-case-referrals", case),
        _create_body(cast, response_deadline=deadline),
    )

    assert response.status_code == 400, response.content
    [message] = response.json()["response_deadline"]
    assert "1900" in message
    assert str(timezone.localdate().year + 10) in message
    assert not Referral.objects.exists()


def test_a_second_lead_offer_is_a_400(cast, client_of, world, chui):
    other = LeadTransfer.objects.get(pk=world.transfer_id).case
    response = send(
        client_of(cast.program_manager),
        "post",
        case_url("api-case-lead-transfer", other),
        {"to_agency": cast.health_agency.pk},
    )
    assert response.status_code == 400
    assert "already waiting" in response.json()["non_field_errors"][0]
    assert LeadTransfer.objects.count() == 1


@pytest.mark.parametrize(
    ("name", "query", "field"),
    [
        ("api-referral-inbox", {"status": "lost"}, "status"),
        ("api-referral-sent", {"overdue": "perhaps"}, "overdue"),
        ("api-flags-board", {"region": "atlantis"}, "region"),
        ("api-flags-board", {"category": "gossip"}, "category"),
        ("api-flags-board", {"source": "rumour"}, "source"),
    ],
)
def test_an_unknown_filter_is_a_400(cast, client_of, name, query, field):
    who = cast.partner if name == "api-referral-inbox" else cast.social_worker
    response = client_of(who).get(reverse(name), query)
    assert response.status_code == 400
    assert field in response.json()


def test_malformed_json_is_a_400(cast, client_of, case):
    response = client_of(cast.social_worker).post(
        case_url("api-case-referrals", case), '{"reason": "x",', content_type="application/json"
    )
    assert response.status_code == 400
    assert not Referral.objects.exists()


# --- Lists ----------------------------------------------------------------------------


def test_inbox_lists_what_was_sent_to_the_agency_and_filters_by_status(cast, client_of, world):
    partner = client_of(cast.partner)
    everything = send(partner, "get", reverse("api-referral-inbox")).json()
    only_sent = send(partner, "get", reverse("api-referral-inbox"), {"status": "sent"}).json()

    assert [r["id"] for r in everything["results"]] == [world.accepted_id, world.sent_id]
    assert [r["id"] for r in only_sent["results"]] == [world.sent_id]
    row = only_sent["results"][0]
    assert row["from_agency"]["name"] == "Bishkek Social Services"
    assert row["case_reference"] == reference_for(world.case.pk)


def test_sent_lists_drafts_too_and_overdue_only_late_answers(cast, client_of, world, monkeypatch):
    worker = client_of(cast.social_worker)
    everything = send(worker, "get", reverse("api-referral-sent")).json()
    overdue_now = send(worker, "get", reverse("api-referral-sent"), {"overdue": "true"}).json()
    later = timezone.localdate() + datetime.timedelta(days=8)
    monkeypatch.setattr(timezone, "localdate", lambda *args, **kwargs: later)
    overdue_later = send(worker, "get", reverse("api-referral-sent"), {"overdue": "true"}).json()

    assert [r["id"] for r in everything["results"]] == [
        world.accepted_id,
        world.sent_id,
        world.draft_id,
    ]
    assert overdue_now["count"] == 0
    assert [(r["id"], r["is_overdue"]) for r in overdue_later["results"]] == [(world.sent_id, True)]
    # The receiver's sent list is its own (empty) one.
    assert send(client_of(cast.partner), "get", reverse("api-referral-sent")).json()["count"] == 0


def test_flags_board_is_by_severity_then_age_and_filters(cast, client_of, register, bishkek_police):
    sw = cast.social_worker
    first, second = register(), register()
    osh = register(region="osh_city")
    old_concern = flag(sw, first, "concern", source="family")
    urgent = flag(sw, second, "urgent", category="extremist_contact", source="police")
    new_concern = flag(sw, second, "concern", source="employer_school")
    info = flag(sw, first, "info")
    outside = flag(sw, osh, "urgent")
    resolved = flag(sw, first, "info")
    flag_resolve(actor=sw, flag=resolved, resolution_note="Explained.")
    board = reverse("api-flags-board")
    police, worker = client_of(cast.police_liaison), client_of(sw)

    police_sees = send(police, "get", board).json()
    worker_sees = send(worker, "get", board).json()
    by_category = send(police, "get", board, {"category": "extremist_contact"}).json()
    by_source = send(worker, "get", board, {"source": "family"}).json()
    by_region = send(worker, "get", board, {"region": "osh_city"}).json()

    in_bishkek = [urgent.pk, old_concern.pk, new_concern.pk, info.pk]
    assert [f["id"] for f in police_sees["results"]] == in_bishkek
    # Urgent first (the older before the newer), then concern, then info.
    assert [f["id"] for f in worker_sees["results"]] == [urgent.pk, outside.pk, *in_bishkek[1:]]
    row = police_sees["results"][0]
    assert (row["case_id"], row["severity"], row["region"]) == (second.pk, "urgent", "bishkek")
    assert row["person_name"] == second.returnee.full_name
    assert [f["id"] for f in by_category["results"]] == [urgent.pk]
    assert [f["id"] for f in by_source["results"]] == [outside.pk, old_concern.pk, info.pk]
    assert [f["id"] for f in by_region["results"]] == [outside.pk]
    for outsider in (cast.outsider, cast.outsider_manager):
        assert send(client_of(outsider), "get", board).json()["count"] == 0


# --- Lead transfer --------------------------------------------------------------------


def test_lead_transfer_offered_and_accepted_moves_the_case(cast, client_of, case, chui):
    agency_c, manager = chui
    offered = send(
        client_of(cast.program_manager),
        "post",
        case_url("api-case-lead-transfer", case),
        {"to_agency": agency_c.pk, "note": "The family moved to Chuy."},
    )
    assert offered.status_code == 201, offered.json()
    body = offered.json()
    assert (body["status"], body["note"]) == ("offered", "The family moved to Chuy.")
    assert body["offered_by"] == "Gulmira Abdyldaeva"
    assert body["decided_by"] is None
    new_lead = client_of(manager)
    assert send(new_lead, "get", case_url("api-case-detail", case)).status_code == 404

    taken = send(
        new_lead, "post", reverse("api-lead-transfer-accept", kwargs={"transfer_id": body["id"]})
    )

    assert taken.status_code == 200, taken.json()
    assert (taken.json()["status"], taken.json()["decided_by"]) == ("accepted", "Kanat Osmonov")
    assert taken.json()["person_name"] == case.returnee.full_name
    assert Case.objects.get(pk=case.pk).lead_agency_id == agency_c.pk
    assert send(new_lead, "get", case_url("api-case-detail", case)).status_code == 200
    # The grants moved: agency A's worker no longer sees the case.
    worker = client_of(cast.social_worker)
    assert send(worker, "get", case_url("api-case-detail", case)).status_code == 404


@pytest.mark.parametrize(("step", "who"), [("decline", "chui"), ("cancel", "program_manager")])
def test_lead_transfer_declined_or_cancelled_keeps_the_lead(
    cast, client_of, world, chui, step, who
):
    transfer = LeadTransfer.objects.get(pk=world.transfer_id)
    path = reverse(f"api-lead-transfer-{step}", kwargs={"transfer_id": transfer.pk})

    response = send(client_of(actor(cast, chui, who)), "post", path)
    again = send(client_of(actor(cast, chui, who)), "post", path)

    assert response.status_code == 200
    assert response.json()["status"] == {"decline": "declined", "cancel": "cancelled"}[step]
    assert Case.objects.get(pk=transfer.case_id).lead_agency_id == cast.agency_a.pk
    assert again.status_code == 400
    assert "already been answered" in again.json()["non_field_errors"][0]


# --- Query counts ---------------------------------------------------------------------


def _referrals_on_many_cases(cast, register, rows: int) -> None:
    for i in range(rows):
        if i % 2:
            accepted(cast, register())
        else:
            sent(cast, register())


LIST_QUERIES = [
    *SESSION_QUERIES,
    "COUNT of the referrals (paginator)",
    "one page of referrals joined with case, returnee and both agencies, with whether the "
    "reader may see each case (two IN-sets of grants)",
]


@pytest.mark.parametrize("rows", [3, 15])
def test_inbox_query_count_does_not_grow_with_rows(
    cast, client_of, register, django_assert_num_queries, rows
):
    _referrals_on_many_cases(cast, register, rows)
    client = client_of(cast.partner)
    with django_assert_num_queries(len(LIST_QUERIES)):
        response = client.get(reverse("api-referral-inbox"))
    assert response.status_code == 200
    assert len(response.json()["results"]) == rows
    assert sum(r["person_name"] is not None for r in response.json()["results"]) == rows // 2


@pytest.mark.parametrize("overdue", [False, True])
@pytest.mark.parametrize("rows", [3, 15])
def test_sent_list_query_count_does_not_grow_with_rows(
    cast, client_of, register, django_assert_num_queries, monkeypatch, rows, overdue
):
    _referrals_on_many_cases(cast, register, rows)
    if overdue:
        later = timezone.localdate() + datetime.timedelta(days=8)
        monkeypatch.setattr(timezone, "localdate", lambda *args, **kwargs: later)
    client = client_of(cast.social_worker)
    with django_assert_num_queries(len(LIST_QUERIES)):
        response = client.get(reverse("api-referral-sent"), {"overdue": overdue})
    assert response.status_code == 200
    assert len(response.json()["results"]) == ((rows + 1) // 2 if overdue else rows)


@pytest.mark.parametrize("who", ["police_liaison", "social_worker"])
@pytest.mark.parametrize("rows", [3, 15])
def test_flags_board_query_count_does_not_grow_with_rows(
    cast, client_of, register, bishkek_police, django_assert_num_queries, rows, who
):
    for i in range(rows):
        flag(cast.social_worker, register(), ["urgent", "concern", "info"][i % 3])
    client = client_of(getattr(cast, who))
    expected = [
        *SESSION_QUERIES,
        "COUNT of the visible unresolved flags (paginator; whether the reader is a police "
        "liaison, who also sees flags on cases it only views, is tested in the same SQL)",
        "one page of flags joined with case and returnee, most severe first",
    ]
    with django_assert_num_queries(len(expected)):
        response = client.get(reverse("api-flags-board"))
    assert response.status_code == 200
    assert len(response.json()["results"]) == rows


def test_the_schema_documents_the_referral_endpoints(cast, client_of):
    schema = client_of(cast.social_worker).get(reverse("api-schema")).content.decode()
    for fragment in (
        "/api/cases/{case_id}/referrals/",
        "/api/referrals/{referral_id}/accept/",
        "/api/lead-transfers/{transfer_id}/accept/",
        "/api/flags/board/",
        "PaginatedReferralListOutputList",
        "PaginatedFlagBoardOutputList",
        "ReferralConflictOutput",
    ):
        assert fragment in schema
