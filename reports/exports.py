"""Writers of the caseload report: CSV (streamed), XLSX (constant memory), PDF (one page).

Rows come from `selectors.report_values` and are read with a server-side cursor
in chunks, so no format holds the whole report in memory. Every text cell
that a spreadsheet would run as a formula is neutralised (OWASP "CSV
injection"): a leading ' before = + - @ tab or carriage return.
"""

import csv
import io
from collections.abc import Callable, Iterable, Iterator
from functools import cache
from pathlib import Path

import xlsxwriter
from django.utils import timezone
from django.utils.translation import gettext as _

from core.references import reference_for
from reports.selectors import Column, Kind, column, gated_parts

CHUNK_ROWS = 2000
FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r")


def neutralise(text: str) -> str:
    """A text a spreadsheet will show as text, never evaluate."""
    return f"'{text}" if text.startswith(FORMULA_TRIGGERS) else text


def _text(value):
    return neutralise(value) if value else ""


def _date(value):
    return value.isoformat() if value is not None else ""


def _converter(col: Column) -> Callable:
    """The function that writes a column's values, chosen once per export by its kind:
    at 100,000 rows × 17 columns, per-cell type tests and label translations cost
    more than the rest of the writing. Texts are neutralised; numbers stay numbers
    (XLSX writes them as numbers)."""
    match col.kind:
        case Kind.REFERENCE:
            return reference_for
        case Kind.CHOICE:
            labels = {value: str(label) for value, label in col.choices.choices}
            return lambda v, labels=labels: labels.get(v, v or "")
        case Kind.TEXT:
            return _text
        case Kind.INTEGER:
            return int
        case Kind.DATE:
            return _date
        case Kind.DATETIME:
            zone = timezone.get_current_timezone()  # looked up once, not per row
            return lambda v, zone=zone: v.astimezone(zone).date().isoformat() if v else ""
        case Kind.LIST:
            return lambda v: neutralise("; ".join(v))
    raise ValueError(f"no export of {col.kind!r} columns")


def table(values, keys: list[str]) -> Iterator[list]:
    """The export rows of a `report_values` queryset, read in chunks: each row's
    columns, then its `reads_<part>` flags, one per `selectors.gated_parts`. A cell
    of a part the reader may not read on that case is left empty."""
    report = [column(key) for key in keys]
    converters = [_converter(c) for c in report]
    gated = [[i for i, c in enumerate(report) if c.part == part] for part in gated_parts(keys)]
    width = len(keys)
    for raw in values.iterator(chunk_size=CHUNK_ROWS):
        row = list(raw[:width])
        for columns, readable in zip(gated, raw[width:], strict=True):
            if not readable:
                for i in columns:
                    row[i] = None
        yield [
            "" if value is None else convert(value)
            for convert, value in zip(converters, row, strict=True)
        ]


class _Echo:
    """A file-like object whose write returns what it was given (for csv.writer)."""

    def write(self, value: str) -> str:
        return value


def csv_chunks(headings: list[str], rows: Iterable[list]) -> Iterator[str]:
    """CSV text in pieces of about CHUNK_ROWS rows, starting with a BOM so that
    spreadsheets read it as UTF-8 (Cyrillic names)."""
    writer = csv.writer(_Echo())
    buffer = ["\ufeff", writer.writerow([neutralise(h) for h in headings])]
    for row in rows:
        buffer.append(writer.writerow(row))
        if len(buffer) >= CHUNK_ROWS:
            yield "".join(buffer)
            buffer = []
    if buffer:
        yield "".join(buffer)


def write_csv(path: Path, headings, rows, progress: Callable[[int], None] | None = None) -> int:
    count = 0
    with path.open("w", encoding="utf-8", newline="") as out:
        writer = csv.writer(out)
        out.write("\ufeff")
        writer.writerow([neutralise(h) for h in headings])
        for count, row in enumerate(rows, start=1):
            writer.writerow(row)
            if progress and count % CHUNK_ROWS == 0:
                progress(count)
    return count


def write_xlsx(path, headings, rows, progress: Callable[[int], None] | None = None) -> int:
    """An XLSX file written row by row: constant_memory flushes each finished row
    to a temporary file, so memory stays flat however many rows there are.
    Strings are never turned into formulas, URLs or numbers."""
    workbook = xlsxwriter.Workbook(
        path if hasattr(path, "write") else str(path),  # a path or an open binary file
        {
            "constant_memory": True,
            "strings_to_formulas": False,
            "strings_to_urls": False,
            "strings_to_numbers": False,
        },
    )
    sheet = workbook.add_worksheet(_("Caseload"))
    bold = workbook.add_format({"bold": True})
    for col, heading in enumerate(headings):
        sheet.write_string(0, col, neutralise(str(heading)), bold)
    count = 0
    for count, row in enumerate(rows, start=1):
        for col, value in enumerate(row):
            if isinstance(value, str):
                sheet.write_string(count, col, value)
            else:
                sheet.write_number(count, col, value)
        if progress and count % CHUNK_ROWS == 0:
            progress(count)
    workbook.close()
    return count


WRITERS = {"csv": write_csv, "xlsx": write_xlsx}
CONTENT_TYPES = {
    "csv": "text/csv; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "pdf": "application/pdf",
}


def filename(fmt: str, *, identified: bool) -> str:
    kind = "identified" if identified else "pseudonymised"
    return f"homeward-caseload-{kind}-{timezone.localdate().isoformat()}.{fmt}"


# --- PDFs -------------------------------------------------------------------------------

# DejaVu Sans, shipped in reports/fonts with its licence: PDF's base fonts (Helvetica…)
# have no Cyrillic, and a system font may be missing on a fresh machine.
FONTS = Path(__file__).resolve().parent / "fonts"
FONT, BOLD = "HomewardSans", "HomewardSans-Bold"


@cache
def register_fonts() -> None:
    from reportlab.lib.fonts import addMapping
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.ttfonts import TTFont

    pdfmetrics.registerFont(TTFont(FONT, str(FONTS / "DejaVuSans.ttf")))
    pdfmetrics.registerFont(TTFont(BOLD, str(FONTS / "DejaVuSans-Bold.ttf")))
    # <b> inside a paragraph picks the bold face.
    for bold, italic in ((0, 0), (0, 1), (1, 0), (1, 1)):
        addMapping(FONT, bold, italic, BOLD if bold else FONT)


# --- The one-page PDF summary ---------------------------------------------------------


def pdf_summary(data: dict, filter_text: str) -> bytes:
    """Tiles, the four charts, and each chart's numbers, on one A4 page (landscape).
    Aggregates only: no row, no name, nothing identifying."""
    from reportlab.graphics.charts.barcharts import HorizontalBarChart, VerticalBarChart
    from reportlab.graphics.charts.lineplots import LinePlot
    from reportlab.graphics.shapes import Drawing, String
    from reportlab.graphics.widgets.markers import makeMarker
    from reportlab.lib import colors
    from reportlab.lib.pagesizes import A4, landscape
    from reportlab.lib.styles import getSampleStyleSheet
    from reportlab.lib.units import mm
    from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

    register_fonts()
    styles = getSampleStyleSheet()
    small = styles["BodyText"].clone("small", fontName=FONT, fontSize=7, leading=8)
    heading = styles["Heading3"].clone("heading", fontName=BOLD)
    grid = TableStyle(
        [
            ("GRID", (0, 0), (-1, -1), 0.25, colors.grey),
            ("FONTNAME", (0, 0), (-1, -1), FONT),
            ("FONTSIZE", (0, 0), (-1, -1), 6.5),
            ("LEADING", (0, 0), (-1, -1), 7.5),
            ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#e8e8e8")),
            ("TOPPADDING", (0, 0), (-1, -1), 1),
            ("BOTTOMPADDING", (0, 0), (-1, -1), 1),
        ]
    )
    # Greys of different darkness: readable in black and white, each series also labelled.
    shades = [colors.HexColor(c) for c in ("#1b1b1b", "#5a5a5a", "#9a9a9a", "#d0d0d0")]

    def titled(drawing, title):
        drawing.add(String(0, drawing.height - 8, title, fontSize=8, fontName=BOLD))
        return drawing

    # Cases by region and category (stacked-free: grouped bars, one shade per category).
    region = data["by_region"]
    d1 = Drawing(120 * mm, 55 * mm)
    bars = VerticalBarChart()
    bars.x, bars.y, bars.width, bars.height = 20, 25, 120 * mm - 30, 55 * mm - 45
    bars.data = [
        [row["counts"][i] for row in region["rows"]] for i in range(len(region["categories"]))
    ]
    bars.categoryAxis.categoryNames = [row["label"][:9] for row in region["rows"]]
    bars.categoryAxis.labels.fontSize = 5.5
    bars.categoryAxis.labels.fontName = FONT
    bars.valueAxis.labels.fontName = FONT
    bars.categoryAxis.labels.angle = 30
    bars.categoryAxis.labels.boxAnchor = "ne"
    bars.valueAxis.labels.fontSize = 6
    bars.valueAxis.valueMin = 0
    for i in range(len(region["categories"])):
        bars.bars[i].fillColor = shades[i % len(shades)]
        bars.bars[i].strokeColor = colors.black
        bars.bars[i].strokeWidth = 0.3
    d1.add(bars)
    titled(d1, _("Cases by region and category"))
    t1 = Table(
        [[_("Region"), *[c["label"][:12] for c in region["categories"]]]]
        + [[row["label"], *row["counts"]] for row in region["rows"]],
        style=grid,
    )

    # Monthly intakes and closures: solid line with circles, dashed with squares.
    monthly = data["monthly"]
    d2 = Drawing(120 * mm, 50 * mm)
    lines = LinePlot()
    lines.x, lines.y, lines.width, lines.height = 20, 15, 120 * mm - 30, 50 * mm - 35
    lines.data = [
        [(i, m["opened"]) for i, m in enumerate(monthly)],
        [(i, m["closed"]) for i, m in enumerate(monthly)],
    ]
    lines.lines[0].strokeColor = colors.black
    lines.lines[0].symbol = makeMarker("FilledCircle", size=3)
    lines.lines[1].strokeColor = colors.HexColor("#555555")
    lines.lines[1].strokeDashArray = [3, 2]
    lines.lines[1].symbol = makeMarker("Square", size=3)
    lines.xValueAxis.valueSteps = list(range(len(monthly)))
    lines.xValueAxis.labelTextFormat = lambda i: monthly[int(i)]["month"][2:]
    lines.xValueAxis.labels.fontSize = 5.5
    lines.xValueAxis.labels.fontName = FONT
    lines.yValueAxis.labels.fontName = FONT
    lines.yValueAxis.labels.fontSize = 6
    lines.yValueAxis.valueMin = 0
    d2.add(lines)
    titled(d2, _("Intakes (solid, circles) and closures (dashed, squares) by month"))
    t2 = Table(
        [[_("Month"), _("Opened"), _("Closed")]]
        + [[m["month"], m["opened"], m["closed"]] for m in monthly],
        style=grid,
    )

    # Referrals: acceptance by agency kind.
    referrals = data["referrals"]
    d3 = Drawing(80 * mm, 40 * mm)
    if referrals:
        accept = HorizontalBarChart()
        accept.x, accept.y, accept.width, accept.height = 55, 5, 80 * mm - 65, 40 * mm - 20
        accept.data = [[r["acceptance_percent"] or 0 for r in referrals]]
        accept.categoryAxis.categoryNames = [r["label"][:16] for r in referrals]
        accept.categoryAxis.labels.fontSize = 6
        accept.categoryAxis.labels.fontName = FONT
        accept.valueAxis.labels.fontName = FONT
        accept.valueAxis.valueMin, accept.valueAxis.valueMax = 0, 100
        accept.valueAxis.labels.fontSize = 6
        accept.bars[0].fillColor = shades[1]
        d3.add(accept)
    # xgettext:no-python-format
    titled(d3, _("Referrals accepted (% of answered) by agency kind"))
    t3 = Table(
        [[_("Agency kind"), _("Sent"), _("Answered"), _("Accepted %"), _("Median days")]]
        + [
            [r["label"], r["sent"], r["answered"], r["acceptance_percent"], r["median_days"]]
            for r in referrals
        ],
        style=grid,
    )

    outcomes = data["outcomes"]
    t4 = Table(
        [[_("Outcome reached"), _("Cases"), _("Of")]]
        + [[o["label"], o["cases"], o["of"]] for o in outcomes],
        style=grid,
    )
    tiles = Table(
        [[t.label for t in data["tiles"][:7]], [t.count for t in data["tiles"][:7]]]
        + [[t.label for t in data["tiles"][7:]], [t.count for t in data["tiles"][7:]]],
        style=grid,
    )

    buffer = io.BytesIO()
    doc = SimpleDocTemplate(
        buffer,
        pagesize=landscape(A4),
        leftMargin=8 * mm,
        rightMargin=8 * mm,
        topMargin=8 * mm,
        bottomMargin=8 * mm,
        title=_("Homeward caseload summary"),
    )
    layout = Table(
        [[d1, t1], [d2, t2], [d3, Table([[t3], [Spacer(1, 2 * mm)], [t4]])]],
        colWidths=[125 * mm, None],
        style=TableStyle([("VALIGN", (0, 0), (-1, -1), "TOP")]),
    )
    doc.build(
        [
            Paragraph(_("Homeward caseload summary (pseudonymised)"), heading),
            Paragraph(
                _("%(date)s · filter: %(filter)s")
                % {"date": timezone.localdate().isoformat(), "filter": filter_text or _("none")},
                small,
            ),
            Spacer(1, 1 * mm),
            tiles,
            Spacer(1, 1 * mm),
            layout,
        ]
    )
    return buffer.getvalue()
