from django.urls import path

from reports import apis

urlpatterns = [
    path("reports/caseload/", apis.ReportRowsApi.as_view(), name="api-report-rows"),
    path("reports/aggregates/", apis.ReportAggregatesApi.as_view(), name="api-report-aggregates"),
]
