"""The tasks API: list and add on a case, read and change one task (versioned), complete
and reopen it, and "my tasks" — for the case team only."""

import pytest
from django.urls import reverse

from tasks import services
from tasks.models import Task
from tests.conftest import SESSION_QUERIES
from tests.tasks.helpers import add_task, due_in


def _post(client, url, data=None):
    return client.post(url, data or {}, content_type="application/json")


def test_the_team_adds_and_lists_the_tasks_of_a_case(cast, case, client_of):
    client = client_of(cast.social_worker)
    url = reverse("api-case-tasks", args=[case.pk])
    response = _post(
        client,
        url,
        {"title": "Call the school", "due_on": due_in(2).isoformat(), "owner": cast.colleague.pk},
    )
    assert response.status_code == 201, response.json()
    created = response.json()
    assert (created["title"], created["owner_id"], created["version"]) == (
        "Call the school",
        cast.colleague.pk,
        1,
    )
    team = _post(client, url, {"title": "Team errand", "due_on": due_in(1).isoformat()}).json()
    assert team["owner_id"] is None
    assert team["owner"] is None
    listed = client.get(url).json()
    assert [t["title"] for t in listed] == ["Team errand", "Call the school"]


def test_bad_task_input_is_a_400_with_field_errors_and_nothing_saved(cast, case, client_of):
    client = client_of(cast.social_worker)
    url = reverse("api-case-tasks", args=[case.pk])
    for data, field in [
        ({"due_on": due_in(1).isoformat()}, "title"),
        ({"title": "Call"}, "due_on"),
        ({"title": "Call", "due_on": due_in(-1).isoformat()}, "due_on"),
        ({"title": "Call", "due_on": "9999-12-31"}, "due_on"),
        ({"title": "Call", "due_on": due_in(1).isoformat(), "owner": cast.outsider.pk}, "owner"),
        ({"title": "x" * 201, "due_on": due_in(1).isoformat()}, "title"),
    ]:
        response = _post(client, url, data)
        assert response.status_code == 400, data
        assert field in response.json(), (data, response.json())
    assert not Task.objects.filter(case=case).exists()


def test_a_task_is_completed_and_reopened_through_the_api(cast, case, client_of):
    task = add_task(cast.social_worker, case)
    client = client_of(cast.program_manager)
    done = _post(client, reverse("api-task-complete", args=[task.pk]), {"version": 1})
    assert done.status_code == 200
    assert done.json()["done_by"] == cast.program_manager.get_full_name()
    again = _post(client, reverse("api-task-complete", args=[task.pk]))
    assert again.status_code == 400
    assert "already done" in str(again.json())
    reopened = _post(client, reverse("api-task-reopen", args=[task.pk]), {"version": 2})
    assert reopened.status_code == 200
    assert reopened.json()["done_at"] is None
    assert reopened.json()["version"] == 3


def test_a_stale_task_update_is_a_409_with_the_current_task(cast, case, client_of):
    task = add_task(cast.social_worker, case, title="Call the school")
    client = client_of(cast.social_worker)
    url = reverse("api-task", args=[task.pk])
    changed = client.patch(
        url, {"title": "Call the college", "version": 1}, content_type="application/json"
    )
    assert changed.status_code == 200
    assert changed.json()["version"] == 2
    stale = client.patch(
        url, {"title": "Visit the school", "version": 1}, content_type="application/json"
    )
    assert stale.status_code == 409
    assert stale.json()["current"]["title"] == "Call the college"
    stale_step = _post(client, reverse("api-task-complete", args=[task.pk]), {"version": 1})
    assert stale_step.status_code == 409
    assert Task.objects.get(pk=task.pk).done_at is None


def test_an_update_leaves_what_it_does_not_name_and_can_hand_a_task_to_the_team(
    cast, case, client_of
):
    task = add_task(cast.social_worker, case, owner=cast.colleague, details="Bring forms.")
    client = client_of(cast.social_worker)
    response = client.patch(
        reverse("api-task", args=[task.pk]),
        {"owner": None, "version": 1},
        content_type="application/json",
    )
    assert response.status_code == 200
    body = response.json()
    assert (body["owner_id"], body["title"], body["details"]) == (None, task.title, "Bring forms.")


def test_the_outsider_meets_a_404_for_tasks(cast, case, client_of):
    task = add_task(cast.social_worker, case)
    client = client_of(cast.outsider)
    assert client.get(reverse("api-case-tasks", args=[case.pk])).status_code == 404
    assert client.get(reverse("api-task", args=[task.pk])).status_code == 404
    assert _post(client, reverse("api-task-complete", args=[task.pk])).status_code == 404
    assert client.get(reverse("api-task", args=[10**12])).status_code == 404
    assert client.get(reverse("api-task", args=[task.pk + 10**6])).status_code == 404
    assert client_of(cast.outsider).get(reverse("api-tasks-mine")).json()["results"] == []


def test_police_and_partners_cannot_read_tasks_of_a_case_they_read(
    cast, case, client_of, grant_view
):
    task = add_task(cast.social_worker, case, title="Secret team errand")
    for reader in (cast.police_liaison, cast.partner):
        grant_view(reader, case)
        client = client_of(reader)
        assert client.get(reverse("api-case-detail", args=[case.pk])).status_code == 200
        assert client.get(reverse("api-case-tasks", args=[case.pk])).status_code in (403, 404)
        assert client.get(reverse("api-task", args=[task.pk])).status_code in (403, 404)
        assert client.get(reverse("api-tasks-mine")).status_code == 403
        timeline = client.get(reverse("api-case-timeline", args=[case.pk])).content.decode()
        assert "Secret team errand" not in timeline


def test_the_timeline_api_gives_task_events_to_the_team(cast, case, client_of):
    task = add_task(cast.social_worker, case, title="Timeline errand")
    services.task_complete(actor=cast.social_worker, task=task)
    client = client_of(cast.social_worker)
    entries = client.get(reverse("api-case-timeline", args=[case.pk]), {"kind": "task"}).json()
    events = [(e["event_kind"], e["title"], e["task_id"]) for e in entries["results"]]
    assert events == [("done", "Timeline errand", task.pk), ("created", "Timeline errand", task.pk)]


def test_my_tasks_api_lists_mine_and_my_teams_not_others(cast, register, client_of):
    case = register()
    add_task(cast.colleague, case, title="Mine", owner=cast.social_worker, days=4)
    add_task(cast.colleague, case, title="Team's", days=2)
    add_task(cast.social_worker, case, title="Colleague's", owner=cast.colleague)
    add_task(cast.outsider, register(actor=cast.outsider, agency=cast.agency_b), title="Osh")
    results = client_of(cast.social_worker).get(reverse("api-tasks-mine")).json()["results"]
    assert [(t["title"], t["case_reference"]) for t in results] == [
        ("Team's", case.reference),
        ("Mine", case.reference),
    ]


@pytest.mark.parametrize("rows", [3, 15])
def test_my_tasks_api_query_count(cast, register, client_of, django_assert_num_queries, rows):
    for i in range(rows):
        add_task(cast.colleague, register(), title=f"Errand {i}", owner=cast.social_worker)
    client = client_of(cast.social_worker)
    expected = [
        *SESSION_QUERIES,
        "COUNT of my tasks (paginator; access and ownership in the same SQL)",
        "one page of tasks with case, returnee and owner",
    ]
    with django_assert_num_queries(len(expected)):
        response = client.get(reverse("api-tasks-mine"))
    assert len(response.json()["results"]) == rows


@pytest.mark.parametrize("rows", [3, 15])
def test_case_tasks_api_query_count(cast, case, client_of, django_assert_num_queries, rows):
    for i in range(rows):
        task = add_task(cast.social_worker, case, title=f"Errand {i}", owner=cast.colleague)
        if i % 2:
            services.task_complete(actor=cast.social_worker, task=task)
    client = client_of(cast.social_worker)
    expected = [
        *SESSION_QUERIES,
        "the case through the access funnel, with returnee, agency, worker",
        "the reader's roles and agency kinds (what they see of the case)",
        "tasks of the case with owners and who did them",
        "audit: INSERT of the read event (by AuditMiddleware, after the view)",
    ]
    with django_assert_num_queries(len(expected)):
        response = client.get(reverse("api-case-tasks", args=[case.pk]))
    assert len(response.json()) == rows


def test_reading_one_task_is_recorded_as_a_read_of_its_case(cast, case, client_of):
    from audit.models import AuditAction, AuditEvent

    task = add_task(cast.social_worker, case)
    assert client_of(cast.social_worker).get(reverse("api-task", args=[task.pk])).status_code == 200
    assert AuditEvent.objects.filter(
        action=AuditAction.CASE_API_VIEWED,
        case_id=case.pk,
        object_type="tasks.task",
        object_id=str(task.pk),
    ).exists()
