"""The permission funnel for tasks: a task is reached through its case's tasks part
(casework/parts.py), so a task the user may not read — or, with `write`, write — and a
task that does not exist give the same 404, and every refusal is recorded."""

from django.http import Http404

from audit.services import audit_refusal
from casework.access import CaseViewer, case_part_for_user
from casework.parts import Part
from tasks.models import Task


def _refuse(task_id, case_id=None):
    audit_refusal(object_type="tasks.task", object_id=task_id, case_id=case_id)
    raise Http404


def task_on_case(viewer: CaseViewer, task_id) -> Task:
    """A task of the viewer's case (found through case_part_for_user); Http404 otherwise."""
    task = (
        Task.objects.filter(case=viewer.case, pk=task_id)
        .select_related("case", "owner", "done_by", "created_by")
        .first()
    )
    if task is None:
        _refuse(task_id, viewer.case.pk)
    return task


def task_for_user(user, task_id, *, write: bool = False) -> Task:
    """The task, if the user may read (with `write`, write) its case's tasks part;
    otherwise Http404, as for a task that does not exist."""
    try:
        task_id = int(task_id)
    except (TypeError, ValueError):
        _refuse(task_id)
    case_id = Task.objects.filter(pk=task_id).values_list("case_id", flat=True).first()
    if case_id is None:
        _refuse(task_id)
    viewer = case_part_for_user(user, case_id, Part.TASKS, write=write)
    return task_on_case(viewer, task_id)
