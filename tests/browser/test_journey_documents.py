"""A social worker's documents journey, in English on a laptop and in Russian on a phone:
upload a court decision to a case (after a refused program and a missed field),
see it listed, download it, and upload a photo whose thumbnail shows in the list.

Pages are found by URL and form-field names, never by their English text; each key
page is checked with axe-core and saved (test-artifacts/journeys/documents-<variant>/)."""

import re

import pytest
from playwright.sync_api import expect

from documents.models import Document
from tests.documents import files

pytestmark = pytest.mark.django_db(transaction=True)

SUBMIT = "main form[method=post] button[type=submit].primary"


def choose_file(page, name: str, content: bytes, mime: str) -> None:
    page.locator("[name=file]").set_input_files(
        files=[{"name": name, "mimeType": mime, "buffer": content}]
    )


@pytest.mark.parametrize("page", ["en", "ru-phone"], indirect=True)
def test_documents(cast, page, login, register, journey):
    case = register()
    login(cast.social_worker)
    page.goto(f"/cases/{case.pk}/")
    page.locator(f"a[href='/cases/{case.pk}/documents/new/']").click()
    expect(page.locator("form[enctype='multipart/form-data']")).to_be_visible()
    journey.step("upload-form")

    # A program named like a PDF is refused, with the reason in the error summary.
    choose_file(page, "decision.pdf", files.WINDOWS_PROGRAM, "application/pdf")
    page.locator("[name=kind]").select_option("court_decision")
    page.locator("[name=title]").fill("Decision of the district court")
    page.locator("[name=document_date]").fill("2024-01-15")
    page.locator("[name=visibility][value=case_team]").check()
    page.locator(SUBMIT).click()
    expect(page.locator("#form-errors a[href='#id_file']")).to_be_visible()
    journey.step("upload-refused")
    assert not Document.objects.exists()

    choose_file(page, "Решение суда.pdf", files.PDF, "application/pdf")
    page.locator(SUBMIT).click()
    expect(page).to_have_url(re.compile(rf"/cases/{case.pk}/(#documents-h)?$"))
    document = Document.objects.get(case=case)
    section = page.locator("section[aria-labelledby=documents-h]")
    expect(section).to_contain_text("Decision of the district court")
    expect(section).to_contain_text("Решение суда.pdf")
    journey.step("case-documents")

    with page.expect_download() as downloading:
        section.locator(f"a[href='/documents/{document.pk}/download/']").click()
    download = downloading.value
    assert download.suggested_filename == "Решение суда.pdf"
    with open(download.path(), "rb") as saved:
        assert saved.read() == files.PDF

    # A photo: its thumbnail is served through the same check and shows in the list.
    page.locator(f"a[href='/cases/{case.pk}/documents/new/']").click()
    choose_file(page, "passport.png", files.image(), "image/png")
    page.locator("[name=kind]").select_option("identity")
    page.locator("[name=title]").fill("Passport photo page")
    page.locator("[name=document_date]").fill("2023-06-01")
    page.locator("[name=visibility][value=case_team]").check()
    page.locator(SUBMIT).click()
    photo = Document.objects.get(case=case, kind="identity")
    thumbnail = section.locator(f"img[src='/documents/{photo.pk}/thumbnail/']")
    expect(thumbnail).to_be_visible()
    assert page.evaluate("img => img.complete && img.naturalWidth > 0", thumbnail.element_handle())
    journey.step("case-documents-thumbnail")
