from django.urls import path

from reports import apis

urlpatterns = [
    path("reports/caseload/", apis.ReportRowsApi.as_view(), name="api-report-rows"),
    path("reports/aggregates/", apis.ReportAggregatesApi.as_view(), name="api-report-aggregates"),
    path("reports/exports/", apis.ExportStartApi.as_view(), name="api-report-exports"),
    path("reports/exports/<int:job_id>/", apis.ExportJobApi.as_view(), name="api-report-export"),
    path(
        "reports/exports/<int:job_id>/download/",
        apis.ExportDownloadApi.as_view(),
        name="api-report-export-download",
    ),
    path(
        "cases/<int:case_id>/summary.pdf",
        apis.CaseSummaryApi.as_view(),
        name="api-case-summary",
    ),
]
