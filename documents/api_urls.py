from django.urls import path

from documents import apis

urlpatterns = [
    path(
        "cases/<int:case_id>/documents/",
        apis.CaseDocumentsApi.as_view(),
        name="api-case-documents",
    ),
    path(
        "documents/<int:document_id>/download/",
        apis.DocumentDownloadApi.as_view(),
        name="api-document-download",
    ),
    path(
        "documents/<int:document_id>/thumbnail/",
        apis.DocumentThumbnailApi.as_view(),
        name="api-document-thumbnail",
    ),
    path(
        "documents/<int:document_id>/remove/",
        apis.DocumentRemoveApi.as_view(),
        name="api-document-remove",
    ),
]
