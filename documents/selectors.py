"""Reads of documents, already filtered by what the reader may see.

One rule: a document is read as a note of its visibility is
(`casework.access.CaseViewer.note_condition`: the readers of the part
`NOTE_PARTS[visibility]`, and its author). Lists, downloads, the case page and the
timeline all filter through it.
"""

from django.db.models import QuerySet

from casework.access import CaseViewer
from documents.models import Document, DocumentEvent


def documents_readable(viewer: CaseViewer) -> QuerySet[Document]:
    """Every document of the viewer's case they may read, removed ones included."""
    return Document.objects.filter(case=viewer.case).filter(viewer.note_condition())


def documents_visible_to(viewer: CaseViewer) -> QuerySet[Document]:
    """The case's documents the viewer may read and that were not removed, newest first:
    one query, with the uploader."""
    return (
        documents_readable(viewer)
        .filter(removed_at__isnull=True)
        .select_related("author")
        .order_by("-document_date", "-pk")
    )


def document_events_visible_to(viewer: CaseViewer, events: QuerySet) -> QuerySet[DocumentEvent]:
    """The timeline's document entries the viewer may read: those of readable documents."""
    return events.filter(document__in=documents_readable(viewer).values("pk"))
