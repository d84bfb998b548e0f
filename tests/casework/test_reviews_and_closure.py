import datetime

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from casework import services
from casework.models import Case, CaseStatusChange, Goal, Review
from tests.casework.helpers import flag, triage

TODAY = timezone.localdate


def days(n):
    return TODAY() + datetime.timedelta(days=n)


@pytest.mark.parametrize(
    ("category", "expected"), [("unsettled", 14), ("violent", 30), ("non_violent", 90)]
)
def test_review_cadence_by_category(cast, register, category, expected):
    case = register()
    assessment = triage(cast.social_worker, case, category)
    if assessment.needs_approval:
        services.triage_decide(
            actor=cast.program_manager, assessment=assessment, approve=True, comment="ok"
        )
    case.refresh_from_db()
    assert case.next_review_on == days(expected)


def test_untriaged_case_is_due_as_soon_as_an_unsettled_one(register):
    assert register().next_review_on == days(14)


def test_minors_are_reviewed_at_least_every_30_days(cast, register):
    child = register(birth_date=TODAY().replace(year=TODAY().year - 10), departure_date=None)
    triage(cast.social_worker, child, "non_violent")
    child.refresh_from_db()
    assert child.next_review_on == days(30)


def test_a_minor_by_approximate_age(cast, register):
    child = register(birth_date=None, approximate_age=12, departure_date=None)
    triage(cast.social_worker, child, "non_violent")
    child.refresh_from_db()
    assert child.next_review_on == days(30)


def test_cadence_is_configurable_per_program(cast, register):
    cast.agency_a.review_days_non_violent = 60
    cast.agency_a.save(update_fields=["review_days_non_violent"])
    case = register()
    triage(cast.social_worker, case, "non_violent")
    case.refresh_from_db()
    assert case.next_review_on == days(60)


def test_completing_a_review_sets_the_next_date(cast, register):
    case = register()
    triage(cast.social_worker, case, "unsettled")
    case.refresh_from_db()
    review = services.review_complete(
        actor=cast.social_worker,
        case=case,
        outcome="continue",
        summary="Stable.",
        expected_version=case.version,
    )
    assert review.next_review_on == days(14)
    assert review.due_on == days(14)


def test_escalation_at_review_sets_the_law_enforcement_pathway(cast, register):
    case = register()
    triage(cast.social_worker, case, "unsettled")
    case.refresh_from_db()
    services.review_complete(
        actor=cast.social_worker, case=case, outcome="escalate", summary="Threats made."
    )
    case.refresh_from_db()
    assert case.pathway == "law_enforcement"
    assert case.pathway_override_reason


def test_review_outcome_close_closes_with_a_reason(cast, register):
    case = register()
    with pytest.raises(ValidationError) as excinfo:
        services.review_complete(actor=cast.social_worker, case=case, outcome="close", summary="x")
    assert "closure_reason" in excinfo.value.message_dict
    services.review_complete(
        actor=cast.social_worker,
        case=case,
        outcome="close",
        summary="Working and housed.",
        closure_reason="reintegrated",
    )
    case.refresh_from_db()
    assert (case.status, case.closure_reason, case.next_review_on) == (
        "closed",
        "reintegrated",
        None,
    )


def test_closure_is_refused_while_an_urgent_flag_is_open(cast, register):
    case = register()
    flag(cast.colleague, case, severity="urgent")
    case.refresh_from_db()
    with pytest.raises(ValidationError, match="urgent flag"):
        services.case_close(
            actor=cast.social_worker,
            case=case,
            reason="reintegrated",
            expected_version=case.version,
        )
    with pytest.raises(ValidationError, match="urgent flag"):
        services.review_complete(
            actor=cast.social_worker,
            case=case,
            outcome="close",
            summary="Done.",
            closure_reason="reintegrated",
        )
    assert Case.objects.get(pk=case.pk).status == "open"
    assert not Review.objects.exists()
    assert not CaseStatusChange.objects.exists()


def test_close_and_reopen_with_reasons(cast, register):
    case = register()
    services.case_close(
        actor=cast.social_worker,
        case=case,
        reason="left_country",
        note="Moved to Kazakhstan.",
        expected_version=case.version,
    )
    case.refresh_from_db()
    with pytest.raises(ValidationError) as excinfo:
        services.case_reopen(
            actor=cast.social_worker, case=case, note="", expected_version=case.version
        )
    assert "note" in excinfo.value.message_dict
    services.case_reopen(
        actor=cast.social_worker, case=case, note="Came back.", expected_version=case.version
    )
    case.refresh_from_db()
    assert (case.status, case.closed_on, case.closure_reason) == ("open", None, "")
    assert case.next_review_on == days(14)
    assert list(CaseStatusChange.objects.values_list("status", flat=True)) == ["open", "closed"]


def test_custody_keeps_the_case_open(cast, register):
    case = register()
    episode = services.custody_start(
        actor=cast.social_worker,
        case=case,
        facility="SIZO-1 Bishkek",
        started_on=days(-10),
        segregated=True,
    )
    with pytest.raises(ValidationError):
        services.custody_start(
            actor=cast.social_worker,
            case=case,
            facility="Another",
            started_on=days(-1),
            segregated=False,
        )
    with pytest.raises(ValidationError) as excinfo:
        services.custody_end(actor=cast.social_worker, episode=episode, ended_on=days(-20))
    assert "ended_on" in excinfo.value.message_dict
    services.custody_end(actor=cast.social_worker, episode=episode, ended_on=days(-1))
    assert Case.objects.get(pk=case.pk).status == "open"


def test_two_people_editing_one_goal_never_overwrite_each_other(cast, register):
    case = register()
    goal = services.goal_add(
        actor=cast.social_worker,
        case=case,
        domain="employment",
        description="Job at the textile works",
        owner_agency=cast.employer,
        target_date=days(60),
    )
    seen_by_both = goal.version
    services.goal_update(
        actor=cast.social_worker,
        goal=goal,
        expected_version=seen_by_both,
        status="in_progress",
        target_date=days(60),
        outcome="Interview booked.",
    )
    with pytest.raises(services.ConcurrentEdit) as excinfo:
        services.goal_update(
            actor=cast.colleague,
            goal=goal,
            expected_version=seen_by_both,
            status="cancelled",
            target_date=None,
            outcome="",
        )
    assert excinfo.value.current.status == "in_progress"
    stored = Goal.objects.get(pk=goal.pk)
    assert (stored.status, stored.outcome) == ("in_progress", "Interview booked.")
    assert stored.revisions.count() == 2
