"""The permission funnel for documents: 404 for missing and forbidden alike, refusals recorded.

A document is found only through a case the user sees and only if they may read it
(documents.selectors.documents_visible_to, the same query as the lists) or, for a
write, write the part it is in; a removed document is no longer found at all.
"""

from django.http import Http404

from audit.services import audit_refusal
from casework.access import CaseViewer, case_viewer, cases_for_user
from documents.models import Document
from documents.selectors import documents_visible_to

OBJECT_TYPE = "documents.document"


def document_for_user(user, document_id, *, write: bool = False) -> tuple[CaseViewer, Document]:
    """The viewer of the document's case and the document, if the user may read it (or,
    with `write`, write the part it is in); otherwise Http404, recorded in the trail."""
    try:
        document_id = int(document_id)
    except (TypeError, ValueError):
        audit_refusal(object_type=OBJECT_TYPE, object_id=document_id)
        raise Http404 from None
    case_id = (
        Document.objects.filter(pk=document_id, removed_at__isnull=True)
        .values_list("case_id", flat=True)
        .first()
    )
    case = (
        cases_for_user(user)
        .select_related("returnee", "lead_agency", "assigned_worker")
        .filter(pk=case_id)
        .first()
        if case_id is not None
        else None
    )
    document = None
    if case is not None:
        viewer = case_viewer(user, case)
        if write:
            document = Document.objects.filter(
                pk=document_id, case=case, removed_at__isnull=True
            ).first()
            if document is not None and not viewer.may_write_note(document.visibility):
                document = None
        else:
            document = documents_visible_to(viewer).filter(pk=document_id).first()
    if document is None:
        audit_refusal(object_type=OBJECT_TYPE, object_id=document_id, case_id=case_id)
        raise Http404
    return viewer, document
