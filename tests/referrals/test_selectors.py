"""Reads already filtered by what the user may see: inboxes, shared scope, the flags board."""

import datetime

import pytest
from django.utils import timezone

from casework import services as casework
from casework.grants import sync_police_grants
from casework.selectors import flags_board
from casework.services import agency_set_jurisdiction
from referrals import services
from referrals.selectors import (
    incoming_referrals,
    outgoing_referrals,
    overdue_responses,
    referrals_of_case,
    shared_scope_for,
)
from tests.casework.helpers import flag
from tests.referrals.helpers import accepted, consent, draft, sent


@pytest.fixture
def bishkek_police(cast, django_user_model):
    admin = cast.administrator
    agency_set_jurisdiction(actor=admin, agency=cast.police_agency, regions=["bishkek"])
    return cast.police_agency


def raise_flag(cast, case, **kwargs):
    """A flag through casework, then the police rule re-applied as casework will do."""
    raised = flag(cast.social_worker, case, **kwargs)
    sync_police_grants(case)
    return raised


# --- Referral lists ---------------------------------------------------------------------


def test_the_partner_inbox_lists_sent_referrals_to_their_agency_newest_first(cast, case, register):
    older = sent(cast, case)
    consent(cast, case)
    draft(cast, case)  # not sent: not in anyone's inbox
    newer = sent(cast, register(), service_type="vocational_training")
    sent(cast, case, to_agency=cast.health_agency, service_type="psychological_support")
    assert list(incoming_referrals(cast.partner)) == [newer, older]
    assert list(incoming_referrals(cast.outsider)) == []
    assert list(incoming_referrals(cast.social_worker)) == []


def test_the_partner_inbox_filters_by_status(cast, case, register):
    waiting = sent(cast, case)
    taken = accepted(cast, register())
    assert list(incoming_referrals(cast.partner, status="sent")) == [waiting]
    assert list(incoming_referrals(cast.partner, status="accepted")) == [taken]


def test_outgoing_referrals_are_the_sending_agencys_drafts_included(cast, case):
    consent(cast, case)
    first = draft(cast, case)
    second = sent(cast, case, to_agency=cast.health_agency, service_type="psychiatric_care")
    assert list(outgoing_referrals(cast.colleague)) == [second, first]
    assert list(outgoing_referrals(cast.partner)) == []
    assert list(outgoing_referrals(cast.outsider)) == []
    assert list(referrals_of_case(case)) == [second, first]


def test_overdue_responses_are_shown_to_the_sender(cast, case, monkeypatch):
    today = timezone.localdate()
    waiting = sent(cast, case)
    answered = accepted(cast, case, service_type="vocational_training")
    assert list(overdue_responses(cast.social_worker)) == []
    later = today + datetime.timedelta(days=8)
    monkeypatch.setattr(timezone, "localdate", lambda *args, **kwargs: later)
    assert list(overdue_responses(cast.social_worker)) == [waiting]
    assert answered not in overdue_responses(cast.program_manager)
    assert list(overdue_responses(cast.partner)) == []
    assert waiting.is_overdue


def test_an_inbox_is_one_query(cast, register, django_assert_num_queries):
    for _ in range(3):
        sent(cast, register())
    partner = type(cast.partner).objects.get(pk=cast.partner.pk)
    with django_assert_num_queries(3):
        # 1-2. the user's model permissions (own, then through groups), once per request
        # 3. the referrals, with case, returnee and both agencies joined
        rows = [
            (r.case.reference, r.case.returnee.family_name, r.from_agency.name, r.to_agency.name)
            for r in incoming_referrals(partner)
        ]
    assert len(rows) == 3


def test_outgoing_and_overdue_lists_are_one_query_each(cast, register, django_assert_num_queries):
    for _ in range(3):
        sent(cast, register())
    worker = type(cast.social_worker).objects.get(pk=cast.social_worker.pk)
    worker.has_perm("referrals.view_referral")  # permissions load once per request
    with django_assert_num_queries(2):
        # 1. outgoing referrals with case, returnee and agencies; 2. the overdue ones
        outgoing = [
            (r.case.returnee.family_name, r.to_agency.name) for r in outgoing_referrals(worker)
        ]
        overdue = list(overdue_responses(worker))
    assert (len(outgoing), overdue) == (3, [])


# --- Shared scope -----------------------------------------------------------------------


def test_shared_scope_is_the_union_of_active_referrals_to_the_users_agency(cast, case):
    assert shared_scope_for(cast.partner, case) == set()
    sent(cast, case, scope=["contact"])
    assert shared_scope_for(cast.partner, case) == set()  # not accepted yet
    first = accepted(cast, case, service_type="vocational_training", scope=["plan"])
    accepted(cast, case, service_type="mentoring", scope=["shared_notes"])
    assert shared_scope_for(cast.partner, case) == {"identity", "plan", "shared_notes"}
    services.referral_complete(actor=cast.partner, referral=first, outcome="Certificate.")
    assert shared_scope_for(cast.partner, case) == {"identity", "shared_notes"}


def test_shared_scope_is_empty_for_other_relationships(cast, case):
    accepted(cast, case, scope=["plan"])
    assert shared_scope_for(cast.social_worker, case) == set()
    assert shared_scope_for(cast.clinician, case) == set()
    assert shared_scope_for(cast.outsider, case) == set()


# --- Flags board ------------------------------------------------------------------------


def test_the_board_lists_the_most_severe_first_then_the_oldest(cast, case, register):
    other = register()
    info = raise_flag(cast, case, severity="info")
    urgent_old = raise_flag(cast, other, severity="urgent")
    concern = raise_flag(cast, case, severity="concern")
    urgent_new = raise_flag(cast, case, severity="urgent")
    assert list(flags_board(cast.program_manager)) == [urgent_old, urgent_new, concern, info]


def test_resolved_flags_leave_the_board_acknowledged_ones_stay(cast, case):
    resolved = raise_flag(cast, case)
    acknowledged = raise_flag(cast, case)
    casework.flag_resolve(actor=cast.colleague, flag=resolved, resolution_note="Checked.")
    casework.flag_acknowledge(actor=cast.colleague, flag=acknowledged)
    assert list(flags_board(cast.social_worker)) == [acknowledged]


def test_the_board_filters_by_region_category_and_source(cast, case, register):
    osh = register(region="osh")
    travel = raise_flag(cast, case, category="travel", source="family")
    threats = raise_flag(cast, case, category="threats", source="police")
    in_osh = raise_flag(cast, osh, category="travel", source="social_worker")
    board = flags_board(cast.social_worker)
    assert set(board) == {travel, threats, in_osh}
    assert list(flags_board(cast.social_worker, region="osh")) == [in_osh]
    assert list(flags_board(cast.social_worker, category="travel")) == [travel, in_osh]
    assert list(flags_board(cast.social_worker, source="police")) == [threats]
    assert list(flags_board(cast.social_worker, region="bishkek", category="threats")) == [threats]


def test_police_see_flags_of_the_cases_in_their_jurisdiction_only(
    cast, case, register, bishkek_police
):
    here = raise_flag(cast, case)
    raise_flag(cast, register(region="osh"))
    assert list(flags_board(cast.police_liaison)) == [here]


@pytest.mark.parametrize("who", ["outsider", "outsider_manager", "partner", "auditor"])
def test_the_board_shows_nothing_to_who_may_not_see_the_flags(cast, case, who):
    accepted(cast, case, scope=["identity", "triage", "shared_notes"])
    raise_flag(cast, case)
    assert list(flags_board(getattr(cast, who))) == []


def test_the_board_is_one_query_after_the_users_permissions(
    cast, case, register, bishkek_police, django_assert_num_queries
):
    for subject in (case, register(), register()):
        raise_flag(cast, subject)
    liaison = type(cast.police_liaison).objects.get(pk=cast.police_liaison.pk)
    with django_assert_num_queries(3):
        # 1-2. the user's model permissions (own, then through groups)
        # 3. the flags, with case and returnee joined; whether the user is a police
        #    liaison (who sees flags on every case they see) is part of the same SQL
        rows = [(f.case.reference, f.case.returnee.region) for f in flags_board(liaison)]
    assert len(rows) == 3
