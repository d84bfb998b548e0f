"""Caseload reports and their exports."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from core.fields import MultiLineTextField


class ExportFormat(models.TextChoices):
    CSV = "csv", _("CSV")
    XLSX = "xlsx", _("Excel workbook (XLSX)")
    PDF = "pdf", _("One-page PDF summary")


class ExportStatus(models.TextChoices):
    QUEUED = "queued", _("Queued")
    RUNNING = "running", _("Running")
    DONE = "done", _("Ready")
    FAILED = "failed", _("Failed")
    EXPIRED = "expired", _("Expired")


class ExportJob(models.Model):
    """One export of the caseload report: who, when, which filter, how many rows.

    Every export is recorded here, streamed or run in the background. An
    identified export (names and contact details) carries its stated purpose.
    Background exports keep their file in HOMEWARD_EXPORT_DIR (never served
    publicly) until `expires_at`, when the purge job deletes it.
    """

    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    requested_at = models.DateTimeField(default=timezone.now)
    format = models.CharField(_("format"), max_length=8, choices=ExportFormat.choices)
    identified = models.BooleanField(_("with names and contact details"), default=False)
    purpose = MultiLineTextField(_("purpose"), max_length=2000, blank=True)
    filter_params = models.JSONField(default=dict)
    background = models.BooleanField(default=False)
    status = models.CharField(max_length=8, choices=ExportStatus.choices)
    row_count = models.PositiveIntegerField(default=0)
    rows_written = models.PositiveIntegerField(default=0)
    file_path = models.CharField(max_length=500, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    expires_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        # The table kept its name from when reports lived in casework.
        db_table = "casework_exportjob"
        verbose_name = _("report export")
        ordering = ["-requested_at", "-pk"]
        permissions = [
            ("view_caseload_report", _("Can see the program dashboard and caseload report")),
            ("export_identified", _("Can export the caseload report with names and contacts")),
        ]
        indexes = [
            models.Index(
                name="exportjob_file_expiry",
                fields=["expires_at"],
                condition=~Q(file_path=""),
            ),
        ]
        constraints = [
            models.CheckConstraint(
                name="exportjob_identified_has_purpose",
                condition=Q(identified=False) | ~Q(purpose=""),
            ),
        ]

    def __str__(self) -> str:
        return f"Export #{self.pk}"

    @property
    def progress_percent(self) -> int:
        if self.status == ExportStatus.DONE:
            return 100
        if not self.row_count:
            return 0
        return min(99, self.rows_written * 100 // self.row_count)

    @property
    def is_downloadable(self) -> bool:
        return (
            self.status == ExportStatus.DONE
            and bool(self.file_path)
            and (self.expires_at is None or self.expires_at > timezone.now())
        )
