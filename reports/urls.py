from django.urls import path

from reports import views

app_name = "reports"

# Mounted under /cases/ (config/urls.py): the reports read the caseload.
urlpatterns = [
    path("reports/", views.report, name="report"),
    path("reports/dashboard/", views.dashboard, name="dashboard"),
    path("reports/export/", views.report_export, name="report_export"),
    path("reports/exports/<int:job_id>/", views.export_job, name="export_job"),
    path("<int:case_id>/summary.pdf", views.case_summary, name="case_summary"),
    path(
        "reports/exports/<int:job_id>/download/",
        views.export_download,
        name="export_download",
    ),
]
