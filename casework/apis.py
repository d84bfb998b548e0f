from drf_spectacular.utils import extend_schema
from rest_framework import generics, serializers
from rest_framework.response import Response
from rest_framework.views import APIView

from casework.access import case_for_user
from casework.filters import CaseFilter
from casework.models import Case
from casework.selectors import caseload, parent_case_visible_to
from config.api import PageNumberPagination, require_model_permission
from returnees.models import Returnee


class CaseListOutput(serializers.ModelSerializer):
    reference = serializers.CharField(read_only=True)
    full_name = serializers.CharField(source="returnee.full_name")
    birth_date = serializers.DateField(source="returnee.birth_date")
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


class ReturneeOutput(serializers.ModelSerializer):
    class Meta:
        model = Returnee
        fields = [
            "given_name",
            "family_name",
            "patronymic",
            "aliases",
            "birth_date",
            "approximate_age",
            "sex",
            "citizenship_status",
            "region",
            "district",
            "address",
            "phone",
            "languages",
            "conflict_zone",
            "departure_date",
            "return_date",
            "return_route",
            "legal_status",
            "needs",
        ]


class CaseDetailOutput(CaseListOutput):
    returnee = ReturneeOutput()
    parent_case_id = serializers.SerializerMethodField()

    class Meta(CaseListOutput.Meta):
        fields = [*CaseListOutput.Meta.fields, "closed_on", "version", "returnee", "parent_case_id"]

    def get_parent_case_id(self, case) -> int | None:
        # Only a parent case the reader may see is named.
        return self.context.get("parent_case_id")


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
        case = case_for_user(request.user, case_id)
        parent = parent_case_visible_to(request.user, case)
        context = {"parent_case_id": parent.pk if parent else None}
        return Response(CaseDetailOutput(case, context=context).data)
