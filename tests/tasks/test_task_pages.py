"""Task pages: the case page's tasks section, add/change/complete/reopen forms, My tasks,
and task events in the timeline — each only for the case team."""

import pytest
from django.urls import reverse

from tasks import services
from tasks.models import Task
from tasks.views import MY_TASKS_PAGE_SIZE
from tests.casework.helpers import case_page_queries
from tests.conftest import SESSION_QUERIES
from tests.tasks.helpers import add_task, due_in


def _case_page(client, case) -> str:
    return client.get(reverse("casework:case_detail", args=[case.pk])).content.decode()


def test_a_social_worker_adds_a_task_from_the_case_page(cast, case, client_of):
    client = client_of(cast.social_worker)
    assert reverse("tasks:task_new", args=[case.pk]) in _case_page(client, case)
    form = client.get(reverse("tasks:task_new", args=[case.pk]))
    assert form.status_code == 200
    assert cast.colleague.get_full_name() in form.content.decode()  # a possible owner
    response = client.post(
        reverse("tasks:task_new", args=[case.pk]),
        {"title": "Book the housing office", "due_on": due_in(4).isoformat(), "owner": ""},
    )
    assert response.status_code == 302
    task = Task.objects.get(case=case)
    assert (task.title, task.owner, task.due_on) == ("Book the housing office", None, due_in(4))
    assert "Book the housing office" in _case_page(client, case)


def test_a_bad_task_form_is_shown_again_with_its_errors_and_nothing_saved(cast, case, client_of):
    client = client_of(cast.social_worker)
    url = reverse("tasks:task_new", args=[case.pk])
    for data in [
        {"title": "", "due_on": due_in(1).isoformat()},
        {"title": "Call", "due_on": "not a date"},
        {"title": "Call", "due_on": due_in(-3).isoformat()},
        {"title": "Call\u202e", "due_on": due_in(1).isoformat()},
        {"title": "Call", "due_on": due_in(1).isoformat(), "owner": cast.outsider.pk},
    ]:
        response = client.post(url, data)
        assert response.status_code == 400, data
        assert "Nothing was saved" in response.content.decode()
    assert not Task.objects.filter(case=case).exists()


def test_a_task_is_completed_and_reopened_from_the_case_page(cast, case, client_of):
    task = add_task(cast.social_worker, case, title="Call the school")
    client = client_of(cast.colleague)
    response = client.post(reverse("tasks:task_complete", args=[case.pk, task.pk]))
    assert response.status_code == 302
    task.refresh_from_db()
    assert task.done_by == cast.colleague
    page = _case_page(client, case)
    assert reverse("tasks:task_reopen", args=[case.pk, task.pk]) in page
    assert reverse("tasks:task_complete", args=[case.pk, task.pk]) not in page
    response = client.post(reverse("tasks:task_reopen", args=[case.pk, task.pk]))
    assert response.status_code == 302
    task.refresh_from_db()
    assert task.done_at is None


def test_completing_a_done_task_again_says_so_and_changes_nothing(cast, case, client_of):
    task = services.task_complete(actor=cast.social_worker, task=add_task(cast.social_worker, case))
    client = client_of(cast.social_worker)
    response = client.post(reverse("tasks:task_complete", args=[case.pk, task.pk]), follow=True)
    assert "already done" in response.content.decode()
    assert Task.objects.get(pk=task.pk).version == task.version


def test_a_stale_task_edit_is_refused_with_the_current_values(cast, case, client_of):
    task = add_task(cast.social_worker, case, title="Call the school")
    services.task_update(
        actor=cast.colleague,
        task=task,
        expected_version=1,
        title="Call the college",
        due_on=task.due_on,
    )
    client = client_of(cast.social_worker)
    url = reverse("tasks:task_edit", args=[case.pk, task.pk])
    assert client.get(url).status_code == 200
    response = client.post(
        url, {"title": "Visit the school", "due_on": due_in(6).isoformat(), "version": 1}
    )
    assert response.status_code == 409
    assert "Call the college" in response.content.decode()  # the current values
    assert Task.objects.get(pk=task.pk).title == "Call the college"
    response = client.post(
        url, {"title": "Visit the school", "due_on": due_in(6).isoformat(), "version": 2}
    )
    assert response.status_code == 302
    assert Task.objects.get(pk=task.pk).title == "Visit the school"


def test_the_outsider_meets_a_404_for_the_tasks_of_a_case_and_a_task(cast, case, client_of):
    task = add_task(cast.social_worker, case)
    client = client_of(cast.outsider)
    for url in [
        reverse("tasks:task_new", args=[case.pk]),
        reverse("tasks:task_edit", args=[case.pk, task.pk]),
        reverse("tasks:task_complete", args=[case.pk, task.pk]),
    ]:
        assert client.post(url).status_code == 404, url
    assert Task.objects.get(pk=task.pk).done_at is None


def test_a_task_of_another_case_is_a_404_under_this_one(cast, register, client_of):
    mine, other = register(), register()
    task = add_task(cast.social_worker, other)
    client = client_of(cast.social_worker)
    response = client.post(reverse("tasks:task_complete", args=[mine.pk, task.pk]))
    assert response.status_code == 404


def test_police_and_partners_see_no_tasks_on_a_case_they_read(cast, case, client_of, grant_view):
    add_task(cast.social_worker, case, title="Secret team errand")
    for reader in (cast.police_liaison, cast.partner):
        grant_view(reader, case)
        client = client_of(reader)
        page = client.get(reverse("casework:case_detail", args=[case.pk]))
        assert page.status_code == 200
        assert "Secret team errand" not in page.content.decode()
        assert 'id="tasks-h"' not in page.content.decode()
        timeline = client.get(reverse("casework:timeline", args=[case.pk])).content.decode()
        assert "Secret team errand" not in timeline
        assert client.get(reverse("tasks:my_tasks")).status_code == 403


def test_the_timeline_shows_task_events_to_the_team_only(cast, case, client_of, grant_view):
    task = add_task(cast.social_worker, case, title="Timeline errand")
    services.task_complete(actor=cast.colleague, task=task)
    client = client_of(cast.social_worker)
    response = client.get(reverse("casework:timeline", args=[case.pk]), {"kind": "task"})
    assert [e["kind"] for e in response.context["entries"]] == ["task", "task"]
    assert response.content.decode().count("Timeline errand") == 2
    grant_view(cast.police_liaison, case)
    police = client_of(cast.police_liaison)
    response = police.get(reverse("casework:timeline", args=[case.pk]), {"kind": "task"})
    assert "task" not in [k for k, _label in response.context["kinds"]]
    assert "Timeline errand" not in response.content.decode()


# --- My tasks --------------------------------------------------------------------------------


def test_my_tasks_shows_mine_and_my_teams_not_others(cast, register, client_of):
    case = register()
    outsiders_case = register(actor=cast.outsider, agency=cast.agency_b)
    mine = add_task(cast.colleague, case, title="Mine", owner=cast.social_worker, days=5)
    team = add_task(cast.colleague, case, title="Team's", days=2)
    add_task(cast.social_worker, case, title="Colleague's", owner=cast.colleague)
    add_task(cast.outsider, outsiders_case, title="Osh team's")
    done = add_task(cast.social_worker, case, title="Done one", owner=cast.social_worker, days=1)
    services.task_complete(actor=cast.social_worker, task=done)
    client = client_of(cast.social_worker)
    response = client.get(reverse("tasks:my_tasks"))
    assert response.status_code == 200
    assert [t.title for t in response.context["page"].object_list] == [
        team.title,
        mine.title,
        done.title,  # done ones after the open ones
    ]
    outsider = client_of(cast.outsider).get(reverse("tasks:my_tasks"))
    assert [t.title for t in outsider.context["page"].object_list] == ["Osh team's"]


def test_my_tasks_marks_an_overdue_task(cast, case, client_of, monkeypatch):
    from django.utils import timezone

    add_task(cast.social_worker, case, title="Late errand", owner=cast.social_worker, days=1)
    later = due_in(3)
    monkeypatch.setattr(timezone, "localdate", lambda *args, **kwargs: later)
    page = client_of(cast.social_worker).get(reverse("tasks:my_tasks")).content.decode()
    assert 'class="overdue"' in page
    assert "overdue</span>" in page


def test_my_tasks_is_in_the_navigation_of_those_who_work_cases(cast, client_of):
    url = reverse("tasks:my_tasks")
    assert url in client_of(cast.social_worker).get(reverse("casework:caseload")).content.decode()
    assert url not in client_of(cast.partner).get(reverse("referrals:inbox")).content.decode()


@pytest.mark.parametrize("rows", [3, 15])
def test_my_tasks_query_count(cast, register, client_of, django_assert_num_queries, rows):
    for i in range(rows):
        add_task(
            cast.colleague,
            register(),
            title=f"Errand {i}",
            owner=cast.social_worker if i % 2 else None,
        )
    client = client_of(cast.social_worker)
    expected = [
        *SESSION_QUERIES,
        "COUNT of my tasks (paginator; access and ownership in the same SQL)",
        "one page of tasks with case, returnee and owner",
        "header: unread notification count",
        "header: the user's groups with their agencies",
    ]
    with django_assert_num_queries(len(expected)):
        response = client.get(reverse("tasks:my_tasks"))
    assert len(response.context["page"].object_list) == min(rows, MY_TASKS_PAGE_SIZE)


@pytest.mark.parametrize("rows", [3, 15])
def test_case_page_task_section_query_count(cast, case, client_of, django_assert_num_queries, rows):
    for i in range(rows):
        task = add_task(cast.social_worker, case, title=f"Errand {i}", owner=cast.colleague)
        if i % 3 == 0:
            services.task_complete(actor=cast.social_worker, task=task)
    client = client_of(cast.social_worker)
    expected = [*SESSION_QUERIES, *case_page_queries()]
    with django_assert_num_queries(len(expected)):
        response = client.get(reverse("casework:case_detail", args=[case.pk]))
    assert len(response.context["task_panel"]["tasks"]) == rows


@pytest.mark.parametrize("rows", [3, 15])
def test_timeline_with_task_events_query_count(
    cast, case, client_of, django_assert_num_queries, rows
):
    for i in range(rows):
        services.task_complete(
            actor=cast.colleague, task=add_task(cast.social_worker, case, title=f"Errand {i}")
        )
    client = client_of(cast.social_worker)
    expected = [
        *SESSION_QUERIES[:5],
        "the case through the access funnel",
        "the reader's roles and agency kinds",
        "COUNT of the timeline union (paginator)",
        "one page of the timeline union",
        "task events on the page, with their tasks and actors",
        "header: unread notification count",
        "header: the user's groups with their agencies",
        "audit: INSERT of the read event (by AuditMiddleware, after the view)",
        *SESSION_QUERIES[5:],
    ]
    with django_assert_num_queries(len(expected)):
        response = client.get(reverse("casework:timeline", args=[case.pk]))
    assert len(response.context["entries"]) == min(2 * rows, 25)
