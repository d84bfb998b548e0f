"""Every write of documents: upload and remove.

A document is in the part of a note of its visibility (`casework.parts.NOTE_PARTS`),
so writing one takes what writing such a note takes: the role's `casework.add_note`
and the right to write that part of the case (`CaseViewer.may_write_note`).
"""

import hashlib
import uuid

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.base import ContentFile
from django.db import transaction
from django.template.defaultfilters import filesizeformat
from django.utils import timezone
from django.utils.translation import gettext as _

from casework.access import case_viewer
from casework.models import Case
from casework.versioning import locked_case
from documents.checks import clean_filename, sniff
from documents.images import make_thumbnail
from documents.models import Document, DocumentEvent, DocumentEventKind
from documents.storage import document_storage

WRITE_PERMISSION = "casework.add_note"


def _require_writer(actor, case: Case, visibility: str) -> None:
    if not actor.has_perm(WRITE_PERMISSION):
        raise PermissionDenied
    if not case_viewer(actor, case).may_write_note(visibility):
        raise PermissionDenied


def too_large_message() -> str:
    return _("The file is larger than %(limit)s, the most we accept. Nothing was saved.") % {
        "limit": filesizeformat(settings.DOCUMENT_MAX_BYTES)
    }


def _digest(upload) -> tuple[str, int]:
    """SHA-256 and size, read chunk by chunk (64 KiB): the file is never in memory whole."""
    digest = hashlib.sha256()
    size = 0
    upload.seek(0)
    for chunk in upload.chunks():
        digest.update(chunk)
        size += len(chunk)
    upload.seek(0)
    return digest.hexdigest(), size


@transaction.atomic
def document_upload(
    *,
    actor,
    case: Case,
    upload,
    kind: str,
    title: str,
    document_date,
    visibility: str,
) -> Document:
    """Check the file (size, type sniffed from its content), store it under a generated
    name with a thumbnail for an image, and record it. A refused file leaves nothing
    behind: no row, nothing in the storage."""
    case = locked_case(case.pk)
    _require_writer(actor, case, visibility)
    if upload.size > settings.DOCUMENT_MAX_BYTES:
        raise ValidationError({"file": too_large_message()}, code="too_large")
    try:
        file_type = sniff(upload)
    except ValidationError as exc:
        raise ValidationError({"file": exc.messages}) from None
    sha256, size = _digest(upload)
    if size > settings.DOCUMENT_MAX_BYTES:
        raise ValidationError({"file": too_large_message()}, code="too_large")
    try:
        thumbnail = make_thumbnail(upload) if file_type.image else None
    except ValidationError as exc:
        raise ValidationError({"file": exc.messages}) from None
    document = Document(
        case=case,
        kind=kind,
        title=title.strip(),
        document_date=document_date,
        visibility=visibility,
        filename=clean_filename(upload.name, file_type),
        content_type=file_type.mime,
        size=size,
        sha256=sha256,
        author=actor,
    )
    document.full_clean(
        exclude=["case", "author", "removed_by", "stored_name", "thumbnail_name"],
        validate_unique=False,
        validate_constraints=False,  # the database checks them on save
    )
    storage = document_storage()
    # Generated names: nothing of the person or of the uploaded name is in a path.
    base = f"{case.pk}/{uuid.uuid4().hex}"
    stored = []
    try:
        upload.seek(0)
        document.stored_name = storage.save(base, upload)
        stored.append(document.stored_name)
        if thumbnail is not None:
            document.thumbnail_name = storage.save(f"{base}.thumb.png", ContentFile(thumbnail))
            stored.append(document.thumbnail_name)
        document.save(force_insert=True)
        DocumentEvent.objects.create(
            document=document, case=case, kind=DocumentEventKind.ADDED, actor=actor
        )
    except BaseException:
        # The row is rolled back with the transaction; the files must go too.
        for name in stored:
            storage.delete(name)
        raise
    return document


@transaction.atomic
def document_remove(*, actor, document: Document, reason: str) -> Document:
    """Hide a document from lists and downloads, saying why. The row and the file stay
    (the retention job purges files, a later issue); the timeline shows the removal."""
    case = locked_case(document.case_id)
    document = Document.objects.select_for_update().get(pk=document.pk)
    _require_writer(actor, case, document.visibility)
    if document.removed_at is not None:
        raise ValidationError(_("This document was already removed."), code="removed")
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": _("Say why the document is removed.")}, code="required")
    document.removed_at = timezone.now()
    document.removed_by = actor
    document.removal_reason = reason
    document.full_clean(
        exclude=["case", "author", "removed_by", "stored_name", "thumbnail_name"],
        validate_unique=False,
        validate_constraints=False,  # the database checks them on save
    )
    document.save(update_fields=["removed_at", "removed_by", "removal_reason"])
    DocumentEvent.objects.create(
        document=document, case=case, kind=DocumentEventKind.REMOVED, actor=actor
    )
    return document
