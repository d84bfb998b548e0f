"""A small program for the report tests: agency A's cases with one of each kind of
fact the report counts, and one case of agency B that A's people must never export."""

import datetime

import pytest
from django.contrib.auth.models import Permission
from django.utils import timezone

from agencies import services as agencies
from agencies.models import Role
from casework import services as casework
from referrals import services as referrals
from tests.casework.helpers import flag, note, triage

IDENTITY = {
    "given_name": "Timur",
    "family_name": "Zhakshylykov",
    "patronymic": "Rustamovich",
    "aliases": ["Abu Talha"],
    "phone": "+996 700 987654",
    "address": "Toktogul st. 99",
}


@pytest.fixture
def program(cast, register):
    """Agency A: an urgent-flagged unsettled case with an achieved employment goal and a
    referral awaiting an answer; a violent case awaiting approval; a minor; a closed
    case; a case of a worker whose username starts with a formula character.
    Agency B: one case."""
    sw = cast.social_worker
    flagged = register(**IDENTITY)
    triage(sw, flagged, "unsettled")
    note(sw, flagged, "case_team")
    flag(sw, flagged, severity="urgent")
    goal = casework.goal_add(
        actor=sw,
        case=flagged,
        domain="employment",
        description="Job at the textile works",
        owner_agency=cast.agency_a,
        target_date=None,
    )
    casework.goal_update(
        actor=sw,
        goal=goal,
        expected_version=goal.version,
        status="achieved",
        target_date=None,
        outcome="Hired.",
    )
    referrals.consent_record(
        actor=sw,
        case=flagged,
        agency=cast.employer,
        purpose="job_placement",
        scope=["identity"],
        decision="given",
        given_by="person",
    )
    referral = referrals.referral_create(
        actor=sw,
        case=flagged,
        to_agency=cast.employer,
        service_type="job_placement",
        reason="Work.",
        response_deadline=timezone.localdate() + datetime.timedelta(days=5),
        share_scope=["identity"],
    )
    referrals.referral_send(actor=sw, referral=referral)

    pending = register(region="osh_city", sex="female")
    triage(sw, pending, "violent")  # waits for a program manager

    minor = register(
        birth_date=timezone.localdate() - datetime.timedelta(days=365 * 12),
        departure_date=None,
        return_date=timezone.localdate() - datetime.timedelta(days=30),
        region="osh_city",
    )
    triage(sw, minor, "non_violent")

    closed = register(region="chuy")
    casework.case_close(
        actor=sw, case=closed, reason="reintegrated", note="", expected_version=closed.version
    )

    formula_worker = agencies.staff_member_create(
        actor=None,
        username="@SUM",
        password=None,
        password_hash="!",
        role=Role.SOCIAL_WORKER,
        agencies=[cast.agency_a],
    )
    odd = register(actor=formula_worker, given_name="=HYPERLINK", family_name="Test-Case")

    outsider_case = register(
        actor=cast.outsider,
        agency=cast.agency_b,
        given_name="Bakhtiyor",
        family_name="Osmonaliev",
        region="osh_city",
    )
    return {
        "flagged": flagged,
        "pending": pending,
        "minor": minor,
        "closed": closed,
        "odd": odd,
        "outsider_case": outsider_case,
        "a_cases": [flagged, pending, minor, closed, odd],
    }


@pytest.fixture
def identified_exporter(cast):
    """The program manager, granted identified exports person by person."""
    user = cast.program_manager
    user.user_permissions.add(
        Permission.objects.get(content_type__app_label="reports", codename="export_identified")
    )
    return type(user).objects.get(pk=user.pk)  # fresh permission cache
