"""Documents on a case, through the pages and the services: upload checked by content,
stored privately, downloaded after the access check and audited, removed softly."""

import io
import re
import unicodedata
from pathlib import Path

import pytest
from django.conf import settings
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone
from PIL import Image

from audit.models import AuditAction, AuditEvent
from documents.models import Document, DocumentEvent
from documents.services import document_remove, document_upload
from tests.documents import files


def stored_files() -> set[Path]:
    root = Path(settings.DOCUMENTS_ROOT)
    return {path for path in root.rglob("*") if path.is_file()}


def upload(cast, case, *, visibility="case_team", name="decision.pdf", content=files.PDF, **kw):
    return document_upload(
        actor=kw.pop("actor", cast.social_worker),
        case=case,
        upload=files.upload(name, content),
        kind=kw.pop("kind", "court_decision"),
        title=kw.pop("title", "Court decision"),
        document_date=kw.pop("document_date", timezone.localdate()),
        visibility=visibility,
    )


def form_data(file, **fields):
    return {
        "file": file,
        "kind": "court_decision",
        "title": "Decision of the district court",
        "document_date": timezone.localdate().isoformat(),
        "visibility": "case_team",
        **fields,
    }


def download(http, document, *, api=False):
    name = "api-document-download" if api else "documents:document_download"
    return http.get(reverse(name, args=[document.pk]))


def body(response) -> bytes:
    return b"".join(response.streaming_content)


def test_the_team_uploads_a_document_on_the_page_and_downloads_it(cast, case, client_of):
    http = client_of(cast.social_worker)
    before = stored_files()
    response = http.post(
        reverse("documents:document_new", args=[case.pk]),
        form_data(files.upload("Решение суда.pdf", files.PDF)),
    )
    assert response.status_code == 302
    document = Document.objects.get(case=case)
    assert (document.title, document.content_type, document.size) == (
        "Decision of the district court",
        "application/pdf",
        len(files.PDF),
    )
    assert len(stored_files() - before) == 1
    # The row's insertion reached the trail through its trigger, like any tracked table.
    assert AuditEvent.objects.filter(
        action=AuditAction.CHANGED, object_type="documents.document", object_id=str(document.pk)
    ).exists()
    page = http.get(reverse("casework:case_detail", args=[case.pk])).content.decode()
    assert "Decision of the district court" in page
    assert reverse("documents:document_download", args=[document.pk]) in page

    response = download(http, document)
    assert response.status_code == 200
    assert body(response) == files.PDF
    assert response["Content-Type"] == "application/pdf"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Content-Disposition"].startswith("attachment;")
    assert "filename*=utf-8''%D0%A0%D0%B5%D1%88" in response["Content-Disposition"]
    event = AuditEvent.objects.filter(
        object_type="documents.document", object_id=str(document.pk)
    ).get(action=AuditAction.CASE_VIEWED)
    assert (event.actor_id, event.case_id, event.detail) == (
        cast.social_worker.pk,
        case.pk,
        {"download": "file"},
    )


def test_the_upload_form_offers_the_visibilities_the_reader_may_write(cast, case, client_of):
    page = client_of(cast.social_worker).get(reverse("documents:document_new", args=[case.pk]))
    assert page.status_code == 200
    text = page.content.decode()
    assert 'enctype="multipart/form-data"' in text
    for visibility in ("case_team", "clinical", "police", "all_agencies"):
        assert f'value="{visibility}"' in text


def test_a_document_with_a_pdf_name_and_executable_content_is_refused(cast, case, client_of):
    http = client_of(cast.social_worker)
    before = stored_files()
    for program in (files.WINDOWS_PROGRAM, files.LINUX_PROGRAM, files.SCRIPT):
        page = http.post(
            reverse("documents:document_new", args=[case.pk]),
            form_data(files.upload("report.pdf", program, "application/pdf")),
        )
        assert page.status_code == 400
        assert "This file is a program, not a document." in page.content.decode()
        api = http.post(
            reverse("api-case-documents", args=[case.pk]),
            form_data(files.upload("report.pdf", program, "application/pdf")),
        )
        assert api.status_code == 400
        assert "program" in api.json()["file"][0]
    assert not Document.objects.filter(case=case).exists()
    assert stored_files() == before


@pytest.mark.parametrize(
    ("name", "content", "refusal"),
    [
        ("passport.pdf", files.archive(), "Archives"),
        (
            "passport.docx",
            # An Office file of a kind we do not take (a presentation).
            files.zip_of({"[Content_Types].xml": b"<Types/>", "ppt/presentation.xml": b"1"}),
            "This kind of file is not accepted",
        ),
        ("scans.zip", files.zip_of({"a.txt": b"1"}), "Archives"),
        ("passport.pdf", b"\x1f\x8b\x08\x00" + b"\x00" * 100, "Archives"),
        ("passport.pdf", b"Rar!\x1a\x07\x00" + b"\x00" * 100, "Archives"),
        ("passport.pdf", b"7z\xbc\xaf\x27\x1c" + b"\x00" * 100, "Archives"),
        ("photo.jpg", b"GIF89a" + b"\x00" * 100, "This kind of file is not accepted"),
        ("empty.pdf", b"", "The file is empty"),
        ("broken.png", b"\x89PNG\r\n\x1a\n" + b"\x00" * 64, "could not be read"),
    ],
)
def test_an_archive_or_a_file_of_another_kind_is_refused_and_nothing_is_stored(
    cast, case, client_of, name, content, refusal
):
    http = client_of(cast.social_worker)
    before = stored_files()
    page = http.post(
        reverse("documents:document_new", args=[case.pk]), form_data(files.upload(name, content))
    )
    assert page.status_code == 400
    assert refusal in page.content.decode()
    assert not Document.objects.filter(case=case).exists()
    assert stored_files() == before


@pytest.mark.parametrize(
    ("name", "content", "mime"),
    [
        ("decision.pdf", files.PDF, "application/pdf"),
        (
            "letter.docx",
            files.docx(),
            "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
        ),
        ("photo.jpg", files.image("JPEG"), "image/jpeg"),
        ("scan.webp", files.image("WEBP"), "image/webp"),
        ("scan.tif", files.image("TIFF"), "image/tiff"),
        ("certificate.txt", files.TEXT, "text/plain"),
    ],
)
def test_a_document_is_typed_by_its_content(cast, case, name, content, mime):
    document = upload(cast, case, name=name, content=content)
    assert document.content_type == mime


def test_a_macro_carrying_office_document_is_refused_as_a_program(cast, case):
    macro = files.zip_of(
        {
            "[Content_Types].xml": b"<Types><Override ContentType='application/vnd.ms-word."
            b"document.macroEnabled.main+xml'/></Types>",
            "word/document.xml": b"<w:document/>",
            "word/vbaProject.bin": b"\x00" * 10,
        }
    )
    with pytest.raises(ValidationError, match="program"):
        upload(cast, case, name="letter.docx", content=macro)


def test_an_oversize_file_is_refused_with_a_clear_error(cast, case, client_of, settings):
    settings.DOCUMENT_MAX_BYTES = 100_000
    http = client_of(cast.social_worker)
    big = files.PDF + b"%" * 200_000
    before = stored_files()
    page = http.post(
        reverse("documents:document_new", args=[case.pk]), form_data(files.upload("big.pdf", big))
    )
    assert page.status_code == 400
    text = page.content.decode()
    assert "The file is larger than 97.7\xa0KB, the most we accept." in text
    api = http.post(
        reverse("api-case-documents", args=[case.pk]), form_data(files.upload("big.pdf", big))
    )
    assert api.status_code == 400
    assert api.json()["file"] == [
        "The file is larger than 97.7\xa0KB, the most we accept. Nothing was saved."
    ]
    with pytest.raises(ValidationError, match="larger than"):
        upload(cast, case, content=big)
    assert not Document.objects.filter(case=case).exists()
    assert stored_files() == before


def test_a_download_by_an_outsider_is_a_404_and_is_audited(cast, case, client_of):
    document = upload(cast, case, visibility="all_agencies")
    http = client_of(cast.outsider)
    for api in (False, True):
        response = download(http, document, api=api)
        assert response.status_code == 404
    refusals = AuditEvent.objects.filter(
        action=AuditAction.ACCESS_REFUSED,
        object_type="documents.document",
        object_id=str(document.pk),
        actor_id=cast.outsider.pk,
    )
    assert refusals.count() == 2
    assert {e.path for e in refusals} == {
        reverse("documents:document_download", args=[document.pk]),
        reverse("api-document-download", args=[document.pk]),
    }
    assert not AuditEvent.objects.filter(
        action__in=[AuditAction.CASE_VIEWED, AuditAction.CASE_API_VIEWED],
        actor_id=cast.outsider.pk,
    ).exists()


def test_a_missing_document_and_a_forbidden_one_answer_alike(cast, case, client_of):
    document = upload(cast, case, visibility="case_team")
    http = client_of(cast.outsider)
    pages = {}
    for document_id in (document.pk, document.pk + 10_000):
        url = reverse("documents:document_download", args=[document_id])
        response = http.get(url)
        assert response.status_code == 404
        # The page names its own address (the language switch returns to it) and a token.
        text = response.content.decode().replace(url, "URL")
        pages[document_id] = re.sub(r'name="csrfmiddlewaretoken" value="[^"]*"', "", text)
    assert pages[document.pk] == pages[document.pk + 10_000]


def test_police_and_partners_read_only_the_documents_of_parts_they_read(
    cast, case, client_of, grant_view
):
    documents = {
        visibility: upload(cast, case, visibility=visibility, title=f"Title {visibility}")
        for visibility in ("case_team", "clinical", "police", "all_agencies")
    }
    grant_view(cast.police_liaison, case)
    grant_view(cast.partner, case)  # identity and the notes shared with all agencies
    expected = {
        cast.police_liaison: {"police", "all_agencies"},
        cast.partner: {"all_agencies"},
        cast.social_worker: {"case_team", "police", "all_agencies", "clinical"},  # the author
        cast.colleague: {"case_team", "police", "all_agencies"},  # the team: no clinical
    }
    for user, readable in expected.items():
        http = client_of(user)
        for visibility, document in documents.items():
            status = download(http, document).status_code
            assert status == (200 if visibility in readable else 404), (user, visibility)
        listed = http.get(reverse("api-case-documents", args=[case.pk])).json()["results"]
        assert {d["visibility"] for d in listed} == readable, user
        page = http.get(reverse("casework:case_detail", args=[case.pk])).content.decode()
        for visibility in documents:
            assert (f"Title {visibility}" in page) == (visibility in readable), (user, visibility)


def test_an_image_gets_a_thumbnail_served_through_the_same_check(cast, case, client_of):
    photo = upload(cast, case, name="passport.png", content=files.image(size=(1600, 1200)))
    scan = upload(cast, case, name="decision.pdf", content=files.PDF)
    assert photo.thumbnail_name.startswith(photo.stored_name)
    assert not scan.thumbnail_name
    http = client_of(cast.social_worker)
    response = http.get(reverse("documents:document_thumbnail", args=[photo.pk]))
    assert response.status_code == 200
    assert response["Content-Type"] == "image/png"
    assert response["X-Content-Type-Options"] == "nosniff"
    with Image.open(io.BytesIO(body(response))) as thumbnail:
        assert thumbnail.size == (320, 240)
    assert AuditEvent.objects.filter(
        object_type="documents.document", object_id=str(photo.pk), detail={"download": "thumbnail"}
    ).exists()
    page = http.get(reverse("casework:case_detail", args=[case.pk])).content.decode()
    assert reverse("documents:document_thumbnail", args=[photo.pk]) in page
    assert http.get(reverse("documents:document_thumbnail", args=[scan.pk])).status_code == 404
    outsider = client_of(cast.outsider)
    assert outsider.get(reverse("documents:document_thumbnail", args=[photo.pk])).status_code == 404
    api = http.get(reverse("api-document-thumbnail", args=[photo.pk]))
    assert api.status_code == 200


def test_removing_a_document_hides_it_and_keeps_its_file(cast, case, client_of, grant_view):
    document = upload(cast, case, visibility="police", title="Old certificate")
    http = client_of(cast.social_worker)
    url = reverse("documents:document_remove", args=[document.pk])
    assert http.get(url).status_code == 200
    refused = http.post(url, {"reason": "  "})
    assert refused.status_code == 400
    assert http.post(url, {"reason": "Uploaded to the wrong case."}).status_code == 302

    document.refresh_from_db()
    assert (document.removed_by, document.removal_reason) == (
        cast.social_worker,
        "Uploaded to the wrong case.",
    )
    assert document.removed_at is not None
    assert (Path(settings.DOCUMENTS_ROOT) / document.stored_name).exists()
    assert download(http, document).status_code == 404
    assert http.post(url, {"reason": "Again."}).status_code == 404
    listed = http.get(reverse("api-case-documents", args=[case.pk])).json()["results"]
    assert listed == []
    page = http.get(reverse("casework:case_detail", args=[case.pk])).content.decode()
    assert "Old certificate" not in page

    timeline = http.get(reverse("casework:timeline", args=[case.pk])).content.decode()
    assert "Document removed: Old certificate" in timeline
    assert "Uploaded to the wrong case." in timeline
    assert "Document added: Old certificate" in timeline
    kinds = DocumentEvent.objects.filter(document=document).values_list("kind", flat=True)
    assert sorted(kinds) == ["added", "removed"]
    # The police read the part it was in, so they read that it was removed.
    grant_view(cast.police_liaison, case)
    police = client_of(cast.police_liaison).get(reverse("casework:timeline", args=[case.pk]))
    assert "Document removed: Old certificate" in police.content.decode()


def test_a_reader_who_may_not_write_a_document_cannot_upload_or_remove_one(
    cast, case, client_of, grant_view
):
    document = upload(cast, case, visibility="police")
    grant_view(cast.police_liaison, case)
    police = client_of(cast.police_liaison)
    assert police.get(reverse("documents:document_new", args=[case.pk])).status_code == 403
    remove = police.post(reverse("documents:document_remove", args=[document.pk]), {"reason": "x"})
    assert remove.status_code == 403
    from django.core.exceptions import PermissionDenied

    with pytest.raises(PermissionDenied):
        document_remove(actor=cast.police_liaison, document=document, reason="Not theirs.")
    with pytest.raises(PermissionDenied):
        upload(cast, case, actor=cast.outsider)
    document.refresh_from_db()
    assert document.removed_at is None


def test_an_uploaded_name_is_cleaned_and_the_file_is_stored_under_a_generated_name(cast, case):
    decomposed = unicodedata.normalize("NFD", "Résumé")
    document = upload(
        cast, case, name=f"..\\..\\{decomposed}\u202e\x07  of  court.exe", content=files.PDF
    )
    assert document.filename == "Résumé of court.exe.pdf"
    assert unicodedata.is_normalized("NFC", document.filename)
    assert document.stored_name.startswith(f"{case.pk}/")
    assert "sum" not in document.stored_name
    long = upload(cast, case, name="a" * 400 + ".pdf", content=files.PDF)
    assert len(long.filename) == 150
    assert long.filename.endswith(".pdf")
    nameless = upload(cast, case, name="...", content=files.PDF)
    assert nameless.filename == "document.pdf"
    assert upload(cast, case, name=" report.pdf. ", content=files.PDF).filename == "report.pdf"
    response_name = upload(cast, case, name='in"voice;.pdf', content=files.PDF).filename
    assert response_name == "in_voice;.pdf"


def test_the_timeline_shows_document_events_only_to_readers_of_their_part(
    cast, case, client_of, grant_view
):
    upload(cast, case, visibility="case_team", title="Team paper")
    upload(cast, case, visibility="police", title="Police paper")
    grant_view(cast.police_liaison, case)
    team = client_of(cast.colleague).get(
        reverse("api-case-timeline", args=[case.pk]), {"kind": "document"}
    )
    assert {e["title"] for e in team.json()["results"]} == {"Team paper", "Police paper"}
    police = client_of(cast.police_liaison).get(reverse("api-case-timeline", args=[case.pk]))
    titles = {e.get("title") for e in police.json()["results"] if e["kind"] == "document"}
    assert titles == {"Police paper"}


def test_the_case_page_reads_its_documents_in_one_query_however_many(
    cast, case, client_of, django_assert_num_queries
):
    """The documents section is one query (documents with their uploader): the page costs
    the same with one document as with five."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    http = client_of(cast.social_worker)
    url = reverse("casework:case_detail", args=[case.pk])
    counts = []
    for _round in range(2):
        for _ in range(1 if not counts else 4):
            upload(cast, case)
        http.get(url)  # the session refresh settles
        with CaptureQueriesContext(connection) as queries:
            assert http.get(url).status_code == 200
        counts.append(len(queries))
        documents_queries = [q for q in queries if '"documents_document"' in q["sql"]]
        assert len(documents_queries) == 1
    assert counts[0] == counts[1]
