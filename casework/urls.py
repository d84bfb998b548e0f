from django.urls import path

from casework import views

app_name = "casework"

urlpatterns = [
    path("", views.caseload, name="caseload"),
    path("<int:case_id>/", views.case_detail, name="case_detail"),
]
