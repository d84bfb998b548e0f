"""Writes of the caseload report: recording exports and keeping background files.

`export_record` is the one place an export is written down (who, when, format,
identified or not, purpose, filter, rows), and where its audit event is written.
"""

import datetime
import logging
from pathlib import Path

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from audit.models import AuditAction
from audit.services import audit_record
from reports.models import ExportFormat, ExportJob, ExportStatus

logger = logging.getLogger(__name__)

VIEW_REPORT = "reports.view_caseload_report"
EXPORT_IDENTIFIED = "reports.export_identified"


@transaction.atomic
def export_record(
    *,
    actor,
    format: str,
    identified: bool,
    purpose: str,
    filter_params: dict,
    row_count: int,
    background: bool,
) -> ExportJob:
    """Record an export before any row leaves. Refuses an identified export to
    anyone without its permission, and without a stated purpose."""
    if not actor.has_perm(VIEW_REPORT):
        raise PermissionDenied
    if identified and not actor.has_perm(EXPORT_IDENTIFIED):
        raise PermissionDenied
    purpose = purpose.strip()
    if identified and not purpose:
        raise ValidationError(
            {"purpose": _("State why you need names and contact details.")}, code="required"
        )
    if format not in ExportFormat.values or (identified and format == ExportFormat.PDF):
        raise ValidationError({"format": _("Choose CSV or XLSX.")}, code="invalid")
    job = ExportJob.objects.create(
        requested_by=actor,
        format=format,
        identified=identified,
        purpose=purpose,
        filter_params=filter_params,
        row_count=row_count,
        background=background,
        status=ExportStatus.QUEUED if background else ExportStatus.DONE,
        finished_at=None if background else timezone.now(),
    )
    # The trail keeps who, when, from where, which filter and how many rows; the
    # purpose stays on the job (free text may describe people).
    audit_record(
        action=AuditAction.EXPORTED,
        actor=actor,
        obj=job,
        detail={
            "format": format,
            "identified": identified,
            "filter": filter_params,
            "rows": row_count,
            "background": background,
        },
    )
    # Ids only: the purpose and the filter may describe people.
    logger.info(
        "export %s recorded: user %s, format %s, identified %s, rows %s",
        job.pk,
        actor.pk,
        format,
        identified,
        row_count,
    )
    if background:
        from reports.tasks import run_export

        transaction.on_commit(lambda: run_export.delay(job.pk))
    return job


def export_claim(*, job_id: int) -> ExportJob | None:
    """Move a queued job to running; None when another worker already has it."""
    claimed = ExportJob.objects.filter(pk=job_id, status=ExportStatus.QUEUED).update(
        status=ExportStatus.RUNNING
    )
    return ExportJob.objects.get(pk=job_id) if claimed else None


def export_progress(*, job: ExportJob, rows_written: int) -> None:
    ExportJob.objects.filter(pk=job.pk).update(rows_written=rows_written)


def export_finish(*, job: ExportJob, path: Path, rows_written: int) -> None:
    now = timezone.now()
    ExportJob.objects.filter(pk=job.pk).update(
        status=ExportStatus.DONE,
        rows_written=rows_written,
        row_count=rows_written,
        file_path=str(path),
        finished_at=now,
        expires_at=now + datetime.timedelta(hours=settings.EXPORT_TTL_HOURS),
    )


def export_fail(*, job: ExportJob) -> None:
    ExportJob.objects.filter(pk=job.pk).update(
        status=ExportStatus.FAILED, finished_at=timezone.now()
    )


def export_files_purge(*, now: datetime.datetime | None = None) -> int:
    """Delete the files of expired exports. Idempotent: a job is claimed by clearing
    its path in a conditional update, so two runs never delete the same file twice
    and a file already gone is not an error."""
    now = now or timezone.now()
    purged = 0
    expired = ExportJob.objects.filter(expires_at__lte=now).exclude(file_path="")
    for job_id, path in expired.values_list("pk", "file_path"):
        claimed = (
            ExportJob.objects.filter(pk=job_id, file_path=path)
            .exclude(file_path="")
            .update(file_path="", status=ExportStatus.EXPIRED)
        )
        if claimed:
            Path(path).unlink(missing_ok=True)
            purged += 1
    return purged


def export_file(job: ExportJob) -> Path | None:
    """The finished file of a background export, while it may still be downloaded."""
    if not job.is_downloadable:
        return None
    path = Path(job.file_path)
    return path if path.is_file() else None


def export_path(job: ExportJob) -> Path:
    """Where a background export's file goes: the private export directory, named by id."""
    directory = Path(settings.EXPORT_DIR)
    directory.mkdir(mode=0o700, parents=True, exist_ok=True)
    return directory / f"export-{job.pk}-{job.requested_at:%Y%m%d%H%M%S}.{job.format}"


@transaction.atomic
def case_summary_record(*, actor, viewer, parts: list[str]) -> None:
    """Record a printed case summary as an export of that case, before the file leaves.

    The trail tells it apart from a page read (`exported`, with the case) and from a
    caseload export (its object is the case, not an export job), and keeps which parts
    the reader's summary held: parts and ids, never their content. `viewer` is the
    reader's CaseViewer (casework.access.case_part_for_user): who may print is who may
    read the case.
    """
    if not actor.has_perm("casework.view_case") or viewer.user != actor:
        raise PermissionDenied
    audit_record(
        action=AuditAction.EXPORTED,
        actor=actor,
        case=viewer.case,
        obj=("casework.case", viewer.case.pk),
        detail={"kind": "case_summary", "format": "pdf", "parts": parts},
    )
    logger.info("case summary printed: case %s, user %s", viewer.case.pk, actor.pk)
