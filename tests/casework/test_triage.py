import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection, transaction
from django.db.utils import IntegrityError

from casework import services
from casework.models import Case, TriageAssessment, TriageDecision
from casework.services import pending_assessment
from tests.casework.helpers import HIGH, LOW, triage


def test_first_non_violent_triage_takes_effect_at_once(cast, case):
    triage(cast.social_worker, case, "non_violent")
    case.refresh_from_db()
    assert (case.category, case.pathway) == ("non_violent", "rehabilitation")


def test_unsettled_sets_filtration(cast, case):
    triage(cast.social_worker, case, "unsettled")
    case.refresh_from_db()
    assert (case.category, case.pathway) == ("unsettled", "filtration")


def test_move_to_violent_waits_for_a_second_person(cast, case):
    assessment = triage(cast.program_manager, case, "violent")
    case.refresh_from_db()
    assert assessment.needs_approval
    assert case.category == ""
    assert pending_assessment(case) == assessment

    # The assessor cannot approve their own move, even as a program manager.
    with pytest.raises(ValidationError, match="second person"):
        services.triage_decide(
            actor=cast.program_manager, assessment=assessment, approve=True, comment="ok"
        )
    # A social worker is not a program manager.
    with pytest.raises(PermissionDenied):
        services.triage_decide(
            actor=cast.colleague, assessment=assessment, approve=True, comment="ok"
        )
    case.refresh_from_db()
    assert case.category == ""
    assert not TriageDecision.objects.exists()


def test_another_program_manager_approves(cast, case, django_user_model):
    assessment = triage(cast.social_worker, case, "violent")
    services.triage_decide(
        actor=cast.program_manager, assessment=assessment, approve=True, comment="Agreed."
    )
    case.refresh_from_db()
    assert (case.category, case.pathway) == ("violent", "law_enforcement")
    assert pending_assessment(case) is None


def test_rejection_keeps_the_category_and_needs_a_comment(cast, case):
    triage(cast.social_worker, case, "non_violent")
    assessment = triage(cast.social_worker, case, "violent")
    with pytest.raises(ValidationError) as excinfo:
        services.triage_decide(
            actor=cast.program_manager, assessment=assessment, approve=False, comment="  "
        )
    assert "comment" in excinfo.value.message_dict
    services.triage_decide(
        actor=cast.program_manager, assessment=assessment, approve=False, comment="No evidence."
    )
    case.refresh_from_db()
    assert case.category == "non_violent"


def test_move_from_violent_also_needs_approval(cast, case):
    first = triage(cast.social_worker, case, "violent")
    services.triage_decide(actor=cast.program_manager, assessment=first, approve=True, comment="ok")
    back = triage(cast.social_worker, case, "unsettled")
    assert back.needs_approval
    case.refresh_from_db()
    assert case.category == "violent"


def test_no_new_triage_while_one_is_pending(cast, case):
    triage(cast.social_worker, case, "violent")
    with pytest.raises(ValidationError, match="awaits"):
        triage(cast.colleague, case, "non_violent")
    assert TriageAssessment.objects.count() == 1


def test_a_decision_is_taken_once(cast, case):
    assessment = triage(cast.social_worker, case, "violent")
    services.triage_decide(
        actor=cast.program_manager, assessment=assessment, approve=False, comment="No."
    )
    with pytest.raises(ValidationError, match="not awaiting"):
        services.triage_decide(
            actor=cast.program_manager, assessment=assessment, approve=True, comment="Yes."
        )


@pytest.mark.parametrize(
    ("category", "ratings", "rationale", "field"),
    [
        ("extremist", LOW, "Seen.", "category"),
        ("unsettled", {**LOW, "intent_context": "extreme"}, "Seen.", "intent_context"),
        ("unsettled", {**LOW, "protective_factors": ""}, "Seen.", "protective_factors"),
        ("unsettled", LOW, "   ", "rationale"),
        ("unsettled", LOW, "x" * 1_000_001, "rationale"),
    ],
)
def test_bad_triage_is_refused_and_changes_nothing(cast, case, category, ratings, rationale, field):
    with pytest.raises(ValidationError) as excinfo:
        triage(cast.social_worker, case, category, ratings=ratings, rationale=rationale)
    assert field in excinfo.value.message_dict
    assert not TriageAssessment.objects.exists()
    assert Case.objects.get(pk=case.pk).version == case.version


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize(
    "statement",
    [
        "UPDATE casework_triageassessment SET category = 'non_violent'",
        "UPDATE casework_triageassessment SET rationale = 'rewritten'",
        "DELETE FROM casework_triageassessment",
    ],
)
def test_assessments_are_insert_only_in_the_database(cast, register, statement):
    case = register()
    triage(cast.social_worker, case, "unsettled")
    with (
        pytest.raises(IntegrityError, match="insert-only"),
        transaction.atomic(),
        connection.cursor() as cursor,
    ):
        cursor.execute(statement)
    with pytest.raises(IntegrityError, match="insert-only"), transaction.atomic():
        TriageAssessment.objects.update(rationale="bulk rewrite")
    assert TriageAssessment.objects.get().rationale == "Seen at home; family interviewed."


def test_history_shows_what_changed(cast, client_of, case):
    triage(cast.social_worker, case, "unsettled", ratings=LOW, rationale="First visit.")
    triage(
        cast.social_worker,
        case,
        "non_violent",
        ratings={**LOW, "commitment_motivation": "moderate"},
        rationale="Engaged with mentoring.",
    )
    from django.urls import reverse

    page = client_of(cast.social_worker).get(reverse("casework:case_detail", args=[case.pk]))
    newest = page.context["assessments"][0]
    changed = {row["label"] for row in newest.changes if row["changed"]}
    assert changed == {"Risk category", "Commitment and motivation", "Rationale"}
    text = page.content.decode()
    assert "First visit." in text
    assert "Engaged with mentoring." in text


def test_pathway_override_needs_a_reason_and_the_current_version(cast, case):
    triage(cast.social_worker, case, "unsettled")
    case.refresh_from_db()
    with pytest.raises(ValidationError) as excinfo:
        services.case_pathway_set(
            actor=cast.social_worker,
            case=case,
            pathway="rehabilitation",
            reason="",
            expected_version=case.version,
        )
    assert "reason" in excinfo.value.message_dict
    services.case_pathway_set(
        actor=cast.social_worker,
        case=case,
        pathway="rehabilitation",
        reason="Stable job; monitoring not needed.",
        expected_version=case.version,
    )
    stale = case.version
    case.refresh_from_db()
    assert case.pathway == "rehabilitation"
    with pytest.raises(services.ConcurrentEdit) as excinfo:
        services.case_pathway_set(
            actor=cast.colleague,
            case=case,
            pathway="filtration",
            reason="",
            expected_version=stale,
        )
    assert excinfo.value.current.pathway == "rehabilitation"
    assert Case.objects.get(pk=case.pk).pathway == "rehabilitation"


def test_triage_does_not_exist_for_closed_cases(cast, case):
    services.case_close(
        actor=cast.social_worker, case=case, reason="transferred", expected_version=None
    )
    with pytest.raises(ValidationError, match="closed"):
        triage(cast.social_worker, case, "unsettled")


def test_ratings_constant_names_all_indicators():
    from casework.models import INDICATORS

    assert set(HIGH) == {name for name, _ in INDICATORS}
