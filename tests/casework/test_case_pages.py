import datetime

import pytest
from django.urls import NoReverseMatch, reverse
from django.utils import timezone

from casework import services
from casework.models import Case, Flag, FollowUp, Goal, Note, TriageAssessment
from tests.casework.helpers import HIGH, LOW, flag, note, triage


@pytest.fixture
def world(cast, register):
    """A case with one of everything, so every page has something to address."""
    case = register()
    assessment = triage(cast.social_worker, case, "violent")
    goal = services.goal_add(
        actor=cast.social_worker,
        case=case,
        domain="housing",
        description="Flat in Bishkek",
        owner_agency=cast.agency_a,
        target_date=None,
    )
    written = note(cast.social_worker, case, "case_team")
    raised = flag(cast.social_worker, case)
    followup = FollowUp.objects.create(case=case, months=6, due_on=timezone.localdate())
    episode = services.custody_start(
        actor=cast.social_worker,
        case=case,
        facility="SIZO-1",
        started_on=timezone.localdate() - datetime.timedelta(days=3),
        segregated=True,
    )
    return {
        "case_id": case.pk,
        "assessment_id": assessment.pk,
        "goal_id": goal.pk,
        "note_id": written.pk,
        "flag_id": raised.pk,
        "episode_id": episode.pk,
        "followup_id": followup.pk,
    }


# Every casework page, with the methods it answers. A new page without a row fails
# test_every_casework_page_is_listed.
PAGES = {
    "case_detail": ["GET"],
    "timeline": ["GET"],
    "triage_new": ["GET", "POST"],
    "triage_decide": ["POST"],
    "pathway_set": ["GET", "POST"],
    "custody_start": ["GET", "POST"],
    "custody_end": ["GET", "POST"],
    "goal_new": ["GET", "POST"],
    "goal_edit": ["GET", "POST"],
    "note_new": ["GET", "POST"],
    "note_amend": ["GET", "POST"],
    "flag_new": ["GET", "POST"],
    "flag_acknowledge": ["POST"],
    "flag_resolve": ["GET", "POST"],
    "review_new": ["GET", "POST"],
    "case_close": ["GET", "POST"],
    "case_reopen": ["GET", "POST"],
    "followup_complete": ["GET", "POST"],
    "case_assign": ["GET", "POST"],
}


def url(name, world):
    for keys in (
        ["case_id"],
        ["case_id", "assessment_id"],
        ["case_id", "goal_id"],
        ["case_id", "note_id"],
        ["case_id", "flag_id"],
        ["case_id", "episode_id"],
        ["case_id", "followup_id"],
    ):
        try:
            return reverse(f"casework:{name}", kwargs={k: world[k] for k in keys})
        except NoReverseMatch:
            continue
    raise AssertionError(f"cannot reverse {name}")


def test_every_casework_page_is_listed():
    from casework import urls

    # Lists are not case pages: the caseload's tests, tests/referrals/test_referral_pages.py
    # (the flags board) and the access matrix cover them. The access log is the
    # auditor's too: tests/audit/test_auditor_pages.py covers who reads it.
    # The program manager's bulk reassignment, staff and hand-over pages act on many
    # cases: tests/casework/test_assignment.py and tests/agencies/test_staff.py.
    names = {p.name for p in urls.urlpatterns} - {
        "caseload",
        "flags_board",
        "case_access_log",
        "caseload_reassign",
        "staff",
        "staff_deactivate",
        "hand_over",
    }
    assert names == set(PAGES)


# The outsider's 404, the auditor's 403 and the police liaison's refusal on every case
# page are cells of the access matrix (tests/matrix.py, tests/test_access_matrix.py): a
# page refuses before it reads the method or the form.


@pytest.mark.parametrize(
    "name",
    [
        "case_detail",
        "timeline",
        "triage_new",
        "pathway_set",
        "custody_start",
        "goal_new",
        "goal_edit",
        "note_new",
        "note_amend",
        "flag_new",
        "flag_resolve",
        "review_new",
        "case_close",
    ],
)
def test_every_form_page_renders_for_the_case_worker(cast, client_of, world, name):
    response = client_of(cast.social_worker).get(url(name, world))
    assert response.status_code == 200


def test_custody_end_and_reopen_pages_render(cast, client_of, world):
    client = client_of(cast.social_worker)
    assert client.get(url("custody_end", world)).status_code == 200
    case = Case.objects.get(pk=world["case_id"])
    services.flag_resolve(actor=cast.colleague, flag=Flag.objects.get(), resolution_note="ok")
    services.case_close(
        actor=cast.social_worker, case=case, reason="transferred", expected_version=None
    )
    assert client.get(url("case_reopen", world)).status_code == 200


def test_triage_through_the_page_and_approval_by_a_manager(cast, client_of, register):
    case = register()
    response = client_of(cast.social_worker).post(
        reverse("casework:triage_new", args=[case.pk]),
        {"category": "violent", "rationale": "Threats reported by school.", **HIGH},
    )
    assert response.status_code == 302
    assessment = TriageAssessment.objects.get()
    page = client_of(cast.social_worker).get(reverse("casework:case_detail", args=[case.pk]))
    assert "awaiting a program manager" in page.content.decode()

    # The assessor (no approve permission) is refused; the manager decides.
    decide = reverse("casework:triage_decide", args=[case.pk, assessment.pk])
    assert (
        client_of(cast.social_worker)
        .post(decide, {"decision": "approve", "comment": "x"})
        .status_code
        == 403
    )
    response = client_of(cast.program_manager).post(
        decide, {"decision": "approve", "comment": "Agreed."}
    )
    assert response.status_code == 302
    case.refresh_from_db()
    assert case.pathway == "law_enforcement"


@pytest.mark.parametrize(
    ("data", "field"),
    [
        ({"category": "extremist", "rationale": "x", **LOW}, "category"),
        (
            {"category": "unsettled", "rationale": "x", **{**LOW, "intent_context": "9"}},
            "intent_context",
        ),
        ({"category": "unsettled", "rationale": "", **LOW}, "rationale"),
    ],
)
def test_bad_triage_form_shows_errors_and_writes_nothing(cast, client_of, register, data, field):
    case = register()
    response = client_of(cast.social_worker).post(
        reverse("casework:triage_new", args=[case.pk]), data
    )
    assert response.status_code == 400
    assert field in response.context["form"].errors
    assert not TriageAssessment.objects.exists()


def test_stale_goal_edit_is_refused_with_the_current_values(cast, client_of, world):
    goal = Goal.objects.get(pk=world["goal_id"])
    edit = url("goal_edit", world)
    seen = goal.version
    first = client_of(cast.social_worker).post(
        edit, {"status": "in_progress", "outcome": "Viewing on Friday.", "version": seen}
    )
    assert first.status_code == 302
    second = client_of(cast.colleague).post(
        edit, {"status": "cancelled", "outcome": "", "version": seen}
    )
    assert second.status_code == 409
    text = second.content.decode()
    assert "Someone else changed this record" in text
    assert "Viewing on Friday." in text
    assert Goal.objects.get(pk=goal.pk).status == "in_progress"
    # Saving again from the refreshed form applies the second person's values.
    assert second.context["form"]["version"].value() == seen + 1


def test_close_page_refuses_while_an_urgent_flag_is_open(cast, client_of, register):
    case = register()
    flag(cast.colleague, case, severity="urgent")
    case.refresh_from_db()
    response = client_of(cast.social_worker).post(
        reverse("casework:case_close", args=[case.pk]),
        {"reason": "reintegrated", "note": "", "version": case.version},
    )
    assert response.status_code == 400
    assert "urgent flag" in response.content.decode()
    assert Case.objects.get(pk=case.pk).status == "open"


def test_custody_dates_in_the_wrong_order_get_a_form_error(cast, client_of, world):
    response = client_of(cast.social_worker).post(
        url("custody_end", world), {"ended_on": "2001-01-01"}
    )
    assert response.status_code == 400
    assert "ended_on" in response.context["form"].errors


def _goal_data(cast, **changes):
    return {
        "domain": "housing",
        "description": "Flat in Osh",
        "owner_agency": cast.agency_a.pk,
        "target_date": "",
        **changes,
    }


NOTE_DATA = {
    "kind": "contact",
    "occurred_at": "2024-05-01T10:00",
    "visibility": "case_team",
    "text": "Met at home.",
}


@pytest.mark.parametrize(
    ("name", "data", "field"),
    [
        ("goal_new", lambda c: _goal_data(c, description="Flat\u202e in Osh"), "description"),
        ("goal_new", lambda c: _goal_data(c, description="Flat\tin Osh"), "description"),
        (
            "custody_start",
            lambda c: {"facility": "SIZO-1\nblock 2", "started_on": "2024-01-01"},
            "facility",
        ),
        ("note_new", lambda c: {**NOTE_DATA, "text": "Met\x07 at home."}, "text"),
        ("note_amend", lambda c: {"text": "Met at \u202ehome."}, "text"),
        (
            "flag_new",
            lambda c: {
                "severity": "info",
                "category": "travel",
                "source": "family",
                "description": "Asked\u2066 about flights.",
            },
            "description",
        ),
        (
            "pathway_set",
            lambda c: {"pathway": "filtration", "reason": "Why\x1b[2J", "version": 1},
            "reason",
        ),
        (
            "goal_edit",
            lambda c: {"status": "planned", "outcome": "x\u200fy", "version": 1},
            "outcome",
        ),
    ],
)
def test_hidden_characters_in_text_are_form_errors(cast, client_of, world, name, data, field):
    notes = list(Note.objects.values_list("pk", "text"))
    goals = list(Goal.objects.values_list("pk", "description", "outcome", "version"))

    response = client_of(cast.social_worker).post(url(name, world), data(cast))

    assert response.status_code == 400
    assert field in response.context["form"].errors
    assert list(Note.objects.values_list("pk", "text")) == notes
    assert list(Goal.objects.values_list("pk", "description", "outcome", "version")) == goals


def test_note_page_keeps_line_breaks_and_stores_nfc(cast, client_of, world):
    text = "Visited at home.\r\n\tHousing: fine.\r\nCafe\u0301 owner offers work."

    response = client_of(cast.social_worker).post(
        url("note_new", world), {**NOTE_DATA, "text": text}
    )

    assert response.status_code == 302
    assert Note.objects.latest("pk").text == (
        "Visited at home.\r\n\tHousing: fine.\r\nCaf\u00e9 owner offers work."
    )


@pytest.mark.parametrize(
    ("name", "data", "field"),
    [
        ("goal_new", lambda c: _goal_data(c, target_date="9999-12-31"), "target_date"),
        (
            "goal_edit",
            lambda c: {
                "status": "planned",
                "target_date": "1899-12-31",
                "outcome": "",
                "version": 1,
            },
            "target_date",
        ),
        (
            "custody_start",
            lambda c: {"facility": "SIZO-2", "started_on": "0202-05-01", "segregated": "on"},
            "started_on",
        ),
    ],
)
def test_implausible_dates_are_form_errors_naming_the_bounds(
    cast, client_of, world, name, data, field
):
    goals = list(Goal.objects.values_list("pk", "target_date", "version"))

    response = client_of(cast.social_worker).post(url(name, world), data(cast))

    assert response.status_code == 400
    [message] = response.context["form"].errors[field]
    assert "1900" in message
    assert str(timezone.localdate().year + 10) in message
    assert list(Goal.objects.values_list("pk", "target_date", "version")) == goals


def test_acknowledge_a_resolved_flag_says_why_and_changes_nothing(cast, client_of, world):
    raised = Flag.objects.get(pk=world["flag_id"])
    services.flag_resolve(actor=cast.colleague, flag=raised, resolution_note="Done.")
    response = client_of(cast.social_worker).post(url("flag_acknowledge", world), follow=True)
    assert "Only an open flag can be acknowledged." in response.content.decode()
    assert Flag.objects.get(pk=raised.pk).status == "resolved"


def test_safeguarding_marker_on_every_page_of_a_minor(cast, client_of, register):
    today = timezone.localdate()
    child = register(birth_date=today.replace(year=today.year - 9), departure_date=None)
    client = client_of(cast.social_worker)
    for name in ("case_detail", "timeline", "note_new", "flag_new", "review_new"):
        page = client.get(reverse(f"casework:{name}", args=[child.pk])).content.decode()
        assert "child safeguarding applies" in page, name


def test_caseload_filters_minors(cast, client_of, register):
    today = timezone.localdate()
    child = register(birth_date=today.replace(year=today.year - 9), departure_date=None)
    teen = register(birth_date=None, approximate_age=15, departure_date=None)
    register()
    page = client_of(cast.social_worker).get(reverse("casework:caseload"), {"minors": "on"})
    assert {c.pk for c in page.context["page"].object_list} == {child.pk, teen.pk}


@pytest.mark.parametrize("entries", [5, 20])
def test_timeline_query_count_is_constant(
    cast, client_of, register, django_assert_num_queries, entries
):
    case = register()
    for i in range(entries):
        note(cast.social_worker, case, "case_team", text=f"note {i}")
        flag(cast.social_worker, case)
    triage(cast.social_worker, case, "unsettled")
    services.goal_add(
        actor=cast.social_worker,
        case=case,
        domain="housing",
        description="Flat",
        owner_agency=cast.agency_a,
        target_date=None,
    )
    client = client_of(cast.social_worker)
    expected = [
        "session row",
        "user row",
        "second factor (config/security.py): the session's verified device, or the user's roles",
        "user model permissions",
        "group model permissions",
        "the case through the access funnel",
        "the reader's roles and agency kinds",
        "COUNT of the timeline union (paginator)",
        "one page of the timeline union",
        "notes on the page, with authors",
        "flag events on the page, with flags and actors",
        "triage assessments on the page",
        "plan changes on the page",
        "header: unread notification count",
        "header: the user's groups with their agencies",
        "audit: INSERT of the read event (by AuditMiddleware, after the view)",
        "savepoint",
        "session refresh",
        "release savepoint",
    ]
    with django_assert_num_queries(len(expected)):
        response = client.get(reverse("casework:timeline", args=[case.pk]))
    assert response.status_code == 200
    assert len(response.context["entries"]) == min(2 * entries + 2, 25)


def test_timeline_filters_by_kind(cast, client_of, register):
    case = register()
    note(cast.social_worker, case, "case_team", text="only notes please")
    flag(cast.social_worker, case)
    page = client_of(cast.social_worker).get(
        reverse("casework:timeline", args=[case.pk]), {"kind": "note"}
    )
    assert [e["kind"] for e in page.context["entries"]] == ["note"]


@pytest.mark.parametrize("count", [3, 30])
def test_notifications_page_query_count(
    cast, client_of, register, django_assert_num_queries, count
):
    for _ in range(count):
        flag(cast.colleague, register(), severity="urgent")
    client = client_of(cast.social_worker)
    expected = [
        "session row",
        "user row",
        "second factor (config/security.py): the session's verified device, or the user's roles",
        "COUNT of notifications (paginator)",
        "one page of notifications with their cases",
        "header: user model permissions",
        "header: group model permissions",
        "header: unread notification count",
        "header: the user's groups with their agencies",
        "savepoint",
        "session refresh",
        "release savepoint",
    ]
    with django_assert_num_queries(len(expected)):
        response = client.get(reverse("notifications"))
    assert response.status_code == 200
