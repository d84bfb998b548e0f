"""The JSON API of tasks: one view per operation, explicit input and output.

The role (a model permission) first — 403 before anything is looked up — then the
case's tasks part (casework/parts.py) through the access funnels: a case or task
the caller may not read (or write) is a 404, as if it did not exist. Completing
and reopening are the steps of tasks/lifecycles.py, each a `TransitionApi`.
"""

from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, extend_schema, extend_schema_field
from rest_framework import generics, serializers, status
from rest_framework.response import Response

from audit.services import audit_case_read
from casework.apis import CaseActionApi, PersonNameField, TransitionApi
from casework.models import LONG_TEXT_MAX
from casework.parts import Part
from core.api import PageNumberPagination, require_model_permission
from core.fields import (
    MultiLineSerializerField,
    OneLineSerializerField,
    PlausibleDateSerializerField,
)
from core.references import reference_for
from tasks import services
from tasks.access import task_for_user
from tasks.lifecycles import TASK, TASK_PERMISSION
from tasks.models import TITLE_MAX, Task
from tasks.selectors import my_tasks, task_owners, tasks_of_case

# --- Output ---------------------------------------------------------------------------


class TaskOutput(serializers.ModelSerializer):
    case_id = serializers.IntegerField(read_only=True)
    owner_id = serializers.IntegerField(
        read_only=True, allow_null=True, help_text=_("Null: the case team owns it.")
    )
    owner = PersonNameField(allow_null=True)
    done_by = PersonNameField(allow_null=True)
    created_by = PersonNameField()
    is_overdue = serializers.BooleanField(read_only=True, help_text=_("Open and past its date."))

    class Meta:
        model = Task
        fields = [
            "id",
            "case_id",
            "title",
            "details",
            "owner_id",
            "owner",
            "due_on",
            "is_overdue",
            "done_at",
            "done_by",
            "created_by",
            "created_at",
            "version",
        ]


class MyTaskOutput(TaskOutput):
    """A task in "My tasks": with the case's reference (the reader is on its team)."""

    case_reference = serializers.SerializerMethodField()

    class Meta(TaskOutput.Meta):
        fields = [*TaskOutput.Meta.fields, "case_reference"]

    def get_case_reference(self, task) -> str:
        return reference_for(task.case_id)


class TaskConflictOutput(serializers.Serializer):
    detail = serializers.CharField()
    current = TaskOutput()


READ_ERRORS = {
    403: OpenApiResponse(description=_("Your role may not do this.")),
    404: OpenApiResponse(description=_("No such case or task, or not one your team works.")),
}
WRITE_ERRORS = {
    400: OpenApiResponse(description=_("Field errors, or a change the case or task refuses.")),
    **READ_ERRORS,
}
VERSIONED_WRITE_ERRORS = {
    **WRITE_ERRORS,
    409: OpenApiResponse(
        TaskConflictOutput,
        description=_(
            "Someone else changed the task since you read it, so nothing was saved. "
            "`current` holds the task as it is now."
        ),
    ),
}


# --- Input ----------------------------------------------------------------------------


@extend_schema_field(OpenApiTypes.INT)
class OwnerField(serializers.PrimaryKeyRelatedField):
    """A user id among those who may own the case's tasks (context `case`)."""

    def get_queryset(self):
        return task_owners(self.context["case"])


class TaskAddInput(serializers.Serializer):
    title = OneLineSerializerField(max_length=TITLE_MAX)
    due_on = PlausibleDateSerializerField()
    owner = OwnerField(
        required=False,
        allow_null=True,
        default=None,
        help_text=_("User id of someone on the case team; null or left out: the whole team."),
    )
    details = MultiLineSerializerField(max_length=LONG_TEXT_MAX, allow_blank=True, default="")


class TaskUpdateInput(serializers.Serializer):
    """Fields left out keep their current values; `version` is always required."""

    title = OneLineSerializerField(max_length=TITLE_MAX, required=False)
    due_on = PlausibleDateSerializerField(required=False)
    owner = OwnerField(
        required=False,
        allow_null=True,
        help_text=_("User id of someone on the case team; null: the whole team."),
    )
    details = MultiLineSerializerField(max_length=LONG_TEXT_MAX, allow_blank=True, required=False)
    version = serializers.IntegerField(min_value=1, help_text=_("The task's `version` you saw."))


class TaskVersionInput(serializers.Serializer):
    version = serializers.IntegerField(
        min_value=1,
        required=False,
        allow_null=True,
        default=None,
        help_text=_("The task's `version` you last saw; refused with 409 if stale."),
    )


# --- Operations -----------------------------------------------------------------------


class CaseTasksApi(CaseActionApi):
    """The tasks of a case, open first by due date; and a new task (the case team's)."""

    required_permissions = {"GET": TASK_PERMISSION, "POST": TASK_PERMISSION}

    @extend_schema(responses={200: TaskOutput(many=True), **READ_ERRORS})
    def get(self, request, case_id: int):
        case = self.case_part(case_id, Part.TASKS).case
        return Response(TaskOutput(tasks_of_case(case), many=True).data)

    @extend_schema(request=TaskAddInput, responses={201: TaskOutput, **WRITE_ERRORS})
    def post(self, request, case_id: int):
        case = self.case_part(case_id, Part.TASKS, write=True).case
        serializer = TaskAddInput(data=request.data, context={"case": case})
        serializer.is_valid(raise_exception=True)
        task = services.task_add(actor=request.user, case=case, **serializer.validated_data)
        return Response(TaskOutput(task).data, status=status.HTTP_201_CREATED)


class TaskApi(CaseActionApi):
    """An operation on one task; a stale `version` is a 409 with the task as it is now."""

    def conflict_data(self, current) -> dict:
        return TaskOutput(current).data


class TaskDetailApi(TaskApi):
    """One task; and a change of its title, date, owner or details."""

    required_permissions = {"GET": TASK_PERMISSION, "PATCH": TASK_PERMISSION}

    @extend_schema(responses={200: TaskOutput, **READ_ERRORS})
    def get(self, request, task_id: int):
        task = task_for_user(request.user, task_id)
        # A task is case content at a URL naming no case: recorded as a read of its case.
        audit_case_read(case_id=task.case_id, obj=task)
        return Response(TaskOutput(task).data)

    @extend_schema(request=TaskUpdateInput, responses={200: TaskOutput, **VERSIONED_WRITE_ERRORS})
    def patch(self, request, task_id: int):
        task = task_for_user(request.user, task_id, write=True)
        serializer = TaskUpdateInput(data=request.data, context={"case": task.case})
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        task = services.task_update(
            actor=request.user,
            task=task,
            expected_version=data["version"],
            title=data.get("title", task.title),
            due_on=data.get("due_on", task.due_on),
            owner=data.get("owner", task.owner),
            details=data.get("details", task.details),
        )
        return Response(TaskOutput(task).data)


class TaskTransitionApi(TaskApi, TransitionApi):
    """A step of a task (tasks.lifecycles.TASK); answers with the task."""

    lifecycle = TASK
    record_name = "task"
    input = TaskVersionInput
    output = TaskOutput
    errors = VERSIONED_WRITE_ERRORS

    def target(self, side, *, task_id):
        return task_for_user(self.request.user, task_id, write=True)

    def answer(self, record, done) -> dict:
        return TaskOutput(done).data


class TaskCompleteApi(TaskTransitionApi):
    """Mark an open task done."""

    action = "complete"
    service = staticmethod(services.task_complete)


class TaskReopenApi(TaskTransitionApi):
    """Open a done task again (on an open case)."""

    action = "reopen"
    service = staticmethod(services.task_reopen)


class MyTasksApi(generics.ListAPIView):
    """Tasks owned by the caller, and their agencies' team tasks owned by no one, on the
    cases whose team they are on: open first by due date, then those done lately."""

    serializer_class = MyTaskOutput
    permission_classes = [require_model_permission(TASK_PERMISSION)]
    pagination_class = PageNumberPagination
    filter_backends = []

    def get_queryset(self):
        return my_tasks(self.request.user)
