from django.urls import path

from intake import views

app_name = "intake"

urlpatterns = [
    path("intake/", views.intake, name="intake"),
    path("intake/duplicates/", views.duplicate_check, name="duplicate_check"),
    path("cases/<int:case_id>/family/new/", views.family_contact_new, name="family_contact_new"),
    path(
        "cases/<int:case_id>/family/<int:contact_id>/delete/",
        views.family_contact_delete,
        name="family_contact_delete",
    ),
    path("cases/<int:case_id>/person/", views.person_edit, name="person_edit"),
    path(
        "cases/<int:case_id>/person/history/",
        views.person_history_page,
        name="person_history",
    ),
]
