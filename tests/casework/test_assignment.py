"""Assigning a case, reassigning many at once from the caseload, handing over a
leaver's caseload (issue #15, part 2): over HTTP and through the services, with the
grants, notifications and audit events they leave."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from audit.models import AuditEvent
from casework import services
from casework.access import CHANGE, cases_for_user
from casework.models import Case, CaseUserObjectPermission
from notifications.models import Notification, NotificationKind
from tests.conftest import SESSION_QUERIES

REASSIGN_API = reverse("api-cases-reassign")
HAND_OVER_API = reverse("api-cases-hand-over")
CASELOAD = reverse("casework:caseload")


def assign_url(case) -> str:
    return reverse("casework:case_assign", args=[case.pk])


def assign_api(case) -> str:
    return reverse("api-case-assign", kwargs={"case_id": case.pk})


def own_grants(user, cases) -> set[tuple[int, str]]:
    """(case id, codename) of the user's own grants on these cases."""
    return set(
        CaseUserObjectPermission.objects.filter(
            user=user, content_object__in=[c.pk for c in cases]
        ).values_list("content_object_id", "permission__codename")
    )


def team(cases) -> set[tuple[int, str]]:
    return {(c.pk, codename) for c in cases for codename in ("view_case", "change_case")}


def fresh(case) -> Case:
    return Case.objects.get(pk=case.pk)


# --- One case -------------------------------------------------------------------------


def test_a_program_manager_reassigns_a_case_and_the_grants_move(cast, client_of, case):
    assert own_grants(cast.social_worker, [case]) == team([case])
    response = client_of(cast.program_manager).post(
        assign_url(case), {"worker": cast.colleague.pk, "version": case.version}
    )
    assert response.status_code == 302
    moved = fresh(case)
    assert moved.assigned_worker == cast.colleague
    assert moved.version == case.version + 1
    assert own_grants(cast.colleague, [case]) == team([case])
    assert own_grants(cast.social_worker, [case]) == set()
    assert cases_for_user(cast.colleague, CHANGE).filter(pk=case.pk).exists()


def test_the_new_worker_is_told_once_per_assignment(cast, client_of, case):
    http = client_of(cast.program_manager)
    http.post(assign_url(case), {"worker": cast.colleague.pk, "version": case.version})
    # The same worker again changes nothing and tells nobody twice.
    http.post(assign_url(case), {"worker": cast.colleague.pk, "version": case.version + 1})
    told = Notification.objects.filter(kind=NotificationKind.CASE_ASSIGNED, case=case)
    assert list(told.values_list("recipient", "event_key")) == [
        (cast.colleague.pk, f"case:{case.pk}:assigned:{case.version + 1}")
    ]
    assert fresh(case).version == case.version + 1


def test_the_case_page_offers_reassignment_to_its_program_manager_only(cast, client_of, case):
    page = reverse("casework:case_detail", args=[case.pk])
    assert assign_url(case) in client_of(cast.program_manager).get(page).content.decode()
    assert assign_url(case) not in client_of(cast.social_worker).get(page).content.decode()


def test_a_stale_assignment_is_refused_with_the_current_values(cast, client_of, case):
    seen = case.version
    services.case_assign(
        actor=cast.program_manager, case=case, worker=cast.colleague, expected_version=seen
    )
    http = client_of(cast.program_manager)
    page = http.post(assign_url(case), {"worker": cast.program_manager.pk, "version": seen})
    assert page.status_code == 409
    content = page.content.decode()
    assert "Someone else changed this record" in content
    assert "Nurbek Asanov" in content  # the worker stored now, shown as the current value
    api = http.post(
        assign_api(case),
        {"worker": cast.program_manager.pk, "version": seen},
        content_type="application/json",
    )
    assert api.status_code == 409
    assert api.json()["current"]["assigned_worker"] == "Nurbek Asanov"
    assert fresh(case).assigned_worker == cast.colleague


def test_a_worker_outside_the_lead_agency_is_a_field_error(cast, client_of, case):
    http = client_of(cast.program_manager)
    page = http.post(assign_url(case), {"worker": cast.outsider.pk, "version": case.version})
    assert page.status_code == 400
    assert "form-errors" in page.content.decode()
    for worker in (cast.outsider, cast.police_liaison, cast.auditor):
        api = http.post(
            assign_api(case),
            {"worker": worker.pk, "version": case.version},
            content_type="application/json",
        )
        assert api.status_code == 400, worker
        assert "worker" in api.json()
    with pytest.raises(services.ValidationError) as refused:
        services.case_assign(
            actor=cast.program_manager, case=case, worker=cast.outsider, expected_version=None
        )
    assert "worker" in refused.value.error_dict
    assert fresh(case).assigned_worker == cast.social_worker


def test_the_api_assigns_and_answers_with_the_case(cast, client_of, case):
    response = client_of(cast.program_manager).post(
        assign_api(case),
        {"worker": cast.colleague.pk, "version": case.version},
        content_type="application/json",
    )
    assert response.status_code == 200
    assert response.json()["assigned_worker"] == "Nurbek Asanov"
    assert response.json()["version"] == case.version + 1


def test_a_social_worker_may_not_assign_or_reassign(cast, client_of, case):
    http = client_of(cast.social_worker)
    body = {"worker": cast.colleague.pk, "version": case.version}
    assert http.post(assign_url(case), body).status_code == 403
    assert http.post(assign_api(case), body, content_type="application/json").status_code == 403
    bulk = {"case_ids": [case.pk], "worker": cast.colleague.pk}
    assert http.post(REASSIGN_API, bulk, content_type="application/json").status_code == 403
    page = http.post(
        reverse("casework:caseload_reassign"),
        {"scope": "selected", "case": [case.pk], "worker": cast.colleague.pk},
    )
    assert page.status_code == 403
    with pytest.raises(services.PermissionDenied):
        services.cases_reassign(
            actor=cast.social_worker, cases=Case.objects.all(), worker=cast.colleague
        )
    assert fresh(case).assigned_worker == cast.social_worker


def test_another_agencys_manager_cannot_reach_the_case(cast, client_of, case):
    http = client_of(cast.outsider_manager)
    body = {"worker": cast.outsider.pk, "version": case.version}
    assert http.post(assign_url(case), body).status_code == 404
    assert http.post(assign_api(case), body, content_type="application/json").status_code == 404
    done = http.post(
        REASSIGN_API, {"case_ids": [case.pk], "worker": cast.outsider.pk}, "application/json"
    ).json()
    assert done == {"reassigned": 0, "unchanged": 0, "skipped": 1}
    assert fresh(case).assigned_worker == cast.social_worker


# --- Many cases ---------------------------------------------------------------------------


def test_bulk_reassign_of_chosen_cases_moves_only_open_cases_of_my_agency(
    cast, client_of, register
):
    mine = [register() for _ in range(3)]
    closed = register()
    services.case_close(
        actor=cast.social_worker, case=closed, reason="reintegrated", expected_version=None
    )
    theirs = register(actor=cast.outsider, agency=cast.agency_b)
    response = client_of(cast.program_manager).post(
        REASSIGN_API,
        {"case_ids": [c.pk for c in [*mine, closed, theirs]], "worker": cast.colleague.pk},
        content_type="application/json",
    )
    assert response.status_code == 200
    assert response.json() == {"reassigned": 3, "unchanged": 0, "skipped": 2}
    assert {fresh(c).assigned_worker_id for c in mine} == {cast.colleague.pk}
    assert fresh(closed).assigned_worker == cast.social_worker
    assert fresh(theirs).assigned_worker == cast.outsider
    assert own_grants(cast.colleague, [*mine, closed]) == team(mine)
    assert own_grants(cast.social_worker, [*mine, closed]) == team([closed])


def test_bulk_reassign_writes_one_audit_event_per_case_naming_the_manager(
    cast, client_of, register
):
    cases = [register() for _ in range(4)]
    client_of(cast.program_manager).post(
        REASSIGN_API,
        {"case_ids": [c.pk for c in cases], "worker": cast.colleague.pk},
        content_type="application/json",
    )
    changed = AuditEvent.objects.filter(
        action="changed",
        object_type="casework.case",
        case_id__in=[c.pk for c in cases],
        detail__op="update",
    )
    assert sorted(changed.values_list("case_id", flat=True)) == sorted(c.pk for c in cases)
    assert set(changed.values_list("actor_id", "actor_username")) == {
        (cast.program_manager.pk, "gulmira")
    }
    for event in changed:
        assert event.detail["new"] == {"assigned_worker_id": cast.colleague.pk}
    assert (
        Notification.objects.filter(
            recipient=cast.colleague, kind=NotificationKind.CASE_ASSIGNED
        ).count()
        == 4
    )


def test_reassigning_all_matching_the_filter_takes_the_whole_filtered_caseload(
    cast, client_of, register
):
    in_osh = [register(region="osh") for _ in range(30)]  # more than one page
    elsewhere = register(region="bishkek")
    http = client_of(cast.program_manager)
    response = http.post(
        reverse("casework:caseload_reassign"),
        {"scope": "matching", "region": "osh", "worker": cast.colleague.pk},
    )
    assert response.status_code == 302
    assert response.url == f"{CASELOAD}?region=osh"
    assert {fresh(c).assigned_worker_id for c in in_osh} == {cast.colleague.pk}
    assert fresh(elsewhere).assigned_worker == cast.social_worker
    page = http.get(response.url)
    assert "30 cases reassigned to Nurbek Asanov." in page.content.decode()


def test_the_api_reassigns_all_matching_a_filter(cast, client_of, register):
    minors = [register(birth_date=None, approximate_age=15) for _ in range(2)]
    adult = register()
    response = client_of(cast.program_manager).post(
        REASSIGN_API,
        {"filter": {"minors": True, "status": "open"}, "worker": cast.colleague.pk},
        content_type="application/json",
    )
    assert response.json() == {"reassigned": 2, "unchanged": 0, "skipped": 0}
    assert {fresh(c).assigned_worker_id for c in minors} == {cast.colleague.pk}
    assert fresh(adult).assigned_worker == cast.social_worker


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"worker": 1}, "non_field_errors"),
        ({"case_ids": [1], "filter": {}, "worker": 1}, "non_field_errors"),
        ({"case_ids": ["x"], "worker": 1}, "case_ids"),
        ({"case_ids": [2**64], "worker": 1}, "case_ids"),
        ({"filter": {"status": "lost"}, "worker": 1}, "filter"),
        ({"filter": {"q": "a\x00b"}, "worker": 1}, "filter"),
        ({"case_ids": [1], "worker": 2**64}, "worker"),
    ],
)
def test_bad_bulk_input_is_a_field_error(cast, client_of, case, body, field):
    response = client_of(cast.program_manager).post(
        REASSIGN_API, body, content_type="application/json"
    )
    assert response.status_code == 400
    assert field in response.json()
    assert fresh(case).assigned_worker == cast.social_worker


def test_a_page_reassignment_without_cases_or_worker_shows_the_form_again(cast, client_of, case):
    response = client_of(cast.program_manager).post(
        reverse("casework:caseload_reassign"), {"scope": "selected", "case": ["x", "1"]}
    )
    assert response.status_code == 400
    assert "form-errors" in response.content.decode()
    assert fresh(case).assigned_worker == cast.social_worker


BULK_QUERIES = [
    *SESSION_QUERIES,
    "the chosen worker, among the case workers of the manager's agencies",
    "savepoint of the service's transaction",
    "the manager's agencies the worker works cases for",
    "COUNT of the chosen cases the manager sees, and of those already the worker's",
    "UPDATE … RETURNING of the cases, each locked in id order (a new version)",
    "DELETE of the previous workers' own grants",
    "INSERT … SELECT of the worker's grants",
    "INSERT … SELECT of the notifications, RETURNING their ids",
    "release savepoint",
]


@pytest.mark.parametrize("rows", [3, 30])
def test_bulk_reassign_query_count_does_not_grow_with_cases(
    cast, client_of, register, django_assert_num_queries, rows
):
    cases = [register() for _ in range(rows)]
    http = client_of(cast.program_manager)
    body = {"case_ids": [c.pk for c in cases], "worker": cast.colleague.pk}
    with django_assert_num_queries(len(BULK_QUERIES)):
        response = http.post(REASSIGN_API, body, content_type="application/json")
    assert response.json()["reassigned"] == rows


MANAGER_CASELOAD_QUERIES = [
    *SESSION_QUERIES,
    "COUNT of visible cases (paginator)",
    "one page of cases joined with returnee, lead agency and worker",
    "the workers cases can be reassigned to (the reassignment form's choices)",
    "header: unread notification count",
    "header: the user's groups with their agencies",
]


@pytest.mark.parametrize("rows", [5, 30])
def test_the_managers_caseload_with_its_reassignment_form_keeps_its_query_count(
    cast, client_of, register, django_assert_num_queries, rows
):
    for _ in range(rows):
        register()
    http = client_of(cast.program_manager)
    with django_assert_num_queries(len(MANAGER_CASELOAD_QUERIES)):
        response = http.get(CASELOAD)
    assert 'id="reassign-form"' in response.content.decode()


def _ten_thousand_cases_like(case, n: int) -> list[int]:
    """`n` copies of `case` (its person, its row, its grants), in one INSERT … SELECT per
    table: what intake would leave behind, without the services' cost per case."""
    from returnees.models import Returnee

    returnee_columns = [f.column for f in Returnee._meta.concrete_fields if not f.primary_key]
    case_columns = [
        f.column
        for f in Case._meta.concrete_fields
        if not f.primary_key and f.column != "returnee_id"
    ]
    people = ", ".join(returnee_columns)
    rows = ", ".join(f"c.{column}" for column in case_columns)
    with connection.cursor() as cursor:
        cursor.execute(
            f"""
            WITH people AS (
                INSERT INTO returnees_returnee ({people})
                SELECT {people} FROM returnees_returnee, generate_series(1, %s)
                WHERE id = %s RETURNING id
            ), cases AS (
                INSERT INTO casework_case (returnee_id, {", ".join(case_columns)})
                SELECT people.id, {rows} FROM casework_case c, people WHERE c.id = %s
                RETURNING id
            ), team AS (
                INSERT INTO casework_casegroupobjectpermission
                    (group_id, permission_id, content_object_id)
                SELECT g.group_id, g.permission_id, cases.id
                FROM casework_casegroupobjectpermission g, cases
                WHERE g.content_object_id = %s
            ), worker AS (
                INSERT INTO casework_caseuserobjectpermission
                    (user_id, permission_id, content_object_id)
                SELECT u.user_id, u.permission_id, cases.id
                FROM casework_caseuserobjectpermission u, cases
                WHERE u.content_object_id = %s
            )
            SELECT id FROM cases
            """,  # noqa: S608 (column names from the models)
            [n, case.returnee_id, case.pk, case.pk, case.pk],
        )
        return [row[0] for row in cursor.fetchall()]


# The audit triggers are row-level: here about a millisecond a row, and a reassignment
# of 10,000 cases writes 50,000 (each case, and two grants ended and two begun per case).
# They are switched off for this test only, which counts statements and grants;
# test_bulk_reassign_writes_one_audit_event_per_case… covers the trail, and `make bench`
# times the reassignment with them.
AUDITED = [
    "returnees_returnee",
    "casework_case",
    "casework_casegroupobjectpermission",
    "casework_caseuserobjectpermission",
]


def _audit_triggers(state: str) -> None:
    with connection.cursor() as cursor:
        # ALTER TABLE waits for no deferred check: run the pending foreign-key checks now.
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
        for table in AUDITED:
            cursor.execute(f"ALTER TABLE {table} {state} TRIGGER {table}_audit")


def test_bulk_reassign_of_10000_cases_runs_in_one_statement_per_table(cast, case):
    _audit_triggers("DISABLE")
    ids = [case.pk, *_ten_thousand_cases_like(case, 9_999)]
    chosen = Case.objects.filter(pk__in=ids)
    cast.program_manager.has_perm(services.ASSIGN_PERMISSION)  # roles read, as in a request
    with CaptureQueriesContext(connection) as captured:
        done = services.cases_reassign(
            actor=cast.program_manager, cases=chosen, worker=cast.colleague
        )
    _audit_triggers("ENABLE")
    assert (done.selected, done.reassigned, done.unchanged) == (10_000, 10_000, 0)
    statements = [q["sql"].split()[0] for q in captured]
    assert statements == [
        "SAVEPOINT",
        "SELECT",  # the manager's agencies the worker works cases for
        "SELECT",  # COUNT of the chosen cases, and of those already the worker's
        "WITH",  # the cases: locked in id order and UPDATEd … RETURNING
        "DELETE",  # the previous workers' own grants
        "INSERT",  # the worker's grants
        "INSERT",  # the notifications
        "RELEASE",
    ]
    # The grants right after: the new worker holds the case team's own grants on every
    # case, the previous one on none.
    held = CaseUserObjectPermission.objects.filter(content_object__in=chosen)
    assert held.filter(user=cast.colleague).count() == 20_000
    assert not held.filter(user=cast.social_worker).exists()
    assert cases_for_user(cast.colleague, CHANGE).filter(pk__in=ids).count() == 10_000
    assert Case.objects.filter(pk__in=ids, version=case.version + 1).count() == 10_000
    assert Notification.objects.filter(recipient=cast.colleague, case__in=chosen).count() == 10_000


# --- Hand-over ------------------------------------------------------------------------------


def test_hand_over_moves_only_the_open_cases_of_that_worker(cast, client_of, register):
    leaving = [register() for _ in range(3)]
    closed = register()
    services.case_close(
        actor=cast.social_worker, case=closed, reason="deceased", expected_version=None
    )
    someone_elses = register(actor=cast.colleague)
    http = client_of(cast.program_manager)
    page = http.get(reverse("casework:hand_over", args=[cast.social_worker.pk]))
    assert "3 open cases are assigned to them." in page.content.decode()
    response = http.post(
        reverse("casework:hand_over", args=[cast.social_worker.pk]),
        {"worker": cast.program_manager.pk},
    )
    assert response.status_code == 302
    assert {fresh(c).assigned_worker_id for c in leaving} == {cast.program_manager.pk}
    assert fresh(closed).assigned_worker == cast.social_worker
    assert fresh(someone_elses).assigned_worker == cast.colleague


def test_the_hand_over_api_answers_the_count(cast, client_of, register):
    cases = [register() for _ in range(2)]
    http = client_of(cast.program_manager)
    body = {"from_worker": cast.social_worker.pk, "worker": cast.colleague.pk}
    response = http.post(HAND_OVER_API, body, content_type="application/json")
    assert response.json() == {"reassigned": 2, "unchanged": 0, "skipped": 0}
    assert {fresh(c).assigned_worker_id for c in cases} == {cast.colleague.pk}
    # Nobody outside the manager's agency can be handed over, nor to themselves.
    for wrong in (
        {"from_worker": cast.outsider.pk, "worker": cast.colleague.pk},
        {"from_worker": cast.colleague.pk, "worker": cast.colleague.pk},
    ):
        assert http.post(HAND_OVER_API, wrong, content_type="application/json").status_code == 400


# --- The bench's measurement, on a small caseload -------------------------------------------


def test_the_bench_times_a_reassignment_and_leaves_the_cases_as_they_were(cast, register):
    from tests.bench import reassign as bench

    cases = [register() for _ in range(3)]
    worker, ids = bench.chosen_cases(cast.program_manager, n=2)
    assert worker == cast.colleague
    assert ids == [c.pk for c in cases[:2]]
    timings = bench.measure(
        manager=cast.program_manager, worker=worker, case_ids=ids, runs=1, vacuuming=False
    )
    assert [(t.label, t.rows) for t in timings] == [
        ("bulk reassign (service)", 2),
        ("bare UPDATE", 2),
    ]
    assert any(sql.startswith("WITH target AS") for sql, _ms in timings[0].statements)
    # Every run was rolled back.
    assert {fresh(c).assigned_worker_id for c in cases} == {cast.social_worker.pk}
