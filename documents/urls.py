from django.urls import path

from documents import views

app_name = "documents"

urlpatterns = [
    path("cases/<int:case_id>/documents/new/", views.document_new, name="document_new"),
    path(
        "documents/<int:document_id>/download/",
        views.document_download,
        name="document_download",
    ),
    path(
        "documents/<int:document_id>/thumbnail/",
        views.document_thumbnail,
        name="document_thumbnail",
    ),
    path("documents/<int:document_id>/remove/", views.document_remove, name="document_remove"),
]
