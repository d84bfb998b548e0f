"""Reads for the program manager's dashboard, the caseload report and its exports.

Every row starts from `cases_for_user`: a report never holds a case its reader
may not see. Conditions that a dashboard tile counts and a report filter
selects are written once here (`*_condition`), so a tile's number and the
report's row count for the same filter cannot drift apart. Aggregates are
computed by Postgres (GROUP BY, COUNT … FILTER, percentile_cont), never by a
Python loop over cases.
"""

import datetime
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from django.db.models import (
    Aggregate,
    Count,
    DurationField,
    ExpressionWrapper,
    F,
    Func,
    IntegerField,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    TextChoices,
    Value,
    When,
)
from django.db.models import Case as SqlCase
from django.db.models.functions import Coalesce, ExtractDay, Now, TruncMonth
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from agencies.models import AgencyKind
from casework.access import CHANGE, cases_for_user, part_flag
from casework.models import (
    Case,
    CaseStatus,
    Flag,
    FlagStatus,
    Goal,
    GoalDomain,
    GoalStatus,
    Note,
    Pathway,
    RiskCategory,
    Severity,
    TriageAssessment,
)
from casework.parts import NOTE_PARTS, RULES, TEAM, Part, part_of
from casework.selectors import minors_condition
from referrals.models import Referral, ReferralStatus
from returnees.models import Region, Sex

# --- Conditions shared by filters, tiles and charts ----------------------------------

OUTCOME_DOMAINS = [GoalDomain.EMPLOYMENT, GoalDomain.EDUCATION, GoalDomain.HOUSING]

AGE_BANDS = {  # key: (label, youngest, oldest)
    "under_18": (_("Under 18"), 0, 17),
    "18_25": (_("18–25"), 18, 25),
    "26_35": (_("26–35"), 26, 35),
    "36_50": (_("36–50"), 36, 50),
    "51_plus": (_("51 and over"), 51, 200),
}


def _years_ago(today: datetime.date, years: int) -> datetime.date:
    try:
        return today.replace(year=today.year - years)
    except ValueError:  # 29 February, as in minors_condition
        return today.replace(year=today.year - years, day=28)


def age_band_condition(band: str) -> Q:
    """Cases of people whose age today falls in the band: by birth date, or by the
    age given at intake plus the years since (the rule of `minors_condition`)."""
    if band == "under_18":
        return minors_condition()
    _label, youngest, oldest = AGE_BANDS[band]
    today = timezone.localdate()
    years_since_intake = ExtractDay(Now() - F("returnee__created_at")) / 365
    return Q(
        returnee__birth_date__lte=_years_ago(today, youngest),
        returnee__birth_date__gt=_years_ago(today, oldest + 1),
    ) | Q(
        returnee__birth_date__isnull=True,
        returnee__approximate_age__gte=youngest - years_since_intake,
        returnee__approximate_age__lt=oldest + 1 - years_since_intake,
    )


def overdue_condition() -> Q:
    return Q(status=CaseStatus.OPEN, next_review_on__lt=timezone.localdate())


# The conditions below on related rows are uncorrelated `id IN (SELECT case_id …)`
# sets, not correlated EXISTS: Postgres hashes each set once, where EXISTS inside
# COUNT(…) FILTER ran a subplan per case (bench, 50,000 visible cases: the tiles
# query 1.5 s → 0.4 s, outcomes 0.95 s → 0.15 s). access.case_access_condition
# is written this way for the same reason.


def _case_in(queryset: QuerySet) -> Q:
    return Q(pk__in=queryset.order_by().values("case_id"))


def open_flags_condition() -> Q:
    return _case_in(Flag.objects.exclude(status=FlagStatus.RESOLVED))


def urgent_flags_condition() -> Q:
    return _case_in(
        Flag.objects.filter(severity=Severity.URGENT).exclude(status=FlagStatus.RESOLVED)
    )


def pending_approval_condition() -> Q:
    """A triage that moves the case to or from violent and waits for a manager."""
    return _case_in(TriageAssessment.objects.filter(needs_approval=True, decision__isnull=True))


def awaiting_response_condition() -> Q:
    """A referral sent to a partner that has not answered yet."""
    return _case_in(Referral.objects.filter(status=ReferralStatus.SENT))


def outcome_condition(domain: str) -> Q:
    """A support-plan goal of this domain achieved: work, school or housing reached."""
    return _case_in(Goal.objects.filter(domain=domain, status=GoalStatus.ACHIEVED))


# --- Report rows ---------------------------------------------------------------------


class DaysBetween(Func):
    """`later - earlier` of two dates, in days (Postgres date arithmetic)."""

    arg_joiner = " - "
    template = "(%(expressions)s)"
    output_field = IntegerField()


def _count(queryset: QuerySet) -> Coalesce:
    """A correlated COUNT of `queryset` (already filtered on OuterRef('pk')), 0 when none."""
    counted = queryset.order_by().values("case").annotate(n=Count("pk")).values("n")
    return Coalesce(Subquery(counted, output_field=IntegerField()), 0)


def _referrals(*statuses) -> Coalesce:
    return _count(Referral.objects.filter(case=OuterRef("pk"), status__in=statuses))


class Kind(StrEnum):
    """What a column holds; each channel writes a kind one way (exports._converter,
    apis._field, views._page_value)."""

    REFERENCE = "reference"  # the case's id, written as its reference (HW-000123)
    CHOICE = "choice"  # a stored value, written as its label (`Column.choices`)
    TEXT = "text"
    INTEGER = "integer"
    DATE = "date"
    DATETIME = "datetime"  # a moment, exported and shown as its local date
    LIST = "list"  # texts, exported joined by "; "


@dataclass(frozen=True)
class Column:
    """A column of the report, declared once: the query (`report_rows`), the CSV and
    XLSX exports, the API's rows and the report page all read it from `COLUMNS`.

    Who may read it is the part its key belongs to (casework/parts.py): the key is
    also its annotation, API field and export column, so a new column's key must be
    a field of a part first.
    """

    key: str
    heading: str
    # Built per query (dates are today's); None: the case's own field of that name.
    expression: Callable[[], Any] | None
    kind: Kind
    choices: type[TextChoices] | None = None  # the labels of a CHOICE
    # Empty on some cases for every reader (no worker assigned, not triaged yet): null,
    # or blank for a choice, in the API's schema.
    optional: bool = False
    # The report page's heading when shorter; consecutive columns under the same
    # heading share one cell ("1 / 0 / 2 / 0").
    page_heading: str | None = None

    @property
    def part(self) -> Part:
        return part_of(self.key)

    @property
    def field(self) -> str:
        """The name of its value in a `report_rows` row (the reference: the case's id)."""
        return "pk" if self.kind == Kind.REFERENCE else self.key


def _days_in_program() -> DaysBetween:
    return DaysBetween(Coalesce(F("closed_on"), Value(timezone.localdate())), F("opened_on"))


def _last_contact() -> Subquery:
    return Subquery(
        Note.objects.filter(case=OuterRef("pk"), visibility__in=_report_note_levels())
        .order_by("-occurred_at")
        .values("occurred_at")[:1]
    )


def _overdue_days() -> SqlCase:
    return SqlCase(
        When(
            overdue_condition(), then=DaysBetween(Value(timezone.localdate()), F("next_review_on"))
        ),
        default=Value(0),
        output_field=IntegerField(),
    )


REFERRALS_CELL = _("Referrals: awaiting / active / completed / declined")
GOALS_CELL = _("Goals achieved")

# The columns of a report row (pseudonymised), in export order.
COLUMNS = [
    Column("reference", _("Reference"), None, Kind.REFERENCE),
    Column("region", _("Region"), lambda: F("returnee__region"), Kind.CHOICE, choices=Region),
    Column(
        "category",
        _("Risk category"),
        None,
        Kind.CHOICE,
        choices=RiskCategory,
        optional=True,
        page_heading=_("Category"),
    ),
    Column("pathway", _("Pathway"), None, Kind.CHOICE, choices=Pathway, optional=True),
    Column("status", _("Status"), None, Kind.CHOICE, choices=CaseStatus),
    Column(
        "worker",
        _("Assigned worker"),
        lambda: F("assigned_worker__username"),
        Kind.TEXT,
        optional=True,
        page_heading=_("Worker"),
    ),
    Column("days_in_program", _("Days in program"), _days_in_program, Kind.INTEGER),
    Column("last_contact", _("Last contact"), _last_contact, Kind.DATETIME, optional=True),
    Column("next_review_on", _("Next review"), None, Kind.DATE, optional=True),
    Column("overdue_days", _("Overdue days"), _overdue_days, Kind.INTEGER),
    Column(
        "open_flags",
        _("Open flags"),
        lambda: _count(
            Flag.objects.filter(case=OuterRef("pk")).exclude(status=FlagStatus.RESOLVED)
        ),
        Kind.INTEGER,
    ),
    Column(
        "referrals_awaiting",
        _("Referrals awaiting answer"),
        lambda: _referrals(ReferralStatus.SENT),
        Kind.INTEGER,
        page_heading=REFERRALS_CELL,
    ),
    Column(
        "referrals_active",
        _("Referrals accepted or in progress"),
        lambda: _referrals(ReferralStatus.ACCEPTED, ReferralStatus.IN_PROGRESS),
        Kind.INTEGER,
        page_heading=REFERRALS_CELL,
    ),
    Column(
        "referrals_completed",
        _("Referrals completed"),
        lambda: _referrals(ReferralStatus.COMPLETED),
        Kind.INTEGER,
        page_heading=REFERRALS_CELL,
    ),
    Column(
        "referrals_declined",
        _("Referrals declined"),
        lambda: _referrals(ReferralStatus.DECLINED),
        Kind.INTEGER,
        page_heading=REFERRALS_CELL,
    ),
    Column(
        "goals_achieved",
        _("Plan goals achieved"),
        lambda: _count(Goal.objects.filter(case=OuterRef("pk"), status=GoalStatus.ACHIEVED)),
        Kind.INTEGER,
        page_heading=GOALS_CELL,
    ),
    Column(
        "goals_total",
        _("Plan goals"),
        lambda: _count(Goal.objects.filter(case=OuterRef("pk"))),
        Kind.INTEGER,
        page_heading=GOALS_CELL,
    ),
]


def _person(field: str) -> Callable[[], F]:
    return lambda: F(f"returnee__{field}")


# Added only to an identified export (a separate permission, a stated purpose); never
# on the page or in the API.
IDENTIFIED_COLUMNS = [
    Column("given_name", _("Given name"), _person("given_name"), Kind.TEXT),
    Column("family_name", _("Family name"), _person("family_name"), Kind.TEXT),
    Column("patronymic", _("Patronymic"), _person("patronymic"), Kind.TEXT),
    Column("aliases", _("Aliases"), _person("aliases"), Kind.LIST),
    Column("birth_date", _("Date of birth"), _person("birth_date"), Kind.DATE),
    Column("sex", _("Sex"), _person("sex"), Kind.CHOICE, choices=Sex),
    Column("phone", _("Phone"), _person("phone"), Kind.TEXT),
    Column("address", _("Address"), _person("address"), Kind.TEXT),
]


# Who reads every case of a report: its case team (report_cases).
REPORT_SCOPE = TEAM


def report_cases(user) -> QuerySet[Case]:
    """The cases of the reader's program: those whose case team they are on (the lead
    agency's, or assigned). A report counts cases by category, flags, overdue reviews
    and referrals — the team's knowledge (casework/parts.py) — so a case held only
    through a referral or police jurisdiction is not in it, not even as a count."""
    return cases_for_user(user, CHANGE)


def report_rows(cases: QuerySet[Case], *, reader, identified: bool = False) -> QuerySet[Case]:
    """One annotated row per case of `cases` (already filtered), newest first.

    Every figure is a correlated subquery on an indexed case column, so a page
    of 50 rows costs one query and an export streams in one pass. Each row also
    says, per part of the case a column belongs to, whether `reader` may read it
    there (`reads_<part>`, casework/parts.py); `hide_unread` and the exports blank
    what they may not. `identified`: add the person's names and contact details.
    """
    report = report_columns(identified=identified)
    rows = cases.annotate(**{c.key: c.expression() for c in report if c.expression})
    rows = rows.annotate(
        **{f"reads_{part}": part_flag(reader, part) for part in gated_parts(c.key for c in report)}
    )
    return rows.order_by("-opened_on", "-pk")


def _report_note_levels() -> list[str]:
    """Note visibilities every reader of a report reads: a note they may not read
    (clinical) does not even date the last contact."""
    return [level for level, part in NOTE_PARTS.items() if RULES[part].read.covers(REPORT_SCOPE)]


def report_values(rows: QuerySet[Case], *, identified: bool):
    """The rows as plain tuples in column order, then one `reads_<part>` flag per
    gated part (in `gated_parts` order), for exports (no model instances)."""
    report = report_columns(identified=identified)
    fields = [c.field for c in report]
    fields += [f"reads_{part}" for part in gated_parts(c.key for c in report)]
    return rows.values_list(*fields)


def gated_parts(keys: Iterable[str]) -> list[Part]:
    """The parts of these columns that not every reader of a report's case may read
    (none while the team reads them all: then no row pays for a flag)."""
    parts = {part_of(key) for key in keys}
    return [part for part in Part if part in parts and not RULES[part].read.covers(REPORT_SCOPE)]


def hide_unread(rows, *, identified: bool = False) -> None:
    """Blank, on these report rows (model instances), every column of a part the
    reader may not read on that case (the rows' `reads_<part>` flags)."""
    gated = gated_parts(column_keys(identified=identified))
    for row in rows:
        for part in gated:
            if not getattr(row, f"reads_{part}"):  # no flag: a bug, never shown
                for key in RULES[part].fields:
                    if hasattr(row, key):
                        setattr(row, key, None)


def report_columns(*, identified: bool) -> list[Column]:
    return COLUMNS + (IDENTIFIED_COLUMNS if identified else [])


def column(key: str) -> Column:
    """The column of this key, pseudonymised or identified (a KeyError for no column)."""
    return {c.key: c for c in report_columns(identified=True)}[key]


def columns(*, identified: bool) -> list[tuple[str, str]]:
    """(key, heading) of each column, in export order."""
    return [(c.key, c.heading) for c in report_columns(identified=identified)]


def column_keys(*, identified: bool) -> list[str]:
    return [c.key for c in report_columns(identified=identified)]


# --- Aggregates ----------------------------------------------------------------------


class Median(Aggregate):
    """The continuous median (percentile_cont 0.5); NULLs are ignored."""

    function = "percentile_cont"
    template = "%(function)s(0.5) WITHIN GROUP (ORDER BY %(expressions)s)"
    output_field = DurationField()


@dataclass(frozen=True)
class Tile:
    key: str
    label: str
    count: int
    params: dict  # the report filter that lists exactly these cases


def tile_definitions() -> list[tuple[str, str, Q, dict]]:
    """(key, label, condition, report filter params) of each dashboard tile."""
    open_ = {"status": CaseStatus.OPEN.value}
    tiles = [("open", _("Open cases"), Q(status=CaseStatus.OPEN), open_)]
    for category in RiskCategory:
        tiles.append(
            (
                f"category_{category.value}",
                _("Open, %(category)s") % {"category": category.label},
                Q(status=CaseStatus.OPEN, category=category),
                {**open_, "category": category.value},
            )
        )
    for pathway in Pathway:
        tiles.append(
            (
                f"pathway_{pathway.value}",
                _("Open, pathway: %(pathway)s") % {"pathway": pathway.label},
                Q(status=CaseStatus.OPEN, pathway=pathway),
                {**open_, "pathway": pathway.value},
            )
        )
    tiles += [
        (
            "pending_approval",
            _("Triage decisions awaiting approval"),
            pending_approval_condition(),
            {"pending_approval": "on"},
        ),
        ("overdue", _("Overdue reviews"), overdue_condition(), {"overdue": "on"}),
        (
            "urgent_flags",
            _("Cases with open urgent flags"),
            urgent_flags_condition(),
            {"urgent_flags": "on"},
        ),
        (
            "awaiting_response",
            _("Cases with referrals awaiting an answer"),
            awaiting_response_condition(),
            {"awaiting_response": "on"},
        ),
        (
            "minors",
            _("Minors in the open caseload"),
            Q(status=CaseStatus.OPEN) & minors_condition(),
            {**open_, "minors": "on"},
        ),
    ]
    return tiles


def tiles(cases: QuerySet[Case], current: dict) -> list[Tile]:
    """One query: every tile's count over `cases` (already filtered).

    A tile whose filter contradicts the current one (e.g. status=closed) counts
    0 and has no link: its cases are not in the current selection.
    """
    definitions = tile_definitions()
    counts = cases.order_by().aggregate(
        **{key: Count("pk", filter=condition) for key, _l, condition, _p in definitions}
    )
    result = []
    for key, label, _condition, params in definitions:
        # A checkbox filter repeated is the same filter; a different choice is a clash.
        clash = any(v != "on" and current.get(k) not in (None, "", v) for k, v in params.items())
        result.append(
            Tile(key=key, label=str(label), count=counts[key], params=None if clash else params)
        )
    return result


def outcomes(cases: QuerySet[Case]) -> list[dict]:
    """Cases that reached work, school or housing (an achieved goal of that domain)."""
    counts = cases.order_by().aggregate(
        total=Count("pk"),
        **{d.value: Count("pk", filter=outcome_condition(d)) for d in OUTCOME_DOMAINS},
    )
    return [
        {"domain": d.value, "label": str(d.label), "cases": counts[d.value], "of": counts["total"]}
        for d in OUTCOME_DOMAINS
    ]


def cases_by_region_and_category(cases: QuerySet[Case]) -> dict:
    """Rows: regions; columns: risk categories (and not yet triaged)."""
    grouped = (
        cases.order_by()
        .values("returnee__region", "category")
        .annotate(n=Count("pk"))
        .values_list("returnee__region", "category", "n")
    )
    counts = {(region, category): n for region, category, n in grouped}
    categories = [(c.value, str(c.label)) for c in RiskCategory] + [("", str(_("Not triaged")))]
    regions = [(r.value, str(r.label)) for r in Region]
    return {
        "categories": [{"key": k, "label": label} for k, label in categories],
        "rows": [
            {
                "region": key,
                "label": label,
                "counts": [counts.get((key, c), 0) for c, _l in categories],
                "total": sum(counts.get((key, c), 0) for c, _l in categories),
            }
            for key, label in regions
        ],
    }


def _month_starts(today: datetime.date, months: int) -> list[datetime.date]:
    starts = []
    for back in range(months - 1, -1, -1):
        year, month = divmod(today.year * 12 + today.month - 1 - back, 12)
        starts.append(datetime.date(year, month + 1, 1))
    return starts


def monthly_intakes_and_closures(cases: QuerySet[Case], months: int = 12) -> list[dict]:
    """Cases opened and closed in each of the last `months` months (two GROUP BY queries)."""
    starts = _month_starts(timezone.localdate(), months)
    opened = dict(
        cases.order_by()
        .filter(opened_on__gte=starts[0])
        .annotate(month=TruncMonth("opened_on"))
        .values("month")
        .annotate(n=Count("pk"))
        .values_list("month", "n")
    )
    closed = dict(
        cases.order_by()
        .filter(closed_on__gte=starts[0])
        .annotate(month=TruncMonth("closed_on"))
        .values("month")
        .annotate(n=Count("pk"))
        .values_list("month", "n")
    )
    return [
        {
            "month": start.isoformat()[:7],
            "opened": opened.get(start, 0),
            "closed": closed.get(start, 0),
        }
        for start in starts
    ]


def referrals_by_agency_kind(cases: QuerySet[Case]) -> list[dict]:
    """Per kind of receiving agency: referrals sent, answered, accepted, and the median
    days from sending to the answer (accept or decline; `responded_at` is set by
    exactly those two services)."""
    response_time = ExpressionWrapper(
        F("responded_at") - F("sent_at"), output_field=DurationField()
    )
    grouped = (
        Referral.objects.filter(case__in=cases.order_by().values("pk"), sent_at__isnull=False)
        .order_by()
        .values("to_agency__kind")
        .annotate(
            sent=Count("pk"),
            answered=Count("pk", filter=Q(responded_at__isnull=False)),
            accepted=Count(
                "pk", filter=Q(responded_at__isnull=False) & ~Q(status=ReferralStatus.DECLINED)
            ),
            median=Median(response_time),
        )
    )
    by_kind = {row["to_agency__kind"]: row for row in grouped}
    result = []
    for kind in AgencyKind:
        row = by_kind.get(kind.value)
        if row is None:
            continue
        median = row["median"]
        result.append(
            {
                "kind": kind.value,
                "label": str(kind.label),
                "sent": row["sent"],
                "answered": row["answered"],
                "accepted": row["accepted"],
                "acceptance_percent": (
                    round(100 * row["accepted"] / row["answered"]) if row["answered"] else None
                ),
                "median_days": (
                    round(median.total_seconds() / 86400, 1) if median is not None else None
                ),
            }
        )
    return result


def dashboard(cases: QuerySet[Case], current: dict) -> dict:
    """Everything the dashboard, its API and the PDF summary show, for `cases`."""
    return {
        "tiles": tiles(cases, current),
        "by_region": cases_by_region_and_category(cases),
        "monthly": monthly_intakes_and_closures(cases),
        "referrals": referrals_by_agency_kind(cases),
        "outcomes": outcomes(cases),
    }
