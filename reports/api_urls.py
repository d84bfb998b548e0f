from django.urls import path

from reports import apis

urlpatterns = [
    path("reports/caseload/", apis.ReportRowsApi.as_view(), name="api-report-rows"),
    path("reports/aggregates/", apis.ReportAggregatesApi.as_view(), name="api-report-aggregates"),
    path(
        "cases/<int:case_id>/summary.pdf",
        apis.CaseSummaryApi.as_view(),
        name="api-case-summary",
    ),
]
