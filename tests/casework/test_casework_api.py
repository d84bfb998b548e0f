"""The casework JSON API: triage, pathway, custody, plan, notes, flags, reviews,
closure and the timeline, over HTTP, with state set up through the real services."""

import datetime

import pytest
from django.contrib.auth.hashers import make_password
from django.urls import reverse
from django.utils import timezone

from agencies.models import Role
from agencies.services import staff_member_create
from casework import services
from casework.models import (
    Case,
    CustodyEpisode,
    Flag,
    Goal,
    Note,
    NoteVisibility,
    Review,
    TriageAssessment,
    TriageDecision,
)
from tests.conftest import SESSION_QUERIES
from tests.matrix import MATRIX

RATINGS = {
    "beliefs_attitudes": "moderate",
    "intent_context": "low",
    "history_capability": "low",
    "commitment_motivation": "moderate",
    "protective_factors": "high",
}
TODAY = timezone.localdate


def url(name: str, case, **ids) -> str:
    return reverse(name, kwargs={"case_id": case.pk if isinstance(case, Case) else case, **ids})


def send(client, method: str, path: str, body=None):
    if method == "get":
        return client.get(path, body or {})
    return getattr(client, method)(path, body or {}, content_type="application/json")


def fresh(case: Case) -> Case:
    return Case.objects.get(pk=case.pk)


def triage(actor, case, category="non_violent") -> TriageAssessment:
    return services.triage_assess(
        actor=actor, case=case, category=category, rationale="Seen twice.", ratings=RATINGS
    )


def add_note(actor, case, visibility=NoteVisibility.CASE_TEAM, text="Met at home.") -> Note:
    return services.note_add(
        actor=actor,
        case=case,
        kind="contact",
        occurred_at=timezone.now() - datetime.timedelta(hours=1),
        text=text,
        visibility=visibility,
    )


def raise_flag(actor, case, severity="concern") -> Flag:
    return services.flag_raise(
        actor=actor,
        case=case,
        category="travel",
        severity=severity,
        source="family",
        description="Asked about flights.",
    )


def grant_view(case, user) -> None:
    """As police jurisdiction (identity, category) or a referral sharing notes would."""
    codenames = (
        ["view_case", "view_case_triage"]
        if user.groups.filter(name="police_liaison").exists()
        else ["view_case", "view_case_shared_notes"]
    )
    services.case_team_grant(cases=[case], user=user, codenames=codenames)


@pytest.fixture
def second_manager(cast):
    return staff_member_create(
        actor=None,
        username="kanykei",
        password=None,
        password_hash=make_password("x"),
        role=Role.PROGRAM_MANAGER,
        agencies=[cast.agency_a],
        first_name="Kanykei",
        last_name="Toktosunova",
    )


@pytest.fixture
def worked_case(cast, case):
    """A case with one of everything an endpoint can address, and their ids."""
    sw, pm = cast.social_worker, cast.program_manager
    triage(sw, case)
    pending = triage(pm, case, "violent")
    episode = services.custody_start(
        actor=sw, case=case, facility="SIZO-1", started_on=TODAY(), segregated=True
    )
    goal = services.goal_add(
        actor=sw,
        case=case,
        domain="housing",
        description="Find a flat",
        owner_agency=cast.agency_a,
        target_date=None,
    )
    note = add_note(sw, case)
    flag = raise_flag(sw, case)
    return {
        "case": fresh(case),
        "assessment_id": pending.pk,
        "episode_id": episode.pk,
        "goal_id": goal.pk,
        "note_id": note.pk,
        "flag_id": flag.pk,
    }


def every_endpoint(ids: dict, cast) -> list[tuple[str, str, dict, dict]]:
    """(method, url name, url ids, a valid body) for every casework endpoint."""
    version = ids["case"].version
    return [
        ("get", "api-case-triage", {}, {}),
        ("post", "api-case-triage", {}, {"category": "unsettled", "rationale": "x", **RATINGS}),
        (
            "post",
            "api-case-triage-decision",
            {"assessment_id": ids["assessment_id"]},
            {"approve": True, "comment": "Agreed."},
        ),
        (
            "post",
            "api-case-pathway",
            {},
            {"pathway": "filtration", "reason": "x", "version": version},
        ),
        ("get", "api-case-custody", {}, {}),
        (
            "post",
            "api-case-custody",
            {},
            {"facility": "SIZO-2", "started_on": TODAY().isoformat(), "segregated": False},
        ),
        (
            "post",
            "api-case-custody-end",
            {"episode_id": ids["episode_id"]},
            {"ended_on": TODAY().isoformat()},
        ),
        ("get", "api-case-goals", {}, {}),
        (
            "post",
            "api-case-goals",
            {},
            {"domain": "employment", "description": "A job", "owner_agency": cast.agency_a.pk},
        ),
        (
            "patch",
            "api-case-goal",
            {"goal_id": ids["goal_id"]},
            {"status": "in_progress", "version": 1},
        ),
        ("get", "api-case-notes", {}, {}),
        (
            "post",
            "api-case-notes",
            {},
            {
                "kind": "contact",
                "occurred_at": timezone.now().isoformat(),
                "text": "Called.",
                "visibility": "all_agencies",
            },
        ),
        ("get", "api-case-note", {"note_id": ids["note_id"]}, {}),
        ("post", "api-case-note-amend", {"note_id": ids["note_id"]}, {"text": "Amended."}),
        ("get", "api-case-flags", {}, {}),
        (
            "post",
            "api-case-flags",
            {},
            {"category": "other", "severity": "info", "source": "police", "description": "x"},
        ),
        ("post", "api-case-flag-acknowledge", {"flag_id": ids["flag_id"]}, {}),
        ("post", "api-case-flag-resolve", {"flag_id": ids["flag_id"]}, {"resolution_note": "x"}),
        ("get", "api-case-reviews", {}, {}),
        ("post", "api-case-reviews", {}, {"outcome": "continue", "summary": "Fine."}),
        ("post", "api-case-close", {}, {"reason": "reintegrated", "version": version}),
        ("post", "api-case-reopen", {}, {"note": "Back.", "version": version}),
        ("get", "api-case-timeline", {}, {}),
    ]


ENDPOINT_NAMES = [
    ("get", "api-case-triage"),
    ("post", "api-case-triage"),
    ("post", "api-case-triage-decision"),
    ("post", "api-case-pathway"),
    ("get", "api-case-custody"),
    ("post", "api-case-custody"),
    ("post", "api-case-custody-end"),
    ("get", "api-case-goals"),
    ("post", "api-case-goals"),
    ("patch", "api-case-goal"),
    ("get", "api-case-notes"),
    ("post", "api-case-notes"),
    ("get", "api-case-note"),
    ("post", "api-case-note-amend"),
    ("get", "api-case-flags"),
    ("post", "api-case-flags"),
    ("post", "api-case-flag-acknowledge"),
    ("post", "api-case-flag-resolve"),
    ("get", "api-case-reviews"),
    ("post", "api-case-reviews"),
    ("post", "api-case-close"),
    ("post", "api-case-reopen"),
    ("get", "api-case-timeline"),
]


def endpoint(ids, cast, method, name):
    for m, n, kwargs, body in every_endpoint(ids, cast):
        if (m, n) == (method, name):
            return url(n, ids["case"], **kwargs), body
    raise AssertionError(f"no endpoint {method} {name}")


def snapshot(case: Case) -> tuple:
    """What any endpoint could change on or under a case."""
    row = fresh(case)
    return (
        row.version,
        row.status,
        row.category,
        row.pathway,
        list(TriageAssessment.objects.filter(case=case).values_list("pk", flat=True)),
        list(TriageDecision.objects.filter(assessment__case=case).values_list("pk", flat=True)),
        list(CustodyEpisode.objects.filter(case=case).values_list("pk", "ended_on")),
        list(Goal.objects.filter(case=case).values_list("pk", "status", "version")),
        list(Note.objects.filter(case=case).values_list("pk", "text")),
        list(Flag.objects.filter(case=case).values_list("pk", "status")),
        list(Review.objects.filter(case=case).values_list("pk", flat=True)),
    )


def test_every_endpoint_is_covered_by_these_lists():
    from casework.api_urls import urlpatterns

    # The flags board is a list: tests/referrals/test_referral_api.py covers it; the
    # program managers' assignment endpoints, tests/casework/test_assignment.py; their
    # staff endpoints, tests/casework/test_staff_api.py; a follow-up review,
    # tests/casework/test_followup_api.py; the access log, tests/casework/test_access_log_api.py.
    named = {p.name for p in urlpatterns} - {
        "api-case-followup",
        "api-case-access-log",
        "api-case-list",
        "api-case-detail",
        "api-flags-board",
        "api-case-assign",
        "api-cases-reassign",
        "api-cases-hand-over",
        "api-staff",
        "api-staff-deactivate",
    }
    assert named == {name for _method, name in ENDPOINT_NAMES}


# --- It works for the case team ------------------------------------------------------


def test_triage_takes_effect_and_history_is_newest_first(cast, client_of, case):
    client = client_of(cast.social_worker)
    first = send(
        client,
        "post",
        url("api-case-triage", case),
        {"category": "unsettled", "rationale": "First meeting.", **RATINGS},
    )
    second = send(
        client,
        "post",
        url("api-case-triage", case),
        {"category": "non_violent", "rationale": "Settled in.", **RATINGS},
    )

    assert first.status_code == 201, first.json()
    assert second.json()["pending"] is False
    assert second.json()["previous_id"] == first.json()["id"]
    row = fresh(case)
    assert (row.category, row.pathway) == ("non_violent", "rehabilitation")
    history = send(client, "get", url("api-case-triage", case)).json()
    assert [a["id"] for a in history] == [second.json()["id"], first.json()["id"]]
    assert history[0]["assessor"] == "Aigul Sadykova"
    assert history[0]["decision"] is None


def test_two_person_rule_over_the_api(cast, client_of, case, second_manager):
    triage(cast.social_worker, case, "non_violent")
    assessor = client_of(cast.program_manager)
    response = send(
        assessor,
        "post",
        url("api-case-triage", case),
        {"category": "violent", "rationale": "Threats reported.", **RATINGS},
    )
    assert response.status_code == 201
    assert response.json()["pending"] is True
    assert fresh(case).category == "non_violent"
    decide = url("api-case-triage-decision", case, assessment_id=response.json()["id"])
    body = {"approve": True, "comment": "The threats are corroborated."}

    own = send(assessor, "post", decide, body)
    worker = send(client_of(cast.social_worker), "post", decide, body)
    other = send(client_of(second_manager), "post", decide, body)

    assert own.status_code == 400
    assert "non_field_errors" in own.json()
    assert worker.status_code == 403
    assert other.status_code == 201, other.json()
    assert other.json()["pending"] is False
    assert other.json()["decision"]["approved"] is True
    assert other.json()["decision"]["decided_by"] == "Kanykei Toktosunova"
    row = fresh(case)
    assert (row.category, row.pathway) == ("violent", "law_enforcement")
    again = send(client_of(second_manager), "post", decide, body)
    assert again.status_code == 400
    assert TriageDecision.objects.count() == 1


def test_pathway_override_answers_with_the_case(cast, client_of, case):
    triage(cast.social_worker, case, "non_violent")
    version = fresh(case).version
    response = send(
        client_of(cast.social_worker),
        "post",
        url("api-case-pathway", case),
        {"pathway": "filtration", "reason": "Contact with old network.", "version": version},
    )
    assert response.status_code == 200, response.json()
    body = response.json()
    assert body["id"] == case.pk
    assert body["category"] == "non_violent"
    assert body["pathway"] == "filtration"
    assert body["pathway_override_reason"] == "Contact with old network."
    assert body["version"] == version + 1
    assert body["next_review_on"] is not None
    assert body["closure_reason"] == ""


@pytest.mark.parametrize(
    ("name", "body"),
    [
        ("api-case-pathway", {"pathway": "law_enforcement", "reason": "Late."}),
        ("api-case-close", {"reason": "transferred"}),
        ("api-case-reviews", {"outcome": "continue", "summary": "Late."}),
    ],
)
def test_stale_case_version_is_a_409_with_the_current_case(cast, client_of, case, name, body):
    triage(cast.social_worker, case, "non_violent")
    seen = fresh(case).version
    services.case_pathway_set(
        actor=cast.colleague,
        case=case,
        pathway="filtration",
        reason="Meanwhile, a colleague.",
        expected_version=seen,
    )
    before = snapshot(case)

    response = send(
        client_of(cast.social_worker), "post", url(name, case), {**body, "version": seen}
    )

    assert response.status_code == 409, response.json()
    assert "Someone else changed this record" in response.json()["detail"]
    current = response.json()["current"]
    assert current["version"] == seen + 1
    assert current["pathway"] == "filtration"
    assert current["pathway_override_reason"] == "Meanwhile, a colleague."
    assert snapshot(case) == before


def test_reopen_with_a_stale_version_is_a_409(cast, client_of, case):
    services.case_close(
        actor=cast.social_worker, case=case, reason="transferred", note="", expected_version=None
    )
    seen = fresh(case).version
    services.case_reopen(actor=cast.colleague, case=case, note="Back.", expected_version=seen)
    services.case_close(
        actor=cast.colleague, case=case, reason="left_country", note="", expected_version=None
    )

    response = send(
        client_of(cast.social_worker),
        "post",
        url("api-case-reopen", case),
        {"note": "Back again.", "version": seen},
    )

    assert response.status_code == 409
    assert response.json()["current"]["closure_reason"] == "left_country"
    assert fresh(case).status == "closed"


def test_custody_start_list_and_end(cast, client_of, case):
    client = client_of(cast.social_worker)
    started = send(
        client,
        "post",
        url("api-case-custody", case),
        {"facility": "SIZO-1 Bishkek", "started_on": "2024-02-01", "segregated": True},
    )
    assert started.status_code == 201, started.json()
    episode_id = started.json()["id"]
    listed = send(client, "get", url("api-case-custody", case)).json()
    ended = send(
        client,
        "post",
        url("api-case-custody-end", case, episode_id=episode_id),
        {"ended_on": "2024-06-30"},
    )

    assert [e["id"] for e in listed] == [episode_id]
    assert listed[0]["segregated"] is True
    assert ended.status_code == 200
    assert ended.json()["ended_on"] == "2024-06-30"
    assert CustodyEpisode.objects.get().ended_on == datetime.date(2024, 6, 30)


def test_goals_add_list_and_update(cast, client_of, case):
    client = client_of(cast.social_worker)
    added = send(
        client,
        "post",
        url("api-case-goals", case),
        {
            "domain": "employment",
            "description": "Apprenticeship at the textile works",
            "owner_agency": cast.employer.pk,
            "target_date": "2030-01-31",
        },
    )
    assert added.status_code == 201, added.json()
    goal = added.json()
    assert goal["owner_agency_name"] == "Dordoi Textile Works"
    assert goal["version"] == 1

    patched = send(
        client,
        "patch",
        url("api-case-goal", case, goal_id=goal["id"]),
        {"status": "in_progress", "version": 1},
    )
    listed = send(client, "get", url("api-case-goals", case)).json()

    assert patched.status_code == 200, patched.json()
    assert patched.json()["status"] == "in_progress"
    # Left out of the PATCH, so kept.
    assert patched.json()["target_date"] == "2030-01-31"
    assert patched.json()["version"] == 2
    assert [(g["id"], g["status"]) for g in listed] == [(goal["id"], "in_progress")]


def test_stale_goal_version_is_a_409_with_the_current_goal(cast, client_of, case):
    goal = services.goal_add(
        actor=cast.social_worker,
        case=case,
        domain="housing",
        description="Find a flat",
        owner_agency=cast.agency_a,
        target_date=None,
    )
    services.goal_update(
        actor=cast.colleague,
        goal=goal,
        expected_version=1,
        status="achieved",
        target_date=None,
        outcome="Moved in.",
    )

    response = send(
        client_of(cast.social_worker),
        "patch",
        url("api-case-goal", case, goal_id=goal.pk),
        {"status": "cancelled", "version": 1},
    )

    assert response.status_code == 409
    assert response.json()["current"]["status"] == "achieved"
    assert response.json()["current"]["outcome"] == "Moved in."
    assert response.json()["current"]["version"] == 2
    assert Goal.objects.get().status == "achieved"


def test_notes_add_list_amend_and_correct(cast, client_of, case):
    client = client_of(cast.social_worker)
    occurred = (timezone.now() - datetime.timedelta(days=1)).isoformat()
    note = {"kind": "home_visit", "occurred_at": occurred, "visibility": "case_team"}
    first = send(client, "post", url("api-case-notes", case), {**note, "text": "Visited."})
    assert first.status_code == 201, first.json()
    correction = send(
        client,
        "post",
        url("api-case-notes", case),
        {**note, "text": "It was Tuesday.", "corrects": first.json()["id"]},
    )
    amended = send(
        client,
        "post",
        url("api-case-note-amend", case, note_id=first.json()["id"]),
        {"text": "Visited; mother present."},
    )
    listed = send(client, "get", url("api-case-notes", case)).json()

    assert correction.status_code == 201
    assert correction.json()["corrects_id"] == first.json()["id"]
    assert amended.status_code == 200
    assert amended.json()["amended_at"] is not None
    assert listed["count"] == 2
    assert {n["text"] for n in listed["results"]} == {"Visited; mother present.", "It was Tuesday."}


def test_only_the_author_amends_a_note(cast, client_of, case):
    note = add_note(cast.social_worker, case)
    response = send(
        client_of(cast.colleague),
        "post",
        url("api-case-note-amend", case, note_id=note.pk),
        {"text": "Not mine."},
    )
    assert response.status_code == 404  # as for a note they cannot amend: nothing revealed
    assert Note.objects.get().text == "Met at home."


def test_flags_raise_list_acknowledge_resolve(cast, client_of, case):
    client = client_of(cast.social_worker)
    raised = send(
        client,
        "post",
        url("api-case-flags", case),
        {
            "category": "extremist_contact",
            "severity": "urgent",
            "source": "family",
            "description": "Brother saw him with old contacts.",
        },
    )
    assert raised.status_code == 201, raised.json()
    flag_id = raised.json()["id"]
    acknowledged = send(client, "post", url("api-case-flag-acknowledge", case, flag_id=flag_id))
    by_raiser = send(
        client,
        "post",
        url("api-case-flag-resolve", case, flag_id=flag_id),
        {"resolution_note": "Talked to him."},
    )
    by_colleague = send(
        client_of(cast.colleague),
        "post",
        url("api-case-flag-resolve", case, flag_id=flag_id),
        {"resolution_note": "Talked to him."},
    )
    listed = send(client, "get", url("api-case-flags", case)).json()

    assert acknowledged.status_code == 200
    assert acknowledged.json()["status"] == "acknowledged"
    # An urgent flag is resolved by a second person.
    assert by_raiser.status_code == 400
    assert by_colleague.status_code == 200
    assert [(f["id"], f["status"]) for f in listed] == [(flag_id, "resolved")]
    assert listed[0]["raised_by"] == "Aigul Sadykova"


def test_review_sets_the_next_date_and_can_close(cast, client_of, case):
    client = client_of(cast.social_worker)
    triage(cast.social_worker, case, "non_violent")
    cont = send(
        client,
        "post",
        url("api-case-reviews", case),
        {"outcome": "continue", "summary": "Working, housed."},
    )
    no_reason = send(
        client, "post", url("api-case-reviews", case), {"outcome": "close", "summary": "Done."}
    )
    close = send(
        client,
        "post",
        url("api-case-reviews", case),
        {"outcome": "close", "summary": "Done.", "closure_reason": "reintegrated"},
    )
    listed = send(client, "get", url("api-case-reviews", case)).json()

    assert cont.status_code == 201, cont.json()
    assert cont.json()["next_review_on"] == (TODAY() + datetime.timedelta(days=90)).isoformat()
    assert no_reason.status_code == 400
    assert "closure_reason" in no_reason.json()
    assert close.status_code == 201
    row = fresh(case)
    assert (row.status, row.closure_reason) == ("closed", "reintegrated")
    assert [r["id"] for r in listed] == [close.json()["id"], cont.json()["id"]]


def test_close_and_reopen(cast, client_of, case):
    client = client_of(cast.social_worker)
    version = fresh(case).version
    closed = send(
        client,
        "post",
        url("api-case-close", case),
        {"reason": "transferred", "note": "Moved to Osh.", "version": version},
    )
    assert closed.status_code == 200, closed.json()
    assert closed.json()["status"] == "closed"
    assert closed.json()["closure_reason"] == "transferred"
    reopened = send(
        client,
        "post",
        url("api-case-reopen", case),
        {"note": "Came back.", "version": closed.json()["version"]},
    )
    assert reopened.status_code == 200, reopened.json()
    assert reopened.json()["status"] == "open"
    assert reopened.json()["closure_reason"] == ""


def test_an_open_urgent_flag_blocks_closing(cast, client_of, case):
    raise_flag(cast.colleague, case, severity="urgent")
    response = send(
        client_of(cast.social_worker),
        "post",
        url("api-case-close", case),
        {"reason": "reintegrated", "version": fresh(case).version},
    )
    assert response.status_code == 400
    assert "urgent flag" in response.json()["non_field_errors"][0]
    assert fresh(case).status == "open"


def test_timeline_lists_what_happened_newest_first_and_filters(cast, client_of, case):
    sw = cast.social_worker
    assessment = triage(sw, case)
    note = add_note(sw, case)
    flag = raise_flag(sw, case)
    services.review_complete(actor=sw, case=case, outcome="continue", summary="Fine.")
    client = client_of(sw)

    everything = send(client, "get", url("api-case-timeline", case)).json()
    only = send(client, "get", url("api-case-timeline", case), {"kind": ["note", "flag"]}).json()

    assert everything["count"] == 4
    kinds = {e["kind"]: e for e in everything["results"]}
    assert set(kinds) == {"triage", "note", "flag", "review"}
    assert kinds["triage"]["id"] == assessment.pk
    assert kinds["triage"]["category"] == "non_violent"
    assert kinds["note"]["text"] == "Met at home."
    assert kinds["note"]["author"] == "Aigul Sadykova"
    assert kinds["flag"]["flag_id"] == flag.pk
    assert kinds["flag"]["status"] == "open"
    ats = [e["at"] for e in everything["results"]]
    assert ats == sorted(ats, reverse=True)
    assert {(e["kind"], e["id"]) for e in only["results"]} == {
        ("note", note.pk),
        ("flag", flag.events.get().pk),
    }


@pytest.mark.parametrize("kinds", [["gossip"], ["note", "gossip"], [""]])
def test_unknown_timeline_kind_is_a_400(cast, client_of, case, kinds):
    response = client_of(cast.social_worker).get(url("api-case-timeline", case), {"kind": kinds})
    assert response.status_code == 400
    assert "kind" in response.json()


@pytest.mark.parametrize(
    ("who", "sees_category", "sees_team_details"),
    [("social_worker", True, True), ("police_liaison", True, False), ("partner", False, False)],
)
def test_case_detail_shows_each_reader_their_part(
    cast, client_of, case, who, sees_category, sees_team_details
):
    triage(cast.social_worker, case, "unsettled")
    grant_view(case, getattr(cast, who))

    body = client_of(getattr(cast, who)).get(url("api-case-detail", case)).json()

    assert body["id"] == case.pk
    triaged = (body["category"], body["pathway"]) == ("unsettled", "filtration")
    assert triaged is sees_category
    assert (body["next_review_on"] is not None) is sees_team_details
    person = body["returnee"]
    assert (person["phone"], person["address"], person["needs"]) == (
        ("+996 555 123456", "Chui st. 12", ["housing", "documents"])
        if sees_team_details
        else (None, None, None)
    )


# --- Who may not ---------------------------------------------------------------------


# The access matrix (tests/matrix.py) sends one method to each URL and asserts the
# outsider's 404, the auditor's 403 and the anonymous refusal there; the operations it
# does not send are refused here, with a valid body, and change nothing.
NOT_IN_THE_MATRIX = [(method, name) for method, name in ENDPOINT_NAMES if MATRIX[name][0] != method]


@pytest.mark.parametrize(("method", "name"), NOT_IN_THE_MATRIX)
# The outsider manager holds every role permission, so only object access can refuse them.
@pytest.mark.parametrize("who", ["outsider", "outsider_manager"])
def test_outsider_gets_404_on_every_endpoint(cast, client_of, worked_case, method, name, who):
    user = getattr(cast, who)
    path, body = endpoint(worked_case, cast, method, name)
    before = snapshot(worked_case["case"])

    response = send(client_of(user), method, path, body)

    assert response.status_code == 404, response.content
    assert snapshot(worked_case["case"]) == before


@pytest.mark.parametrize(("method", "name"), ENDPOINT_NAMES)
def test_every_endpoint_works_for_the_team_and_a_missing_case_is_404(
    cast, client_of, worked_case, second_manager, method, name
):
    """The bodies above are valid (so the outsider's 404 is no 400 in disguise)."""
    case = worked_case["case"]
    who = cast.social_worker
    if name == "api-case-triage-decision":
        who = second_manager  # the pending triage is the program manager's own
    elif (method, name) == ("post", "api-case-triage"):
        services.triage_decide(
            actor=second_manager,
            assessment=TriageAssessment.objects.get(pk=worked_case["assessment_id"]),
            approve=False,
            comment="Not corroborated.",
        )
    elif (method, name) == ("post", "api-case-custody"):
        services.custody_end(
            actor=who,
            episode=CustodyEpisode.objects.get(pk=worked_case["episode_id"]),
            ended_on=TODAY(),
        )
    elif name == "api-case-reopen":
        services.case_close(
            actor=who, case=case, reason="transferred", note="", expected_version=None
        )
    path, body = endpoint({**worked_case, "case": fresh(case)}, cast, method, name)
    client = client_of(who)

    response = send(client, method, path, body)
    missing = send(client, method, path.replace(f"/{case.pk}/", "/999999/"), body)

    assert response.status_code in (200, 201), response.content
    assert missing.status_code == 404


@pytest.mark.parametrize(("method", "name"), NOT_IN_THE_MATRIX)
def test_auditor_role_is_refused_every_endpoint(cast, client_of, worked_case, method, name):
    path, body = endpoint(worked_case, cast, method, name)
    before = snapshot(worked_case["case"])
    response = send(client_of(cast.auditor), method, path, body)
    assert response.status_code == 403
    assert snapshot(worked_case["case"]) == before


def test_anonymous_is_refused(client, worked_case, cast):
    path, body = endpoint(worked_case, cast, "post", "api-case-notes")
    assert send(client, "post", path, body).status_code in (401, 403)


def test_sub_objects_of_another_case_are_404(cast, client_of, case, register):
    other = register(actor=cast.outsider, agency=cast.agency_b)
    flag = raise_flag(cast.outsider, other)
    note = add_note(cast.outsider, other, visibility=NoteVisibility.ALL_AGENCIES)
    goal = services.goal_add(
        actor=cast.outsider,
        case=other,
        domain="housing",
        description="x",
        owner_agency=cast.agency_b,
        target_date=None,
    )
    client = client_of(cast.social_worker)

    ack = send(client, "post", url("api-case-flag-acknowledge", case, flag_id=flag.pk))
    amend = send(client, "post", url("api-case-note-amend", case, note_id=note.pk), {"text": "x"})
    patch = send(
        client,
        "patch",
        url("api-case-goal", case, goal_id=goal.pk),
        {"status": "cancelled", "version": 1},
    )
    correct = send(
        client,
        "post",
        url("api-case-notes", case),
        {
            "kind": "contact",
            "occurred_at": timezone.now().isoformat(),
            "text": "x",
            "visibility": "case_team",
            "corrects": note.pk,
        },
    )

    assert (ack.status_code, amend.status_code, patch.status_code) == (404, 404, 404)
    assert correct.status_code == 400
    assert "corrects" in correct.json()
    assert Flag.objects.get(pk=flag.pk).status == "open"
    assert not Note.objects.filter(case=case).exists()


def test_police_liaison_sees_flags_and_custody_but_not_the_team_work(cast, client_of, case):
    police = client_of(cast.police_liaison)
    triage_body = {"category": "violent", "rationale": "x", **RATINGS}
    # Without a grant the case does not exist for them; their role never triages.
    assert send(police, "get", url("api-case-flags", case)).status_code == 404
    assert send(police, "post", url("api-case-triage", case), triage_body).status_code == 403
    grant_view(case, cast.police_liaison)

    for name in ("api-case-triage", "api-case-goals", "api-case-reviews"):
        assert send(police, "get", url(name, case)).status_code == 404, name
    assert send(police, "get", url("api-case-flags", case)).status_code == 200
    assert send(police, "get", url("api-case-custody", case)).status_code == 200
    assert send(police, "post", url("api-case-triage", case), triage_body).status_code == 403
    assert (
        send(
            police, "post", url("api-case-close", case), {"reason": "deceased", "version": 1}
        ).status_code
        == 403
    )
    raised = send(
        police,
        "post",
        url("api-case-flags", case),
        {"category": "travel", "severity": "concern", "source": "police", "description": "x"},
    )
    assert raised.status_code == 201
    assert not TriageAssessment.objects.exists()
    assert fresh(case).status == "open"


def test_partner_with_access_sees_no_flags_custody_or_team_entries(cast, client_of, case):
    triage(cast.social_worker, case, "unsettled")
    raise_flag(cast.social_worker, case)
    grant_view(case, cast.partner)
    partner = client_of(cast.partner)

    # Flags are not the partner role's to see at all; custody is not theirs on this case.
    assert send(partner, "get", url("api-case-flags", case)).status_code == 403
    assert send(partner, "get", url("api-case-custody", case)).status_code == 404
    timeline = send(partner, "get", url("api-case-timeline", case)).json()
    assert timeline["count"] == 0
    # The partner's role may not write notes or raise flags.
    assert send(partner, "post", url("api-case-flags", case), {}).status_code == 403
    assert send(partner, "post", url("api-case-notes", case), {}).status_code == 403


@pytest.mark.parametrize(
    ("who", "sees"),
    [
        ("police_liaison", {"police", "all_agencies"}),
        ("clinician", {"clinical", "all_agencies"}),
        ("partner", {"all_agencies"}),
        ("colleague", {"case_team", "police", "all_agencies"}),
    ],
)
def test_each_reader_sees_only_the_notes_shared_with_them(cast, client_of, case, who, sees):
    notes = {v: add_note(cast.social_worker, case, visibility=v, text=v) for v in NoteVisibility}
    reader = getattr(cast, who)
    grant_view(case, reader)
    client = client_of(reader)

    listed = send(client, "get", url("api-case-notes", case)).json()
    timeline = send(client, "get", url("api-case-timeline", case), {"kind": "note"}).json()
    one = {
        v: send(client, "get", url("api-case-note", case, note_id=note.pk))
        for v, note in notes.items()
    }

    assert {n["text"] for n in listed["results"]} == sees
    assert {n["id"] for n in listed["results"]} == {notes[v].pk for v in sees}
    assert {e["text"] for e in timeline["results"]} == sees
    assert {v for v, response in one.items() if response.status_code == 200} == sees
    assert {v for v, response in one.items() if response.status_code == 404} == (
        set(NoteVisibility) - sees
    )


def test_a_hidden_note_cannot_be_corrected(cast, client_of, case):
    clinical = add_note(cast.social_worker, case, visibility=NoteVisibility.CLINICAL)
    response = send(
        client_of(cast.colleague),
        "post",
        url("api-case-notes", case),
        {
            "kind": "contact",
            "occurred_at": timezone.now().isoformat(),
            "text": "Correcting.",
            "visibility": "case_team",
            "corrects": clinical.pk,
        },
    )
    assert response.status_code == 400
    assert "corrects" in response.json()
    assert Note.objects.count() == 1


# --- Bad input -----------------------------------------------------------------------


def _resolved_flag(cast, case):
    flag = raise_flag(cast.social_worker, case)
    services.flag_resolve(actor=cast.social_worker, flag=flag, resolution_note="Explained.")
    return {"flag_id": flag.pk}


def _episode(cast, case):
    episode = services.custody_start(
        actor=cast.social_worker,
        case=case,
        facility="SIZO-1",
        started_on=datetime.date(2024, 3, 1),
        segregated=False,
    )
    return {"episode_id": episode.pk}


def _goal(cast, case):
    goal = services.goal_add(
        actor=cast.social_worker,
        case=case,
        domain="housing",
        description="Find a flat",
        owner_agency=cast.agency_a,
        target_date=None,
    )
    return {"goal_id": goal.pk}


TRIAGE_BODY = {"category": "non_violent", "rationale": "Seen.", **RATINGS}
NOTE_BODY = {"kind": "contact", "occurred_at": "2024-05-01T10:00:00Z", "visibility": "case_team"}
FLAG_BODY = {"category": "travel", "severity": "info", "source": "family", "description": "x"}


@pytest.mark.parametrize(
    ("name", "setup", "body", "field"),
    [
        ("api-case-triage", None, {**TRIAGE_BODY, "category": "dangerous"}, "category"),
        (
            "api-case-triage",
            None,
            {**TRIAGE_BODY, "beliefs_attitudes": "extreme"},
            "beliefs_attitudes",
        ),
        ("api-case-triage", None, {**TRIAGE_BODY, "rationale": "  "}, "rationale"),
        ("api-case-triage", None, {"category": "violent"}, "rationale"),
        ("api-case-notes", None, {**NOTE_BODY, "text": "x" * 1_000_001}, "text"),
        ("api-case-notes", None, {**NOTE_BODY, "text": "x", "visibility": "press"}, "visibility"),
        ("api-case-notes", None, {**NOTE_BODY, "text": "x", "occurred_at": "soon"}, "occurred_at"),
        (
            "api-case-notes",
            None,
            {**NOTE_BODY, "text": "x", "occurred_at": "2099-01-01T00:00:00Z"},
            "occurred_at",
        ),
        ("api-case-flags", None, {**FLAG_BODY, "severity": "apocalyptic"}, "severity"),
        ("api-case-flag-acknowledge", _resolved_flag, {}, "non_field_errors"),
        ("api-case-flag-resolve", _resolved_flag, {"resolution_note": "x"}, "non_field_errors"),
        (
            "api-case-custody",
            None,
            {"facility": "x" * 201, "started_on": "2024-01-01", "segregated": True},
            "facility",
        ),
        (
            "api-case-custody",
            None,
            {"facility": "SIZO-1", "started_on": "2099-01-01", "segregated": True},
            "started_on",
        ),
        ("api-case-custody-end", _episode, {"ended_on": "2024-02-01"}, "ended_on"),
        (
            "api-case-goals",
            None,
            {"domain": "housing", "description": "x", "owner_agency": 999999},
            "owner_agency",
        ),
        ("api-case-pathway", None, {"pathway": "rehabilitation", "version": 1}, "pathway"),
        ("api-case-pathway", None, {"pathway": "teleport", "version": 1}, "pathway"),
        ("api-case-close", None, {"reason": "bored", "version": 1}, "reason"),
        ("api-case-close", None, {"reason": "deceased"}, "version"),
        ("api-case-reopen", None, {"note": "x", "version": 1}, "non_field_errors"),
        ("api-case-reviews", None, {"outcome": "nap", "summary": "x"}, "outcome"),
    ],
)
def test_bad_input_is_a_400_and_changes_nothing(cast, client_of, case, name, setup, body, field):
    ids = setup(cast, case) if setup else {}
    before = snapshot(case)

    response = send(client_of(cast.social_worker), "post", url(name, case, **ids), body)

    assert response.status_code == 400, response.content
    assert field in response.json()
    assert snapshot(case) == before


def _goal_body(cast, **changes):
    return {
        "domain": "housing",
        "description": "Find a flat",
        "owner_agency": cast.agency_a.pk,
        **changes,
    }


def _custody_body(**changes):
    return {"facility": "SIZO-1", "started_on": "2024-01-01", "segregated": True, **changes}


@pytest.mark.parametrize(
    ("name", "body", "field"),
    [
        ("api-case-custody", lambda c: _custody_body(facility="SIZO\u202e-1"), "facility"),
        ("api-case-custody", lambda c: _custody_body(facility="SIZO-1\nblock 2"), "facility"),
        ("api-case-goals", lambda c: _goal_body(c, description="Find\u2067 a flat"), "description"),
        ("api-case-goals", lambda c: _goal_body(c, description="Find\ta flat"), "description"),
        ("api-case-goals", lambda c: _goal_body(c, description="Find \ud800"), "description"),
        ("api-case-notes", lambda c: {**NOTE_BODY, "text": "Met\x07 at home."}, "text"),
        ("api-case-notes", lambda c: {**NOTE_BODY, "text": "Met \u202eat home."}, "text"),
        ("api-case-notes", lambda c: {**NOTE_BODY, "text": "Met \udc00 at home."}, "text"),
        ("api-case-flags", lambda c: {**FLAG_BODY, "description": "x\x1b[2J"}, "description"),
        (
            "api-case-triage",
            lambda c: {**TRIAGE_BODY, "rationale": "Seen\u2066 twice"},
            "rationale",
        ),
        (
            "api-case-pathway",
            lambda c: {"pathway": "filtration", "reason": "Because\u200e", "version": 1},
            "reason",
        ),
        ("api-case-reviews", lambda c: {"outcome": "continue", "summary": "Fi\x0cne"}, "summary"),
        ("api-case-reopen", lambda c: {"note": "Back\u202c", "version": 1}, "note"),
    ],
)
def test_hidden_characters_in_text_are_field_errors(cast, client_of, case, name, body, field):
    """Control characters and text-direction overrides can make a record read as something
    else in lists and exports; one-line text refuses line breaks and tabs too."""
    before = snapshot(case)

    response = send(client_of(cast.social_worker), "post", url(name, case), body(cast))

    assert response.status_code == 400, response.content
    assert field in response.json()
    assert snapshot(case) == before


def test_long_text_keeps_line_breaks_and_tabs_and_text_is_stored_in_nfc(cast, client_of, case):
    client = client_of(cast.social_worker)
    text = "Visited at home.\r\n\tHousing: fine.\nCafe\u0301 owner offers work."

    note = send(client, "post", url("api-case-notes", case), {**NOTE_BODY, "text": text})
    goal = send(
        client, "post", url("api-case-goals", case), _goal_body(cast, description="Cafe\u0301 job")
    )

    assert (note.status_code, goal.status_code) == (201, 201)
    assert (
        Note.objects.get().text
        == "Visited at home.\r\n\tHousing: fine.\nCaf\u00e9 owner offers work."
    )
    assert Goal.objects.get().description == "Caf\u00e9 job"


@pytest.mark.parametrize(
    ("name", "setup", "method", "body", "field"),
    [
        (
            "api-case-goals",
            None,
            "post",
            lambda c: _goal_body(c, target_date="9999-12-31"),
            "target_date",
        ),
        (
            "api-case-goals",
            None,
            "post",
            lambda c: _goal_body(c, target_date="1899-12-31"),
            "target_date",
        ),
        (
            "api-case-goal",
            _goal,
            "patch",
            lambda c: {"target_date": "9999-12-31", "version": 1},
            "target_date",
        ),
        (
            "api-case-custody",
            None,
            "post",
            lambda c: _custody_body(started_on="0001-01-01"),
            "started_on",
        ),
        (
            "api-case-custody-end",
            _episode,
            "post",
            lambda c: {"ended_on": "9999-12-31"},
            "ended_on",
        ),
    ],
)
def test_implausible_dates_are_field_errors_naming_the_bounds(
    cast, client_of, case, name, setup, method, body, field
):
    ids = setup(cast, case) if setup else {}
    before = snapshot(case)

    response = send(client_of(cast.social_worker), method, url(name, case, **ids), body(cast))

    assert response.status_code == 400, response.content
    [message] = response.json()[field]
    assert "1900" in message
    assert str(TODAY().year + 10) in message
    assert snapshot(case) == before


def test_goal_patch_with_unknown_status_is_a_400(cast, client_of, case):
    ids = _goal(cast, case)
    response = send(
        client_of(cast.social_worker),
        "patch",
        url("api-case-goal", case, **ids),
        {"status": "abandoned", "version": 1},
    )
    assert response.status_code == 400
    assert "status" in response.json()
    assert Goal.objects.get().status == "planned"


def test_malformed_json_is_a_400(cast, client_of, case):
    response = client_of(cast.social_worker).post(
        url("api-case-notes", case), '{"text": "x",', content_type="application/json"
    )
    assert response.status_code == 400
    assert "detail" in response.json()
    assert not Note.objects.exists()


def test_a_second_pending_triage_is_refused(cast, client_of, case):
    triage(cast.program_manager, case, "violent")
    response = send(
        client_of(cast.social_worker), "post", url("api-case-triage", case), TRIAGE_BODY
    )
    assert response.status_code == 400
    assert "category" in response.json()
    assert TriageAssessment.objects.count() == 1


# --- Query counts --------------------------------------------------------------------


@pytest.mark.parametrize("rows", [5, 20])
def test_notes_list_query_count_does_not_grow_with_rows(
    cast, client_of, case, django_assert_num_queries, rows
):
    first = add_note(cast.social_worker, case)
    for i in range(rows - 1):
        services.note_add(
            actor=cast.colleague if i % 2 else cast.social_worker,
            case=case,
            kind="contact",
            occurred_at=timezone.now() - datetime.timedelta(hours=i + 2),
            text=f"Note {i}",
            visibility=NoteVisibility.ALL_AGENCIES,
            corrects=first if i % 3 == 0 else None,
        )
    client = client_of(cast.social_worker)
    expected = [
        *SESSION_QUERIES,
        "the case through the access funnel, with whether the reader is on its team",
        "the reader's groups and their agencies' kinds (what they see of the case)",
        "COUNT of the visible notes (paginator)",
        "one page of visible notes joined with author and corrected note",
        "audit: INSERT of the read event (by AuditMiddleware, after the view)",
    ]
    with django_assert_num_queries(len(expected)):
        response = client.get(url("api-case-notes", case))
    assert response.status_code == 200
    assert len(response.json()["results"]) == rows


@pytest.mark.parametrize("rows", [5, 20])
def test_timeline_query_count_does_not_grow_with_rows(
    cast, client_of, case, django_assert_num_queries, rows
):
    triage(cast.social_worker, case)
    for _ in range(rows):
        add_note(cast.colleague, case)
        raise_flag(cast.colleague, case)
    client = client_of(cast.social_worker)
    expected = [
        *SESSION_QUERIES,
        "the case through the access funnel, with whether the reader is on its team",
        "the reader's groups and their agencies' kinds (what they see of the case)",
        "COUNT of the UNION ALL of the visible entries (paginator)",
        "one page of (kind, id, at) rows of the UNION ALL",
        "the page's notes with their authors",
        "the page's triage assessments with assessor and decision",
        "the page's flag events with their flags and actors",
        "audit: INSERT of the read event (by AuditMiddleware, after the view)",
    ]
    with django_assert_num_queries(len(expected)):
        response = client.get(url("api-case-timeline", case))
    assert response.status_code == 200
    assert len(response.json()["results"]) == 2 * rows + 1


def test_the_schema_documents_the_casework_endpoints(cast, client_of):
    schema = client_of(cast.social_worker).get(reverse("api-schema")).content.decode()
    for path in (
        "/api/cases/{case_id}/triage/{assessment_id}/decision/",
        "/api/cases/{case_id}/goals/{goal_id}/",
        "/api/cases/{case_id}/timeline/",
        "PaginatedNoteOutputList",
        "PaginatedTimelineEntryList",
    ):
        assert path in schema
