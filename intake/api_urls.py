from django.urls import path

from intake import apis

urlpatterns = [
    path("returnees/", apis.ReturneeRegisterApi.as_view(), name="api-returnee-register"),
    path(
        "cases/<int:case_id>/family-contacts/",
        apis.FamilyContactsApi.as_view(),
        name="api-case-family-contacts",
    ),
    path(
        "cases/<int:case_id>/family-contacts/<int:contact_id>/",
        apis.FamilyContactApi.as_view(),
        name="api-case-family-contact",
    ),
    path("cases/<int:case_id>/person/", apis.PersonUpdateApi.as_view(), name="api-case-person"),
    path(
        "cases/<int:case_id>/person/history/",
        apis.PersonHistoryApi.as_view(),
        name="api-case-person-history",
    ),
]
