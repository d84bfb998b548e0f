"""Serving a stored file: after the access check, streamed, typed by what it was
sniffed as, never interpreted by the browser, and written to the audit trail."""

import logging

from django.http import FileResponse, Http404

from audit.models import AuditAction
from audit.services import audit_record
from casework.models import Case
from documents.images import THUMBNAIL_TYPE
from documents.models import Document
from documents.storage import document_open

logger = logging.getLogger(__name__)


def document_file_response(
    case: Case, document: Document, *, api: bool, thumbnail: bool = False
) -> FileResponse:
    """The file (as an attachment under its cleaned name) or its thumbnail (inline), for
    a reader `documents.access.document_for_user` let through. The download is recorded
    as a read of the case naming the document, by the page or by the API."""
    name = document.thumbnail_name if thumbnail else document.stored_name
    if not name:
        raise Http404  # not an image: it has no thumbnail
    try:
        handle = document_open(name)
    except FileNotFoundError:
        # Ids only: the name of the file is personal data.
        logger.error("Document %s: its stored file is missing", document.pk)
        raise Http404 from None
    response = FileResponse(
        handle,
        as_attachment=not thumbnail,
        filename="" if thumbnail else document.filename,
        content_type=THUMBNAIL_TYPE if thumbnail else document.content_type,
    )
    if not thumbnail:
        response["Content-Length"] = str(document.size)
    response["X-Content-Type-Options"] = "nosniff"
    audit_record(
        action=AuditAction.CASE_API_VIEWED if api else AuditAction.CASE_VIEWED,
        case=case,
        obj=document,
        detail={"download": "thumbnail" if thumbnail else "file"},
    )
    return response
