"""The documents API: multipart upload, list, download, thumbnail, remove."""

import pytest
from django.urls import reverse
from django.utils import timezone

from audit.models import AuditAction, AuditEvent
from documents.models import Document
from tests.conftest import SESSION_QUERIES
from tests.documents import files


def fields(file, **overrides):
    return {
        "file": file,
        "kind": "identity",
        "title": "Passport",
        "document_date": timezone.localdate().isoformat(),
        "visibility": "all_agencies",
        **overrides,
    }


def test_the_team_uploads_through_the_api_and_downloads_the_file(cast, case, client_of):
    http = client_of(cast.social_worker)
    response = http.post(
        reverse("api-case-documents", args=[case.pk]),
        fields(files.upload("passport.jpg", files.image("JPEG"), "application/octet-stream")),
    )
    assert response.status_code == 201
    created = response.json()
    assert created["content_type"] == "image/jpeg"  # the content, not the header sent
    assert created["filename"] == "passport.jpg"
    assert created["has_thumbnail"] is True
    assert created["author"] == "Aigul Sadykova"
    assert created["removed_at"] is None

    download = http.get(reverse("api-document-download", args=[created["id"]]))
    assert download.status_code == 200
    assert b"".join(download.streaming_content) == files.image("JPEG")
    assert download["Content-Disposition"] == 'attachment; filename="passport.jpg"'
    assert download["Content-Type"] == "image/jpeg"
    assert download["X-Content-Type-Options"] == "nosniff"
    assert AuditEvent.objects.filter(
        action=AuditAction.CASE_API_VIEWED,
        actor_id=cast.social_worker.pk,
        case_id=case.pk,
        object_type="documents.document",
        object_id=str(created["id"]),
        detail={"download": "file"},
    ).exists()


def test_an_upload_with_bad_fields_is_a_400_with_field_errors_and_stores_nothing(
    cast, case, client_of
):
    http = client_of(cast.social_worker)
    url = reverse("api-case-documents", args=[case.pk])
    response = http.post(
        url,
        fields(
            files.upload("a.pdf", files.PDF),
            kind="passport",
            title="Two\nlines",
            document_date="0202-05-01",
            visibility="everyone",
        ),
    )
    assert response.status_code == 400
    assert set(response.json()) == {"kind", "title", "document_date", "visibility"}
    assert http.post(url, {"kind": "identity"}).json()["file"]
    # JSON is not how files travel: refused, not a server error.
    assert http.post(url, {"title": "x"}, content_type="application/json").status_code == 415
    assert not Document.objects.filter(case=case).exists()


def test_removing_through_the_api_needs_a_reason_and_hides_the_document(cast, case, client_of):
    http = client_of(cast.social_worker)
    created = http.post(
        reverse("api-case-documents", args=[case.pk]), fields(files.upload("a.pdf", files.PDF))
    ).json()
    url = reverse("api-document-remove", args=[created["id"]])
    missing = http.post(url, {"reason": ""}, content_type="application/json")
    assert missing.status_code == 400
    assert "reason" in missing.json()
    removed = http.post(url, {"reason": "A duplicate."}, content_type="application/json")
    assert removed.status_code == 200
    assert removed.json()["removal_reason"] == "A duplicate."
    assert removed.json()["removed_at"] is not None
    assert http.post(url, {"reason": "Again."}, content_type="application/json").status_code == 404
    assert http.get(reverse("api-document-download", args=[created["id"]])).status_code == 404
    listed = http.get(reverse("api-case-documents", args=[case.pk])).json()
    assert listed["count"] == 0
    timeline = http.get(reverse("api-case-timeline", args=[case.pk]), {"kind": "document"})
    assert [e["event_kind"] for e in timeline.json()["results"]] == ["removed", "added"]


def test_police_cannot_upload_or_remove_and_an_outsider_meets_a_404(
    cast, case, client_of, grant_view
):
    http = client_of(cast.social_worker)
    created = http.post(
        reverse("api-case-documents", args=[case.pk]),
        fields(files.upload("a.pdf", files.PDF), visibility="police"),
    ).json()
    grant_view(cast.police_liaison, case)
    police = client_of(cast.police_liaison)
    upload = police.post(
        reverse("api-case-documents", args=[case.pk]), fields(files.upload("b.pdf", files.PDF))
    )
    assert upload.status_code == 403
    remove = police.post(
        reverse("api-document-remove", args=[created["id"]]),
        {"reason": "x"},
        content_type="application/json",
    )
    assert remove.status_code == 403
    assert police.get(reverse("api-document-download", args=[created["id"]])).status_code == 200
    outsider = client_of(cast.outsider)
    for name in ("api-document-download", "api-document-thumbnail"):
        assert outsider.get(reverse(name, args=[created["id"]])).status_code == 404
    assert outsider.get(reverse("api-case-documents", args=[case.pk])).status_code == 404


LIST_QUERIES = [
    *SESSION_QUERIES,
    "the case, if the caller holds view_case on it (two IN-sets of grants), with person, "
    "lead agency and worker",
    "the caller's object permissions on the case, roles and agency kinds (case_viewer)",
    "COUNT of the documents the caller may read (paginator)",
    "one page of those documents with their uploader",
    "the read of the case, written to the audit trail after the response (audit.middleware)",
]


@pytest.mark.parametrize("rows", [1, 6])
def test_the_documents_list_query_count_does_not_grow_with_rows(
    cast, case, client_of, django_assert_num_queries, rows
):
    http = client_of(cast.social_worker)
    for i in range(rows):
        response = http.post(
            reverse("api-case-documents", args=[case.pk]),
            fields(files.upload(f"{i}.pdf", files.PDF), visibility="case_team"),
        )
        assert response.status_code == 201
    http.get(reverse("api-case-documents", args=[case.pk]))  # the session refresh settles
    with django_assert_num_queries(len(LIST_QUERIES)):
        response = http.get(reverse("api-case-documents", args=[case.pk]))
    assert response.json()["count"] == rows
