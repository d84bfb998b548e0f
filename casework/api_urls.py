from django.urls import path

from casework import apis

urlpatterns = [
    path("cases/", apis.CaseListApi.as_view(), name="api-case-list"),
    path("cases/<int:case_id>/", apis.CaseDetailApi.as_view(), name="api-case-detail"),
]
