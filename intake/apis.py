from django.contrib.auth import get_user_model
from django.http import Http404
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.response import Response
from rest_framework.views import APIView

from agencies.models import Agency
from agencies.selectors import agencies_of
from casework.access import case_part_for_user, case_viewer, parent_case_for_dependent
from casework.apis import CaseDetailOutput, case_detail_data
from casework.parts import Part
from core.api import require_model_permission
from core.fields import OneLineSerializerField
from intake.services import (
    PERSON_FIELDS,
    PersonDetails,
    PossibleDuplicates,
    family_contact_add,
    family_contact_remove,
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


class ReturneeRegisterInput(serializers.ModelSerializer):
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
    # Membership of the lead agency (for the caller and the worker) is the service's rule.
    lead_agency = serializers.PrimaryKeyRelatedField(
        queryset=Agency.objects.all(),
        required=False,
        help_text=_("Agency id; may be left out by members of one agency."),
    )
    assigned_worker = serializers.PrimaryKeyRelatedField(
        queryset=User.objects.filter(is_active=True), required=False, allow_null=True
    )
    parent_case = serializers.IntegerField(required=False, allow_null=True)
    acknowledge_duplicates = serializers.BooleanField(default=False)

    class Meta:
        model = Returnee
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
