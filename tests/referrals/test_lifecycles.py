"""The referral and lead-transfer tables (referrals/lifecycles.py) are what the
services, the pages and the API do.

Every (state, action) pair in a table is reachable through its service and leads
where the table says; every other pair is refused with the step's own message and
changes nothing; the pages offer exactly the steps the table allows the reader;
each API step is configured from the table. Each state is built once and every
step is tried from it in a savepoint that is rolled back.
"""

import pytest
from django.core.exceptions import ValidationError
from django.urls import resolve, reverse

from referrals import services
from referrals.access import OFFERED, OFFERING, RECEIVER, SENDER
from referrals.lifecycles import LEAD_TRANSFER, REFERRAL
from referrals.models import (
    LeadTransfer,
    LeadTransferStatus,
    Referral,
    ReferralEvent,
    ReferralStatus,
)
from tests.casework.helpers import paths_through, rolled_back
from tests.referrals.helpers import consent, draft

# Each step a person takes, through its service.
STEPS = {
    "send": lambda actor, r: services.referral_send(actor=actor, referral=r),
    "accept": lambda actor, r: services.referral_accept(actor=actor, referral=r),
    "decline": lambda actor, r: services.referral_decline(
        actor=actor, referral=r, reason="We have no places."
    ),
    "progress": lambda actor, r: services.referral_progress(
        actor=actor, referral=r, note="Started on the line."
    ),
    "complete": lambda actor, r: services.referral_complete(
        actor=actor, referral=r, outcome="Permanent contract."
    ),
    "cancel": lambda actor, r: services.referral_cancel(
        actor=actor, referral=r, reason="Found work elsewhere."
    ),
    "revoke": lambda actor, r: services.referral_revoke(
        actor=actor, referral=r, reason="Partner under review."
    ),
}
# The step that follows consent instead (tried by recording a withdrawal).
CONSENT_ENDED = "consent_ended"
PATHS = paths_through(REFERRAL, ReferralStatus.DRAFT, STEPS)


def actor_for(cast, transition):
    """Someone whose role and agency take the step: the sending agency is A, the
    receiving one the employer."""
    candidates = {
        SENDER: [cast.social_worker, cast.program_manager],
        RECEIVER: [cast.partner],
        OFFERING: [cast.program_manager],
        OFFERED: [cast.outsider_manager],
    }[transition.side]
    return next(u for u in candidates if u.has_perm(transition.permission))


def referral_in(cast, case, state) -> Referral:
    """A referral to the employer, driven from a draft to `state` through the services."""
    referral = draft(cast, case)
    for action in PATHS[state]:
        STEPS[action](actor_for(cast, REFERRAL[action]), referral)
    return Referral.objects.get(pk=referral.pk)


def test_the_referral_table_is_the_agreed_one():
    """draft → sent → accepted | declined → in progress → completed; the sender
    cancels, a program manager revokes, and a consent that no longer covers it
    cancels what was sent on it."""
    ending = {(s, "cancel"): "cancelled" for s in ("draft", "sent", "accepted", "in_progress")}
    ending |= {(s, "revoke"): "revoked" for s in ("sent", "accepted", "in_progress")}
    ending |= {(s, CONSENT_ENDED): "cancelled" for s in ("sent", "accepted", "in_progress")}
    assert REFERRAL.table == {
        ("draft", "send"): "sent",
        ("sent", "accept"): "accepted",
        ("sent", "decline"): "declined",
        ("accepted", "progress"): "in_progress",
        ("in_progress", "progress"): "in_progress",
        ("accepted", "complete"): "completed",
        ("in_progress", "complete"): "completed",
        **ending,
    }


def test_every_step_of_the_table_has_its_service_and_every_state_is_reachable():
    assert {*STEPS, CONSENT_ENDED} == set(REFERRAL.actions)
    assert set(PATHS) == set(ReferralStatus.values)


@pytest.mark.parametrize("state", ReferralStatus.values)
def test_from_each_state_the_referral_takes_exactly_the_steps_of_the_table(cast, register, state):
    case = register()
    consent(cast, case)
    referral = referral_in(cast, case, state)
    assert referral.status == state
    for action in STEPS:
        actor = actor_for(cast, REFERRAL[action])
        with rolled_back():
            events = ReferralEvent.objects.count()
            if (state, action) in REFERRAL.table:
                STEPS[action](actor, referral)
                assert (
                    Referral.objects.get(pk=referral.pk).status == REFERRAL.table[(state, action)]
                ), action
                assert ReferralEvent.objects.count() == events + 1
            else:
                before = Referral.objects.values().get(pk=referral.pk)
                with pytest.raises(ValidationError) as refused:
                    STEPS[action](actor, referral)
                assert refused.value.code == "transition", action
                assert refused.value.messages[0].startswith(str(REFERRAL[action].refusal))
                assert Referral.objects.values().get(pk=referral.pk) == before
                assert ReferralEvent.objects.count() == events
    # A withdrawn consent ends the referrals relying on it, in the table's states only.
    consent(cast, case, decision="withdrawn")
    expected = REFERRAL.table.get((state, CONSENT_ENDED), state)
    assert Referral.objects.get(pk=referral.pk).status == expected


# --- Lead agency transfers ----------------------------------------------------------------

TRANSFER_STEPS = {
    "accept": services.lead_transfer_accept,
    "decline": services.lead_transfer_decline,
    "cancel": services.lead_transfer_cancel,
}
TRANSFER_PATHS = paths_through(LEAD_TRANSFER, LeadTransferStatus.OFFERED, TRANSFER_STEPS)


def test_the_transfer_table_is_the_agreed_one():
    """An offer is answered once: accepted or declined by the offered agency, or
    withdrawn by the offering one."""
    assert LEAD_TRANSFER.table == {
        ("offered", "accept"): "accepted",
        ("offered", "decline"): "declined",
        ("offered", "cancel"): "cancelled",
    }


def test_every_transfer_step_has_its_service_and_every_state_is_reachable():
    assert set(TRANSFER_STEPS) == set(LEAD_TRANSFER.actions)
    assert set(TRANSFER_PATHS) == set(LeadTransferStatus.values)


@pytest.mark.parametrize("state", LeadTransferStatus.values)
def test_from_each_state_a_transfer_takes_exactly_the_steps_of_the_table(cast, register, state):
    transfer = services.lead_transfer_offer(
        actor=cast.program_manager, case=register(), to_agency=cast.agency_b
    )
    for action in TRANSFER_PATHS[state]:
        TRANSFER_STEPS[action](actor=actor_for(cast, LEAD_TRANSFER[action]), transfer=transfer)
    for action, step in TRANSFER_STEPS.items():
        actor = actor_for(cast, LEAD_TRANSFER[action])
        with rolled_back():
            if (state, action) in LEAD_TRANSFER.table:
                step(actor=actor, transfer=transfer)
                assert (
                    LeadTransfer.objects.get(pk=transfer.pk).status
                    == LEAD_TRANSFER.table[(state, action)]
                )
            else:
                before = LeadTransfer.objects.values().get(pk=transfer.pk)
                with pytest.raises(ValidationError) as refused:
                    step(actor=actor, transfer=transfer)
                assert refused.value.code == "transition"
                assert refused.value.messages == [str(LEAD_TRANSFER[action].refusal)]
                assert LeadTransfer.objects.values().get(pk=transfer.pk) == before


# --- What the pages offer -----------------------------------------------------------------

# The page of each step a reader is offered, and the side it is offered on.
CASE_PAGE_STEPS = {
    "send": "referrals:referral_send",
    "cancel": "referrals:referral_cancel",
    "revoke": "referrals:referral_revoke",
}
INBOX_STEPS = {
    "accept": "referrals:incoming_accept",
    "decline": "referrals:incoming_decline",
    "progress": "referrals:incoming_progress",
    "complete": "referrals:incoming_complete",
}


def test_every_step_a_person_takes_has_a_page_on_its_side():
    assert {a for a in CASE_PAGE_STEPS if REFERRAL[a].side == SENDER} == set(CASE_PAGE_STEPS)
    assert {a for a in INBOX_STEPS if REFERRAL[a].side == RECEIVER} == set(INBOX_STEPS)
    assert {*CASE_PAGE_STEPS, *INBOX_STEPS} == set(STEPS)


@pytest.fixture
def one_of_each(cast, register):
    """One case with a referral to the employer in each state."""
    case = register()
    consent(cast, case)
    return case, {state: referral_in(cast, case, state) for state in ReferralStatus.values}


def offered_by_table(state, user, side) -> set[str]:
    return {
        action
        for (source, action), _target in REFERRAL.table.items()
        if source == state
        and REFERRAL[action].side == side
        and user.has_perm(REFERRAL[action].permission)
    }


@pytest.mark.parametrize("who", ["program_manager", "social_worker"])
def test_the_case_page_offers_the_team_the_sending_steps_of_the_table(
    cast, client_of, one_of_each, who
):
    case, referrals = one_of_each
    user = getattr(cast, who)
    text = client_of(user).get(reverse("casework:case_detail", args=[case.pk])).content.decode()
    for state, referral in referrals.items():
        shown = {
            action
            for action, name in CASE_PAGE_STEPS.items()
            if reverse(name, args=[case.pk, referral.pk]) in text
        }
        assert shown == offered_by_table(state, user, SENDER), state


def test_the_inbox_offers_the_receiving_agency_the_steps_of_the_table(cast, client_of, one_of_each):
    _case, referrals = one_of_each
    text = client_of(cast.partner).get(reverse("referrals:inbox")).content.decode()
    for state, referral in referrals.items():
        shown = {
            action
            for action, name in INBOX_STEPS.items()
            if reverse(name, args=[referral.pk]) in text
        }
        assert shown == offered_by_table(state, cast.partner, RECEIVER), state


def test_a_former_lead_agencys_referrals_offer_the_new_lead_no_step(cast, client_of, register):
    """The new lead's team is on no side of them: their pages would answer 404."""
    case = register()
    consent(cast, case)
    referral = referral_in(cast, case, ReferralStatus.SENT)
    transfer = services.lead_transfer_offer(
        actor=cast.program_manager, case=case, to_agency=cast.agency_b
    )
    services.lead_transfer_accept(actor=cast.outsider_manager, transfer=transfer)
    client = client_of(cast.outsider_manager)
    text = client.get(reverse("casework:case_detail", args=[case.pk])).content.decode()
    for name in CASE_PAGE_STEPS.values():
        url = reverse(name, args=[case.pk, referral.pk])
        assert url not in text
        assert client.get(url).status_code == 404


# --- The API: one transition view per step, configured from the table --------------------

API_STEPS = [
    *((f"api-referral-{action}", REFERRAL, action, "referral_id") for action in STEPS),
    *(
        (f"api-lead-transfer-{action}", LEAD_TRANSFER, action, "transfer_id")
        for action in TRANSFER_STEPS
    ),
]


@pytest.mark.parametrize(("name", "lifecycle", "action", "kwarg"), API_STEPS)
def test_each_api_step_asks_the_role_of_its_table_row(name, lifecycle, action, kwarg):
    view = resolve(reverse(name, kwargs={kwarg: 1})).func.view_class
    assert (view.lifecycle, view.action) == (lifecycle, action)
    assert view.required_permissions == {"POST": lifecycle[action].permission}
