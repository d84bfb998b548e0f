"""The program manager's dashboard, the caseload report, and its exports.

Decorator → filter (one FilterSet for all) → selector → template or file.
A report's rows are always `cases_for_user(user)`; exports are recorded by
`services.export_record` before the first row leaves.
"""

import tempfile

from django.conf import settings
from django.contrib.auth.decorators import login_required, permission_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import FileResponse, Http404, HttpResponse, StreamingHttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import formats, timezone
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from casework.views import add_service_errors
from reports import exports, selectors, services, summary
from reports.filters import ReportFilter, filter_params
from reports.forms import ExportForm
from reports.models import ExportFormat, ExportJob
from reports.selectors import Column, Kind

REPORT_PAGE_SIZE = 50
VIEW_REPORT = services.VIEW_REPORT


def _filtered(request, data):
    """The report's FilterSet over the user's cases, and its cases (none when invalid)."""
    filterset = ReportFilter(data, queryset=selectors.report_cases(request.user))
    cases = filterset.qs if filterset.is_valid() else filterset.queryset.none()
    return filterset, cases


def _report_url(params: dict) -> str:
    query = urlencode({k: v for k, v in params.items() if v not in (None, "")})
    return reverse("reports:report") + (f"?{query}" if query else "")


def chart_data(data: dict) -> dict:
    """What static/js/dashboard.js draws: the same numbers as the tables beside the charts."""
    region = data["by_region"]
    return {
        "byRegion": {
            "labels": [row["label"] for row in region["rows"]],
            "series": [
                {"label": c["label"], "data": [row["counts"][i] for row in region["rows"]]}
                for i, c in enumerate(region["categories"])
            ],
        },
        "monthly": {
            "labels": [m["month"] for m in data["monthly"]],
            "series": [
                {"label": _("Opened"), "data": [m["opened"] for m in data["monthly"]]},
                {"label": _("Closed"), "data": [m["closed"] for m in data["monthly"]]},
            ],
        },
        "referrals": {
            "labels": [r["label"] for r in data["referrals"]],
            "series": [
                {
                    # xgettext:no-python-format
                    "label": _("Accepted (% of answered)"),
                    "data": [r["acceptance_percent"] for r in data["referrals"]],
                },
                {
                    "label": _("Median days to answer"),
                    "data": [r["median_days"] for r in data["referrals"]],
                },
            ],
        },
        "outcomes": {
            "labels": [o["label"] for o in data["outcomes"]],
            "series": [{"label": _("Cases"), "data": [o["cases"] for o in data["outcomes"]]}],
        },
    }


@login_required
@permission_required(VIEW_REPORT, raise_exception=True)
@require_GET
def dashboard(request):
    filterset, cases = _filtered(request, request.GET)
    current = filter_params(request.GET)
    data = selectors.dashboard(cases, current)
    tiles = [
        {"tile": t, "url": _report_url({**current, **t.params}) if t.params else None}
        for t in data["tiles"]
    ]
    return render(
        request,
        "reports/dashboard.html",
        {
            "filter": filterset,
            "data": data,
            "tiles": tiles,
            "charts": chart_data(data),
            "report_url": _report_url(current),
        },
        status=200 if filterset.is_valid() else 400,
    )


def _page_value(column: Column, value):
    """A value as the report page shows it; None for nothing (shown as —)."""
    if value is None or (not value and column.kind != Kind.INTEGER):
        return None
    match column.kind:
        case Kind.CHOICE:
            return dict(column.choices.choices).get(value, value)
        case Kind.DATE:
            return formats.date_format(value, "SHORT_DATE_FORMAT")
        case Kind.DATETIME:
            return formats.date_format(timezone.localtime(value), "SHORT_DATE_FORMAT")
        case Kind.LIST:
            return "; ".join(value)
    return value


def _page_table(rows) -> dict:
    """The report page's table: a cell per pseudonymised column, or one for consecutive
    columns under the same page heading ("1 / 0 / 2 / 0"); a cell with nothing to show
    (all None: empty, or of a part the reader may not read) shows —."""
    cells: list[tuple[str, list[Column]]] = []
    for column in selectors.report_columns(identified=False):
        heading = column.page_heading or column.heading
        if cells and cells[-1][0] == heading:
            cells[-1][1].append(column)
        else:
            cells.append((heading, [column]))

    def cell(row, columns: list[Column]) -> dict:
        if columns[0].kind == Kind.REFERENCE:
            return {
                "link": reverse("casework:case_detail", args=[row.pk]),
                "values": [row.reference],
            }
        values = [_page_value(c, getattr(row, c.key)) for c in columns]
        return {"values": values if any(v is not None for v in values) else []}

    return {
        "headings": [heading for heading, _columns in cells],
        "rows": [[cell(row, columns) for _heading, columns in cells] for row in rows],
    }


def _render_report(request, filterset, cases, export_form, status=200):
    rows = selectors.report_rows(cases, reader=request.user)
    page = Paginator(rows, REPORT_PAGE_SIZE).get_page(request.GET.get("page"))
    selectors.hide_unread(page.object_list)
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "reports/report.html",
        {
            "filter": filterset,
            "page": page,
            "table": _page_table(page.object_list),
            "query": query.urlencode(),
            "export_form": export_form,
            "can_identify": request.user.has_perm(services.EXPORT_IDENTIFIED),
            "dashboard_url": reverse("reports:dashboard")
            + (f"?{query.urlencode()}" if query else ""),
        },
        status=status if filterset.is_valid() else 400,
    )


@login_required
@permission_required(VIEW_REPORT, raise_exception=True)
@require_GET
def report(request):
    filterset, cases = _filtered(request, request.GET)
    return _render_report(request, filterset, cases, ExportForm(initial={"format": "csv"}))


@login_required
@permission_required(VIEW_REPORT, raise_exception=True)
@require_POST
def report_export(request):
    """Export the report of the query string's filter in the posted format.

    Small exports stream at once; above EXPORT_BACKGROUND_ROWS a Celery task
    writes the file and the person is sent to its progress page.
    """
    filterset, cases = _filtered(request, request.GET)
    form = ExportForm(request.POST)
    if request.POST.get("identified") and not request.user.has_perm(services.EXPORT_IDENTIFIED):
        raise PermissionDenied
    if not (form.is_valid() and filterset.is_valid()):
        return _render_report(request, filterset, cases, form, status=400)
    fmt, identified = form.cleaned_data["format"], form.cleaned_data["identified"]
    params = filter_params(request.GET)
    count = cases.count()
    background = fmt != ExportFormat.PDF and count > settings.EXPORT_BACKGROUND_ROWS
    try:
        job = services.export_record(
            actor=request.user,
            format=fmt,
            identified=identified,
            purpose=form.cleaned_data["purpose"],
            filter_params=params,
            row_count=count,
            background=background,
        )
    except ValidationError as exc:
        add_service_errors(form, exc)
        return _render_report(request, filterset, cases, form, status=400)
    if background:
        return redirect("reports:export_job", job_id=job.pk)
    if fmt == ExportFormat.PDF:
        data = selectors.dashboard(cases, params)
        summary = ", ".join(f"{k}={v}" for k, v in params.items())
        response = HttpResponse(exports.pdf_summary(data, summary), content_type="application/pdf")
    else:
        response = _direct_export(cases, fmt, identified=identified, user=request.user)
    response["Content-Disposition"] = (
        f'attachment; filename="{exports.filename(fmt, identified=identified)}"'
    )
    response["Cache-Control"] = "no-store"
    return response


def _direct_export(cases, fmt: str, *, identified: bool, user):
    rows = selectors.report_rows(cases, reader=user, identified=identified)
    columns = selectors.columns(identified=identified)
    keys = [key for key, _label in columns]
    headings = [str(label) for _key, label in columns]
    table = exports.table(selectors.report_values(rows, identified=identified), keys)
    if fmt == ExportFormat.CSV:
        return StreamingHttpResponse(
            exports.csv_chunks(headings, table), content_type=exports.CONTENT_TYPES["csv"]
        )
    # XLSX is a zip written at close: it goes to an anonymous temporary file (rows
    # flushed as they come), which FileResponse streams and closes, deleting it.
    handle = tempfile.TemporaryFile(suffix=".xlsx")  # noqa: SIM115 - closed by FileResponse
    exports.write_xlsx(handle, headings, table)
    handle.seek(0)
    return FileResponse(handle, content_type=exports.CONTENT_TYPES["xlsx"])


def _own_job(request, job_id: int) -> ExportJob:
    """An export of the signed-in person's; anyone else's is a 404."""
    return get_object_or_404(ExportJob, pk=job_id, requested_by=request.user)


@login_required
@permission_required(VIEW_REPORT, raise_exception=True)
@require_GET
def export_job(request, job_id: int):
    job = _own_job(request, job_id)
    template = "reports/_export_progress.html" if request.htmx else "reports/export_job.html"
    return render(request, template, {"job": job})


@login_required
@permission_required(VIEW_REPORT, raise_exception=True)
@require_GET
def export_download(request, job_id: int):
    job = _own_job(request, job_id)
    path = services.export_file(job)
    if path is None:
        raise Http404
    response = FileResponse(
        path.open("rb"),
        as_attachment=True,
        filename=exports.filename(job.format, identified=job.identified),
        content_type=exports.CONTENT_TYPES[job.format],
    )
    response["Cache-Control"] = "no-store"
    return response


# --- The printable case summary -------------------------------------------------------


@login_required
@permission_required("casework.view_case", raise_exception=True)
@require_GET
def case_summary(request, case_id: int):
    return summary.download(request.user, case_id)
