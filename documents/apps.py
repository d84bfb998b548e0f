from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class DocumentsConfig(AppConfig):
    name = "documents"
    verbose_name = _("Documents")

    def ready(self) -> None:
        # What documents add to a case, without casework importing documents: their
        # section of the case page and their entries in the timeline. A document is in
        # the part of a note of its visibility, so both keep, row by row, what the
        # viewer may read (documents.selectors) instead of naming one part.
        from casework.selectors import (
            TimelineKind,
            TimelineSource,
            case_page_section,
            timeline_source,
        )
        from documents.models import DocumentEvent
        from documents.selectors import document_events_visible_to, documents_visible_to

        timeline_source(
            TimelineSource(
                kind=TimelineKind.DOCUMENT,
                part=None,
                rows=lambda case: DocumentEvent.objects.filter(case=case),
                at="at",
                loader=lambda: DocumentEvent.objects.select_related("document", "actor"),
                readable=document_events_visible_to,
            )
        )
        case_page_section("document_section", None, documents_visible_to)
