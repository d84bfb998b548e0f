"""The caseload report over the API: its rows and aggregates with the report's filters,
its export jobs, and the printable case summary."""

from django.http import FileResponse, Http404
from django.urls import reverse
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
from core.fields import MultiLineSerializerField
from reports import exports, selectors, services, summary
from reports.filters import ReportFilter, filter_params
from reports.models import ExportFormat, ExportJob, ExportStatus
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


# --- Export jobs: the report's exports, as the page makes them, in the background ----------


class ExportStartInput(serializers.Serializer):
    format = serializers.ChoiceField(choices=ExportFormat.choices)
    identified = serializers.BooleanField(
        default=False,
        help_text=_(
            "Names and contact details: needs the reports.export_identified permission, "
            "a purpose, and CSV or XLSX."
        ),
    )
    purpose = MultiLineSerializerField(max_length=2000, allow_blank=True, default="")


class ExportJobOutput(serializers.Serializer):
    id = serializers.IntegerField()
    status = serializers.ChoiceField(choices=ExportStatus.choices)
    format = serializers.ChoiceField(choices=ExportFormat.choices)
    identified = serializers.BooleanField()
    row_count = serializers.IntegerField()
    rows_written = serializers.IntegerField()
    progress_percent = serializers.IntegerField()
    requested_at = serializers.DateTimeField()
    finished_at = serializers.DateTimeField(allow_null=True)
    expires_at = serializers.DateTimeField(allow_null=True)
    download_url = serializers.SerializerMethodField(
        help_text=_("Where to fetch the file once it is ready; null until then.")
    )

    def get_download_url(self, job) -> str | None:
        if not job.is_downloadable:
            return None
        return reverse("api-report-export-download", args=[job.pk])


EXPORT_ERRORS = {
    400: OpenApiResponse(description=_("Field errors, or a filter that is not valid.")),
    403: OpenApiResponse(
        description=_("Your role may not export reports, or not with names and contacts.")
    ),
}
OWN_EXPORT_ERRORS = {
    403: OpenApiResponse(description=_("Your role may not export reports.")),
    404: OpenApiResponse(description=_("No such export of yours, or it has expired.")),
}


class ExportStartApi(APIView):
    """Start an export of the caseload report of the query's filter, as the report page's
    export does (pseudonymised unless identified, with its purpose, recorded before any
    row leaves). Over the API every export runs in the background: poll the job, then
    download its file."""

    permission_classes = [require_model_permission(services.VIEW_REPORT)]
    # For the schema only (its filter parameters); post() filters the user's own cases.
    queryset = Case.objects.none()
    filter_backends = [DjangoFilterBackend]
    filterset_class = ReportFilter

    @extend_schema(
        operation_id="report_export_start",
        request=ExportStartInput,
        responses={202: ExportJobOutput, **EXPORT_ERRORS},
        filters=True,
    )
    def post(self, request):
        data = ExportStartInput(data=request.data)
        data.is_valid(raise_exception=True)
        filterset = ReportFilter(
            request.query_params, queryset=selectors.report_cases(request.user)
        )
        if not filterset.is_valid():
            raise ValidationError(filterset.errors)
        job = services.export_record(
            actor=request.user,
            format=data.validated_data["format"],
            identified=data.validated_data["identified"],
            purpose=data.validated_data["purpose"],
            filter_params=filter_params(request.query_params),
            row_count=filterset.qs.count(),
            background=True,
        )
        return Response(ExportJobOutput(job).data, status=202)


def _own_job(user, job_id) -> ExportJob:
    """An export of the user's own; anyone else's is a 404, as on the progress page."""
    job = ExportJob.objects.filter(pk=job_id, requested_by=user).first()
    if job is None:
        raise Http404
    return job


class ExportJobApi(APIView):
    """Where an export job stands: queued, running (rows written so far), ready, failed
    or expired."""

    permission_classes = [require_model_permission(services.VIEW_REPORT)]

    @extend_schema(
        operation_id="report_export_status",
        responses={200: ExportJobOutput, **OWN_EXPORT_ERRORS},
    )
    def get(self, request, job_id: int):
        return Response(ExportJobOutput(_own_job(request.user, job_id)).data)


class ExportDownloadApi(APIView):
    """The finished file of an export of the user's own, until it expires."""

    permission_classes = [require_model_permission(services.VIEW_REPORT)]

    def perform_content_negotiation(self, request, force=False):
        # The answer is the file whatever the client accepts; errors stay JSON.
        return super().perform_content_negotiation(request, force=True)

    @extend_schema(
        operation_id="report_export_download",
        responses={
            **{
                (200, content_type.split(";")[0]): OpenApiResponse(
                    OpenApiTypes.BINARY, description=_("The export file, in its format.")
                )
                for content_type in exports.CONTENT_TYPES.values()
            },
            **OWN_EXPORT_ERRORS,
        },
    )
    def get(self, request, job_id: int):
        job = _own_job(request.user, job_id)
        path = services.export_file(job)
        if path is None:
            raise Http404
        response = FileResponse(
            path.open("rb"),
            as_attachment=True,
            filename=exports.filename(job.format, identified=job.identified),
            content_type=exports.CONTENT_TYPES[job.format],
        )
        response["Cache-Control"] = "no-store"
        return response
