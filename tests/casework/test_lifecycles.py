"""The flag and triage-approval tables (casework/lifecycles.py) are what the services,
the pages and the API do.

Every (state, action) pair in a table is reachable through its service and leads
where the table says; every other pair is refused with the step's own message and
changes nothing; the pages offer exactly the steps the table allows the reader.
Each state is built once and every step is tried from it in a rolled-back savepoint.
"""

import pytest
from django.core.exceptions import ValidationError
from django.urls import resolve, reverse

from casework import services
from casework.lifecycles import FLAG, TRIAGE_APPROVAL, Approval, approval_state
from casework.models import Flag, FlagEvent, FlagStatus, TriageAssessment, TriageDecision
from tests.casework.helpers import flag, paths_through, rolled_back, triage

FLAG_STEPS = {
    "acknowledge": lambda actor, f: services.flag_acknowledge(actor=actor, flag=f),
    "resolve": lambda actor, f: services.flag_resolve(
        actor=actor, flag=f, resolution_note="The ticket was refunded."
    ),
}
FLAG_PATHS = paths_through(FLAG, FlagStatus.OPEN, FLAG_STEPS)


@pytest.fixture
def case(register):
    return register()


def test_the_flag_table_is_the_agreed_one():
    """open → acknowledged → resolved; an open flag may be resolved at once."""
    assert FLAG.table == {
        ("open", "acknowledge"): "acknowledged",
        ("open", "resolve"): "resolved",
        ("acknowledged", "resolve"): "resolved",
    }


def test_every_flag_step_has_its_service_and_every_state_is_reachable():
    assert set(FLAG_STEPS) == set(FLAG.actions)
    assert set(FLAG_PATHS) == set(FlagStatus.values)


@pytest.mark.parametrize("state", FlagStatus.values)
def test_from_each_state_a_flag_takes_exactly_the_steps_of_the_table(cast, case, state):
    raised = flag(cast.social_worker, case)
    for action in FLAG_PATHS[state]:
        FLAG_STEPS[action](cast.colleague, raised)
    # The case team works the flags part; a colleague, so no step is someone's own.
    for action, step in FLAG_STEPS.items():
        with rolled_back():
            events = FlagEvent.objects.count()
            if (state, action) in FLAG.table:
                step(cast.colleague, raised)
                assert Flag.objects.get(pk=raised.pk).status == FLAG.table[(state, action)]
                assert FlagEvent.objects.count() == events + 1
            else:
                before = Flag.objects.values().get(pk=raised.pk)
                with pytest.raises(ValidationError) as refused:
                    step(cast.colleague, raised)
                assert refused.value.code == "transition"
                assert refused.value.messages == [str(FLAG[action].refusal)]
                assert Flag.objects.values().get(pk=raised.pk) == before
                assert FlagEvent.objects.count() == events


# The page of each flag step, and how the case page and the board link to it.
FLAG_PAGES = {"acknowledge": "casework:flag_acknowledge", "resolve": "casework:flag_resolve"}


def flag_steps_shown(text, case, flags) -> dict[str, set[str]]:
    return {
        state: {a for a, name in FLAG_PAGES.items() if reverse(name, args=[case.pk, f.pk]) in text}
        for state, f in flags.items()
    }


def flag_steps_by_table(user, states) -> dict[str, set[str]]:
    return {
        state: {
            action
            for (source, action) in FLAG.table
            if source == state and user.has_perm(FLAG[action].permission)
        }
        for state in states
    }


@pytest.fixture
def flag_in_each_state(cast, case):
    """Unresolved flags: the case page and the board list those only."""
    flags = {}
    for state in (FlagStatus.OPEN, FlagStatus.ACKNOWLEDGED):
        flags[state] = flag(cast.social_worker, case)
        for action in FLAG_PATHS[state]:
            FLAG_STEPS[action](cast.colleague, flags[state])
    return flags


@pytest.mark.parametrize("who", ["social_worker", "program_manager"])
def test_the_case_page_offers_the_team_the_flag_steps_of_the_table(
    cast, client_of, case, flag_in_each_state, who
):
    user = getattr(cast, who)
    text = client_of(user).get(reverse("casework:case_detail", args=[case.pk])).content.decode()
    expected = flag_steps_by_table(user, flag_in_each_state)
    assert flag_steps_shown(text, case, flag_in_each_state) == expected


def test_the_flags_board_offers_the_acknowledgement_the_table_allows(
    cast, client_of, case, flag_in_each_state
):
    text = client_of(cast.social_worker).get(reverse("casework:flags_board")).content.decode()
    shown = flag_steps_shown(text, case, flag_in_each_state)
    # The board offers acknowledging only; resolving is asked for on the case page.
    expected = flag_steps_by_table(cast.social_worker, flag_in_each_state)
    assert shown == {state: steps - {"resolve"} for state, steps in expected.items()}


# --- Triage approval ------------------------------------------------------------------------

DECISIONS = {"approve": True, "reject": False}


def decide(actor, assessment, action):
    return services.triage_decide(
        actor=actor, assessment=assessment, approve=DECISIONS[action], comment="Discussed."
    )


def assessment_in(cast, case, state) -> TriageAssessment:
    """An assessment by the social worker, driven to `state` by the program manager."""
    if state == Approval.NOT_NEEDED:
        return triage(cast.social_worker, case, "non_violent")
    assessment = triage(cast.social_worker, case, "violent")
    for action in paths_through(TRIAGE_APPROVAL, Approval.PENDING, DECISIONS)[state]:
        decide(cast.program_manager, assessment, action)
    return TriageAssessment.objects.get(pk=assessment.pk)


def test_the_triage_approval_table_is_the_agreed_one():
    assert TRIAGE_APPROVAL.table == {
        ("pending", "approve"): "approved",
        ("pending", "reject"): "rejected",
    }


def test_every_triage_decision_is_a_step_of_the_table_and_every_state_is_reachable():
    assert set(DECISIONS) == set(TRIAGE_APPROVAL.actions)
    reached = set(paths_through(TRIAGE_APPROVAL, Approval.PENDING, DECISIONS))
    assert reached | {Approval.NOT_NEEDED} == {
        Approval.NOT_NEEDED,
        Approval.PENDING,
        Approval.APPROVED,
        Approval.REJECTED,
    }


@pytest.mark.parametrize(
    "state", [Approval.NOT_NEEDED, Approval.PENDING, Approval.APPROVED, Approval.REJECTED]
)
def test_from_each_state_a_triage_takes_exactly_the_decisions_of_the_table(cast, case, state):
    assessment = assessment_in(cast, case, state)
    assert approval_state(assessment) == state
    for action in DECISIONS:
        with rolled_back():
            decisions = TriageDecision.objects.count()
            if (state, action) in TRIAGE_APPROVAL.table:
                decide(cast.program_manager, assessment, action)
                decided = TriageAssessment.objects.get(pk=assessment.pk)
                assert approval_state(decided) == TRIAGE_APPROVAL.table[(state, action)]
            else:
                with pytest.raises(ValidationError) as refused:
                    decide(cast.program_manager, assessment, action)
                assert refused.value.code == "not_pending"
                assert refused.value.messages == [str(TRIAGE_APPROVAL[action].refusal)]
                assert TriageDecision.objects.count() == decisions


@pytest.mark.parametrize("assessor", ["social_worker", "program_manager"])
@pytest.mark.parametrize("reader", ["social_worker", "program_manager"])
def test_the_case_page_offers_the_decision_to_a_program_manager_other_than_the_assessor(
    cast, client_of, case, assessor, reader
):
    triage(getattr(cast, assessor), case, "violent")
    user = getattr(cast, reader)
    text = client_of(user).get(reverse("casework:case_detail", args=[case.pk])).content.decode()
    offered = user.has_perm(TRIAGE_APPROVAL["approve"].permission) and reader != assessor
    assert ('value="approve"' in text, 'value="reject"' in text) == (offered, offered)


# --- The API: one transition view per flag step ------------------------------------------


@pytest.mark.parametrize("action", FLAG_STEPS)
def test_each_flag_api_step_asks_the_role_of_its_table_row(action):
    url = reverse(f"api-case-flag-{action}", kwargs={"case_id": 1, "flag_id": 1})
    view = resolve(url).func.view_class
    assert (view.lifecycle, view.action) == (FLAG, action)
    assert view.required_permissions == {"POST": FLAG[action].permission}
