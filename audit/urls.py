from django.urls import path

from audit import views

app_name = "audit"

urlpatterns = [
    path("", views.events, name="events"),
    path("cases/<int:case_id>/", views.case_access_log, name="case_access_log"),
]
