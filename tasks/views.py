"""Browser pages for tasks: add, change, complete and reopen a task on a case (its
tasks part, casework/parts.py), and "My tasks" across cases."""

from functools import partial

from django.contrib import messages
from django.contrib.auth.decorators import login_required, permission_required
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from casework.access import case_part_for_user
from casework.parts import Part
from casework.views import form_action_page
from core.pages import page_of
from tasks import services
from tasks.access import task_on_case
from tasks.forms import TaskEditForm, TaskForm
from tasks.lifecycles import TASK, TASK_PERMISSION
from tasks.selectors import my_tasks as my_tasks_selector

METHODS = ["GET", "POST"]
MY_TASKS_PAGE_SIZE = 25


def _render(request, viewer, form, status, current=None, *, title, submit_label, task=None):
    context = {
        "case": viewer.case,
        "viewer": viewer,
        "form": form,
        "current": current,
        "task": task,
        "title": title,
        "submit_label": submit_label,
    }
    return render(request, "tasks/task_action.html", context, status=status)


def _case_url(case) -> str:
    return reverse("casework:case_detail", args=[case.pk]) + "#tasks-h"


@login_required
@permission_required(TASK_PERMISSION, raise_exception=True)
@require_http_methods(METHODS)
def task_new(request, case_id: int):
    viewer = case_part_for_user(request.user, case_id, Part.TASKS, write=True)
    case = viewer.case
    form = TaskForm(request.POST or None, case=case)
    return form_action_page(
        request,
        form,
        lambda d: services.task_add(actor=request.user, case=case, **d),
        success=_("Task added."),
        redirect_to=_case_url(case),
        render=partial(_render, request, viewer, title=_("Add a task"), submit_label=_("Add task")),
    )


@login_required
@permission_required(TASK_PERMISSION, raise_exception=True)
@require_http_methods(METHODS)
def task_edit(request, case_id: int, task_id: int):
    viewer = case_part_for_user(request.user, case_id, Part.TASKS, write=True)
    case = viewer.case
    task = task_on_case(viewer, task_id)
    form = TaskEditForm(
        request.POST or None,
        case=case,
        initial={
            "title": task.title,
            "due_on": task.due_on,
            "owner": task.owner_id,
            "details": task.details,
            "version": task.version,
        },
    )

    def update(d):
        return services.task_update(
            actor=request.user,
            task=task,
            expected_version=d["version"],
            title=d["title"],
            due_on=d["due_on"],
            owner=d["owner"],
            details=d["details"],
        )

    return form_action_page(
        request,
        form,
        update,
        success=_("Task saved."),
        redirect_to=_case_url(case),
        render=partial(
            _render,
            request,
            viewer,
            title=_("Change a task"),
            submit_label=_("Save task"),
            task=task,
        ),
        conflict_form=partial(TaskEditForm, case=case),
    )


def _step(request, case_id, task_id, service, success):
    viewer = case_part_for_user(request.user, case_id, Part.TASKS, write=True)
    task = task_on_case(viewer, task_id)
    try:
        service(actor=request.user, task=task)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, success)
    target = request.POST.get("next")
    if target == "mine":
        return redirect("tasks:my_tasks")
    return redirect(_case_url(viewer.case))


@login_required
@permission_required(TASK["complete"].permission, raise_exception=True)
@require_POST
def task_complete(request, case_id: int, task_id: int):
    return _step(request, case_id, task_id, services.task_complete, _("Task marked done."))


@login_required
@permission_required(TASK["reopen"].permission, raise_exception=True)
@require_POST
def task_reopen(request, case_id: int, task_id: int):
    return _step(request, case_id, task_id, services.task_reopen, _("Task reopened."))


@login_required
@permission_required(TASK_PERMISSION, raise_exception=True)
@require_GET
def my_tasks(request):
    page, query = page_of(request, my_tasks_selector(request.user), MY_TASKS_PAGE_SIZE)
    return render(
        request,
        "tasks/my_tasks.html",
        {"page": page, "query": query, "today": timezone.localdate()},
    )
