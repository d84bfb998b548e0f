"""The caseload report's rows and aggregates over the API, with the report's filters."""

from django.utils.translation import gettext_lazy as _
from django_filters.rest_framework import DjangoFilterBackend
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import generics, serializers
from rest_framework.exceptions import ValidationError
from rest_framework.response import Response
from rest_framework.views import APIView

from casework.apis import PartAwareOutput
from casework.models import Case
from core.api import PageNumberPagination, require_model_permission
from reports import selectors, services, summary
from reports.filters import ReportFilter, filter_params
from reports.selectors import Column, Kind
from returnees.models import Region


def _field(column: Column) -> serializers.Field:
    """The API field of a report column, by its kind."""
    empty = column.optional
    match column.kind:
        case Kind.REFERENCE | Kind.TEXT:
            return serializers.CharField(allow_null=empty)
        case Kind.CHOICE:
            return serializers.ChoiceField(choices=column.choices.choices, allow_blank=empty)
        case Kind.INTEGER:
            return serializers.IntegerField(allow_null=empty)
        case Kind.DATE:
            return serializers.DateField(allow_null=empty)
        case Kind.DATETIME:
            return serializers.DateTimeField(allow_null=empty)
        case Kind.LIST:
            return serializers.ListField(child=serializers.CharField(), allow_null=empty)
    raise ValueError(f"no API field for {column.kind!r} columns")


class _ColumnFields(serializers.Serializer):
    """The report's pseudonymised columns (selectors.COLUMNS) as fields, after the
    declared ones. Below PartAwareOutput, which then nulls each by its part."""

    def get_fields(self):
        columns = selectors.report_columns(identified=False)
        return {**super().get_fields(), **{c.key: _field(c) for c in columns}}


class ReportRowOutput(PartAwareOutput, _ColumnFields):
    """One case of the report: pseudonymised (reference, never a name)."""

    id = serializers.IntegerField()


class ReportRowsApi(generics.ListAPIView):
    """Rows of the caseload report for the cases the user may see, newest first."""

    serializer_class = ReportRowOutput
    permission_classes = [require_model_permission(services.VIEW_REPORT)]
    pagination_class = PageNumberPagination
    filter_backends = [DjangoFilterBackend]
    filterset_class = ReportFilter

    def get_queryset(self):
        return selectors.report_cases(self.request.user)

    def get_serializer_context(self):
        return {**super().get_serializer_context(), "scope": selectors.REPORT_SCOPE}

    def filter_queryset(self, queryset):
        # Filter first (plain cases), then annotate the rows of the filtered set.
        return selectors.report_rows(super().filter_queryset(queryset), reader=self.request.user)


class TileOutput(serializers.Serializer):
    key = serializers.CharField()
    label = serializers.CharField()
    count = serializers.IntegerField()
    params = serializers.DictField(
        child=serializers.CharField(),
        allow_null=True,
        help_text="The report filter listing exactly these cases (null: contradicts the query).",
    )


class RegionRowOutput(serializers.Serializer):
    region = serializers.ChoiceField(choices=Region.choices)
    label = serializers.CharField()
    counts = serializers.ListField(child=serializers.IntegerField())
    total = serializers.IntegerField()


class CategoryOutput(serializers.Serializer):
    key = serializers.CharField()
    label = serializers.CharField()


class ByRegionOutput(serializers.Serializer):
    categories = CategoryOutput(many=True)
    rows = RegionRowOutput(many=True)


class MonthOutput(serializers.Serializer):
    month = serializers.CharField(help_text="YYYY-MM")
    opened = serializers.IntegerField()
    closed = serializers.IntegerField()


class ReferralKindOutput(serializers.Serializer):
    kind = serializers.CharField()
    label = serializers.CharField()
    sent = serializers.IntegerField()
    answered = serializers.IntegerField()
    accepted = serializers.IntegerField()
    acceptance_percent = serializers.IntegerField(allow_null=True)
    median_days = serializers.FloatField(allow_null=True)


class OutcomeOutput(serializers.Serializer):
    domain = serializers.CharField()
    label = serializers.CharField()
    cases = serializers.IntegerField()
    of = serializers.IntegerField()


class AggregatesOutput(serializers.Serializer):
    tiles = TileOutput(many=True)
    by_region = ByRegionOutput()
    monthly = MonthOutput(many=True)
    referrals = ReferralKindOutput(many=True)
    outcomes = OutcomeOutput(many=True)


class ReportAggregatesApi(APIView):
    """The dashboard's numbers for the same filters as the report rows."""

    permission_classes = [require_model_permission(services.VIEW_REPORT)]
    # For the schema only (its filter parameters); get() filters the user's own cases.
    queryset = Case.objects.none()
    filter_backends = [DjangoFilterBackend]
    filterset_class = ReportFilter

    @extend_schema(responses=AggregatesOutput, filters=True)
    def get(self, request):
        filterset = ReportFilter(
            request.query_params, queryset=selectors.report_cases(request.user)
        )
        if not filterset.is_valid():
            raise ValidationError(filterset.errors)
        data = selectors.dashboard(filterset.qs, filter_params(request.query_params))
        data["tiles"] = [tile.__dict__ for tile in data["tiles"]]
        return Response(AggregatesOutput(data).data)


# --- The printable case summary -------------------------------------------------------


class CaseSummaryApi(APIView):
    """The case summary PDF: what the reader may read of the case, recorded as an export."""

    permission_classes = [require_model_permission("casework.view_case")]

    def perform_content_negotiation(self, request, force=False):
        # The answer is a PDF whatever the client accepts; errors stay JSON.
        return super().perform_content_negotiation(request, force=True)

    @extend_schema(
        operation_id="case_summary_pdf",
        responses={
            (200, "application/pdf"): OpenApiResponse(
                OpenApiTypes.BINARY,
                description=_(
                    "The summary (A4), named by the case reference: HW-000123-summary.pdf"
                ),
            ),
            403: OpenApiResponse(description=_("Your role may not read cases.")),
            404: OpenApiResponse(description=_("No such case, or not one you may see.")),
        },
    )
    def get(self, request, case_id: int):
        return summary.download(request.user, case_id)
