from django.urls import path

from returnees import apis

urlpatterns = [
    path("returnees/", apis.ReturneeRegisterApi.as_view(), name="api-returnee-register"),
]
