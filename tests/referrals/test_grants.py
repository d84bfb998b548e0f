"""Grants follow relationships: referrals, the lead agency, police jurisdiction."""

import logging

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from casework import services as casework
from casework.access import cases_for_user
from casework.grants import sync_case_grants, sync_police_grants
from casework.models import Case, CaseUserObjectPermission
from casework.services import agency_set_jurisdiction
from referrals import services
from referrals.models import LeadTransfer
from tests.casework.helpers import flag
from tests.referrals.helpers import (
    accepted,
    consent,
    draft,
    in_a_week,
    sent,
    triaged,
    visible_codenames,
)

CASE_TEAM = {
    "view_case",
    "change_case",
    "view_case_contact",
    "view_case_plan",
    "view_case_shared_notes",
    "view_case_triage",
}
POLICE = {"view_case", "view_case_triage"}


@pytest.fixture
def admin(cast):
    return cast.administrator


@pytest.fixture
def bishkek_police(cast, admin):
    agency_set_jurisdiction(actor=admin, agency=cast.police_agency, regions=["bishkek"])
    return cast.police_agency


def user_grant(user, case):
    """A user-level grant that no agency relationship explains (e.g. a second assignee)."""
    casework.case_team_grant(cases=[case], user=user, codenames=["view_case"])


def end(cast, referral, how):
    if how == "complete":
        services.referral_complete(actor=cast.partner, referral=referral, outcome="Hired.")
    elif how == "cancel":
        services.referral_cancel(actor=cast.social_worker, referral=referral, reason="Moved away.")
    else:
        services.referral_revoke(actor=cast.program_manager, referral=referral, reason="Breach.")


# --- Referrals --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("scope", "expected"),
    [
        (["identity"], {"view_case"}),
        (["identity", "contact"], {"view_case", "view_case_contact"}),
        (["plan", "shared_notes"], {"view_case", "view_case_plan", "view_case_shared_notes"}),
        (["triage"], {"view_case", "view_case_triage"}),
        (["contact", "plan", "shared_notes", "triage"], CASE_TEAM - {"change_case"}),
    ],
)
def test_accepting_grants_the_partner_agency_exactly_the_shared_scope(cast, case, scope, expected):
    accepted(cast, case, scope=scope)
    assert visible_codenames(cast.partner, case) == expected
    # The agency, not the person: anyone who joins the employer sees the same.
    assert visible_codenames(cast.clinician, case) == set()


def test_a_sent_referral_grants_nothing(cast, case):
    sent(cast, case, scope=["identity", "contact"])
    assert not cases_for_user(cast.partner).exists()


def test_a_declined_referral_grants_nothing(cast, case):
    referral = sent(cast, case)
    services.referral_decline(actor=cast.partner, referral=referral, reason="Full.")
    assert not cases_for_user(cast.partner).exists()


@pytest.mark.parametrize("how", ["complete", "cancel", "revoke"])
def test_the_partner_loses_access_the_moment_the_referral_ends(cast, case, how):
    referral = accepted(cast, case, scope=["identity", "plan", "contact"])
    assert cases_for_user(cast.partner).exists()
    end(cast, referral, how)
    assert not cases_for_user(cast.partner).exists()
    assert visible_codenames(cast.partner, case) == set()


@pytest.mark.parametrize("how", ["complete", "cancel", "revoke"])
def test_ending_a_referral_leaves_the_case_team_as_it_was(cast, case, how):
    user_grant(cast.clinician, case)
    referral = accepted(cast, case, scope=["identity", "plan"])
    end(cast, referral, how)
    for member in (cast.social_worker, cast.colleague, cast.program_manager):
        assert {"view_case", "change_case"} <= visible_codenames(member, case)
    assert visible_codenames(cast.clinician, case) == {"view_case"}


def test_a_second_active_referral_keeps_the_access_it_justifies(cast, case):
    first = accepted(cast, case, scope=["identity", "plan"])
    second = accepted(cast, case, service_type="vocational_training", scope=["contact"])
    assert visible_codenames(cast.partner, case) == {
        "view_case",
        "view_case_plan",
        "view_case_contact",
    }
    end(cast, first, "complete")
    assert visible_codenames(cast.partner, case) == {"view_case", "view_case_contact"}
    end(cast, second, "cancel")
    assert visible_codenames(cast.partner, case) == set()


def test_sync_is_idempotent_and_adds_nothing_unjustified(cast, case):
    accepted(cast, case, scope=["identity", "contact"])
    assert sync_case_grants(case, cast.employer) == (0, 0)
    assert sync_case_grants(case, cast.agency_b) == (0, 0)
    sync_case_grants(case, cast.agency_a)
    assert sync_case_grants(case, cast.agency_a) == (0, 0)
    assert visible_codenames(cast.colleague, case) == CASE_TEAM
    assert not cases_for_user(cast.outsider).exists()


def test_grants_are_logged_by_ids_only(cast, case, caplog):
    with caplog.at_level(logging.INFO, logger="referrals"):
        referral = accepted(cast, case, scope=["identity", "plan"])
        end(cast, referral, "complete")
    synced = [r.getMessage() for r in caplog.records if "grants synced" in r.getMessage()]
    assert synced == [
        f"case grants synced case_id={case.pk} agency_id={cast.employer.pk} added=2 removed=0",
        f"case grants synced case_id={case.pk} agency_id={cast.employer.pk} added=0 removed=2",
    ]
    everything = " ".join(r.getMessage() for r in caplog.records)
    for name in (case.returnee.family_name, case.returnee.given_name, cast.employer.name):
        assert name not in everything


# --- Lead agency transfer ---------------------------------------------------------------


def offer(cast, case, actor=None):
    return services.lead_transfer_offer(
        actor=actor or cast.program_manager,
        case=case,
        to_agency=cast.agency_b,
        note="Moved to Osh.",
    )


def test_a_lead_transfer_moves_the_lead_grants(cast, case):
    user_grant(cast.clinician, case)
    transfer = offer(cast, case)
    # Nothing moves until the receiving agency accepts.
    assert not cases_for_user(cast.outsider).exists()
    moved = services.lead_transfer_accept(actor=cast.outsider_manager, transfer=transfer)

    assert moved.lead_agency == cast.agency_b
    assert moved.assigned_worker is None
    assert Case.objects.get(pk=case.pk).version == case.version + 1
    for member in (cast.social_worker, cast.colleague, cast.program_manager):
        assert not cases_for_user(member).exists()
    for member in (cast.outsider, cast.outsider_manager):
        assert visible_codenames(member, case) == CASE_TEAM
    # The old assignee's own grants end; another person's stay.
    assert not CaseUserObjectPermission.objects.filter(user=cast.social_worker).exists()
    assert visible_codenames(cast.clinician, case) == {"view_case"}
    transfer.refresh_from_db()
    assert (transfer.status, transfer.decided_by) == ("accepted", cast.outsider_manager)


def test_after_a_transfer_the_old_agency_keeps_what_a_referral_justifies(cast, case):
    transfer = offer(cast, case)
    services.lead_transfer_accept(actor=cast.outsider_manager, transfer=transfer)
    case.refresh_from_db()
    # The new lead refers the case back to the old one for a service.
    referral = services.referral_create(
        actor=cast.outsider,
        case=case,
        to_agency=cast.agency_a,
        service_type="family_support",
        reason="They know the family well.",
        response_deadline=in_a_week(),
        share_scope=["identity", "shared_notes"],
    )
    services.referral_send(
        actor=cast.outsider_manager, referral=referral, consent_override_basis="Court order."
    )
    services.referral_accept(actor=cast.colleague, referral=referral)
    assert visible_codenames(cast.social_worker, case) == {"view_case", "view_case_shared_notes"}


def test_a_draft_of_the_old_lead_is_not_sent_after_a_transfer(cast, case):
    consent(cast, case)
    referral = draft(cast, case)
    services.lead_transfer_accept(actor=cast.outsider_manager, transfer=offer(cast, case))
    with pytest.raises(ValidationError) as excinfo:
        services.referral_send(actor=cast.social_worker, referral=referral)
    assert excinfo.value.code == "lead_changed"
    assert not cases_for_user(cast.partner).exists()


@pytest.mark.parametrize("who", ["social_worker", "outsider_manager", "partner"])
def test_only_a_program_manager_of_the_lead_agency_offers(cast, case, who):
    with pytest.raises(PermissionDenied):
        offer(cast, case, actor=getattr(cast, who))
    assert not LeadTransfer.objects.exists()


@pytest.mark.parametrize("who", ["outsider", "program_manager", "partner"])
def test_only_a_program_manager_of_the_receiving_agency_accepts(cast, case, who):
    transfer = offer(cast, case)
    with pytest.raises(PermissionDenied):
        services.lead_transfer_accept(actor=getattr(cast, who), transfer=transfer)
    with pytest.raises(PermissionDenied):
        services.lead_transfer_decline(actor=getattr(cast, who), transfer=transfer)
    assert Case.objects.get(pk=case.pk).lead_agency == cast.agency_a


def test_one_offer_at_a_time(cast, case):
    offer(cast, case)
    with pytest.raises(ValidationError) as excinfo:
        offer(cast, case)
    assert excinfo.value.code == "pending"


def test_an_offer_cannot_go_to_the_current_lead(cast, case):
    with pytest.raises(ValidationError) as excinfo:
        services.lead_transfer_offer(actor=cast.program_manager, case=case, to_agency=cast.agency_a)
    assert "to_agency" in excinfo.value.message_dict


@pytest.mark.parametrize("ending", ["decline", "cancel"])
def test_a_declined_or_withdrawn_offer_changes_nothing_and_is_final(cast, case, ending):
    transfer = offer(cast, case)
    if ending == "decline":
        services.lead_transfer_decline(actor=cast.outsider_manager, transfer=transfer, note="Full.")
    else:
        services.lead_transfer_cancel(actor=cast.program_manager, transfer=transfer)
    assert Case.objects.get(pk=case.pk).lead_agency == cast.agency_a
    assert {"view_case", "change_case"} <= visible_codenames(cast.social_worker, case)
    assert not cases_for_user(cast.outsider).exists()
    with pytest.raises(ValidationError) as excinfo:
        services.lead_transfer_accept(actor=cast.outsider_manager, transfer=transfer)
    assert excinfo.value.code == "transition"
    offer(cast, case)  # a new offer may follow


# --- Police jurisdiction ----------------------------------------------------------------


@pytest.mark.parametrize("category", ["violent", "unsettled"])
def test_police_see_violent_and_unsettled_cases_in_their_regions(
    cast, case, bishkek_police, category
):
    triaged(cast, case, category)
    assert visible_codenames(cast.police_liaison, case) == POLICE


def test_police_do_not_see_a_non_violent_case_without_an_open_flag(cast, case, bishkek_police):
    triaged(cast, case, "non_violent")
    assert not cases_for_user(cast.police_liaison).exists()


def test_police_do_not_see_an_untriaged_case(cast, case, bishkek_police):
    sync_police_grants(case)
    assert not cases_for_user(cast.police_liaison).exists()


def test_police_do_not_see_cases_outside_their_regions(cast, register, bishkek_police):
    case = register(region="osh")
    triaged(cast, case, "violent")
    flag(cast.social_worker, case)
    sync_police_grants(case)
    assert not cases_for_user(cast.police_liaison).exists()


def test_an_open_flag_brings_a_non_violent_case_in_until_it_is_resolved(cast, case, bishkek_police):
    triaged(cast, case, "non_violent")
    raised = flag(cast.social_worker, case)
    sync_police_grants(case)
    assert visible_codenames(cast.police_liaison, case) == POLICE

    casework.flag_acknowledge(actor=cast.police_liaison, flag=raised)
    sync_police_grants(case)
    assert visible_codenames(cast.police_liaison, case) == POLICE  # acknowledged is still open

    casework.flag_resolve(actor=cast.colleague, flag=raised, resolution_note="Ticket refunded.")
    sync_police_grants(case)
    assert not cases_for_user(cast.police_liaison).exists()


def test_a_move_to_non_violent_takes_the_police_access_back(cast, case, bishkek_police):
    triaged(cast, case, "unsettled")
    assert cases_for_user(cast.police_liaison).exists()
    triaged(cast, case, "non_violent")
    assert not cases_for_user(cast.police_liaison).exists()


def test_a_police_monitoring_referral_brings_a_case_in_regardless_of_region(cast, register):
    case = register(region="naryn")
    accepted(
        cast,
        case,
        to_agency=cast.police_agency,
        by=cast.police_liaison,
        service_type="police_monitoring",
        scope=["identity", "triage"],
    )
    assert visible_codenames(cast.police_liaison, case) == POLICE


def test_jurisdiction_and_referral_each_keep_what_they_justify(cast, case, bishkek_police):
    triaged(cast, case, "violent")
    referral = accepted(
        cast,
        case,
        to_agency=cast.police_agency,
        by=cast.police_liaison,
        service_type="police_monitoring",
        scope=["identity", "contact"],
    )
    assert visible_codenames(cast.police_liaison, case) == POLICE | {"view_case_contact"}
    services.referral_complete(actor=cast.police_liaison, referral=referral, outcome="Done.")
    assert visible_codenames(cast.police_liaison, case) == POLICE


def test_police_never_hold_the_case_teams_permissions(cast, case, bishkek_police):
    triaged(cast, case, "violent")
    flag(cast.social_worker, case, severity="urgent")
    sync_police_grants(case)
    held = visible_codenames(cast.police_liaison, case)
    assert held.isdisjoint({"change_case", "view_case_contact", "view_case_plan"})
    assert "view_case_shared_notes" not in held


def test_setting_a_jurisdiction_grants_and_revokes_in_bulk(cast, register, admin):
    bishkek_violent = triaged(cast, register(), "violent")
    bishkek_calm = triaged(cast, register(), "non_violent")
    osh_unsettled = triaged(cast, register(region="osh"), "unsettled")
    chuy_flagged = register(region="chuy")
    flag(cast.social_worker, chuy_flagged)
    police = cast.police_agency

    agency_set_jurisdiction(actor=admin, agency=police, regions=["bishkek", "osh"])
    seen = set(cases_for_user(cast.police_liaison).values_list("pk", flat=True))
    assert seen == {bishkek_violent.pk, osh_unsettled.pk}

    agency_set_jurisdiction(actor=admin, agency=police, regions=["chuy", "osh"])
    seen = set(cases_for_user(cast.police_liaison).values_list("pk", flat=True))
    assert seen == {osh_unsettled.pk, chuy_flagged.pk}
    assert bishkek_calm.pk not in seen

    agency_set_jurisdiction(actor=admin, agency=police, regions=[])
    assert not cases_for_user(cast.police_liaison).exists()


def test_only_police_agencies_have_a_jurisdiction(cast, admin):
    with pytest.raises(ValidationError) as excinfo:
        agency_set_jurisdiction(actor=admin, agency=cast.employer, regions=["bishkek"])
    assert "jurisdiction" in excinfo.value.message_dict


def test_unknown_regions_are_refused(cast, admin):
    with pytest.raises(ValidationError):
        agency_set_jurisdiction(actor=admin, agency=cast.police_agency, regions=["mars"])


@pytest.mark.parametrize("who", ["program_manager", "police_liaison"])
def test_only_an_administrator_sets_a_jurisdiction(cast, who):
    with pytest.raises(PermissionDenied):
        agency_set_jurisdiction(
            actor=getattr(cast, who), agency=cast.police_agency, regions=["bishkek"]
        )
