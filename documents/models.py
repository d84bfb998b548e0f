"""Files on a case: identity papers, court decisions, certificates, consent forms.

A document is in the part of the case that a note of its visibility is in
(`casework.parts.NOTE_PARTS[visibility]`), and is read and written by exactly
the readers and writers of that part (docs/access.md). The file itself lives in
the `documents` storage (settings.STORAGES), under a generated name, never at a
public URL: only `documents.views` / `documents.apis` serve it, after the access
check, and every download is written to the audit trail.
"""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from casework.models import Case, NoteVisibility
from core.fields import MultiLineTextField, OneLineTextField, PlausibleDateField

TITLE_MAX = 200
FILENAME_MAX = 150
REASON_MAX = 2000


class DocumentKind(models.TextChoices):
    IDENTITY = "identity", _("Identity papers")
    COURT_DECISION = "court_decision", _("Court decision")
    CERTIFICATE = "certificate", _("Certificate")
    CONSENT_FORM = "consent_form", _("Consent form")
    OTHER = "other", _("Other")


class Document(models.Model):
    """One uploaded file and what the person said about it.

    Removing a document is a soft delete: `removed_at`, `removed_by` and
    `removal_reason` are set together (a database constraint), the row and the
    stored file stay, and the document disappears from lists and downloads (404)
    while the case's timeline keeps a "removed" entry for the readers of its part.
    The file is purged only by the retention job (a later issue), never here.
    """

    case = models.ForeignKey(Case, on_delete=models.PROTECT, related_name="documents")
    kind = models.CharField(_("kind"), max_length=20, choices=DocumentKind.choices)
    title = OneLineTextField(_("title"), max_length=TITLE_MAX)
    document_date = PlausibleDateField(_("date of the document"))
    visibility = models.CharField(_("visibility"), max_length=16, choices=NoteVisibility.choices)
    # The name it was uploaded under, cleaned (documents.checks.clean_filename): shown and
    # offered as the download's name, never used to store or type the file.
    filename = models.CharField(_("file name"), max_length=FILENAME_MAX)
    content_type = models.CharField(_("type"), max_length=100)
    size = models.BigIntegerField(_("size in bytes"))
    sha256 = models.CharField(max_length=64)
    # Generated names in the documents storage.
    stored_name = models.CharField(max_length=255, unique=True)
    thumbnail_name = models.CharField(max_length=255, blank=True)
    # Who uploaded it: named like a note's author, as the note rule reads it
    # (casework.access.CaseViewer.note_condition).
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("uploaded by"),
    )
    uploaded_at = models.DateTimeField(_("uploaded"), default=timezone.now)
    removed_at = models.DateTimeField(_("removed"), null=True, blank=True)
    removed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        null=True,
        blank=True,
        verbose_name=_("removed by"),
    )
    removal_reason = MultiLineTextField(_("why it was removed"), max_length=REASON_MAX, blank=True)

    class Meta:
        verbose_name = _("document")
        verbose_name_plural = _("documents")
        ordering = ["-document_date", "-pk"]
        indexes = [
            models.Index(
                name="document_case_listed",
                fields=["case", "-document_date", "-id"],
                condition=Q(removed_at__isnull=True),
            )
        ]
        constraints = [
            models.CheckConstraint(
                name="document_visibility_known",
                condition=Q(visibility__in=NoteVisibility.values),
            ),
            models.CheckConstraint(
                name="document_kind_known", condition=Q(kind__in=DocumentKind.values)
            ),
            models.CheckConstraint(name="document_not_empty", condition=Q(size__gt=0)),
            # Removed: who, when and why together, or none of them.
            models.CheckConstraint(
                name="document_removal_complete",
                condition=(
                    Q(removed_at__isnull=True, removed_by__isnull=True, removal_reason="")
                    | (
                        Q(removed_at__isnull=False, removed_by__isnull=False)
                        & ~Q(removal_reason="")
                    )
                ),
            ),
        ]

    def __str__(self) -> str:
        return f"Document #{self.pk}"

    @property
    def is_image(self) -> bool:
        return bool(self.thumbnail_name)


class DocumentEventKind(models.TextChoices):
    ADDED = "added", _("Document added")
    REMOVED = "removed", _("Document removed")


class DocumentEvent(models.Model):
    """A document added to or removed from a case: the case timeline's entries."""

    document = models.ForeignKey(Document, on_delete=models.PROTECT, related_name="events")
    case = models.ForeignKey(Case, on_delete=models.PROTECT, related_name="+")
    kind = models.CharField(max_length=10, choices=DocumentEventKind.choices)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-at", "-pk"]
        indexes = [models.Index(name="documentevent_case_at", fields=["case", "-at"])]
        constraints = [
            # Each happens once to a document.
            models.UniqueConstraint(name="documentevent_once", fields=["document", "kind"]),
            models.CheckConstraint(
                name="documentevent_kind_known", condition=Q(kind__in=DocumentEventKind.values)
            ),
        ]

    def __str__(self) -> str:
        return f"Document event #{self.pk}"
