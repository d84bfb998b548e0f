"""Reading the PDFs Homeward writes, as a person copying their text out would."""

import io

import pypdf


def pdf_text(content: bytes) -> str:
    """The text of every page, page after page."""
    return "\n".join(page.extract_text() for page in pypdf.PdfReader(io.BytesIO(content)).pages)


def pdf_pages(content: bytes) -> list[pypdf.PageObject]:
    return list(pypdf.PdfReader(io.BytesIO(content)).pages)
