"""The referral lifecycle: each transition from the right state, by the right side, recorded."""

import datetime
import itertools

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from casework.services import ConcurrentEdit, case_close
from referrals import services
from referrals.models import Referral, ReferralEvent
from referrals.selectors import referral_events_of_case
from tests.referrals.helpers import accepted, consent, draft, sent, to_state

# Each action done by the side allowed to do it.
ACTIONS = {
    "send": lambda cast, r: services.referral_send(actor=cast.social_worker, referral=r),
    "accept": lambda cast, r: services.referral_accept(actor=cast.partner, referral=r),
    "decline": lambda cast, r: services.referral_decline(
        actor=cast.partner, referral=r, reason="We have no places."
    ),
    "progress": lambda cast, r: services.referral_progress(
        actor=cast.partner, referral=r, note="Started on the line."
    ),
    "complete": lambda cast, r: services.referral_complete(
        actor=cast.partner, referral=r, outcome="Permanent contract."
    ),
    "cancel": lambda cast, r: services.referral_cancel(
        actor=cast.social_worker, referral=r, reason="Found work elsewhere."
    ),
    "revoke": lambda cast, r: services.referral_revoke(
        actor=cast.program_manager, referral=r, reason="Partner under review."
    ),
}
ALLOWED = {
    ("draft", "send"): "sent",
    ("draft", "cancel"): "cancelled",
    ("sent", "accept"): "accepted",
    ("sent", "decline"): "declined",
    ("sent", "cancel"): "cancelled",
    ("sent", "revoke"): "revoked",
    ("accepted", "progress"): "in_progress",
    ("accepted", "complete"): "completed",
    ("accepted", "cancel"): "cancelled",
    ("accepted", "revoke"): "revoked",
    ("in_progress", "progress"): "in_progress",
    ("in_progress", "complete"): "completed",
    ("in_progress", "cancel"): "cancelled",
    ("in_progress", "revoke"): "revoked",
}
STATES = [
    "draft",
    "sent",
    "accepted",
    "in_progress",
    "completed",
    "declined",
    "cancelled",
    "revoked",
]
DISALLOWED = [pair for pair in itertools.product(STATES, ACTIONS) if pair not in ALLOWED]


# --- Creating a draft -------------------------------------------------------------------


def test_a_new_referral_is_a_draft_from_the_lead_agency_sharing_identity_at_least(cast, case):
    referral = draft(cast, case, scope=["plan"])
    assert referral.status == "draft"
    assert referral.from_agency == cast.agency_a
    assert referral.share_scope == ["identity", "plan"]
    assert referral.created_by == cast.social_worker
    assert list(referral.events.values_list("status", "kind")) == [("draft", "transition")]


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        (
            {"response_deadline": timezone.localdate() - datetime.timedelta(days=1)},
            "response_deadline",
        ),
        ({"scope": ["everything"]}, "share_scope"),
        ({"reason": "  "}, "reason"),
        ({"reason": "x" * 20_001}, "reason"),
        ({"reason": "nul\x00byte"}, "reason"),
        ({"service_type": "astrology"}, "service_type"),
        ({"service_type": "police_monitoring"}, "service_type"),  # the employer is not police
    ],
)
def test_bad_referrals_are_refused_and_nothing_is_written(cast, case, changes, field):
    with pytest.raises(ValidationError) as excinfo:
        draft(cast, case, **changes)
    assert field in excinfo.value.message_dict
    assert not Referral.objects.exists()


def test_a_case_cannot_be_referred_to_its_own_lead_agency(cast, case):
    with pytest.raises(ValidationError) as excinfo:
        draft(cast, case, to_agency=cast.agency_a)
    assert "to_agency" in excinfo.value.message_dict


@pytest.mark.parametrize("who", ["outsider", "outsider_manager", "partner", "police_liaison"])
def test_only_the_lead_agency_refers_its_case(cast, case, who):
    with pytest.raises(PermissionDenied):
        draft(cast, case, actor=getattr(cast, who))
    assert not Referral.objects.exists()


def test_a_closed_case_is_not_referred(cast, case):
    case_close(actor=cast.social_worker, case=case, reason="left_country", expected_version=None)
    with pytest.raises(ValidationError, match="closed"):
        draft(cast, case)


# --- Transitions ------------------------------------------------------------------------


def test_the_whole_path_is_recorded_with_who_did_what(cast, case):
    referral = sent(cast, case)
    services.referral_accept(actor=cast.partner, referral=referral)
    services.referral_progress(actor=cast.partner, referral=referral, note="Week one fine.")
    services.referral_progress(actor=cast.partner, referral=referral, note="Week two fine.")
    services.referral_complete(actor=cast.partner, referral=referral, outcome="Hired.")
    referral.refresh_from_db()
    assert referral.status == "completed"
    assert referral.outcome == "Hired."
    assert referral.sent_at <= referral.responded_at <= referral.closed_at
    assert list(referral.events.values_list("status", "kind", "actor__username", "note")) == [
        ("draft", "transition", "aigul", ""),
        ("sent", "transition", "aigul", ""),
        ("accepted", "transition", "samat", ""),
        ("in_progress", "progress", "samat", "Week one fine."),
        ("in_progress", "progress", "samat", "Week two fine."),
        ("completed", "transition", "samat", "Hired."),
    ]


@pytest.mark.parametrize(("state", "action"), list(ALLOWED))
def test_each_allowed_transition(cast, case, state, action):
    referral = to_state(cast, case, state)
    events = ReferralEvent.objects.count()
    ACTIONS[action](cast, referral)
    referral.refresh_from_db()
    assert referral.status == ALLOWED[(state, action)]
    assert ReferralEvent.objects.count() == events + 1
    assert ReferralEvent.objects.latest("pk").status == referral.status


@pytest.mark.parametrize(("state", "action"), DISALLOWED)
def test_a_transition_not_allowed_from_the_state_is_refused_and_changes_nothing(
    cast, case, state, action
):
    referral = to_state(cast, case, state)
    before = Referral.objects.values().get(pk=referral.pk)
    events = ReferralEvent.objects.count()
    with pytest.raises(ValidationError) as excinfo:
        ACTIONS[action](cast, referral)
    assert excinfo.value.code == "transition"
    assert Referral.objects.values().get(pk=referral.pk) == before
    assert ReferralEvent.objects.count() == events


# --- The right side ---------------------------------------------------------------------


@pytest.mark.parametrize("action", ["accept", "decline"])
@pytest.mark.parametrize("who", ["social_worker", "program_manager", "clinician", "outsider"])
def test_only_the_receiving_agency_answers_a_referral(cast, case, action, who):
    referral = sent(cast, case)
    with pytest.raises(PermissionDenied):
        {
            "accept": lambda u: services.referral_accept(actor=u, referral=referral),
            "decline": lambda u: services.referral_decline(actor=u, referral=referral, reason="x"),
        }[action](getattr(cast, who))
    assert Referral.objects.get(pk=referral.pk).status == "sent"


@pytest.mark.parametrize("action", ["progress", "complete"])
@pytest.mark.parametrize("who", ["social_worker", "clinician", "police_liaison"])
def test_only_the_receiving_agency_records_progress_and_outcome(cast, case, action, who):
    referral = accepted(cast, case)
    with pytest.raises(PermissionDenied):
        {
            "progress": lambda u: services.referral_progress(actor=u, referral=referral, note="x"),
            "complete": lambda u: services.referral_complete(
                actor=u, referral=referral, outcome="x"
            ),
        }[action](getattr(cast, who))
    assert Referral.objects.get(pk=referral.pk).status == "accepted"


@pytest.mark.parametrize("who", ["partner", "outsider", "outsider_manager"])
def test_only_the_sending_agency_sends_and_cancels(cast, case, who):
    consent(cast, case)
    referral = draft(cast, case)
    actor = getattr(cast, who)
    with pytest.raises(PermissionDenied):
        services.referral_send(actor=actor, referral=referral)
    with pytest.raises(PermissionDenied):
        services.referral_cancel(actor=actor, referral=referral, reason="Not mine.")
    assert Referral.objects.get(pk=referral.pk).status == "draft"


def test_a_colleague_in_the_sending_agency_may_cancel(cast, case):
    referral = accepted(cast, case)
    services.referral_cancel(actor=cast.colleague, referral=referral, reason="Plan changed.")
    assert Referral.objects.get(pk=referral.pk).status == "cancelled"


@pytest.mark.parametrize("who", ["social_worker", "outsider_manager", "partner"])
def test_only_a_program_manager_of_the_lead_agency_revokes(cast, case, who):
    referral = accepted(cast, case)
    with pytest.raises(PermissionDenied):
        services.referral_revoke(actor=getattr(cast, who), referral=referral, reason="No.")
    assert Referral.objects.get(pk=referral.pk).status == "accepted"


def test_police_answer_a_police_monitoring_referral(cast, case):
    referral = sent(cast, case, to_agency=cast.police_agency, service_type="police_monitoring")
    services.referral_accept(actor=cast.police_liaison, referral=referral)
    assert Referral.objects.get(pk=referral.pk).status == "accepted"


# --- Reasons, stale edits ---------------------------------------------------------------


@pytest.mark.parametrize(
    ("state", "call", "field"),
    [
        (
            "sent",
            lambda c, r: services.referral_decline(actor=c.partner, referral=r, reason=" "),
            "reason",
        ),
        (
            "sent",
            lambda c, r: services.referral_cancel(actor=c.social_worker, referral=r, reason=""),
            "reason",
        ),
        (
            "sent",
            lambda c, r: services.referral_revoke(actor=c.program_manager, referral=r, reason=""),
            "reason",
        ),
        (
            "accepted",
            lambda c, r: services.referral_complete(actor=c.partner, referral=r, outcome=" "),
            "outcome",
        ),
        (
            "accepted",
            lambda c, r: services.referral_progress(actor=c.partner, referral=r, note=""),
            "note",
        ),
    ],
)
def test_endings_and_updates_need_their_text(cast, case, state, call, field):
    referral = to_state(cast, case, state)
    with pytest.raises(ValidationError) as excinfo:
        call(cast, referral)
    assert field in excinfo.value.message_dict
    assert Referral.objects.get(pk=referral.pk).status == state


def test_a_stale_answer_is_refused(cast, case):
    referral = sent(cast, case)
    seen = referral.version
    services.referral_cancel(actor=cast.social_worker, referral=referral, reason="Oops.")
    with pytest.raises(ConcurrentEdit):
        services.referral_accept(actor=cast.partner, referral=referral, expected_version=seen)
    assert Referral.objects.get(pk=referral.pk).status == "cancelled"


def test_a_referral_is_not_accepted_on_a_closed_case(cast, case):
    referral = sent(cast, case)
    case_close(actor=cast.social_worker, case=case, reason="left_country", expected_version=None)
    with pytest.raises(ValidationError, match="closed"):
        services.referral_accept(actor=cast.partner, referral=referral)


def test_partner_updates_are_on_the_case_timeline_source(cast, case):
    referral = accepted(cast, case)
    services.referral_progress(actor=cast.partner, referral=referral, note="Came on time.")
    latest = referral_events_of_case(case).first()
    assert (latest.kind, latest.note, latest.actor) == ("progress", "Came on time.", cast.partner)


# --- The database backs the rules -------------------------------------------------------


@pytest.mark.parametrize(
    "change",
    [
        {"share_scope": ["contact"]},
        {"to_agency_id": "from_agency_id"},
        {"consent_id": None, "consent_override_basis": ""},
    ],
)
def test_the_database_refuses_a_referral_breaking_an_invariant(cast, case, change):
    referral = sent(cast, case)
    if change.get("to_agency_id") == "from_agency_id":
        change = {"to_agency_id": referral.from_agency_id}
    with pytest.raises(IntegrityError), transaction.atomic():
        Referral.objects.filter(pk=referral.pk).update(**change)
