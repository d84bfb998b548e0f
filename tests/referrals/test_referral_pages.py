"""The referral pages over HTTP: who may open each, what each list and case page
shows to whom, bad input, and query counts that do not grow with rows."""

import datetime

import pytest
from django.urls import NoReverseMatch, reverse
from django.utils import timezone

from agencies import services as agencies_services
from agencies.models import Role
from casework import services as casework
from casework.models import Case, Flag
from casework.services import agency_set_jurisdiction
from casework.views import FLAGS_PAGE_SIZE
from referrals import services
from referrals.models import ConsentRecord, LeadTransfer, Referral, ReferralEvent
from referrals.views import LIST_PAGE_SIZE
from tests.casework.helpers import case_page_queries, flag, note, triage
from tests.conftest import SESSION_QUERIES
from tests.matrix import in_matrix
from tests.referrals.helpers import accepted, draft, in_a_week, sent

HEADER_QUERIES = [
    "header: unread notification count",
    "header: the user's groups with their agencies",
]


@pytest.fixture
def admin(cast):
    return cast.administrator


@pytest.fixture
def employer_manager(cast):
    """A program manager at the employer: the one who answers a lead transfer offered there."""
    return agencies_services.staff_member_create(
        actor=None,
        username="kanykei",
        password="correct-horse-battery",
        role=Role.PROGRAM_MANAGER,
        agencies=[cast.employer],
        first_name="Kanykei",
        last_name="Osmonova",
    )


@pytest.fixture
def world(cast, register):
    """One case of agency A with a referral in each state a page acts on, and a transfer offer."""
    case = register()
    a_draft = draft(cast, case, service_type="housing")
    a_sent = sent(cast, case, service_type="mentoring")
    an_accepted = accepted(cast, case)
    transfer = services.lead_transfer_offer(
        actor=cast.program_manager, case=case, to_agency=cast.employer, note="They employ him."
    )
    return {
        "case": case,
        "draft": a_draft,
        "sent": a_sent,
        "accepted": an_accepted,
        "transfer": transfer,
    }


# Every referrals page: (methods, what it addresses, who may use it).
CASE_PAGES = {
    "referral_new": ("case", None, "social_worker"),
    "referral_send": ("case", "draft", "social_worker"),
    "referral_cancel": ("case", "sent", "social_worker"),
    "referral_revoke": ("case", "sent", "program_manager"),
    "consent_new": ("case", None, "social_worker"),
    "transfer_offer": ("case", None, "program_manager"),
    "transfer_withdraw": ("case", "transfer", "program_manager"),
}
INCOMING_PAGES = {
    "incoming_accept": "sent",
    "incoming_decline": "sent",
    "incoming_progress": "accepted",
    "incoming_complete": "accepted",
}
TRANSFER_PAGES = ["transfer_accept", "transfer_decline"]
# The flags board is casework's page (a qualified name) but is tested with these lists.
FLAGS_BOARD = "casework:flags_board"
LIST_PAGES = {"inbox": "partner", "outgoing": "social_worker", FLAGS_BOARD: "police_liaison"}


def page_url(name, world) -> str:
    if ":" in name:
        return reverse(name)
    if name in CASE_PAGES:
        target = CASE_PAGES[name][1]
        args = [world["case"].pk] + ([world[target].pk] if target else [])
    elif name in INCOMING_PAGES:
        args = [world[INCOMING_PAGES[name]].pk]
    elif name in TRANSFER_PAGES:
        args = [world["transfer"].pk]
    else:
        args = []
    try:
        return reverse(f"referrals:{name}", args=args)
    except NoReverseMatch as exc:  # pragma: no cover - a wrong table row
        raise AssertionError(f"cannot reverse {name}") from exc


def test_every_referrals_page_is_listed():
    from referrals import urls

    names = {p.name for p in urls.urlpatterns}
    assert names == {*CASE_PAGES, *INCOMING_PAGES, *TRANSFER_PAGES, *LIST_PAGES} - {FLAGS_BOARD}


# --- Who may open what -----------------------------------------------------------------------


@pytest.mark.parametrize("name", list(CASE_PAGES))
def test_case_pages_render_for_the_case_team(cast, client_of, world, name):
    user = getattr(cast, CASE_PAGES[name][2])
    response = client_of(user).get(page_url(name, world))
    assert response.status_code == 200
    assert world["case"].returnee.family_name in response.content.decode()


@pytest.mark.parametrize("name", list(INCOMING_PAGES))
def test_incoming_pages_render_for_the_receiving_partner(cast, client_of, world, name):
    response = client_of(cast.partner).get(page_url(name, world))
    assert response.status_code == 200


@pytest.mark.parametrize("name", TRANSFER_PAGES)
def test_transfer_pages_render_for_the_receiving_manager(
    cast, client_of, world, employer_manager, name
):
    response = client_of(employer_manager).get(page_url(name, world))
    assert response.status_code == 200
    # The receiving agency holds no grant yet: the case reference, not the person.
    assert world["case"].reference in response.content.decode()
    assert world["case"].returnee.family_name not in response.content.decode()


@pytest.mark.parametrize("name", list(LIST_PAGES))
def test_list_pages_render_for_their_role(cast, client_of, name):
    response = client_of(getattr(cast, LIST_PAGES[name])).get(page_url(name, None))
    assert response.status_code == 200


ADDRESSED = [*CASE_PAGES, *INCOMING_PAGES, *TRANSFER_PAGES]
# The outsider agency's social worker holds a social worker's role permissions; its
# manager holds every permission a referrals page asks for.
OUTSIDER_CASES = [
    *(("outsider", name) for name in CASE_PAGES if CASE_PAGES[name][2] == "social_worker"),
    *(("outsider", name) for name in INCOMING_PAGES),
    *(("outsider_manager", name) for name in ADDRESSED),
]


# The access matrix (tests/matrix.py) asserts the refusals it has an exact cell for (a
# page refuses before it reads the method or the form); the others are asserted here.


@pytest.mark.parametrize("method", ["get", "post"])
@pytest.mark.parametrize(
    ("who", "name"),
    [(who, name) for who, name in OUTSIDER_CASES if not in_matrix(f"referrals:{name}", who, 404)],
)
def test_the_outsider_gets_404_on_every_addressed_page(cast, client_of, world, who, method, name):
    client = client_of(getattr(cast, who))
    data = {"reason": "x", "note": "x", "outcome": "x", "consent_override_basis": "x"}
    response = getattr(client, method)(page_url(name, world), data)
    assert response.status_code == 404
    assert Referral.objects.get(pk=world["sent"].pk).status == "sent"
    assert LeadTransfer.objects.get(pk=world["transfer"].pk).status == "offered"


@pytest.mark.parametrize(
    ("name", "who"),
    [
        # Partners and police answer referrals; they do not send them or record consent
        # (the matrix asks only "refused" of these).
        ("referral_new", "partner"),
        ("referral_send", "partner"),
        ("referral_cancel", "police_liaison"),
        ("consent_new", "partner"),
        # Transfers are answered by the receiving agency's program manager. (The social
        # worker's 403 on revoking and transferring the lead, and the partner's on the
        # flags board, are cells of the matrix.)
        ("transfer_accept", "partner"),
        ("transfer_decline", "partner"),
    ],
)
def test_the_wrong_role_gets_403(cast, client_of, world, name, who):
    response = client_of(getattr(cast, who)).get(page_url(name, world))
    assert response.status_code == 403


@pytest.mark.parametrize("name", list(INCOMING_PAGES))
def test_the_sending_side_cannot_answer_its_own_referral(cast, client_of, world, name):
    # The social worker holds change_referral, but the referral is not addressed to agency A.
    response = client_of(cast.social_worker).post(page_url(name, world), {"reason": "x"})
    assert response.status_code == 404


def test_the_case_team_of_another_case_gets_404(cast, client_of, register):
    theirs = register(actor=cast.outsider, agency=cast.agency_b)
    for name in ("referral_new", "consent_new"):
        url = reverse(f"referrals:{name}", args=[theirs.pk])
        assert client_of(cast.social_worker).get(url).status_code == 404


# --- Lists show nothing beyond the user's agencies ---------------------------------------------


def test_lists_show_the_outsider_none_of_agency_as_referrals(cast, client_of, world):
    flag(cast.social_worker, world["case"])
    client = client_of(cast.outsider_manager)
    for name in LIST_PAGES:
        response = client.get(page_url(name, world))
        assert response.status_code == 200
        assert list(response.context["page"].object_list) == []
        assert world["case"].reference not in response.content.decode()
    assert (
        client_of(cast.outsider_manager).get(reverse("referrals:inbox")).context["transfers"] == []
    )


def test_the_inbox_lists_only_referrals_to_the_users_agency_and_never_drafts(
    cast, client_of, world
):
    to_health = sent(cast, world["case"], to_agency=cast.health_agency, service_type="housing")
    response = client_of(cast.partner).get(reverse("referrals:inbox"))
    listed = {r.pk for r in response.context["page"].object_list}
    assert listed == {world["sent"].pk, world["accepted"].pk}
    assert to_health.pk not in listed
    assert world["draft"].pk not in listed


def test_the_inbox_names_the_person_only_once_accepted(cast, client_of, register):
    waiting = register(given_name="Azamat", family_name="Waitingov")
    taken = register(given_name="Bakyt", family_name="Acceptedov")
    sent(cast, waiting)
    accepted(cast, taken)
    text = client_of(cast.partner).get(reverse("referrals:inbox")).content.decode()
    assert waiting.reference in text
    assert "Waitingov" not in text
    assert "Acceptedov" in text
    assert reverse("casework:case_detail", args=[taken.pk]) in text
    assert reverse("casework:case_detail", args=[waiting.pk]) not in text


def test_the_inbox_filters_by_status(cast, client_of, world):
    response = client_of(cast.partner).get(reverse("referrals:inbox"), {"status": "accepted"})
    assert [r.pk for r in response.context["page"].object_list] == [world["accepted"].pk]
    junk = client_of(cast.partner).get(reverse("referrals:inbox"), {"status": "draft"})
    assert junk.status_code == 200
    assert "status" in junk.context["form"].errors
    assert list(junk.context["page"].object_list) == []


def test_the_inbox_lists_lead_transfers_for_the_receiving_manager(
    cast, client_of, world, register, employer_manager
):
    offered = register()
    transfer = services.lead_transfer_offer(
        actor=cast.program_manager, case=offered, to_agency=cast.employer
    )
    response = client_of(employer_manager).get(reverse("referrals:inbox"))
    assert response.context["transfers"] == [world["transfer"], transfer]
    # Until the agency takes the lead it holds no grant: the reference, not the person.
    assert offered.reference in response.content.decode()
    assert offered.returnee.family_name not in response.content.decode()
    # The partner at the same agency cannot take the lead, so is not offered it.
    assert client_of(cast.partner).get(reverse("referrals:inbox")).context["transfers"] == []


def test_the_sent_list_highlights_and_filters_overdue_answers(cast, client_of, world):
    Referral.objects.filter(pk=world["sent"].pk).update(
        response_deadline=timezone.localdate() - datetime.timedelta(days=2)
    )
    client = client_of(cast.social_worker)
    everything = client.get(reverse("referrals:outgoing"))
    assert {r.pk for r in everything.context["page"].object_list} == {
        world["draft"].pk,
        world["sent"].pk,
        world["accepted"].pk,
    }
    assert everything.context["overdue_count"] == 1
    assert "answer overdue" in everything.content.decode()
    overdue = client.get(reverse("referrals:outgoing"), {"overdue": "on"})
    assert [r.pk for r in overdue.context["page"].object_list] == [world["sent"].pk]


# --- The flags board ---------------------------------------------------------------------------


@pytest.fixture
def bishkek_police(cast, admin):
    agency_set_jurisdiction(actor=admin, agency=cast.police_agency, regions=["bishkek"])
    return cast.police_agency


def test_the_flags_board_orders_by_severity_then_age_and_filters(
    cast, client_of, register, bishkek_police
):
    case = register()
    triage(cast.social_worker, case, "unsettled")
    older = flag(cast.social_worker, case, severity="concern", category="travel")
    urgent = flag(cast.social_worker, case, severity="urgent", category="threats")
    newer = flag(cast.social_worker, case, severity="concern", category="travel", source="police")
    Flag.objects.filter(pk=older.pk).update(raised_at=timezone.now() - datetime.timedelta(days=3))
    client = client_of(cast.police_liaison)
    board = client.get(reverse("casework:flags_board"))
    assert [f.pk for f in board.context["page"].object_list] == [urgent.pk, older.pk, newer.pk]
    by_source = client.get(reverse("casework:flags_board"), {"source": "police"})
    assert [f.pk for f in by_source.context["page"].object_list] == [newer.pk]
    by_category = client.get(reverse("casework:flags_board"), {"category": "threats"})
    assert [f.pk for f in by_category.context["page"].object_list] == [urgent.pk]
    elsewhere = client.get(reverse("casework:flags_board"), {"region": "osh_city"})
    assert list(elsewhere.context["page"].object_list) == []
    junk = client.get(reverse("casework:flags_board"), {"region": "atlantis"})
    assert "region" in junk.context["form"].errors
    assert list(junk.context["page"].object_list) == []


def test_acknowledging_from_the_board_returns_to_the_board(
    cast, client_of, register, bishkek_police
):
    case = register()
    raised = flag(cast.social_worker, case)
    board = reverse("casework:flags_board") + "?severity=&source=family"
    response = client_of(cast.police_liaison).post(
        reverse("casework:flag_acknowledge", args=[case.pk, raised.pk]), {"next": board}
    )
    assert response.status_code == 302
    assert response.url == board
    assert Flag.objects.get(pk=raised.pk).status == "acknowledged"


def test_the_police_board_omits_cases_outside_the_jurisdiction(
    cast, client_of, register, bishkek_police
):
    osh = register(region="osh_city")
    flag(cast.social_worker, osh)
    response = client_of(cast.police_liaison).get(reverse("casework:flags_board"))
    assert list(response.context["page"].object_list) == []


# --- Through the pages: the whole path ---------------------------------------------------------


def test_a_referral_from_draft_to_completion_through_the_pages(cast, client_of, register):
    case = register()
    worker, partner = client_of(cast.social_worker), client_of(cast.partner)
    response = worker.post(
        reverse("referrals:consent_new", args=[case.pk]),
        {
            "agency": cast.employer.pk,
            "purpose": "job_placement",
            "scope": ["contact"],
            "decision": "given",
            "given_by": "person",
            "guardian_name": "",
            "note": "Signed the form at the office.",
        },
    )
    assert response.status_code == 302
    assert ConsentRecord.objects.get().scope == ["identity", "contact"]

    response = worker.post(
        reverse("referrals:referral_new", args=[case.pk]),
        {
            "to_agency": cast.employer.pk,
            "service_type": "job_placement",
            "reason": "Trained as a tailor.",
            "response_deadline": in_a_week().isoformat(),
            "share_scope": ["contact"],
        },
    )
    referral = Referral.objects.get()
    send = reverse("referrals:referral_send", args=[case.pk, referral.pk])
    assert response.status_code == 302
    assert response.url == send
    page = worker.get(send)
    assert "Recorded consent covers this referral" in page.content.decode()
    assert "consent_override_basis" not in page.context["form"].fields
    assert worker.post(send).status_code == 302

    inbox = partner.get(reverse("referrals:inbox")).content.decode()
    assert case.reference in inbox
    assert case.returnee.family_name not in inbox
    assert partner.get(reverse("casework:case_detail", args=[case.pk])).status_code == 404

    accept = reverse("referrals:incoming_accept", args=[referral.pk])
    assert partner.post(accept).status_code == 302
    assert partner.get(reverse("casework:case_detail", args=[case.pk])).status_code == 200
    response = partner.post(
        reverse("referrals:incoming_progress", args=[referral.pk]), {"note": "Started Monday."}
    )
    assert response.status_code == 302
    timeline = worker.get(reverse("casework:timeline", args=[case.pk]), {"kind": "referral"})
    assert "Partner update" in timeline.content.decode()
    assert "Started Monday." in timeline.content.decode()

    response = partner.post(
        reverse("referrals:incoming_complete", args=[referral.pk]), {"outcome": "Hired."}
    )
    assert response.status_code == 302
    assert Referral.objects.get().status == "completed"
    # Access ends the moment the referral does.
    assert partner.get(reverse("casework:case_detail", args=[case.pk])).status_code == 404
    assert case.returnee.family_name not in partner.get(reverse("referrals:inbox")).content.decode()


def test_decline_cancel_and_revoke_through_the_pages(cast, client_of, register):
    case = register()
    declined, cancelled, revoked = (
        sent(cast, case, service_type=s) for s in ("housing", "mentoring", "job_placement")
    )
    assert (
        client_of(cast.partner)
        .post(reverse("referrals:incoming_decline", args=[declined.pk]), {"reason": "No places."})
        .status_code
        == 302
    )
    assert (
        client_of(cast.social_worker)
        .post(
            reverse("referrals:referral_cancel", args=[case.pk, cancelled.pk]), {"reason": "Dup."}
        )
        .status_code
        == 302
    )
    assert (
        client_of(cast.program_manager)
        .post(
            reverse("referrals:referral_revoke", args=[case.pk, revoked.pk]), {"reason": "Review."}
        )
        .status_code
        == 302
    )
    statuses = dict(Referral.objects.values_list("pk", "status"))
    assert statuses == {declined.pk: "declined", cancelled.pk: "cancelled", revoked.pk: "revoked"}


def test_a_manager_sends_without_consent_on_a_legal_basis(cast, client_of, register):
    case = register()
    referral = draft(cast, case)
    send = reverse("referrals:referral_send", args=[case.pk, referral.pk])
    # The social worker is told to record consent; no legal-basis field is offered.
    page = client_of(cast.social_worker).get(send)
    assert "No recorded consent covers this referral" in page.content.decode()
    assert "consent_override_basis" not in page.context["form"].fields
    manager = client_of(cast.program_manager)
    assert "consent_override_basis" in manager.get(send).context["form"].fields
    response = manager.post(send, {"consent_override_basis": "Court order 12/2024."})
    assert response.status_code == 302
    referral.refresh_from_db()
    assert (referral.status, referral.consent_override_basis) == ("sent", "Court order 12/2024.")


def test_a_lead_transfer_through_the_pages(cast, client_of, register, employer_manager):
    case = register()
    response = client_of(cast.program_manager).post(
        reverse("referrals:transfer_offer", args=[case.pk]),
        {"to_agency": cast.employer.pk, "note": "He works there now."},
    )
    assert response.status_code == 302
    transfer = LeadTransfer.objects.get()
    response = client_of(employer_manager).post(
        reverse("referrals:transfer_accept", args=[transfer.pk])
    )
    assert response.status_code == 302
    assert response.url == reverse("casework:case_detail", args=[case.pk])
    assert Case.objects.get(pk=case.pk).lead_agency == cast.employer
    assert client_of(employer_manager).get(response.url).status_code == 200
    assert client_of(cast.social_worker).get(response.url).status_code == 404


def test_withdrawing_and_declining_a_lead_transfer(cast, client_of, world, employer_manager):
    response = client_of(employer_manager).post(
        reverse("referrals:transfer_decline", args=[world["transfer"].pk]), {"note": "No."}
    )
    assert response.status_code == 302
    assert LeadTransfer.objects.get().status == "declined"
    again = services.lead_transfer_offer(
        actor=cast.program_manager, case=world["case"], to_agency=cast.employer
    )
    response = client_of(cast.program_manager).post(
        reverse("referrals:transfer_withdraw", args=[world["case"].pk, again.pk])
    )
    assert response.status_code == 302
    assert LeadTransfer.objects.get(pk=again.pk).status == "cancelled"


# --- Bad input: 400, the reason shown, nothing changed ----------------------------------------


def new_referral_data(cast, **changes):
    return {
        "to_agency": cast.employer.pk,
        "service_type": "job_placement",
        "reason": "Trained as a tailor.",
        "response_deadline": in_a_week().isoformat(),
        "share_scope": [],
        **changes,
    }


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"service_type": "astrology"}, "service_type"),
        ({"response_deadline": "2001-01-01"}, "response_deadline"),
        ({"response_deadline": "not a date"}, "response_deadline"),
        ({"reason": ""}, "reason"),
        ({"share_scope": ["everything"]}, "share_scope"),
        ({"to_agency": "999999"}, "to_agency"),
        # The lead agency itself is not on the list.
        ({"to_agency": "LEAD"}, "to_agency"),
    ],
)
def test_a_bad_new_referral_is_refused_with_form_errors(cast, client_of, register, changes, field):
    case = register()
    if changes.get("to_agency") == "LEAD":
        changes["to_agency"] = cast.agency_a.pk
    response = client_of(cast.social_worker).post(
        reverse("referrals:referral_new", args=[case.pk]), new_referral_data(cast, **changes)
    )
    assert response.status_code == 400
    assert field in response.context["form"].errors
    assert "Nothing was saved." in response.content.decode()
    assert not Referral.objects.exists()


@pytest.mark.parametrize("deadline", ["9999-12-31", "2999-06-01"])
def test_an_implausible_response_deadline_is_a_form_error_naming_the_bounds(
    cast, client_of, register, deadline
):
    case = register()
    response = client_of(cast.social_worker).post(
        reverse("referrals:referral_new", args=[case.pk]),
        new_referral_data(cast, response_deadline=deadline),
    )
    assert response.status_code == 400
    [message] = response.context["form"].errors["response_deadline"]
    assert "1900" in message
    assert str(timezone.localdate().year + 10) in message
    assert not Referral.objects.exists()


@pytest.mark.parametrize(
    ("name", "changes", "field"),
    [
        ("referral_new", {"reason": "Trained as a \u202etailor."}, "reason"),
        ("referral_new", {"reason": "Trained\x08 as a tailor."}, "reason"),
        (
            "consent_new",
            {"given_by": "parent_guardian", "guardian_name": "Aida\tAsanova"},
            "guardian_name",
        ),
        ("consent_new", {"note": "Agreed\u2066."}, "note"),
    ],
)
def test_hidden_characters_in_referral_forms_are_form_errors(
    cast, client_of, register, name, changes, field
):
    case = register()
    data = (
        new_referral_data(cast, **changes)
        if name == "referral_new"
        else {
            "agency": cast.employer.pk,
            "purpose": "job_placement",
            "scope": [],
            "decision": "given",
            "given_by": "person",
            "guardian_name": "",
            "note": "",
            **changes,
        }
    )
    response = client_of(cast.social_worker).post(
        reverse(f"referrals:{name}", args=[case.pk]), data
    )
    assert response.status_code == 400
    assert field in response.context["form"].errors
    assert not Referral.objects.exists()
    assert not ConsentRecord.objects.exists()


def test_police_monitoring_of_a_non_police_agency_is_a_form_error(cast, client_of, register):
    case = register()
    response = client_of(cast.social_worker).post(
        reverse("referrals:referral_new", args=[case.pk]),
        new_referral_data(cast, service_type="police_monitoring"),
    )
    assert response.status_code == 400
    assert "service_type" in response.context["form"].errors
    assert not Referral.objects.exists()


@pytest.mark.parametrize(
    ("name", "target", "data", "field"),
    [
        ("incoming_decline", "sent", {"reason": "  "}, "reason"),
        ("incoming_progress", "accepted", {"note": ""}, "note"),
        ("incoming_complete", "accepted", {"outcome": ""}, "outcome"),
    ],
)
def test_an_answer_without_its_text_is_refused(cast, client_of, world, name, target, data, field):
    before = Referral.objects.get(pk=world[target].pk)
    response = client_of(cast.partner).post(reverse(f"referrals:{name}", args=[before.pk]), data)
    assert response.status_code == 400
    assert field in response.context["form"].errors
    after = Referral.objects.get(pk=before.pk)
    assert (after.status, after.version) == (before.status, before.version)


@pytest.mark.parametrize("name", ["referral_cancel", "referral_revoke"])
def test_cancel_or_revoke_without_a_reason_is_refused(cast, client_of, world, name):
    user = cast.program_manager
    response = client_of(user).post(
        reverse(f"referrals:{name}", args=[world["case"].pk, world["sent"].pk]), {"reason": ""}
    )
    assert response.status_code == 400
    assert "reason" in response.context["form"].errors
    assert Referral.objects.get(pk=world["sent"].pk).status == "sent"


def test_accepting_twice_says_why_and_changes_nothing(cast, client_of, world):
    accept = reverse("referrals:incoming_accept", args=[world["sent"].pk])
    assert client_of(cast.partner).post(accept).status_code == 302
    before = Referral.objects.get(pk=world["sent"].pk)
    events = ReferralEvent.objects.count()
    response = client_of(cast.partner).post(accept)
    assert response.status_code == 400
    assert "Only a sent referral can be accepted." in response.content.decode()
    after = Referral.objects.get(pk=world["sent"].pk)
    assert (after.status, after.version) == ("accepted", before.version)
    assert ReferralEvent.objects.count() == events


def test_sending_without_consent_or_override_is_refused(cast, client_of, register):
    case = register()
    referral = draft(cast, case)
    response = client_of(cast.social_worker).post(
        reverse("referrals:referral_send", args=[case.pk, referral.pk]),
        {"consent_override_basis": "I say so."},
    )
    assert response.status_code == 400
    assert "No recorded consent covers this referral" in response.content.decode()
    referral.refresh_from_db()
    assert (referral.status, referral.consent_override_basis) == ("draft", "")


def test_sending_twice_is_refused(cast, client_of, world):
    case, referral = world["case"], world["sent"]
    response = client_of(cast.social_worker).post(
        reverse("referrals:referral_send", args=[case.pk, referral.pk])
    )
    assert response.status_code == 400
    assert "Only a draft referral can be sent." in response.content.decode()


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"given_by": "parent_guardian", "guardian_name": ""}, "guardian_name"),
        ({"decision": "maybe"}, "decision"),
        ({"purpose": "astrology"}, "purpose"),
        ({"agency": "LEAD"}, "agency"),
    ],
)
def test_bad_consent_is_refused_with_form_errors(cast, client_of, register, changes, field):
    case = register()
    if changes.get("agency") == "LEAD":
        changes["agency"] = cast.agency_a.pk
    data = {
        "agency": cast.employer.pk,
        "purpose": "job_placement",
        "scope": [],
        "decision": "given",
        "given_by": "person",
        "guardian_name": "",
        "note": "",
        **changes,
    }
    response = client_of(cast.social_worker).post(
        reverse("referrals:consent_new", args=[case.pk]), data
    )
    assert response.status_code == 400
    assert field in response.context["form"].errors
    assert not ConsentRecord.objects.exists()


def test_a_second_transfer_offer_is_refused(cast, client_of, world):
    response = client_of(cast.program_manager).post(
        reverse("referrals:transfer_offer", args=[world["case"].pk]),
        {"to_agency": cast.agency_b.pk, "note": ""},
    )
    assert response.status_code == 400
    assert "already waiting for an answer" in response.content.decode()
    assert LeadTransfer.objects.count() == 1


def test_the_consent_page_prefills_from_a_draft_and_defaults_a_minor_to_a_guardian(
    cast, client_of, register
):
    today = timezone.localdate()
    child = register(birth_date=today.replace(year=today.year - 9), departure_date=None)
    response = client_of(cast.social_worker).get(
        reverse("referrals:consent_new", args=[child.pk]),
        {"agency": cast.employer.pk, "purpose": "mentoring", "scope": ["plan", "bogus"]},
    )
    initial = response.context["form"].initial
    assert initial["agency"] == cast.employer.pk
    assert initial["purpose"] == "mentoring"
    assert initial["scope"] == ["plan"]
    assert initial["given_by"] == "parent_guardian"


# --- The case page: the team's referral section, the partner's narrow view ---------------------


def test_the_case_page_shows_the_team_its_referrals_consent_and_transfer(cast, client_of, world):
    Referral.objects.filter(pk=world["sent"].pk).update(
        response_deadline=timezone.localdate() - datetime.timedelta(days=1)
    )
    response = client_of(cast.program_manager).get(
        reverse("casework:case_detail", args=[world["case"].pk])
    )
    text = response.content.decode()
    assert response.context["referral_panel"]["referrals"] == [
        world["accepted"],
        world["sent"],
        world["draft"],
    ]
    assert len(response.context["referral_panel"]["consents"]) == 2
    assert "answer overdue" in text
    assert "Offered to Dordoi Textile Works" in text
    case_id, draft_id = world["case"].pk, world["draft"].pk
    assert reverse("referrals:referral_send", args=[case_id, draft_id]) in text
    assert reverse("referrals:referral_revoke", args=[case_id, world["sent"].pk]) in text
    # A draft is cancelled, not revoked.
    assert reverse("referrals:referral_revoke", args=[case_id, draft_id]) not in text


def test_the_social_worker_is_not_offered_revoke_or_transfer(cast, client_of, world):
    response = client_of(cast.social_worker).get(
        reverse("casework:case_detail", args=[world["case"].pk])
    )
    text = response.content.decode()
    assert "/revoke/" not in text
    assert reverse("referrals:transfer_offer", args=[world["case"].pk]) not in text


@pytest.fixture
def rich_case(cast, register):
    """A case with a plan, notes of each team-side visibility, and needs at intake."""
    case = register(phone="+996 555 777888", address="Manas ave. 5", needs=["psychiatric"])
    casework.goal_add(
        actor=cast.social_worker,
        case=case,
        domain="employment",
        description="Secret plan goal",
        owner_agency=cast.agency_a,
        target_date=None,
    )
    note(cast.social_worker, case, "case_team", text="Team-only remark")
    note(cast.social_worker, case, "all_agencies", text="Shared remark for partners")
    triage(cast.social_worker, case, "unsettled")
    return case


def partner_page(cast, client_of, case) -> str:
    response = client_of(cast.partner).get(reverse("casework:case_detail", args=[case.pk]))
    assert response.status_code == 200
    return response.content.decode()


def test_a_partner_with_identity_only_sees_identity_only(cast, client_of, rich_case):
    accepted(cast, rich_case)
    text = partner_page(cast, client_of, rich_case)
    assert rich_case.returnee.family_name in text
    for hidden in (
        "+996 555 777888",
        "Manas ave. 5",
        "Secret plan goal",
        "Team-only remark",
        "Shared remark for partners",
        "Needs at intake",
        "Unsettled",
        'id="referrals-h"',
        'id="consent-h"',
    ):
        assert hidden not in text, hidden


def test_a_partner_sees_exactly_the_scopes_shared(cast, client_of, rich_case):
    accepted(cast, rich_case, scope=("identity", "contact", "plan", "shared_notes", "triage"))
    text = partner_page(cast, client_of, rich_case)
    for shown in (
        "+996 555 777888",
        "Manas ave. 5",
        "Secret plan goal",
        "Shared remark for partners",
        "Unsettled",
    ):
        assert shown in text, shown
    for hidden in ("Team-only remark", "Needs at intake", "Departure and return", 'id="consent-h"'):
        assert hidden not in text, hidden


@pytest.mark.parametrize("ending", ["complete", "cancel", "revoke"])
def test_the_partner_loses_the_case_page_the_moment_the_referral_ends(
    cast, client_of, rich_case, ending
):
    referral = accepted(cast, rich_case, scope=("identity", "contact"))
    partner_page(cast, client_of, rich_case)
    if ending == "complete":
        services.referral_complete(actor=cast.partner, referral=referral, outcome="Hired.")
    elif ending == "cancel":
        services.referral_cancel(actor=cast.social_worker, referral=referral, reason="Moved.")
    else:
        services.referral_revoke(actor=cast.program_manager, referral=referral, reason="Review.")
    client = client_of(cast.partner)
    assert client.get(reverse("casework:case_detail", args=[rich_case.pk])).status_code == 404
    assert client.get(reverse("casework:timeline", args=[rich_case.pk])).status_code == 404


# --- Query counts: constant in the number of rows ----------------------------------------------


def make_referrals(cast, register, rows):
    """`rows` cases, each with a referral to the employer: a third sent, the rest accepted."""
    for i in range(rows):
        case = register()
        if i % 3 == 0:
            sent(cast, case)
        else:
            accepted(cast, case)


@pytest.mark.parametrize("rows", [3, 15])
def test_inbox_query_count(cast, client_of, register, django_assert_num_queries, rows):
    make_referrals(cast, register, rows)
    client = client_of(cast.partner)
    expected = [
        *SESSION_QUERIES,
        "COUNT of referrals to the user's agencies (paginator)",
        "one page of referrals with case, returnee, agencies and a case-visible flag",
        *HEADER_QUERIES,
    ]
    with django_assert_num_queries(len(expected)):
        response = client.get(reverse("referrals:inbox"))
    assert len(response.context["page"].object_list) == min(rows, LIST_PAGE_SIZE)


@pytest.mark.parametrize("rows", [3, 15])
def test_inbox_query_count_for_a_manager_with_transfers(
    cast, client_of, register, employer_manager, django_assert_num_queries, rows
):
    make_referrals(cast, register, rows)
    for _ in range(rows):
        services.lead_transfer_offer(
            actor=cast.program_manager, case=register(), to_agency=cast.employer
        )
    client = client_of(employer_manager)
    expected = [
        *SESSION_QUERIES,
        "COUNT of referrals to the user's agencies (paginator)",
        "one page of referrals with case, returnee, agencies and a case-visible flag",
        "lead transfers offered to the user's agencies, with case and agencies",
        *HEADER_QUERIES,
    ]
    with django_assert_num_queries(len(expected)):
        response = client.get(reverse("referrals:inbox"))
    assert len(response.context["transfers"]) == rows


@pytest.mark.parametrize("rows", [3, 15])
def test_outgoing_query_count(cast, client_of, register, django_assert_num_queries, rows):
    make_referrals(cast, register, rows)
    client = client_of(cast.social_worker)
    expected = [
        *SESSION_QUERIES,
        "COUNT of referrals from the user's agencies (paginator)",
        "one page of referrals with case, returnee, agencies and a case-visible flag",
        "COUNT of overdue answers",
        *HEADER_QUERIES,
    ]
    with django_assert_num_queries(len(expected)):
        response = client.get(reverse("referrals:outgoing"))
    assert len(response.context["page"].object_list) == min(rows, LIST_PAGE_SIZE)


@pytest.mark.parametrize("rows", [3, 15])
def test_flags_board_query_count(
    cast, client_of, register, bishkek_police, django_assert_num_queries, rows
):
    for _ in range(rows):
        flag(cast.social_worker, register(), severity="urgent")
    client = client_of(cast.police_liaison)
    expected = [
        *SESSION_QUERIES,
        "COUNT of unresolved flags (paginator; the police role is tested in the same SQL)",
        "one page of flags with case and returnee",
        *HEADER_QUERIES,
    ]
    with django_assert_num_queries(len(expected)):
        response = client.get(reverse("casework:flags_board"))
    assert len(response.context["page"].object_list) == min(rows, FLAGS_PAGE_SIZE)


@pytest.mark.parametrize("rows", [3, 15])
def test_case_page_referral_section_query_count(
    cast, client_of, register, django_assert_num_queries, rows
):
    case = register()
    for i in range(rows):
        service = ["job_placement", "housing", "mentoring"][i % 3]
        if i % 2:
            accepted(cast, case, service_type=service)
        else:
            draft(cast, case, service_type=service)
    client = client_of(cast.program_manager)
    expected = [*SESSION_QUERIES, *case_page_queries(manager=True)]
    with django_assert_num_queries(len(expected)):
        response = client.get(reverse("casework:case_detail", args=[case.pk]))
    assert len(response.context["referral_panel"]["referrals"]) == rows
