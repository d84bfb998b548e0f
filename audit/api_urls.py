from django.urls import path

from audit import apis

urlpatterns = [
    path("audit/events/", apis.EventSearchApi.as_view(), name="api-audit-events"),
]
