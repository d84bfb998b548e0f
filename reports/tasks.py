import logging

from celery import shared_task
from django.conf import settings
from django.utils import translation

from agencies.selectors import staff_language
from reports import exports, selectors, services
from reports.filters import ReportFilter
from reports.models import ExportFormat

logger = logging.getLogger(__name__)


@shared_task(acks_late=True)
def run_export(job_id: int) -> int:
    """Write a background export's file, updating its progress every chunk of rows.

    The rows are chosen again here, with the requester's access as it is now:
    a case taken away since the request is not exported.
    """
    job = services.export_claim(job_id=job_id)
    if job is None:
        return 0
    user = job.requested_by
    # Headers and labels in the language the requester reads, as a download in the browser.
    with translation.override(staff_language(user) or settings.LANGUAGE_CODE):
        return _write(job, user)


def _write(job, user) -> int:
    try:
        filterset = ReportFilter(job.filter_params, queryset=selectors.report_cases(user))
        if not filterset.is_valid():
            raise ValueError("stored filter no longer valid")
        path = services.export_path(job)
        if job.format == ExportFormat.PDF:
            # The report page's one-page PDF summary: aggregates of the filtered cases.
            data = selectors.dashboard(filterset.qs, job.filter_params)
            summary = ", ".join(f"{k}={v}" for k, v in job.filter_params.items())
            path.write_bytes(exports.pdf_summary(data, summary))
            written = filterset.qs.count()
        else:
            rows = selectors.report_rows(filterset.qs, reader=user, identified=job.identified)
            columns = selectors.columns(identified=job.identified)
            keys = [key for key, _label in columns]
            written = exports.WRITERS[job.format](
                path,
                [str(label) for _key, label in columns],
                exports.table(selectors.report_values(rows, identified=job.identified), keys),
                progress=lambda n: services.export_progress(job=job, rows_written=n),
            )
    except Exception as exc:
        # The type only: a database error's message can quote a person's data.
        logger.error("export %s failed: %s", job.pk, type(exc).__name__)
        services.export_fail(job=job)
        return 0
    services.export_finish(job=job, path=path, rows_written=written)
    return written


@shared_task
def purge_expired_exports() -> int:
    return services.export_files_purge()
