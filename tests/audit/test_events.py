"""Every audited action writes its event (issue 7, part 1), and the trail is append-only."""

import pghistory
import pytest
from axes.models import AccessAttempt
from django.conf import settings
from django.core.management import call_command
from django.db import IntegrityError, connection, transaction
from django.http import Http404
from django.test import Client, RequestFactory, override_settings
from django.urls import reverse

from agencies import services as agencies
from agencies.models import AgencyKind, Role
from audit.models import AuditAction, AuditEvent
from audit.services import audit_record
from casework.access import case_for_user
from casework.models import Goal
from referrals import services as referrals
from tests.conftest import PASSWORD, post_password
from tests.referrals.helpers import sent


def events(action, **filters):
    return list(AuditEvent.objects.filter(action=action, **filters).order_by("id"))


def only(action, **filters) -> AuditEvent:
    found = events(action, **filters)
    assert len(found) == 1, found
    return found[0]


def goal_for(cast, case):
    from casework import services as casework

    return casework.goal_add(
        actor=cast.social_worker,
        case=case,
        domain="housing",
        description="A flat near the workshop",
        owner_agency=cast.agency_a,
        target_date=None,
    )


# --- Reads ----------------------------------------------------------------------------


def test_case_page_read_is_an_event(cast, client_of, register):
    case = register()
    response = client_of(cast.social_worker).get(
        reverse("casework:case_detail", args=[case.pk]), REMOTE_ADDR="10.1.2.3"
    )
    assert response.status_code == 200
    event = only(AuditAction.CASE_VIEWED, case_id=case.pk)
    assert event.actor_id == cast.social_worker.pk
    assert event.actor_username == "aigul"
    assert event.agency_id == cast.agency_a.pk
    assert event.returnee_id is None or event.returnee_id == case.returnee_id
    assert event.ip_address == "10.1.2.3"
    assert (event.method, event.path) == ("GET", f"/cases/{case.pk}/")
    assert event.at is not None


def test_case_api_detail_read_is_an_event(cast, client_of, register):
    case = register()
    response = client_of(cast.social_worker).get(reverse("api-case-detail", args=[case.pk]))
    assert response.status_code == 200
    event = only(AuditAction.CASE_API_VIEWED, case_id=case.pk)
    assert event.actor_id == cast.social_worker.pk
    assert event.path == f"/api/cases/{case.pk}/"


def test_every_case_scoped_read_is_an_event_htmx_partials_included(cast, client_of, register):
    case = register()
    client = client_of(cast.social_worker)
    client.get(reverse("casework:timeline", args=[case.pk]), HTTP_HX_REQUEST="true")
    client.get(reverse("api-case-notes", args=[case.pk]))
    timeline = only(AuditAction.CASE_VIEWED, case_id=case.pk)
    assert timeline.detail == {"htmx": True}
    assert only(AuditAction.CASE_API_VIEWED, case_id=case.pk).path.endswith("/notes/")


def test_reading_a_referral_is_a_read_of_its_case(cast, client_of, register):
    case = register()
    referral = sent(cast, case)
    response = client_of(cast.partner).get(reverse("api-referral-detail", args=[referral.pk]))
    assert response.status_code == 200
    event = only(AuditAction.CASE_API_VIEWED, case_id=case.pk)
    assert (event.actor_username, event.object_type) == ("samat", "referrals.referral")
    assert event.object_id == str(referral.pk)


def test_pages_without_a_case_write_no_read_event(cast, client_of, register):
    register()
    client_of(cast.social_worker).get(reverse("casework:caseload"))
    assert not AuditEvent.objects.filter(
        action__in=[AuditAction.CASE_VIEWED, AuditAction.CASE_API_VIEWED]
    ).exists()


@override_settings(HOMEWARD_TRUSTED_PROXY_COUNT=1)
def test_behind_a_trusted_proxy_the_address_it_saw_is_recorded(cast, client_of, register):
    case = register()
    client_of(cast.social_worker).get(
        reverse("casework:case_detail", args=[case.pk]),
        REMOTE_ADDR="10.0.0.1",
        HTTP_X_FORWARDED_FOR="6.6.6.6, 203.0.113.9",  # the first entry is the client's word
    )
    assert only(AuditAction.CASE_VIEWED).ip_address == "203.0.113.9"


# --- Refusals -------------------------------------------------------------------------


def test_refused_access_is_an_event(cast, client_of, register):
    case = register()
    response = client_of(cast.outsider).get(reverse("casework:case_detail", args=[case.pk]))
    assert response.status_code == 404
    event = only(AuditAction.ACCESS_REFUSED, case_id=case.pk)
    assert event.actor_id == cast.outsider.pk
    assert event.agency_id == cast.agency_b.pk
    assert (event.object_type, event.object_id) == ("casework.case", str(case.pk))
    assert event.detail == {"status": 404}
    assert not events(AuditAction.CASE_VIEWED)


def test_a_missing_case_is_refused_and_recorded_like_a_forbidden_one(cast, client_of):
    response = client_of(cast.social_worker).get(reverse("api-case-detail", args=[999999]))
    assert response.status_code == 404
    assert only(AuditAction.ACCESS_REFUSED, case_id=999999).actor_id == cast.social_worker.pk


def test_a_refusal_survives_the_rollback_of_the_view(cast, client_of, register):
    """A write view whose case is refused: the event is written after the response."""
    case = register()
    response = client_of(cast.outsider).post(
        reverse("api-case-notes", args=[case.pk]), {}, content_type="application/json"
    )
    assert response.status_code == 404
    assert only(AuditAction.ACCESS_REFUSED, case_id=case.pk).method == "POST"


def test_refused_referral_is_an_event(cast, client_of, register):
    referral = sent(cast, register())
    response = client_of(cast.outsider).get(reverse("api-referral-detail", args=[referral.pk]))
    assert response.status_code == 404
    event = only(AuditAction.ACCESS_REFUSED, object_type="referrals.referral")
    assert event.object_id == str(referral.pk)


def test_refusal_outside_a_request_is_written_at_once(cast, register):
    case = register()
    with pytest.raises(Http404):
        case_for_user(cast.outsider, case.pk)
    assert only(AuditAction.ACCESS_REFUSED, case_id=case.pk).actor_id is None


# --- Changes --------------------------------------------------------------------------


def test_a_change_records_old_and_new_values_and_who(cast, client_of, register):
    case = register()
    goal = goal_for(cast, case)
    response = client_of(cast.social_worker).patch(
        reverse("api-case-goal", args=[case.pk, goal.pk]),
        {"status": "in_progress", "version": goal.version},
        content_type="application/json",
        REMOTE_ADDR="10.9.8.7",
    )
    assert response.status_code == 200, response.content
    event = only(AuditAction.CHANGED, object_type="casework.goal", detail__op="update")
    assert event.detail["old"] == {"status": "planned"}
    assert event.detail["new"] == {"status": "in_progress"}
    assert event.case_id == case.pk
    assert event.actor_id == cast.social_worker.pk
    assert event.agency_id == cast.agency_a.pk
    assert event.ip_address == "10.9.8.7"
    assert event.method == "PATCH"
    assert event.changed_fields == ["status"]


def test_a_queryset_update_is_captured(cast, register):
    case = register()
    goal = goal_for(cast, case)
    with pghistory.context(user=cast.program_manager.pk, url="manage.py fix_goals"):
        Goal.objects.filter(case=case).update(description="Rewritten in bulk")
    event = only(AuditAction.CHANGED, object_type="casework.goal", detail__op="update")
    assert event.object_id == str(goal.pk)
    assert event.detail["old"] == {"description": "A flat near the workshop"}
    assert event.detail["new"] == {"description": "Rewritten in bulk"}
    assert event.actor_username == "gulmira"
    assert event.path == "manage.py fix_goals"


def test_raw_sql_changes_are_captured_too(cast, register):
    case = register()
    with connection.cursor() as cursor:
        cursor.execute(
            "UPDATE casework_case SET next_review_on = DATE '2030-01-31' WHERE id = %s", [case.pk]
        )
    event = only(AuditAction.CHANGED, object_type="casework.case", detail__op="update")
    assert event.detail["new"] == {"next_review_on": "2030-01-31"}
    assert event.actor_id is None  # no context: the trail says so rather than guessing


def test_creation_and_deletion_are_changes(cast, client_of, register):
    case = register()
    returnee = only(AuditAction.CHANGED, object_type="returnees.returnee")
    assert returnee.detail["op"] == "insert"
    assert returnee.returnee_id == case.returnee_id
    opened = only(AuditAction.CHANGED, object_type="casework.case", detail__op="insert")
    assert opened.case_id == case.pk
    assert opened.detail["old"] == {}


def test_a_password_change_names_the_field_but_never_copies_the_hash(cast):
    cast.colleague.set_password("another long passphrase")
    cast.colleague.save(update_fields=["password"])
    event = only(AuditAction.CHANGED, object_type="auth.user", detail__op="update")
    assert event.detail["old"] == {"password": "[redacted]"}
    assert event.detail["new"] == {"password": "[redacted]"}


# --- Exports, sign-ins ----------------------------------------------------------------


def test_an_export_is_an_event(cast, register):
    """The exports (issue 6) call audit_record like this, once per export."""
    case = register()
    request = RequestFactory().get("/reports/caseload.csv", REMOTE_ADDR="10.0.0.5")
    request.user = cast.program_manager
    event = audit_record(
        action=AuditAction.EXPORTED,
        request=request,
        case=case,
        detail={"report": "caseload", "format": "csv", "rows": 1, "pseudonymised": True},
    )
    event.refresh_from_db()
    assert event.action == AuditAction.EXPORTED
    assert event.actor_id == cast.program_manager.pk
    assert event.agency_id == cast.agency_a.pk
    assert event.case_id == case.pk
    assert event.returnee_id == case.returnee_id
    assert event.ip_address == "10.0.0.5"
    assert event.path == "/reports/caseload.csv"
    assert event.detail["rows"] == 1


def test_login_is_an_event(cast, client):
    response = post_password(client, "aigul", PASSWORD, REMOTE_ADDR="10.0.0.7")
    assert response.status_code == 302
    event = only(AuditAction.LOGIN)
    assert event.actor_id == cast.social_worker.pk
    assert event.ip_address == "10.0.0.7"
    # Signing in updates last_login: that is this event, not a change of the account.
    assert not events(AuditAction.CHANGED, object_type="auth.user", detail__op="update")


def test_failed_login_is_an_event_without_the_password(cast, client):
    response = post_password(client, "aigul", "wrong-guess-123")
    assert response.status_code == 200
    event = only(AuditAction.LOGIN_FAILED)
    assert event.actor_id is None
    assert event.detail == {"username": "aigul"}
    assert "wrong-guess" not in str(AuditEvent.objects.values_list("detail", flat=True)[::1])


def lock_out(username, address="10.0.0.8"):
    for _ in range(settings.AXES_FAILURE_LIMIT):
        post_password(Client(), username, "not-the-password", REMOTE_ADDR=address)
    return post_password(Client(), username, PASSWORD, REMOTE_ADDR=address)


def test_lockout_is_an_event(cast):
    assert lock_out("aigul").status_code == 429
    # One event when the limit is reached, and one for each attempt while locked.
    locked = events(AuditAction.LOCKED_OUT)
    assert len(locked) == 2
    assert {(e.ip_address, e.detail["username"]) for e in locked} == {("10.0.0.8", "aigul")}


def test_an_administrators_unlock_is_an_event(cast, admin_client, admin_user):
    lock_out("aigul")
    attempt = AccessAttempt.objects.get(username="aigul")
    admin_client.post(
        reverse("admin:axes_accessattempt_delete", args=[attempt.pk]), {"post": "yes"}
    )
    event = only(AuditAction.UNLOCKED)
    assert event.actor_id == admin_user.pk
    assert event.detail == {"username": "aigul", "address": "10.0.0.8"}


def test_an_unlock_from_the_command_line_is_an_event(cast):
    lock_out("aigul")
    call_command("axes_reset_username", "aigul")
    assert only(AuditAction.UNLOCKED).detail["username"] == "aigul"


def test_clearing_failures_below_the_limit_is_no_unlock(cast):
    post_password(Client(), "aigul", "not-the-password")
    assert post_password(Client(), "aigul", PASSWORD).status_code == 302
    assert not AuditEvent.objects.filter(action=AuditAction.UNLOCKED).exists()


# --- Grants and revocations -----------------------------------------------------------


def test_referral_accept_grants_and_complete_revokes_with_who(cast, client_of, register):
    case = register()
    referral = sent(cast, case, scope=("identity", "shared_notes"))
    partner = client_of(cast.partner)
    response = partner.post(
        reverse("api-referral-accept", args=[referral.pk]), {}, content_type="application/json"
    )
    assert response.status_code == 200, response.content
    granted = events(AuditAction.PERMISSION_GRANTED, case_id=case.pk, actor_id=cast.partner.pk)
    assert {e.detail["permission"] for e in granted} == {"view_case", "view_case_shared_notes"}
    assert {e.detail["grantee_agency_id"] for e in granted} == {cast.employer.pk}
    assert all(e.object_type == "casework.casegroupobjectpermission" for e in granted)

    response = partner.post(
        reverse("api-referral-complete", args=[referral.pk]),
        {"outcome": "Placed as a tailor."},
        content_type="application/json",
    )
    assert response.status_code == 200, response.content
    revoked = events(AuditAction.PERMISSION_REVOKED, case_id=case.pk, actor_id=cast.partner.pk)
    assert {e.detail["permission"] for e in revoked} == {"view_case", "view_case_shared_notes"}
    assert {e.path for e in revoked} == {f"/api/referrals/{referral.pk}/complete/"}


def test_lead_transfer_moves_grants_and_says_so(cast, register):
    case = register()
    agency_c = agencies.agency_create(
        actor=None, name="Chuy Social Services", kind=AgencyKind.SOCIAL_SERVICES, region="chuy"
    )
    chuy_pm = agencies.staff_member_create(
        actor=None,
        username="chuy.pm",
        password=None,
        password_hash="!",
        role=Role.PROGRAM_MANAGER,
        agencies=[agency_c],
    )
    transfer = referrals.lead_transfer_offer(
        actor=cast.program_manager, case=case, to_agency=agency_c
    )
    # Outside a request (a task, a command), the caller names the actor the same way.
    with pghistory.context(user=chuy_pm.pk):
        referrals.lead_transfer_accept(actor=chuy_pm, transfer=transfer)
    granted = events(AuditAction.PERMISSION_GRANTED, case_id=case.pk, actor_id=chuy_pm.pk)
    revoked = events(AuditAction.PERMISSION_REVOKED, case_id=case.pk, actor_id=chuy_pm.pk)
    assert {e.detail["grantee_agency_id"] for e in granted} == {agency_c.pk}
    assert cast.agency_a.pk in {e.detail["grantee_agency_id"] for e in revoked}
    assert "change_case" in {e.detail["permission"] for e in granted}
    lead = only(AuditAction.CHANGED, object_type="casework.case", detail__op="update")
    assert lead.detail["new"]["lead_agency_id"] == agency_c.pk
    assert lead.detail["old"]["lead_agency_id"] == cast.agency_a.pk


def test_membership_changes_are_recorded(cast):
    cast.colleague.groups.add(cast.employer.group)
    event = only(
        AuditAction.CHANGED,
        object_type="auth.user_groups",
        detail__new__user_id=cast.colleague.pk,
        detail__new__group_id=cast.employer.group_id,
    )
    assert event.detail["op"] == "insert"


# --- Append-only ----------------------------------------------------------------------


@pytest.mark.parametrize(
    "statement",
    [
        "UPDATE audit_auditevent SET actor_username = 'someone else'",
        "UPDATE audit_auditevent SET detail = '{}'",
        "DELETE FROM audit_auditevent",
        "TRUNCATE audit_auditevent",
    ],
)
def test_the_application_connection_cannot_change_the_trail(cast, client_of, register, statement):
    case = register()
    client_of(cast.social_worker).get(reverse("casework:case_detail", args=[case.pk]))
    before = list(AuditEvent.objects.values_list("id", "actor_username", "detail"))
    assert before
    with (
        pytest.raises(IntegrityError, match="append-only"),
        transaction.atomic(),
        connection.cursor() as cursor,
    ):
        cursor.execute(statement)
    assert list(AuditEvent.objects.values_list("id", "actor_username", "detail")) == before


def test_orm_updates_and_deletes_of_the_trail_fail(cast, register):
    register()
    with pytest.raises(IntegrityError, match="append-only"), transaction.atomic():
        AuditEvent.objects.update(actor_username="x")
    with pytest.raises(IntegrityError, match="append-only"), transaction.atomic():
        AuditEvent.objects.all().delete()
    assert AuditEvent.objects.exists()
