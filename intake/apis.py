from django.contrib.auth import get_user_model
from django.http import Http404
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import serializers, status
from rest_framework.response import Response
from rest_framework.views import APIView

from agencies.models import Agency
from agencies.selectors import agencies_of
from casework.access import case_part_for_user, case_viewer, parent_case_for_dependent
from casework.apis import (
    READ_ERRORS,
    WRITE_ERRORS,
    CaseActionApi,
    CaseDetailOutput,
    ReturneeOutput,
    case_detail_data,
)
from casework.parts import Part
from core.api import MAX_ID, PageNumberPagination, require_model_permission
from core.fields import OneLineSerializerField
from intake.selectors import person_changes, person_history
from intake.services import (
    PERSON_FIELDS,
    PERSON_PARTS,
    PersonDetails,
    PossibleDuplicates,
    family_contact_add,
    family_contact_remove,
    person_fields_of,
    person_update,
    returnee_register,
)
from returnees.models import (
    MAX_ALIASES,
    NAME_MAX,
    FamilyContact,
    Language,
    Need,
    Returnee,
)

User = get_user_model()


class DuplicateMatchOutput(serializers.Serializer):
    case_id = serializers.IntegerField()
    reference = serializers.CharField()
    full_name = serializers.CharField()
    birth_date = serializers.DateField(allow_null=True)
    agency_name = serializers.CharField()


class PersonInput(serializers.ModelSerializer):
    """The person's fields as intake takes them (intake.services.PERSON_FIELDS)."""

    aliases = serializers.ListField(
        child=OneLineSerializerField(max_length=NAME_MAX),
        max_length=MAX_ALIASES,
        required=False,
    )
    languages = serializers.ListField(
        child=serializers.ChoiceField(choices=Language.choices), required=False
    )
    needs = serializers.ListField(
        child=serializers.ChoiceField(choices=Need.choices), required=False
    )

    class Meta:
        model = Returnee
        fields = PERSON_FIELDS


class ReturneeRegisterInput(PersonInput):
    # Membership of the lead agency (for the caller and the worker) is the service's rule.
    lead_agency = serializers.PrimaryKeyRelatedField(
        queryset=Agency.objects.all(),
        required=False,
        help_text=_("Agency id; may be left out by members of one agency."),
    )
    assigned_worker = serializers.PrimaryKeyRelatedField(
        queryset=User.objects.filter(is_active=True), required=False, allow_null=True
    )
    parent_case = serializers.IntegerField(
        min_value=1, max_value=MAX_ID, required=False, allow_null=True
    )
    acknowledge_duplicates = serializers.BooleanField(default=False)

    class Meta(PersonInput.Meta):
        fields = [
            *PERSON_FIELDS,
            "lead_agency",
            "assigned_worker",
            "parent_case",
            "acknowledge_duplicates",
        ]

    def validate_parent_case(self, value):
        if value is None:
            return None
        try:
            return parent_case_for_dependent(self.context["request"].user, value)
        except Http404:
            raise serializers.ValidationError(_("No such case is open to you.")) from None

    def validate(self, attrs):
        if "lead_agency" not in attrs:
            agencies = list(agencies_of(self.context["request"].user)[:2])
            if len(agencies) != 1:
                raise serializers.ValidationError(
                    {"lead_agency": _("Name the lead agency: you are a member of several or none.")}
                )
            attrs["lead_agency"] = agencies[0]
        return attrs


class ReturneeRegisterApi(APIView):
    """Register a returnee and open their case.

    A likely duplicate stops the registration with a 400 naming the matches
    the caller may see and the agencies holding the others; send
    `acknowledge_duplicates: true` to register a different person anyway.
    """

    permission_classes = [require_model_permission("returnees.add_returnee")]

    @extend_schema(request=ReturneeRegisterInput, responses={201: CaseDetailOutput})
    def post(self, request):
        serializer = ReturneeRegisterInput(data=request.data, context={"request": request})
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        try:
            case = returnee_register(
                actor=request.user,
                person=PersonDetails.of(data),
                lead_agency=data["lead_agency"],
                assigned_worker=data.get("assigned_worker"),
                parent_case=data.get("parent_case"),
                acknowledge_duplicates=data["acknowledge_duplicates"],
            )
        except PossibleDuplicates as exc:
            return Response(
                {
                    "acknowledge_duplicates": exc.messages,
                    "possible_duplicates": {
                        "visible": DuplicateMatchOutput(exc.report.visible, many=True).data,
                        "other_agencies": exc.report.other_agencies,
                    },
                },
                status=status.HTTP_400_BAD_REQUEST,
            )
        # As the registrar now sees the new case (casework/parts.py).
        return Response(
            case_detail_data(request.user, case, case_viewer(request.user, case)),
            status=status.HTTP_201_CREATED,
        )


class FamilyContactOutput(serializers.ModelSerializer):
    class Meta:
        model = FamilyContact
        fields = ["id", "name", "relationship", "phone", "warning_channel", "created_at"]


class FamilyContactInput(serializers.ModelSerializer):
    class Meta:
        model = FamilyContact
        fields = ["name", "relationship", "phone", "warning_channel"]
        extra_kwargs = {"warning_channel": {"required": True}}


class FamilyContactsApi(APIView):
    """The person's family contacts: the case team's only (change_case on the case)."""

    def get_permissions(self):
        perm = (
            "returnees.add_familycontact" if self.request.method == "POST" else "casework.view_case"
        )
        return [require_model_permission(perm)()]

    @extend_schema(responses=FamilyContactOutput(many=True))
    def get(self, request, case_id: int):
        case = case_part_for_user(request.user, case_id, Part.FAMILY).case
        return Response(FamilyContactOutput(case.returnee.family_contacts.all(), many=True).data)

    @extend_schema(request=FamilyContactInput, responses={201: FamilyContactOutput})
    def post(self, request, case_id: int):
        case = case_part_for_user(request.user, case_id, Part.FAMILY, write=True).case
        serializer = FamilyContactInput(data=request.data)
        serializer.is_valid(raise_exception=True)
        contact = family_contact_add(actor=request.user, case=case, **serializer.validated_data)
        return Response(FamilyContactOutput(contact).data, status=status.HTTP_201_CREATED)


class FamilyContactApi(APIView):
    permission_classes = [require_model_permission("returnees.delete_familycontact")]

    @extend_schema(responses={204: None})
    def delete(self, request, case_id: int, contact_id: int):
        case = case_part_for_user(request.user, case_id, Part.FAMILY, write=True).case
        contact = get_object_or_404(case.returnee.family_contacts, pk=contact_id)
        family_contact_remove(actor=request.user, contact=contact)
        return Response(status=status.HTTP_204_NO_CONTENT)


# --- Correcting and updating the person -----------------------------------------------------


class PersonUpdateInput(PersonInput):
    """Any of the person's fields, each in a part of the case the caller may write
    (casework/parts.py); fields left out keep their values. `version` is required."""

    version = serializers.IntegerField(
        min_value=1, help_text=_("The person's `version` you last saw (`returnee.version`).")
    )

    class Meta(PersonInput.Meta):
        fields = [*PERSON_FIELDS, "version"]
        extra_kwargs = {name: {"required": False} for name in PERSON_FIELDS}


class PersonConflictOutput(serializers.Serializer):
    detail = serializers.CharField()
    current = ReturneeOutput()


class PersonUpdateApi(CaseActionApi):
    required_permissions = {"PATCH": "casework.change_case"}

    def conflict_data(self, current) -> dict:
        return ReturneeOutput(current, context={"viewer": self.viewer}).data

    @extend_schema(
        request=PersonUpdateInput,
        responses={
            200: ReturneeOutput,
            **WRITE_ERRORS,
            403: OpenApiResponse(
                description=_(
                    "Your role may not do this, or a field is in a part you may not write."
                )
            ),
            409: OpenApiResponse(
                PersonConflictOutput,
                description=_(
                    "Someone else changed the person since you read it, so nothing was "
                    "saved. `current` holds the person as they are now."
                ),
            ),
        },
    )
    def patch(self, request, case_id: int):
        """Correct or update the person of a case: send the fields that change and the
        `version` you read. Answers the person as you may read them now."""
        viewer = self.case_part(case_id, PERSON_PARTS, write=True)
        serializer = PersonUpdateInput(data=request.data)
        serializer.is_valid(raise_exception=True)
        changes = dict(serializer.validated_data)
        version = changes.pop("version")
        returnee = person_update(
            actor=request.user, case=viewer.case, expected_version=version, changes=changes
        )
        return Response(ReturneeOutput(returnee, context={"viewer": viewer}).data)


class FieldChangeOutput(serializers.Serializer):
    name = serializers.ChoiceField(choices=list(PERSON_FIELDS))
    label = serializers.CharField()
    before = serializers.CharField(help_text=_("The value before, as a person reads it."))
    after = serializers.CharField(help_text=_("The value after, as a person reads it."))
    old = serializers.JSONField(allow_null=True, help_text=_("The value before, as stored."))
    new = serializers.JSONField(allow_null=True, help_text=_("The value after, as stored."))


class PersonChangeOutput(serializers.Serializer):
    id = serializers.IntegerField()
    at = serializers.DateTimeField()
    actor = serializers.CharField(help_text=_("Who made the change."))
    changes = FieldChangeOutput(many=True)


class PersonHistoryApi(CaseActionApi):
    """The person's changes after intake, newest first: for those who keep the record
    (writers of a part of the person), of the fields they may read."""

    required_permissions = {"GET": "casework.view_case"}
    pagination_class = PageNumberPagination

    @extend_schema(responses={200: PersonChangeOutput(many=True), **READ_ERRORS})
    def get(self, request, case_id: int):
        viewer = self.case_part(case_id, PERSON_PARTS, write=True)
        fields = person_fields_of([part for part in PERSON_PARTS if viewer.can_read(part)])
        paginator = self.pagination_class()
        page = paginator.paginate_queryset(person_history(viewer.case, fields), request, view=self)
        rows = person_changes(page, fields)
        return paginator.get_paginated_response(PersonChangeOutput(rows, many=True).data)
