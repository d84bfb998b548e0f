"""The printable summary of one case: exactly what its reader may see, on A4 pages.

Built from the reader's `CaseViewer` (casework.access), the object the case page
uses: a section shows only when the reader may read its part (casework/parts.py
RULES), and its rows come from the same selectors as the page. Nothing here keeps
a list of who reads what. Text is set in DejaVu Sans (shipped in reports/fonts,
with its licence), so Cyrillic names and the ru/ky labels print; every label goes
through gettext in the reader's language. Long text wraps inside the margins; the
footer names who printed it and when, and numbers the pages.
"""

import io
from dataclasses import dataclass, field
from xml.sax.saxutils import escape

from django.http import HttpResponse
from django.utils import formats, timezone
from django.utils.translation import gettext as _

from casework.access import CaseViewer, case_part_for_user
from casework.models import CaseStatus, FlagStatus, NoteVisibility
from casework.parts import NOTE_PARTS, Part
from casework.selectors import (
    dependents_visible_to,
    flags_of,
    goals_of,
    notes_visible_to,
    parent_case_visible_to,
    triage_history,
)
from referrals.selectors import case_referral_panel
from reports import services
from reports.exports import BOLD, FONT, register_fonts
from tasks.selectors import tasks_of_case


def filename(case) -> str:
    """By reference only: a file name is seen by whoever sees the download list."""
    return f"{case.reference}-summary.pdf"


def printed_parts(viewer: CaseViewer) -> list[str]:
    """The parts the reader's summary shows: what the export record says was disclosed."""
    return [part.value for part in Part if viewer.can_read(part)]


# --- What goes on the pages ------------------------------------------------------------


def _text(value) -> str:
    """A value as paragraph markup: escaped (a person's text is never markup), line
    breaks kept; nothing shows as —."""
    if value is None or value == "" or value == []:
        return "—"
    return escape(str(value)).replace("\n", "<br/>")


def _join(labels, separator=", ") -> str:
    """Labels (often lazy translations) as one text."""
    return separator.join(str(label) for label in labels)


def _date(value) -> str:
    return formats.date_format(value, "DATE_FORMAT") if value else "—"


def _when(value) -> str:
    return formats.date_format(timezone.localtime(value), "DATETIME_FORMAT") if value else "—"


def _person(user) -> str:
    return (user.get_full_name() or user.get_username()) if user else "—"


@dataclass
class Section:
    """A heading and what is under it: label/value rows, a table, or paragraphs.

    A table row cannot break across pages, so rows and tables hold short values only
    (names, dates, labels, fields of a few hundred characters at most); free text that
    may run to LONG_TEXT_MAX (rationales, outcomes, reasons, notes) goes in paragraphs,
    which do.
    """

    title: str
    rows: list[tuple[str, object]] = field(default_factory=list)
    table: tuple[list[str], list[list[object]], list[float]] | None = None
    paragraphs: list[tuple[str, str]] = field(default_factory=list)  # (muted line, text)
    empty: str = ""


def sections(viewer: CaseViewer) -> list[Section]:
    """The summary's sections for this reader, in page order; a part the reader may
    not read adds nothing, not even its heading."""
    case, person, reads = viewer.case, viewer.case.returnee, viewer.can_read
    out: list[Section] = []
    header = Section(_("Case"), rows=[(_("Reference"), case.reference)])
    if reads(Part.IDENTITY):
        header.rows.append((_("Name"), person.full_name))
    if reads(Part.CATEGORY):
        header.rows += [
            (_("Risk category"), case.get_category_display() or _("Not triaged yet")),
            (_("Pathway"), case.get_pathway_display()),
        ]
        if case.pathway_override_reason:
            header.paragraphs.append((_("Pathway chosen because"), case.pathway_override_reason))
    header.rows += [
        (_("Lead agency"), case.lead_agency.name),
        (_("Social worker"), _person(case.assigned_worker) if case.assigned_worker else None),
        (_("Status"), case.get_status_display()),
        (_("Opened"), _date(case.opened_on)),
    ]
    if case.status == CaseStatus.CLOSED:
        header.rows.append(
            (_("Closed"), f"{_date(case.closed_on)} ({case.get_closure_reason_display()})")
        )
    out.append(header)

    if reads(Part.IDENTITY):
        if person.birth_date:
            born = _date(person.birth_date)
        else:
            born = _("unknown; about %(age)s years old at intake") % {"age": person.approximate_age}
        out.append(
            Section(
                _("Identity"),
                rows=[
                    (_("Family name"), person.family_name),
                    (_("Given name"), person.given_name),
                    (_("Patronymic"), person.patronymic),
                    (_("Aliases"), _join(person.aliases)),
                    (_("Date of birth"), born),
                    (_("Sex"), person.get_sex_display()),
                    (_("Citizenship"), person.get_citizenship_status_display()),
                    (_("Region"), person.get_region_display()),
                ],
            )
        )
    if reads(Part.CONTACT):
        out.append(
            Section(
                _("Residence and contact"),
                rows=[
                    (_("District"), person.district),
                    (_("Address"), person.address),
                    (_("Phone"), person.phone),
                    (_("Languages"), _join(person.language_labels)),
                ],
            )
        )
    if reads(Part.RETURN_LEGAL):
        out.append(
            Section(
                _("Departure, return and legal status"),
                rows=[
                    (_("Conflict zone"), person.get_conflict_zone_display()),
                    (_("Departed"), _date(person.departure_date)),
                    (_("Returned"), _date(person.return_date)),
                    (_("Return route"), person.get_return_route_display()),
                    (_("Legal status"), person.get_legal_status_display()),
                ],
            )
        )
    if reads(Part.NEEDS):
        out.append(
            Section(
                _("Needs at intake"),
                rows=[(_("Needs"), _join(person.need_labels, "; "))],
            )
        )
    if reads(Part.FAMILY):
        out.append(_family(viewer))
    if reads(Part.TRIAGE):
        out.append(_triage(case))
    if reads(Part.PLAN):
        out.append(
            Section(
                _("Support plan"),
                paragraphs=[
                    (
                        " · ".join(
                            [
                                g.get_domain_display(),
                                g.get_status_display(),
                                g.owner_agency.name,
                                _("target %(date)s") % {"date": _date(g.target_date)},
                            ]
                        ),
                        "\n".join(
                            [g.description]
                            + ([_("Outcome: %(text)s") % {"text": g.outcome}] if g.outcome else [])
                        ),
                    )
                    for g in goals_of(case)
                ],
                empty=_("No goals yet."),
            )
        )
    if reads(Part.FLAGS):
        out.append(
            Section(
                _("Monitoring flags"),
                paragraphs=[
                    (
                        " · ".join(
                            [
                                f.get_severity_display(),
                                f.get_category_display(),
                                _("source: %(source)s") % {"source": f.get_source_display()},
                                f.get_status_display(),
                                _when(f.raised_at),
                                _person(f.raised_by),
                            ]
                        ),
                        f.description
                        + (
                            "\n" + _("Resolution: %(note)s") % {"note": f.resolution_note}
                            if f.status == FlagStatus.RESOLVED and f.resolution_note
                            else ""
                        ),
                    )
                    for f in flags_of(case)
                ],
                empty=_("No flags."),
            )
        )
    if reads(Part.CUSTODY):
        out.append(
            Section(
                _("Custody"),
                table=(
                    [_("Facility"), _("From"), _("To"), _("Segregated")],
                    [
                        [
                            e.facility,
                            _date(e.started_on),
                            _date(e.ended_on) if e.ended_on else _("now"),
                            _("yes") if e.segregated else _("no"),
                        ]
                        for e in case.custody_episodes.order_by("-started_on", "-pk")
                    ],
                    [0.46, 0.18, 0.18, 0.18],
                ),
                empty=_("No custody recorded."),
            )
        )
    if reads(Part.REVIEWS):
        out.append(_reviews(case))
    if reads(Part.REFERRALS):
        out.extend(_referrals(case))
    if reads(Part.TASKS):
        out.append(_tasks(case))
    out.extend(_notes(viewer))
    return out


def _tasks(case) -> Section:
    paragraphs = []
    for task in tasks_of_case(case):
        line = [
            _("due %(date)s") % {"date": _date(task.due_on)},
            _person(task.owner) if task.owner_id else _("the case team"),
            _("done %(when)s") % {"when": _when(task.done_at)} if task.is_done else _("open"),
        ]
        text = f"{task.title}\n{task.details}" if task.details else task.title
        paragraphs.append((" · ".join(line), text))
    return Section(_("Tasks"), paragraphs=paragraphs, empty=_("No tasks."))


def _family(viewer: CaseViewer) -> Section:
    case = viewer.case
    rows: list[tuple[str, object]] = []
    if parent := parent_case_visible_to(viewer.user, case):
        rows.append((_("Child of"), f"{parent.returnee.full_name} ({parent.reference})"))
    dependents = [
        f"{d.returnee.full_name} ({d.reference})" for d in dependents_visible_to(viewer.user, case)
    ]
    rows.append((_("Dependents"), "; ".join(dependents) or _("No dependents registered.")))
    contacts = [
        [
            c.name,
            c.get_relationship_display(),
            c.phone,
            _("yes") if c.warning_channel else _("no"),
        ]
        for c in case.returnee.family_contacts.all()
    ]
    return Section(
        _("Family"),
        rows=rows,
        table=(
            [_("Family contact"), _("Relationship"), _("Phone"), _("Early-warning channel")],
            contacts,
            [0.34, 0.22, 0.22, 0.22],
        )
        if contacts
        else None,
    )


def _triage(case) -> Section:
    paragraphs = []
    for a in triage_history(case):
        line = [_when(a.assessed_at), a.get_category_display(), _person(a.assessor)]
        decision = getattr(a, "decision", None)
        if a.needs_approval:
            if decision is None:
                line.append(_("awaiting decision"))
            else:
                line.append(
                    (_("approved by %(who)s") if decision.approved else _("rejected by %(who)s"))
                    % {"who": _person(decision.decided_by)}
                )
        paragraphs.append((" · ".join(line), a.rationale))
    return Section(_("Triage assessments"), paragraphs=paragraphs, empty=_("Not triaged yet."))


def _reviews(case) -> Section:
    rows = [(_("Next review"), _date(case.next_review_on))]
    for f in case.followups.all():
        rows.append(
            (
                _("Follow-up after %(months)s months") % {"months": f.months},
                _("due %(date)s") % {"date": _date(f.due_on)}
                + (" — " + _("recorded") if f.review_id else ""),
            )
        )
    return Section(
        _("Reviews"),
        rows=rows,
        paragraphs=[
            (
                " · ".join([_date(r.reviewed_at), r.get_outcome_display(), _person(r.reviewed_by)]),
                r.summary,
            )
            for r in case.reviews.select_related("reviewed_by").order_by("-reviewed_at", "-pk")
        ],
        empty=_("No reviews yet."),
    )


def _referrals(case) -> list[Section]:
    panel = case_referral_panel(case)
    referrals = Section(
        _("Referrals"),
        paragraphs=[
            (
                " · ".join(
                    [
                        r.to_agency.name,
                        r.get_service_type_display(),
                        _("shares: %(scope)s") % {"scope": _join(r.scope_labels)},
                        _("answer by %(date)s") % {"date": _date(r.response_deadline)},
                        r.get_status_display(),
                    ]
                ),
                "\n".join(
                    str(text)
                    for text in (
                        r.decline_reason,
                        r.cancel_reason,
                        r.revoke_reason,
                        r.outcome,
                    )
                    if text
                )
                or "—",
            )
            for r in panel["referrals"]
        ],
        empty=_("No referrals yet."),
    )
    consents = Section(
        _("Consent"),
        table=(
            [_("Recorded"), _("Agency"), _("Purpose"), _("What may be shared"), _("Decision")],
            [
                [
                    _date(c.recorded_at),
                    c.agency.name,
                    c.get_purpose_display(),
                    _join(c.scope_labels),
                    f"{c.get_decision_display()} ({c.get_given_by_display()})",
                ]
                for c in panel["consents"]
            ],
            [0.14, 0.22, 0.18, 0.24, 0.22],
        ),
        empty=_("No consent recorded yet."),
    )
    return [referrals, consents]


def _notes(viewer: CaseViewer) -> list[Section]:
    """Notes the reader may read, by visibility; an author's own notes under theirs."""
    by_visibility: dict[str, list] = {}
    for note in notes_visible_to(viewer, viewer.case):
        by_visibility.setdefault(note.visibility, []).append(note)
    out = []
    for visibility in NoteVisibility:
        notes = by_visibility.get(visibility.value, [])
        if not notes and not viewer.can_read(NOTE_PARTS[visibility]):
            continue
        out.append(
            Section(
                str(NOTE_PARTS[visibility].label),
                paragraphs=[
                    (
                        " · ".join(
                            [_when(n.occurred_at), n.get_kind_display(), _person(n.author)]
                            + ([_("amended")] if n.amended_at else [])
                        ),
                        n.text,
                    )
                    for n in notes
                ],
                empty=_("No notes."),
            )
        )
    return out


# --- The PDF ---------------------------------------------------------------------------


def render(viewer: CaseViewer, *, printed_by, printed_at=None) -> bytes:
    """The reader's summary as a PDF (A4 portrait)."""
    from reportlab.lib import colors
    from reportlab.lib.pagesizes import A4
    from reportlab.lib.styles import ParagraphStyle
    from reportlab.lib.units import mm
    from reportlab.pdfgen.canvas import Canvas
    from reportlab.platypus import (
        KeepTogether,
        Paragraph,
        SimpleDocTemplate,
        Spacer,
        Table,
        TableStyle,
    )

    register_fonts()
    printed_at = printed_at or timezone.now()
    body = ParagraphStyle("body", fontName=FONT, fontSize=9, leading=11.5)
    muted = ParagraphStyle("muted", parent=body, fontSize=7.5, textColor=colors.HexColor("#444"))
    cell = ParagraphStyle("cell", parent=body, fontSize=8, leading=10)
    heading = ParagraphStyle("heading", parent=body, fontName=BOLD, fontSize=11.5, leading=14)
    title = ParagraphStyle("title", parent=body, fontName=BOLD, fontSize=15, leading=19)
    margin = 18 * mm
    width = A4[0] - 2 * margin
    grid = TableStyle(
        [
            ("GRID", (0, 0), (-1, -1), 0.3, colors.HexColor("#999")),
            ("VALIGN", (0, 0), (-1, -1), "TOP"),
            ("TOPPADDING", (0, 0), (-1, -1), 2),
            ("BOTTOMPADDING", (0, 0), (-1, -1), 2),
        ]
    )
    header_grid = TableStyle([*grid.getCommands(), ("BACKGROUND", (0, 0), (-1, 0), "#e8e8e8")])

    def para(value, style=cell):
        return Paragraph(_text(value), style)

    case = viewer.case
    story: list = [
        Paragraph(_text(_("Case summary %(reference)s") % {"reference": case.reference}), title),
        Paragraph(
            _text(_("Shows only what the person who printed it may read of this case.")), muted
        ),
        Spacer(1, 3 * mm),
    ]
    for section in sections(viewer):
        block: list = [Paragraph(_text(section.title), heading), Spacer(1, 1.5 * mm)]
        if section.rows:
            block.append(
                Table(
                    [[para(label), para(value)] for label, value in section.rows],
                    colWidths=[0.3 * width, 0.7 * width],
                    style=grid,
                )
            )
        if section.table and section.table[1]:
            headings, rows, fractions = section.table
            if section.rows:
                block.append(Spacer(1, 1.5 * mm))
            block.append(
                Table(
                    [[para(h) for h in headings]] + [[para(v) for v in row] for row in rows],
                    colWidths=[f * width for f in fractions],
                    style=header_grid,
                    repeatRows=1,
                )
            )
        for line, text in section.paragraphs:
            block += [Paragraph(_text(line), muted), Paragraph(_text(text), body)]
            block.append(Spacer(1, 1.5 * mm))
        if not (section.rows or section.paragraphs or (section.table and section.table[1])):
            block.append(Paragraph(_text(section.empty), body))
        # A heading never ends a page alone: it stays with the start of its section.
        story += [KeepTogether(block[:3]), *block[3:], Spacer(1, 4 * mm)]

    footer = _("Printed by %(user)s (#%(id)s) on %(date)s") % {
        "user": printed_by.get_username(),
        "id": printed_by.pk,
        "date": _when(printed_at),
    }

    class NumberedCanvas(Canvas):
        """Holds each page until the end, so every footer can say "page N of M"."""

        def __init__(self, *args, **kwargs):
            super().__init__(*args, **kwargs)
            self._pages: list[dict] = []

        def showPage(self):  # noqa: N802 - reportlab's name
            self._pages.append(dict(self.__dict__))
            self._startPage()

        def save(self):
            total = len(self._pages)
            for number, state in enumerate(self._pages, start=1):
                self.__dict__.update(state)
                self.setFont(FONT, 7.5)
                self.setFillColor(colors.HexColor("#444"))
                self.drawString(margin, 10 * mm, footer)
                self.drawRightString(
                    A4[0] - margin,
                    10 * mm,
                    _("Page %(page)s of %(pages)s") % {"page": number, "pages": total},
                )
                super().showPage()
            super().save()

    buffer = io.BytesIO()
    doc = SimpleDocTemplate(
        buffer,
        pagesize=A4,
        leftMargin=margin,
        rightMargin=margin,
        topMargin=margin,
        bottomMargin=margin,
        # Document properties are seen without opening the file: the reference, no name.
        title=_("Case summary %(reference)s") % {"reference": case.reference},
        author="Homeward",
        creator="Homeward",
    )
    doc.build(story, canvasmaker=NumberedCanvas)
    return buffer.getvalue()


def download(user, case_id) -> HttpResponse:
    """The reader's summary of the case as a PDF download, recorded as an export; a case
    they may not read is the funnel's 404. The page and the API both answer with it."""
    viewer = case_part_for_user(user, case_id, Part.CASE)
    pdf = render(viewer, printed_by=user)
    services.case_summary_record(actor=user, viewer=viewer, parts=printed_parts(viewer))
    response = HttpResponse(pdf, content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="{filename(viewer.case)}"'
    response["Cache-Control"] = "no-store"
    return response
