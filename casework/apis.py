"""The JSON API of casework: one view per operation, explicit input and output.

Each view checks the role (a model permission) first, then loads the case
through the access funnel: a case the caller may not see and one that does not
exist give the same 404, and so does a sub-object (note, flag, goal…) that is
not on that case or that the caller may not see. Writes go through
`casework.services`; what a reader sees of a case, and may write, is declared in
`casework/parts.py` and asked through `case_part_for_user`.
"""

from collections.abc import Callable

from django import forms as django_forms
from django.core.exceptions import ImproperlyConfigured
from django.core.exceptions import ValidationError as DjangoValidationError
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import (
    OpenApiResponse,
    PolymorphicProxySerializer,
    extend_schema,
    extend_schema_field,
    extend_schema_view,
)
from rest_framework import generics, permissions, serializers, status
from rest_framework.response import Response
from rest_framework.views import APIView

from agencies.models import Agency
from agencies.selectors import case_workers, staff_of_manager
from agencies.services import staff_member_deactivate
from audit import selectors as audit_selectors
from audit.apis import AuditEventOutput, EventPagination
from casework import services
from casework.access import (
    CaseViewer,
    case_access_log_for_user,
    case_part_for_user,
    note_to_amend,
    staff_member_for_user,
)
from casework.filters import CaseFilter
from casework.forms import MAX_CHOSEN_CASES
from casework.lifecycles import FLAG, TRIAGE_APPROVAL, Approval, Lifecycle, approval_state
from casework.models import (
    INDICATORS,
    LONG_TEXT_MAX,
    Case,
    CaseStatus,
    ClosureReason,
    CustodyEpisode,
    Flag,
    FlagCategory,
    FlagSource,
    FlagStatus,
    Goal,
    GoalDomain,
    GoalStatus,
    Note,
    NoteKind,
    NoteVisibility,
    Pathway,
    Rating,
    Review,
    ReviewOutcome,
    RiskCategory,
    Severity,
    TriageAssessment,
    TriageDecision,
)
from casework.parts import ANY_NOTE, EVERY_READER, PART_OF_FIELD, RULES, Part, part_of
from casework.selectors import (
    TimelineKind,
    caseload,
    flags_board,
    flags_of,
    goals_of,
    notes_visible_to,
    parent_case_visible_to,
    staff_with_open_cases,
    timeline,
    timeline_entries,
    triage_history,
)
from core.api import MAX_ID, PageNumberPagination, require_model_permission
from core.fields import (
    MultiLineSerializerField,
    OneLineSerializerField,
    PlausibleDateSerializerField,
)
from returnees.models import LegalStatus, Region, Returnee

# --- Shared output pieces -------------------------------------------------------------


class PersonNameField(serializers.CharField):
    """A user as the name people know them by; never their id or email."""

    def __init__(self, **kwargs):
        super().__init__(read_only=True, **kwargs)

    def to_representation(self, user) -> str:
        return user.get_full_name() or user.get_username()


# --- Cases ----------------------------------------------------------------------------


class PartAwareOutput(serializers.Serializer):
    """An output every field of which belongs to a part of the case (casework/parts.py).

    A field of a part the reader may not read is null. Who the reader is comes from
    the `viewer` in the context (one case), from the row's own `reads_<part>` flags
    (rows annotated in SQL), or from the `scope` in the context: an audience every
    row's reader is in (e.g. the caseload report's: the case team). A row with none
    of these shows only parts every reader of a case reads. A field no part declares
    fails at once: no serializer decides on its own what a reader sees. Nested
    part-aware outputs decide for themselves.
    """

    def get_fields(self):
        fields = super().get_fields()
        for name, field in fields.items():
            if not isinstance(field, PartAwareOutput) and RULES[part_of(name)].read != EVERY_READER:
                field.allow_null = True  # so the published schema says it may be null
        return fields

    def to_representation(self, instance):
        data = super().to_representation(instance)
        viewer: CaseViewer | None = self.context.get("viewer")
        for name, field in self.fields.items():
            if isinstance(field, PartAwareOutput):
                continue
            part = part_of(name)
            if viewer is not None:
                readable = viewer.can_read(part)
            elif RULES[part].read == EVERY_READER:
                readable = True
            else:
                readable = getattr(instance, f"reads_{part}", None)
                if readable is None and (scope := self.context.get("scope")) is not None:
                    readable = RULES[part].read.covers(scope)
                if readable is None:
                    raise ImproperlyConfigured(f"{name!r} ({part}) needs a reader to be shown")
            if not readable:
                data[name] = None
        return data


class CaseListOutput(PartAwareOutput, serializers.ModelSerializer):
    reference = serializers.CharField(read_only=True)
    full_name = serializers.CharField(source="returnee.full_name")
    birth_date = serializers.DateField(source="returnee.birth_date", allow_null=True)
    region = serializers.CharField(source="returnee.region")
    lead_agency = serializers.CharField(source="lead_agency.name")
    assigned_worker = serializers.SerializerMethodField()

    class Meta:
        model = Case
        fields = [
            "id",
            "reference",
            "full_name",
            "birth_date",
            "region",
            "status",
            "lead_agency",
            "assigned_worker",
            "opened_on",
        ]

    def get_assigned_worker(self, case) -> str | None:
        worker = case.assigned_worker
        return (worker.get_full_name() or worker.get_username()) if worker else None


class ReturneeOutput(PartAwareOutput, serializers.ModelSerializer):
    class Meta:
        model = Returnee
        # Every field of the person that a part declares (casework/parts.py), in the
        # model's order: a field added to a part shows here, to its readers only.
        # The person is reached through the case: its own id is not given out.
        fields = [
            f.name
            for f in Returnee._meta.concrete_fields
            if f.name in PART_OF_FIELD and not f.primary_key
        ]


class CaseDetailOutput(CaseListOutput):
    """One case, as the `viewer` in the context may read it (casework/parts.py)."""

    returnee = ReturneeOutput()
    parent_case_id = serializers.SerializerMethodField()
    category = serializers.ChoiceField(choices=RiskCategory.choices, allow_blank=True)
    pathway = serializers.ChoiceField(choices=Pathway.choices, allow_blank=True)
    pathway_override_reason = serializers.CharField()
    next_review_on = serializers.DateField()

    class Meta(CaseListOutput.Meta):
        fields = [
            *CaseListOutput.Meta.fields,
            "closed_on",
            "closure_reason",
            "category",
            "pathway",
            "pathway_override_reason",
            "next_review_on",
            "version",
            "returnee",
            "parent_case_id",
        ]

    def get_parent_case_id(self, case) -> int | None:
        # Only a parent case the reader may see is named.
        return self.context.get("parent_case_id")


def case_detail_data(user, case: Case, viewer: CaseViewer) -> dict:
    parent = parent_case_visible_to(user, case) if viewer.can_read(Part.FAMILY) else None
    context = {"parent_case_id": parent.pk if parent else None, "viewer": viewer}
    return CaseDetailOutput(case, context=context).data


class CaseListApi(generics.ListAPIView):
    """Cases the user may see, newest first, filtered like the caseload page."""

    serializer_class = CaseListOutput
    permission_classes = [require_model_permission("casework.view_case")]
    pagination_class = PageNumberPagination
    filterset_class = CaseFilter

    def get_queryset(self):
        return caseload(self.request.user)


class CaseDetailApi(APIView):
    permission_classes = [require_model_permission("casework.view_case")]

    @extend_schema(responses=CaseDetailOutput)
    def get(self, request, case_id: int):
        viewer = case_part_for_user(request.user, case_id, Part.CASE)
        return Response(case_detail_data(request.user, viewer.case, viewer))


# --- Base of the case actions ---------------------------------------------------------


class CaseConflictOutput(serializers.Serializer):
    detail = serializers.CharField()
    current = CaseDetailOutput()


READ_ERRORS = {
    403: OpenApiResponse(description=_("Your role may not do this.")),
    404: OpenApiResponse(description=_("No such case, or not one you may see.")),
}
WRITE_ERRORS = {
    400: OpenApiResponse(description=_("Field errors, or a change the case's state refuses.")),
    **READ_ERRORS,
}
VERSIONED_WRITE_ERRORS = {
    **WRITE_ERRORS,
    409: OpenApiResponse(
        CaseConflictOutput,
        description=_(
            "Someone else changed the case since you read it, so nothing was saved. "
            "`current` holds the case as it is now."
        ),
    ),
}


class CaseActionApi(APIView):
    """An operation on one case.

    `required_permissions` maps each HTTP method to the model permission the
    caller's role must hold (403 otherwise). A service's ValidationError is a
    400 with field errors; a ConcurrentEdit (stale `version`) is a 409 carrying
    the current state of the record, rendered by `conflict_data` (both answered
    by config.api.exception_handler).
    """

    required_permissions: dict[str, str] = {}

    def get_permissions(self):
        method = "GET" if self.request.method in ("HEAD", "OPTIONS") else self.request.method
        perm = self.required_permissions.get(method)
        if perm is None:
            return [permissions.IsAuthenticated()]
        return [require_model_permission(perm)()]

    def conflict_data(self, current) -> dict:
        return case_detail_data(self.request.user, current, self.viewer)

    def case_part(self, case_id, part, *, write: bool = False) -> CaseViewer:
        """The case and what the caller sees of it, if they may read (or write) `part`
        of it (casework/parts.py); a 404 otherwise, as for a case that does not exist."""
        self.viewer = case_part_for_user(self.request.user, case_id, part, write=write)
        return self.viewer


class TransitionApi(CaseActionApi):
    """One step of a lifecycle (casework/lifecycles.py), configured per action.

    The role the table names for the step is checked first (403); `target` then
    finds the record on the side that takes the step (404, as if it did not
    exist); then the input is read (400); then the service takes the step, checking
    the state against the same table (400) and whatever else the step needs.

    A configured view names its `action` and `service` (called with `actor`, the
    record as `record_name`, and the input's fields, `version` as `expected_version`),
    the `input` serializer if the step takes any, and its class docstring, which
    the API schema shows. The family (referral, lead transfer, flag) gives the
    lifecycle, how to find the record, and what to answer.
    """

    lifecycle: Lifecycle
    action: str
    service: Callable[..., object]  # a staticmethod
    record_name: str
    input: type[serializers.Serializer] | None = None
    output: type[serializers.Serializer]
    errors: dict
    success_status = status.HTTP_200_OK

    def __init_subclass__(cls, **kwargs):
        super().__init_subclass__(**kwargs)
        if "action" not in cls.__dict__:
            return
        cls.required_permissions = {"POST": cls.lifecycle[cls.action].permission}
        responses = {cls.success_status: cls.output, **cls.errors}
        extend_schema_view(post=extend_schema(request=cls.input, responses=responses))(cls)

    def target(self, side: str, **kwargs):
        """The record the step is taken on, found on `side` of it; Http404 otherwise."""
        raise NotImplementedError

    def answer(self, record, done) -> dict:
        """The response body: `done` is what the service returned."""
        raise NotImplementedError

    def post(self, request, **kwargs):
        record = self.target(self.lifecycle[self.action].side, **kwargs)
        data = {}
        if self.input is not None:
            serializer = self.input(data=request.data)
            serializer.is_valid(raise_exception=True)
            data = dict(serializer.validated_data)
        if "version" in data:
            data["expected_version"] = data.pop("version")
        done = self.service(actor=request.user, **{self.record_name: record}, **data)
        return Response(self.answer(record, done), status=self.success_status)


# --- Triage ---------------------------------------------------------------------------


class TriageDecisionOutput(serializers.ModelSerializer):
    decided_by = PersonNameField()

    class Meta:
        model = TriageDecision
        fields = ["approved", "comment", "decided_by", "decided_at"]


def _decision_of(assessment: TriageAssessment) -> TriageDecision | None:
    try:
        return assessment.decision
    except TriageDecision.DoesNotExist:
        return None


class TriageAssessmentOutput(serializers.ModelSerializer):
    assessor = PersonNameField()
    previous_id = serializers.IntegerField(allow_null=True, read_only=True)
    pending = serializers.SerializerMethodField(
        help_text=_("True while a move to or from violent awaits a program manager's decision.")
    )
    decision = serializers.SerializerMethodField()

    class Meta:
        model = TriageAssessment
        fields = [
            "id",
            "category",
            "rationale",
            *(name for name, _label in INDICATORS),
            "assessor",
            "assessed_at",
            "previous_id",
            "needs_approval",
            "pending",
            "decision",
        ]

    def get_pending(self, assessment) -> bool:
        return approval_state(assessment) == Approval.PENDING

    @extend_schema_field(TriageDecisionOutput(allow_null=True))
    def get_decision(self, assessment):
        decision = _decision_of(assessment)
        return TriageDecisionOutput(decision).data if decision else None


class TriageAssessInput(serializers.Serializer):
    category = serializers.ChoiceField(choices=RiskCategory.choices)
    rationale = MultiLineSerializerField(max_length=LONG_TEXT_MAX)
    beliefs_attitudes = serializers.ChoiceField(choices=Rating.choices)
    intent_context = serializers.ChoiceField(choices=Rating.choices)
    history_capability = serializers.ChoiceField(choices=Rating.choices)
    commitment_motivation = serializers.ChoiceField(choices=Rating.choices)
    protective_factors = serializers.ChoiceField(choices=Rating.choices)


class TriageApi(CaseActionApi):
    """The triage history of a case, newest first; and a new triage.

    A triage moving the case to or from violent waits for a program manager
    other than the assessor (`pending`); any other takes effect at once.
    """

    required_permissions = {
        "GET": "casework.view_case",
        "POST": "casework.add_triageassessment",
    }

    @extend_schema(responses={200: TriageAssessmentOutput(many=True), **READ_ERRORS})
    def get(self, request, case_id: int):
        case = self.case_part(case_id, Part.TRIAGE).case
        return Response(TriageAssessmentOutput(triage_history(case), many=True).data)

    @extend_schema(
        request=TriageAssessInput, responses={201: TriageAssessmentOutput, **WRITE_ERRORS}
    )
    def post(self, request, case_id: int):
        case = self.case_part(case_id, Part.TRIAGE, write=True).case
        serializer = TriageAssessInput(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        assessment = services.triage_assess(
            actor=request.user,
            case=case,
            category=data["category"],
            rationale=data["rationale"],
            ratings={name: data[name] for name, _label in INDICATORS},
        )
        return Response(TriageAssessmentOutput(assessment).data, status=status.HTTP_201_CREATED)


class TriageDecisionInput(serializers.Serializer):
    approve = serializers.BooleanField()
    comment = MultiLineSerializerField(max_length=LONG_TEXT_MAX)


class TriageDecisionApi(CaseActionApi):
    """A program manager's decision on a pending triage (two-person rule): the
    assessor cannot decide their own. Answers with the assessment and its decision."""

    # Approving and rejecting take the same role, on the same part of the case.
    required_permissions = {"POST": TRIAGE_APPROVAL["approve"].permission}

    @extend_schema(
        request=TriageDecisionInput, responses={201: TriageAssessmentOutput, **WRITE_ERRORS}
    )
    def post(self, request, case_id: int, assessment_id: int):
        case = self.case_part(case_id, TRIAGE_APPROVAL["approve"].side, write=True).case
        assessment = get_object_or_404(case.assessments, pk=assessment_id)
        serializer = TriageDecisionInput(data=request.data)
        serializer.is_valid(raise_exception=True)
        services.triage_decide(
            actor=request.user,
            assessment=assessment,
            approve=serializer.validated_data["approve"],
            comment=serializer.validated_data["comment"],
        )
        decided = case.assessments.select_related(
            "assessor", "decision", "decision__decided_by"
        ).get(pk=assessment.pk)
        return Response(TriageAssessmentOutput(decided).data, status=status.HTTP_201_CREATED)


class PathwayInput(serializers.Serializer):
    pathway = serializers.ChoiceField(choices=Pathway.choices)
    reason = MultiLineSerializerField(
        max_length=LONG_TEXT_MAX,
        allow_blank=True,
        default="",
        help_text=_("Required when the pathway differs from the one the category sets."),
    )
    version = serializers.IntegerField(
        min_value=1, help_text=_("The case's `version` you last saw.")
    )


class CasePathwayApi(CaseActionApi):
    """Set the case's pathway, overriding the one its category sets (with a reason)."""

    required_permissions = {"POST": "casework.change_case"}

    @extend_schema(
        request=PathwayInput, responses={200: CaseDetailOutput, **VERSIONED_WRITE_ERRORS}
    )
    def post(self, request, case_id: int):
        viewer = self.case_part(case_id, Part.CATEGORY, write=True)
        case = viewer.case
        serializer = PathwayInput(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        case = services.case_pathway_set(
            actor=request.user,
            case=case,
            pathway=data["pathway"],
            reason=data["reason"],
            expected_version=data["version"],
        )
        return Response(case_detail_data(request.user, case, viewer))


# --- Custody --------------------------------------------------------------------------


class CustodyOutput(serializers.ModelSerializer):
    recorded_by = PersonNameField()

    class Meta:
        model = CustodyEpisode
        fields = ["id", "facility", "started_on", "ended_on", "segregated", "recorded_by"]


class CustodyStartInput(serializers.Serializer):
    facility = OneLineSerializerField(max_length=200)
    started_on = PlausibleDateSerializerField()
    segregated = serializers.BooleanField(help_text=_("Held apart from general inmates."))


class CustodyApi(CaseActionApi):
    """Custody episodes of a case, newest first; and the start of a new one."""

    required_permissions = {"GET": "casework.view_case", "POST": "casework.change_case"}

    @extend_schema(responses={200: CustodyOutput(many=True), **READ_ERRORS})
    def get(self, request, case_id: int):
        case = self.case_part(case_id, Part.CUSTODY).case
        episodes = case.custody_episodes.select_related("recorded_by").order_by(
            "-started_on", "-pk"
        )
        return Response(CustodyOutput(episodes, many=True).data)

    @extend_schema(request=CustodyStartInput, responses={201: CustodyOutput, **WRITE_ERRORS})
    def post(self, request, case_id: int):
        case = self.case_part(case_id, Part.CUSTODY, write=True).case
        serializer = CustodyStartInput(data=request.data)
        serializer.is_valid(raise_exception=True)
        episode = services.custody_start(actor=request.user, case=case, **serializer.validated_data)
        return Response(CustodyOutput(episode).data, status=status.HTTP_201_CREATED)


class CustodyEndInput(serializers.Serializer):
    ended_on = PlausibleDateSerializerField()


class CustodyEndApi(CaseActionApi):
    required_permissions = {"POST": "casework.change_case"}

    @extend_schema(request=CustodyEndInput, responses={200: CustodyOutput, **WRITE_ERRORS})
    def post(self, request, case_id: int, episode_id: int):
        case = self.case_part(case_id, Part.CUSTODY, write=True).case
        episode = get_object_or_404(case.custody_episodes, pk=episode_id)
        serializer = CustodyEndInput(data=request.data)
        serializer.is_valid(raise_exception=True)
        episode = services.custody_end(
            actor=request.user, episode=episode, ended_on=serializer.validated_data["ended_on"]
        )
        return Response(CustodyOutput(episode).data)


# --- Support plan ---------------------------------------------------------------------


class GoalOutput(serializers.ModelSerializer):
    owner_agency_name = serializers.CharField(source="owner_agency.name", read_only=True)

    class Meta:
        model = Goal
        fields = [
            "id",
            "domain",
            "description",
            "owner_agency",
            "owner_agency_name",
            "target_date",
            "status",
            "outcome",
            "version",
            "updated_at",
        ]


class GoalConflictOutput(serializers.Serializer):
    detail = serializers.CharField()
    current = GoalOutput()


class GoalAddInput(serializers.Serializer):
    domain = serializers.ChoiceField(choices=GoalDomain.choices)
    description = OneLineSerializerField(max_length=500)
    owner_agency = serializers.PrimaryKeyRelatedField(
        queryset=Agency.objects.all(), help_text=_("Agency id.")
    )
    target_date = PlausibleDateSerializerField(required=False, allow_null=True, default=None)


class GoalsApi(CaseActionApi):
    """The support plan's goals, by target date; and a new goal."""

    required_permissions = {"GET": "casework.view_case", "POST": "casework.add_goal"}

    @extend_schema(responses={200: GoalOutput(many=True), **READ_ERRORS})
    def get(self, request, case_id: int):
        case = self.case_part(case_id, Part.PLAN).case
        return Response(GoalOutput(goals_of(case), many=True).data)

    @extend_schema(request=GoalAddInput, responses={201: GoalOutput, **WRITE_ERRORS})
    def post(self, request, case_id: int):
        case = self.case_part(case_id, Part.PLAN, write=True).case
        serializer = GoalAddInput(data=request.data)
        serializer.is_valid(raise_exception=True)
        goal = services.goal_add(actor=request.user, case=case, **serializer.validated_data)
        return Response(GoalOutput(goal).data, status=status.HTTP_201_CREATED)


class GoalUpdateInput(serializers.Serializer):
    """Fields left out keep their current values; `version` is always required."""

    status = serializers.ChoiceField(choices=GoalStatus.choices, required=False)
    target_date = PlausibleDateSerializerField(required=False, allow_null=True)
    outcome = MultiLineSerializerField(max_length=LONG_TEXT_MAX, required=False, allow_blank=True)
    owner_agency = serializers.PrimaryKeyRelatedField(
        queryset=Agency.objects.all(), required=False, help_text=_("Agency id.")
    )
    version = serializers.IntegerField(
        min_value=1, help_text=_("The goal's `version` you last saw.")
    )


class GoalUpdateApi(CaseActionApi):
    required_permissions = {"PATCH": "casework.change_goal"}

    def conflict_data(self, current) -> dict:
        return GoalOutput(current).data

    @extend_schema(
        request=GoalUpdateInput,
        responses={
            200: GoalOutput,
            **WRITE_ERRORS,
            409: OpenApiResponse(
                GoalConflictOutput,
                description=_("Someone else changed the goal: nothing was saved."),
            ),
        },
    )
    def patch(self, request, case_id: int, goal_id: int):
        case = self.case_part(case_id, Part.PLAN, write=True).case
        goal = get_object_or_404(case.goals, pk=goal_id)
        serializer = GoalUpdateInput(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        goal = services.goal_update(
            actor=request.user,
            goal=goal,
            expected_version=data["version"],
            status=data.get("status", goal.status),
            target_date=data.get("target_date", goal.target_date),
            outcome=data.get("outcome", goal.outcome),
            owner_agency=data.get("owner_agency"),
        )
        return Response(GoalOutput(goal).data)


# --- Progress notes -------------------------------------------------------------------


class NoteOutput(serializers.ModelSerializer):
    author = PersonNameField()
    corrects_id = serializers.IntegerField(allow_null=True, read_only=True)
    amendable_until = serializers.DateTimeField(read_only=True)

    class Meta:
        model = Note
        fields = [
            "id",
            "kind",
            "occurred_at",
            "text",
            "visibility",
            "author",
            "created_at",
            "amended_at",
            "amendable_until",
            "corrects_id",
        ]


@extend_schema_field(OpenApiTypes.INT)
class VisibleNoteField(serializers.PrimaryKeyRelatedField):
    """A note id among the notes in the context's `visible_notes`: the caller's to see.

    Any other id, on another case or hidden from the caller, is "no such note".
    """

    def get_queryset(self):
        return self.context["visible_notes"]


class NoteAddInput(serializers.Serializer):
    kind = serializers.ChoiceField(choices=NoteKind.choices)
    occurred_at = serializers.DateTimeField()
    text = MultiLineSerializerField(max_length=LONG_TEXT_MAX)
    visibility = serializers.ChoiceField(choices=NoteVisibility.choices)
    corrects = VisibleNoteField(
        required=False,
        allow_null=True,
        default=None,
        help_text=_("Id of a note on this case, visible to you, that this one corrects."),
    )

    def validate_visibility(self, value: str) -> str:
        if not self.context["viewer"].may_write_note(value):
            raise serializers.ValidationError(_("You may not write notes of this visibility."))
        return value


class NotesApi(CaseActionApi):
    """The notes the caller may see, newest first (paginated); and a new note."""

    required_permissions = {"GET": "casework.view_note", "POST": "casework.add_note"}
    pagination_class = PageNumberPagination

    @extend_schema(responses={200: NoteOutput(many=True), **READ_ERRORS})
    def get(self, request, case_id: int):
        viewer = self.case_part(case_id, Part.CASE)
        case = viewer.case
        paginator = self.pagination_class()
        page = paginator.paginate_queryset(notes_visible_to(viewer, case), request, view=self)
        return paginator.get_paginated_response(NoteOutput(page, many=True).data)

    @extend_schema(request=NoteAddInput, responses={201: NoteOutput, **WRITE_ERRORS})
    def post(self, request, case_id: int):
        viewer = self.case_part(case_id, ANY_NOTE, write=True)
        case = viewer.case
        serializer = NoteAddInput(
            data=request.data,
            context={"visible_notes": notes_visible_to(viewer, case), "viewer": viewer},
        )
        serializer.is_valid(raise_exception=True)
        note = services.note_add(actor=request.user, case=case, **serializer.validated_data)
        return Response(NoteOutput(note).data, status=status.HTTP_201_CREATED)


class NoteDetailApi(CaseActionApi):
    """One note, if the caller may see it (404 otherwise, as if it did not exist)."""

    required_permissions = {"GET": "casework.view_note"}

    @extend_schema(responses={200: NoteOutput, **READ_ERRORS})
    def get(self, request, case_id: int, note_id: int):
        viewer = self.case_part(case_id, Part.CASE)
        case = viewer.case
        note = get_object_or_404(notes_visible_to(viewer, case), pk=note_id)
        return Response(NoteOutput(note).data)


class NoteAmendInput(serializers.Serializer):
    text = MultiLineSerializerField(max_length=LONG_TEXT_MAX)


class NoteAmendApi(CaseActionApi):
    """The author amends their note within 24 hours; the previous text is kept."""

    required_permissions = {"POST": "casework.add_note"}

    @extend_schema(request=NoteAmendInput, responses={200: NoteOutput, **WRITE_ERRORS})
    def post(self, request, case_id: int, note_id: int):
        note = note_to_amend(self.case_part(case_id, ANY_NOTE, write=True), note_id)
        serializer = NoteAmendInput(data=request.data)
        serializer.is_valid(raise_exception=True)
        note = services.note_amend(
            actor=request.user, note=note, text=serializer.validated_data["text"]
        )
        return Response(NoteOutput(note).data)


# --- Monitoring flags -----------------------------------------------------------------


class FlagOutput(serializers.ModelSerializer):
    raised_by = PersonNameField()

    class Meta:
        model = Flag
        fields = [
            "id",
            "category",
            "severity",
            "source",
            "description",
            "status",
            "raised_by",
            "raised_at",
            "resolution_note",
        ]


class FlagRaiseInput(serializers.Serializer):
    category = serializers.ChoiceField(choices=FlagCategory.choices)
    severity = serializers.ChoiceField(choices=Severity.choices)
    source = serializers.ChoiceField(choices=FlagSource.choices)
    description = MultiLineSerializerField(max_length=LONG_TEXT_MAX)


class FlagsMixin:
    def case_for_flags(self, case_id) -> Case:
        """Reading flags needs the flags part; raising one, writing it."""
        reading = self.request.method in permissions.SAFE_METHODS
        return self.case_part(case_id, Part.FLAGS, write=not reading).case


class FlagsApi(FlagsMixin, CaseActionApi):
    """Monitoring flags, newest first; and a new flag (an urgent one notifies at once)."""

    required_permissions = {"GET": "casework.view_flag", "POST": "casework.add_flag"}

    @extend_schema(responses={200: FlagOutput(many=True), **READ_ERRORS})
    def get(self, request, case_id: int):
        case = self.case_for_flags(case_id)
        return Response(FlagOutput(flags_of(case), many=True).data)

    @extend_schema(request=FlagRaiseInput, responses={201: FlagOutput, **WRITE_ERRORS})
    def post(self, request, case_id: int):
        case = self.case_for_flags(case_id)
        serializer = FlagRaiseInput(data=request.data)
        serializer.is_valid(raise_exception=True)
        flag = services.flag_raise(actor=request.user, case=case, **serializer.validated_data)
        return Response(FlagOutput(flag).data, status=status.HTTP_201_CREATED)


class FlagTransitionApi(TransitionApi):
    """A step of a flag (casework.lifecycles.FLAG), on a case whose flags part the
    caller may write; a flag of another case is a 404 too."""

    lifecycle = FLAG
    record_name = "flag"
    output = FlagOutput
    errors = WRITE_ERRORS

    def target(self, side, *, case_id, flag_id):
        case = self.case_part(case_id, side, write=True).case
        return get_object_or_404(case.flags, pk=flag_id)

    def answer(self, record, done) -> dict:
        return FlagOutput(done).data


class FlagAcknowledgeApi(FlagTransitionApi):
    """Acknowledge an open flag."""

    action = "acknowledge"
    service = staticmethod(services.flag_acknowledge)


class FlagResolveInput(serializers.Serializer):
    resolution_note = MultiLineSerializerField(max_length=LONG_TEXT_MAX)


class FlagResolveApi(FlagTransitionApi):
    """Resolve a flag with a note; an urgent one by someone other than who raised it."""

    action = "resolve"
    service = staticmethod(services.flag_resolve)
    input = FlagResolveInput


# --- Reviews, closure -----------------------------------------------------------------


class ReviewOutput(serializers.ModelSerializer):
    reviewed_by = PersonNameField()

    class Meta:
        model = Review
        fields = [
            "id",
            "due_on",
            "outcome",
            "summary",
            "reviewed_by",
            "reviewed_at",
            "next_review_on",
        ]


class ReviewInput(serializers.Serializer):
    outcome = serializers.ChoiceField(choices=ReviewOutcome.choices)
    summary = MultiLineSerializerField(max_length=LONG_TEXT_MAX)
    closure_reason = serializers.ChoiceField(
        choices=ClosureReason.choices,
        required=False,
        allow_blank=True,
        default="",
        help_text=_("Required when the outcome is close."),
    )
    version = serializers.IntegerField(
        min_value=1,
        required=False,
        allow_null=True,
        default=None,
        help_text=_("The case's `version` you last saw; refused with 409 if stale."),
    )


class ReviewsApi(CaseActionApi):
    """Completed reviews, newest first; and a completed review (it sets the next date)."""

    required_permissions = {"GET": "casework.view_case", "POST": "casework.add_review"}

    @extend_schema(responses={200: ReviewOutput(many=True), **READ_ERRORS})
    def get(self, request, case_id: int):
        case = self.case_part(case_id, Part.REVIEWS).case
        reviews = case.reviews.select_related("reviewed_by").order_by("-reviewed_at", "-pk")
        return Response(ReviewOutput(reviews, many=True).data)

    @extend_schema(request=ReviewInput, responses={201: ReviewOutput, **VERSIONED_WRITE_ERRORS})
    def post(self, request, case_id: int):
        case = self.case_part(case_id, Part.REVIEWS, write=True).case
        serializer = ReviewInput(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        review = services.review_complete(
            actor=request.user,
            case=case,
            outcome=data["outcome"],
            summary=data["summary"],
            closure_reason=data["closure_reason"],
            expected_version=data["version"],
        )
        return Response(ReviewOutput(review).data, status=status.HTTP_201_CREATED)


class FollowUpInput(serializers.Serializer):
    summary = MultiLineSerializerField(max_length=LONG_TEXT_MAX)


class FollowUpCompleteApi(CaseActionApi):
    """A post-exit follow-up review (6 or 12 months after closure as reintegrated),
    recorded as the case page's follow-up form does. A follow-up already recorded, or
    not of this case, is a 404, as on the page."""

    required_permissions = {"POST": "casework.add_review"}

    @extend_schema(request=FollowUpInput, responses={201: ReviewOutput, **WRITE_ERRORS})
    def post(self, request, case_id: int, followup_id: int):
        case = self.case_part(case_id, Part.REVIEWS, write=True).case
        followup = get_object_or_404(case.followups, pk=followup_id, review__isnull=True)
        serializer = FollowUpInput(data=request.data)
        serializer.is_valid(raise_exception=True)
        review = services.followup_complete(
            actor=request.user, followup=followup, summary=serializer.validated_data["summary"]
        )
        return Response(ReviewOutput(review).data, status=status.HTTP_201_CREATED)


class CaseCloseInput(serializers.Serializer):
    reason = serializers.ChoiceField(choices=ClosureReason.choices)
    note = MultiLineSerializerField(max_length=LONG_TEXT_MAX, allow_blank=True, default="")
    version = serializers.IntegerField(
        min_value=1, help_text=_("The case's `version` you last saw.")
    )


class CaseCloseApi(CaseActionApi):
    """Close the case with a reason; refused while an urgent flag is unresolved."""

    required_permissions = {"POST": "casework.change_case"}

    @extend_schema(
        request=CaseCloseInput, responses={200: CaseDetailOutput, **VERSIONED_WRITE_ERRORS}
    )
    def post(self, request, case_id: int):
        viewer = self.case_part(case_id, Part.REVIEWS, write=True)
        case = viewer.case
        serializer = CaseCloseInput(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        case = services.case_close(
            actor=request.user,
            case=case,
            reason=data["reason"],
            note=data["note"],
            expected_version=data["version"],
        )
        return Response(case_detail_data(request.user, case, viewer))


class CaseReopenInput(serializers.Serializer):
    note = MultiLineSerializerField(max_length=LONG_TEXT_MAX)
    version = serializers.IntegerField(
        min_value=1, help_text=_("The case's `version` you last saw.")
    )


class CaseReopenApi(CaseActionApi):
    """Reopen a closed case, saying why."""

    required_permissions = {"POST": "casework.change_case"}

    @extend_schema(
        request=CaseReopenInput, responses={200: CaseDetailOutput, **VERSIONED_WRITE_ERRORS}
    )
    def post(self, request, case_id: int):
        viewer = self.case_part(case_id, Part.REVIEWS, write=True)
        case = viewer.case
        serializer = CaseReopenInput(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        case = services.case_reopen(
            actor=request.user, case=case, note=data["note"], expected_version=data["version"]
        )
        return Response(case_detail_data(request.user, case, viewer))


# --- The case timeline ----------------------------------------------------------------
# Each entry is {kind, at, id} and what a reader needs to recognise it; the
# object behind it is in `entry["object"]` (see selectors.timeline_entries).


class TimelineEntryOutput(serializers.Serializer):
    kind = serializers.ChoiceField(choices=TimelineKind.choices)
    at = serializers.DateTimeField()
    id = serializers.IntegerField(source="object.pk")


class NoteEntryOutput(TimelineEntryOutput):
    # Timeline notes come through notes_visible_to: the text is the reader's to see.
    note_kind = serializers.ChoiceField(choices=NoteKind.choices, source="object.kind")
    visibility = serializers.ChoiceField(choices=NoteVisibility.choices, source="object.visibility")
    text = serializers.CharField(source="object.text")
    author = PersonNameField(source="object.author")


class TriageEntryOutput(TimelineEntryOutput):
    category = serializers.ChoiceField(choices=RiskCategory.choices, source="object.category")
    needs_approval = serializers.BooleanField(source="object.needs_approval")
    approved = serializers.SerializerMethodField(
        help_text=_("The program manager's decision; null if none (yet).")
    )
    assessor = PersonNameField(source="object.assessor")

    def get_approved(self, entry) -> bool | None:
        decision = _decision_of(entry["object"])
        return decision.approved if decision else None


class FlagEntryOutput(TimelineEntryOutput):
    flag_id = serializers.IntegerField(source="object.flag_id")
    status = serializers.ChoiceField(choices=FlagStatus.choices, source="object.status")
    category = serializers.ChoiceField(choices=FlagCategory.choices, source="object.flag.category")
    severity = serializers.ChoiceField(choices=Severity.choices, source="object.flag.severity")
    note = serializers.CharField(source="object.note")
    actor = PersonNameField(source="object.actor")


class ReviewEntryOutput(TimelineEntryOutput):
    outcome = serializers.ChoiceField(choices=ReviewOutcome.choices, source="object.outcome")
    summary = serializers.CharField(source="object.summary")
    next_review_on = serializers.DateField(source="object.next_review_on", allow_null=True)
    reviewed_by = PersonNameField(source="object.reviewed_by")


class StatusEntryOutput(TimelineEntryOutput):
    status = serializers.ChoiceField(choices=CaseStatus.choices, source="object.status")
    reason = serializers.ChoiceField(
        choices=ClosureReason.choices, allow_blank=True, source="object.reason"
    )
    note = serializers.CharField(source="object.note")
    actor = PersonNameField(source="object.actor")


class PlanEntryOutput(TimelineEntryOutput):
    goal_id = serializers.IntegerField(source="object.goal_id")
    description = serializers.CharField(source="object.goal.description")
    status = serializers.ChoiceField(choices=GoalStatus.choices, source="object.status")
    target_date = serializers.DateField(source="object.target_date", allow_null=True)
    outcome = serializers.CharField(source="object.outcome")
    created = serializers.BooleanField(source="object.created")
    changed_by = PersonNameField(source="object.changed_by")


class ReferralEntryOutput(TimelineEntryOutput):
    """A referral's transition or a partner's progress update."""

    referral_id = serializers.IntegerField(source="object.referral_id")
    to_agency = serializers.CharField(source="object.referral.to_agency.name")
    event_kind = serializers.CharField(source="object.kind")
    status = serializers.CharField(source="object.status")
    note = serializers.CharField(source="object.note")
    actor = PersonNameField(source="object.actor")


class LegalStatusEntryOutput(TimelineEntryOutput):
    """A change of the person's legal status (intake registers the entries)."""

    before = serializers.ChoiceField(
        choices=LegalStatus.choices, source="object.detail.old.legal_status"
    )
    after = serializers.ChoiceField(
        choices=LegalStatus.choices, source="object.detail.new.legal_status"
    )
    actor = serializers.CharField(source="object.actor_name")


class TaskEntryOutput(TimelineEntryOutput):
    """A task added, changed, done or reopened (the tasks app's events)."""

    task_id = serializers.IntegerField(source="object.task_id")
    title = serializers.CharField(source="object.task.title")
    event_kind = serializers.CharField(source="object.kind")
    due_on = serializers.DateField(source="object.task.due_on")


class DocumentEntryOutput(TimelineEntryOutput):
    """A document added to or removed from the case (documents app); read through the
    note rule of its visibility, like a note."""

    document_id = serializers.IntegerField(source="object.document_id")
    event_kind = serializers.CharField(source="object.kind")
    title = serializers.CharField(source="object.document.title")
    visibility = serializers.ChoiceField(
        choices=NoteVisibility.choices, source="object.document.visibility"
    )
    actor = PersonNameField(source="object.actor")


TIMELINE_OUTPUT = {
    TimelineKind.NOTE: NoteEntryOutput,
    TimelineKind.TRIAGE: TriageEntryOutput,
    TimelineKind.FLAG: FlagEntryOutput,
    TimelineKind.REVIEW: ReviewEntryOutput,
    TimelineKind.STATUS: StatusEntryOutput,
    TimelineKind.PLAN: PlanEntryOutput,
    TimelineKind.REFERRAL: ReferralEntryOutput,
    TimelineKind.LEGAL_STATUS: LegalStatusEntryOutput,
    TimelineKind.TASK: TaskEntryOutput,
    TimelineKind.DOCUMENT: DocumentEntryOutput,
}
TimelineEntry = PolymorphicProxySerializer(
    component_name="TimelineEntry",
    serializers={kind.value: output for kind, output in TIMELINE_OUTPUT.items()},
    resource_type_field_name="kind",
    many=True,
)


class TimelineQuery(serializers.Serializer):
    kind = serializers.ListField(
        child=serializers.ChoiceField(choices=TimelineKind.choices),
        required=False,
        help_text=_("Only these kinds (repeat the parameter); all the caller may see if none."),
    )


class TimelineApi(CaseActionApi):
    """Everything on the case the caller may see, newest first, paginated."""

    required_permissions = {"GET": "casework.view_case"}
    pagination_class = PageNumberPagination

    @extend_schema(parameters=[TimelineQuery], responses={200: TimelineEntry, **READ_ERRORS})
    def get(self, request, case_id: int):
        viewer = self.case_part(case_id, Part.CASE)
        case = viewer.case
        query = TimelineQuery(data=request.query_params)
        query.is_valid(raise_exception=True)
        rows = timeline(viewer, case, query.validated_data.get("kind"))
        paginator = self.pagination_class()
        page = paginator.paginate_queryset(rows, request, view=self)
        entries = [TIMELINE_OUTPUT[entry["kind"]](entry).data for entry in timeline_entries(page)]
        return paginator.get_paginated_response(entries)


class FlagBoardOutput(serializers.ModelSerializer):
    """An open or acknowledged flag, with the case it is on (the board's readers see it)."""

    case_id = serializers.IntegerField(read_only=True)
    case_reference = serializers.CharField(source="case.reference", read_only=True)
    person_name = serializers.CharField(source="case.returnee.full_name", read_only=True)
    region = serializers.ChoiceField(
        choices=Region.choices, source="case.returnee.region", read_only=True
    )

    class Meta:
        model = Flag
        fields = [
            "id",
            "case_id",
            "case_reference",
            "person_name",
            "region",
            "category",
            "severity",
            "source",
            "description",
            "status",
            "raised_at",
        ]


class FlagBoardQuery(serializers.Serializer):
    region = serializers.ChoiceField(choices=Region.choices, required=False)
    category = serializers.ChoiceField(choices=FlagCategory.choices, required=False)
    source = serializers.ChoiceField(choices=FlagSource.choices, required=False)


class FlagBoardApi(generics.ListAPIView):
    """Unresolved flags the caller may see: most severe first, then oldest first.

    Acknowledge or resolve one at /api/cases/{case_id}/flags/{id}/….
    """

    serializer_class = FlagBoardOutput
    permission_classes = [require_model_permission("casework.view_flag")]
    pagination_class = PageNumberPagination
    filter_backends = []

    @extend_schema(parameters=[FlagBoardQuery])
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)

    def get_queryset(self):
        query = FlagBoardQuery(data=self.request.query_params)
        query.is_valid(raise_exception=True)
        return flags_board(self.request.user, **query.validated_data)


# --- Assignment, bulk reassignment, hand-over -------------------------------------------


def _worker_of_my_agencies(user, worker_id: int):
    """The chosen worker, if they work cases for one of the user's agencies; otherwise
    the same field error the service gives, so the answer tells nothing about ids."""
    worker = case_workers(Agency.objects.filter(group__user=user)).filter(pk=worker_id).first()
    if worker is None:
        raise DjangoValidationError({"worker": services.ASSIGNABLE_ROLES_ERROR})
    return worker


class CaseAssignInput(serializers.Serializer):
    worker = serializers.IntegerField(
        min_value=1,
        max_value=MAX_ID,
        help_text=_("The id of an active social worker or program manager of the lead agency."),
    )
    version = serializers.IntegerField(
        min_value=1, help_text=_("The case's `version` you last saw.")
    )


class CaseAssignApi(CaseActionApi):
    """Assign the case to a worker of its lead agency (program managers). The previous
    worker's own access to the case ends; the new worker is notified."""

    required_permissions = {"POST": services.ASSIGN_PERMISSION}

    @extend_schema(
        request=CaseAssignInput, responses={200: CaseDetailOutput, **VERSIONED_WRITE_ERRORS}
    )
    def post(self, request, case_id: int):
        viewer = self.case_part(case_id, Part.CASE, write=True)
        serializer = CaseAssignInput(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        worker = _worker_of_my_agencies(request.user, data["worker"])
        case = services.case_assign(
            actor=request.user,
            case=viewer.case,
            worker=worker,
            expected_version=data["version"],
        )
        return Response(case_detail_data(request.user, case, viewer))


def _case_filter_input() -> type[serializers.Serializer]:
    """The case list's filters (casework.filters.CaseFilter) as a JSON object: the same
    names and choices, read by the same filter set, so no list of them is kept here."""
    fields = {}
    for name, declared in CaseFilter.base_filters.items():
        field = declared.field
        if isinstance(field, django_forms.NullBooleanField | django_forms.BooleanField):
            fields[name] = serializers.BooleanField(required=False, label=declared.label)
        elif isinstance(field, django_forms.ChoiceField):
            choices = [choice for choice in field.choices if choice[0]]
            fields[name] = serializers.ChoiceField(
                choices=choices, required=False, label=declared.label
            )
        else:
            fields[name] = serializers.CharField(
                required=False,
                allow_blank=True,
                max_length=field.max_length,
                label=declared.label,
            )
    return type("CaseFilterInput", (serializers.Serializer,), fields)


CaseFilterInput = _case_filter_input()


class CasesReassignInput(serializers.Serializer):
    case_ids = serializers.ListField(
        child=serializers.IntegerField(min_value=1, max_value=MAX_ID),
        required=False,
        max_length=MAX_CHOSEN_CASES,
        help_text=_("The cases to reassign; or give `filter` instead."),
    )
    filter = CaseFilterInput(
        required=False,
        help_text=_("Every case the case list shows with these filters; or give `case_ids`."),
    )
    worker = serializers.IntegerField(
        min_value=1,
        max_value=MAX_ID,
        help_text=_("The id of an active social worker or program manager of your agency."),
    )

    def validate(self, data):
        if ("case_ids" in data) == ("filter" in data):
            raise serializers.ValidationError(_("Give either `case_ids` or `filter`, not both."))
        return data


class ReassignmentOutput(serializers.Serializer):
    reassigned = serializers.IntegerField(help_text=_("Cases now assigned to the worker."))
    unchanged = serializers.IntegerField(help_text=_("Cases that were already theirs."))
    skipped = serializers.IntegerField(
        help_text=_(
            "Cases left as they were: closed, led by another agency, or not ones you may see."
        )
    )


def reassignment_data(done: services.Reassignment, requested: int | None = None) -> dict:
    total = done.selected if requested is None else requested
    return {
        "reassigned": done.reassigned,
        "unchanged": done.unchanged,
        "skipped": total - done.reassigned - done.unchanged,
    }


ASSIGN_ERRORS = {
    400: OpenApiResponse(description=_("Field errors.")),
    403: OpenApiResponse(description=_("Your role may not do this.")),
}


class CasesReassignApi(APIView):
    """Reassign many cases at once (program managers): the chosen ones, or all that the
    case list shows with a filter. Only open cases your agency leads are reassigned;
    the others are counted as skipped."""

    permission_classes = [require_model_permission(services.ASSIGN_PERMISSION)]

    @extend_schema(request=CasesReassignInput, responses={200: ReassignmentOutput, **ASSIGN_ERRORS})
    def post(self, request):
        serializer = CasesReassignInput(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        worker = _worker_of_my_agencies(request.user, data["worker"])
        if "filter" in data:
            filterset = CaseFilter(data["filter"], queryset=caseload(request.user), request=request)
            if not filterset.is_valid():
                raise DjangoValidationError({"filter": _("The filter is not valid.")})
            chosen, requested = filterset.qs, None
        else:
            ids = set(data["case_ids"])
            chosen, requested = Case.objects.filter(pk__in=ids), len(ids)
        done = services.cases_reassign(actor=request.user, cases=chosen, worker=worker)
        return Response(reassignment_data(done, requested))


class HandOverInput(serializers.Serializer):
    from_worker = serializers.IntegerField(
        min_value=1, max_value=MAX_ID, help_text=_("The member of your agency who leaves.")
    )
    worker = serializers.IntegerField(
        min_value=1,
        max_value=MAX_ID,
        help_text=_("The id of an active social worker or program manager of your agency."),
    )


class HandOverApi(APIView):
    """Hand over every open case of a member of your agency (a leaver, active or already
    deactivated) to another worker of your agency, in one step (program managers)."""

    permission_classes = [require_model_permission(services.ASSIGN_PERMISSION)]

    @extend_schema(request=HandOverInput, responses={200: ReassignmentOutput, **ASSIGN_ERRORS})
    def post(self, request):
        serializer = HandOverInput(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        leaver = staff_of_manager(request.user).filter(pk=data["from_worker"]).first()
        if leaver is None:
            raise DjangoValidationError({"from_worker": _("Choose a member of your agency.")})
        worker = _worker_of_my_agencies(request.user, data["worker"])
        done = services.caseload_hand_over(actor=request.user, from_worker=leaver, to_worker=worker)
        return Response(reassignment_data(done))


# --- Staff: the members of a program manager's agencies ---------------------------------

STAFF_PERMISSION = "agencies.manage_staff"


class StaffMemberOutput(serializers.Serializer):
    """A member of the caller's agencies, as the staff page shows them: no email or
    username, only the name people know them by."""

    id = serializers.IntegerField(read_only=True)
    name = serializers.SerializerMethodField()
    is_active = serializers.BooleanField(
        read_only=True, help_text=_("False once deactivated: they can no longer sign in.")
    )
    open_cases = serializers.IntegerField(
        read_only=True,
        help_text=_("Their open cases led by your agencies: what a hand-over would move."),
    )

    def get_name(self, member) -> str:
        return member.get_full_name() or member.get_username()


class StaffListApi(generics.ListAPIView):
    """The members of the caller's agencies (never the caller), active or deactivated,
    with their open cases, by name (program managers): the staff page."""

    serializer_class = StaffMemberOutput
    permission_classes = [require_model_permission(STAFF_PERMISSION)]
    pagination_class = PageNumberPagination
    filter_backends = []

    def get_queryset(self):
        return staff_with_open_cases(self.request.user)


STAFF_ERRORS = {
    403: OpenApiResponse(description=_("Your role may not do this.")),
    404: OpenApiResponse(description=_("No such member of your agencies.")),
}


class StaffDeactivateApi(APIView):
    """Deactivate a member of your agency (a leaver): they cannot sign in any more, and
    their sessions and API token end at once. Their open cases stay theirs until handed
    over (/api/cases/hand-over/). Deactivating someone already inactive ends whatever is
    left of their sessions again. Answers with the member as the staff list shows them."""

    permission_classes = [require_model_permission(STAFF_PERMISSION)]

    @extend_schema(request=None, responses={200: StaffMemberOutput, **STAFF_ERRORS})
    def post(self, request, user_id: int):
        member = staff_member_for_user(request.user, user_id)
        staff_member_deactivate(actor=request.user, user=member)
        return Response(
            StaffMemberOutput(staff_with_open_cases(request.user).get(pk=member.pk)).data
        )


# --- A case's access log ----------------------------------------------------------------


class CaseAccessLogApi(generics.ListAPIView):
    """Who accessed this case — every read, change, export and refused access of it,
    newest first, 50 per page; changes name the fields, never their values. For the
    auditor, any case; for a program manager, the cases their agency leads (403 for
    other roles, 404 for another agency's case). Reading it is itself recorded."""

    serializer_class = AuditEventOutput
    pagination_class = EventPagination
    filter_backends = []

    @extend_schema(responses={200: AuditEventOutput(many=True), **READ_ERRORS})
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)

    def get_serializer_context(self):
        return {**super().get_serializer_context(), "agencies": self.agencies}

    def get_queryset(self):
        case_id = case_access_log_for_user(self.request.user, self.kwargs["case_id"])
        self.agencies = dict(Agency.objects.values_list("pk", "name"))
        return audit_selectors.case_access_log(case_id)
