from collections.abc import Callable
from dataclasses import dataclass

from django.db import models
from django.db.models import F, Q, QuerySet, Value
from django.db.models.functions import ExtractDay, Now
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from agencies.models import Agency
from agencies.selectors import staff_of_manager
from casework.access import CaseViewer, audience_condition, cases_for_user
from casework.models import (
    INDICATORS,
    Case,
    CaseStatus,
    CaseStatusChange,
    Flag,
    FlagEvent,
    FlagStatus,
    Goal,
    GoalRevision,
    Note,
    Review,
    Severity,
    TriageAssessment,
)
from casework.parts import RULES, Part
from core.references import case_id_from_reference
from returnees.models import ADULT_AGE
from returnees.names import name_key


def caseload(user) -> QuerySet[Case]:
    """The cases a user may see, with what a caseload row shows, newest first."""
    return (
        cases_for_user(user)
        .select_related("returnee", "lead_agency", "assigned_worker")
        .order_by("-opened_on", "-pk")
    )


def case_search(queryset: QuerySet[Case], text: str) -> QuerySet[Case]:
    """Filter by case reference or by name in either script (trigram-indexed)."""
    text = text.strip()
    if not text:
        return queryset
    if (case_id := case_id_from_reference(text)) is not None:
        # A reference names one case; its letters ("HW") must not match names too.
        return queryset.filter(pk=case_id)
    key = name_key(text)
    if not key:
        return queryset.none()
    return queryset.filter(
        Q(returnee__name_key__contains=key) | Q(returnee__alias_key__contains=key)
    )


def minors_condition() -> Q:
    """Cases of people under 18 today: by birth date, or by the age given at intake
    plus the years since (the same rule as Returnee.age_on, in SQL)."""
    today = timezone.localdate()
    try:
        cutoff = today.replace(year=today.year - ADULT_AGE)
    except ValueError:  # 29 February
        cutoff = today.replace(year=today.year - ADULT_AGE, day=28)
    years_since_intake = ExtractDay(Now() - F("returnee__created_at")) / 365
    return Q(returnee__birth_date__gt=cutoff) | Q(
        returnee__birth_date__isnull=True,
        returnee__approximate_age__lt=ADULT_AGE - years_since_intake,
    )


def dependents_visible_to(user, case: Case) -> QuerySet[Case]:
    """Cases of the person's dependents, only those the user may see."""
    return (
        cases_for_user(user)
        .filter(returnee__parent_id=case.returnee_id)
        .select_related("returnee")
        .order_by("returnee__birth_date", "pk")
    )


def parent_case_visible_to(user, case: Case) -> Case | None:
    if case.returnee.parent_id is None:
        return None
    return (
        cases_for_user(user)
        .filter(returnee_id=case.returnee.parent_id)
        .select_related("returnee")
        .first()
    )


def notes_visible_to(viewer: CaseViewer, case: Case) -> QuerySet[Note]:
    return (
        Note.objects.filter(case=case)
        .filter(viewer.note_condition())
        .select_related("author", "corrects")
        .order_by("-occurred_at", "-pk")
    )


def flags_of(case: Case) -> QuerySet[Flag]:
    return case.flags.select_related("raised_by").order_by("-raised_at", "-pk")


def goals_of(case: Case) -> QuerySet[Goal]:
    return case.goals.select_related("owner_agency").order_by("target_date", "pk")


def triage_history(case: Case) -> list[TriageAssessment]:
    """Newest first, each with `changes`: what differs from the assessment before it."""
    assessments = list(
        case.assessments.select_related("assessor", "decision", "decision__decided_by").order_by(
            "-assessed_at", "-pk"
        )
    )
    for newer, older in zip(assessments, [*assessments[1:], None], strict=False):
        newer.changes = assessment_changes(older, newer)
    return assessments


def assessment_changes(older: TriageAssessment | None, newer: TriageAssessment) -> list[dict]:
    """Rows for the side-by-side view: category, each rating, the rationale."""
    fields = [("category", _("Risk category")), *INDICATORS, ("rationale", _("Rationale"))]
    rows = []
    for name, label in fields:
        before = getattr(older, name) if older else ""
        after = getattr(newer, name)
        if name in ("category", *dict(INDICATORS)):
            display = getattr(newer, f"get_{name}_display")()
            before_display = getattr(older, f"get_{name}_display")() if older else ""
        else:
            display, before_display = after, before
        rows.append(
            {
                "label": label,
                "before": before_display,
                "after": display,
                "changed": older is not None and before != after,
            }
        )
    return rows


# --- The case timeline ----------------------------------------------------------------


class TimelineKind(models.TextChoices):
    NOTE = "note", _("Notes")
    TRIAGE = "triage", _("Triage")
    FLAG = "flag", _("Flags")
    REVIEW = "review", _("Reviews")
    PLAN = "plan", _("Plan changes")
    STATUS = "status", _("Closure and reopening")
    REFERRAL = "referral", _("Referrals and partner updates")
    # Registered by intake (intake/apps.py): read from the audit trail of the person.
    LEGAL_STATUS = "legal_status", _("Legal status")
    TASK = "task", _("Tasks")
    DOCUMENT = "document", _("Documents")


# Sections other apps add to the case page (e.g. referrals' panel), each shown to the
# readers of one part: name in the template context -> (part, load(case)). Registered
# from the owning app's AppConfig.ready() with `case_page_section`. A section whose rows
# are each in a part of their own (documents: the part of a note of their visibility)
# gives no part, and its `load(viewer)` keeps the rows the viewer may read.
CASE_PAGE_SECTIONS: dict[str, tuple[Part | None, Callable]] = {}


def case_page_section(name: str, part: Part | None, load: Callable) -> None:
    CASE_PAGE_SECTIONS[name] = (part, load)


@dataclass(frozen=True)
class TimelineSource:
    """Entries of one kind another app adds to a case's timeline (e.g. referral events):
    `rows(case)` gives them, `at` names their time, `loader` loads a page of them.
    Entries each in a part of their own (documents: the part of a note of their
    visibility) give no `part` but `readable(viewer, rows)`, which keeps the entries
    the viewer may read."""

    kind: str
    part: Part | None
    rows: Callable[[Case], QuerySet]
    at: str
    loader: Callable[[], QuerySet]
    readable: Callable[[CaseViewer, QuerySet], QuerySet] | None = None


_OTHER_SOURCES: dict[str, TimelineSource] = {}


def timeline_source(source: TimelineSource) -> None:
    """Register a kind of entry from the owning app's AppConfig.ready()."""
    _OTHER_SOURCES[source.kind] = source


def _timeline_sources(viewer: CaseViewer, case: Case) -> dict[str, QuerySet]:
    """Each kind of entry the viewer may read: (its rows, their time). Notes are
    filtered by visibility; every other kind belongs to one part of the case."""
    by_part = [
        (TimelineKind.TRIAGE, Part.TRIAGE, case.assessments.all(), "assessed_at"),
        (TimelineKind.FLAG, Part.FLAGS, FlagEvent.objects.filter(case=case), "at"),
        (TimelineKind.REVIEW, Part.REVIEWS, case.reviews.all(), "reviewed_at"),
        (TimelineKind.STATUS, Part.REVIEWS, case.status_changes.all(), "at"),
        (TimelineKind.PLAN, Part.PLAN, GoalRevision.objects.filter(case=case), "changed_at"),
        *((s.kind, s.part, s.rows(case), s.at) for s in _OTHER_SOURCES.values() if s.part),
    ]
    sources = {TimelineKind.NOTE: (notes_visible_to(viewer, case), "occurred_at")}
    for kind, part, rows, at in by_part:
        if viewer.can_read(part):
            sources[kind] = (rows, at)
    for source in _OTHER_SOURCES.values():
        if source.part is None:
            sources[source.kind] = (source.readable(viewer, source.rows(case)), source.at)
    return sources


def timeline_kinds(viewer: CaseViewer, case: Case) -> list[tuple[str, str]]:
    allowed = _timeline_sources(viewer, case)
    return [(k.value, k.label) for k in TimelineKind if k in allowed]


def timeline(viewer: CaseViewer, case: Case, kinds: list[str] | None = None, text: str = ""):
    """(kind, id, at) rows of everything the viewer may see, newest first, as one
    UNION ALL query that paginates in SQL; `timeline_entries` loads a page.

    `text` searches the notes the viewer may read (and then shows only notes).
    """
    if text.strip():
        notes = notes_visible_to(viewer, case).filter(text__icontains=text.strip())
        return (
            notes.order_by("-occurred_at", "-pk")
            .annotate(entry_kind=Value(TimelineKind.NOTE.value), entry_at=F("occurred_at"))
            .values_list("entry_kind", "pk", "entry_at")
        )
    parts = [
        queryset.order_by()
        .annotate(entry_kind=Value(kind), entry_at=F(at_field))
        .values_list("entry_kind", "pk", "entry_at")
        for kind, (queryset, at_field) in _timeline_sources(viewer, case).items()
        if not kinds or kind in kinds
    ]
    if not parts:
        return Note.objects.none().values_list("pk", "pk", "occurred_at")
    first, *rest = parts
    return (
        first.union(*rest, all=True).order_by("-entry_at", "-pk")
        if rest
        else first.order_by("-entry_at", "-pk")
    )


def timeline_entries(rows) -> list[dict]:
    """Load the objects of one page of timeline rows: one query per kind present."""
    wanted: dict[str, list[int]] = {}
    for kind, pk, _at in rows:
        wanted.setdefault(kind, []).append(pk)
    loaders = {
        TimelineKind.NOTE: Note.objects.select_related("author"),
        TimelineKind.TRIAGE: TriageAssessment.objects.select_related("assessor", "decision"),
        TimelineKind.FLAG: FlagEvent.objects.select_related("flag", "actor"),
        TimelineKind.REVIEW: Review.objects.select_related("reviewed_by"),
        TimelineKind.STATUS: CaseStatusChange.objects.select_related("actor"),
        TimelineKind.PLAN: GoalRevision.objects.select_related("goal", "changed_by"),
        **{kind: source.loader() for kind, source in _OTHER_SOURCES.items()},
    }
    objects = {kind: loaders[kind].in_bulk(ids) for kind, ids in wanted.items()}
    return [
        {"kind": kind, "at": at, "object": objects[kind][pk]}
        for kind, pk, at in rows
        if pk in objects[kind]
    ]


# --- Program manager's weekly digest: casework's sections ------------------------------


def _programs(manager) -> QuerySet[Case]:
    """The cases of the agencies the manager belongs to."""
    return Case.objects.filter(lead_agency__group__user=manager)


def overdue_review_cases(manager, today) -> list[int]:
    overdue = _programs(manager).filter(status="open", next_review_on__lt=today)
    return list(overdue.order_by("next_review_on").values_list("pk", flat=True))


def urgent_flag_cases(manager, today) -> list[int]:
    # One flag must be both urgent and unresolved: exclude() across the relation would
    # drop a case for any resolved flag it ever had.
    unresolved_urgent = Flag.objects.filter(case=models.OuterRef("pk"), severity="urgent").exclude(
        status="resolved"
    )
    urgent = _programs(manager).filter(models.Exists(unresolved_urgent))
    return list(urgent.order_by("pk").values_list("pk", flat=True))


SEVERITY_ORDER = models.Case(
    models.When(severity=Severity.URGENT, then=models.Value(0)),
    models.When(severity=Severity.CONCERN, then=models.Value(1)),
    default=models.Value(2),
    output_field=models.IntegerField(),
)


def flags_board(
    user,
    region: str | None = None,
    category: str | None = None,
    source: str | None = None,
) -> QuerySet[Flag]:
    """Unresolved flags the user may see: most severe first, then oldest first.

    Flags are read by the audience of the flags part (casework/parts.py): the case
    team and police liaisons on cases they see; not a partner holding a referral.
    """
    if not (user.is_authenticated and user.is_active and user.has_perm("casework.view_flag")):
        return Flag.objects.none()
    visible = audience_condition(user, RULES[Part.FLAGS].read, case_ref="case")
    flags = Flag.objects.filter(visible).exclude(status=FlagStatus.RESOLVED)
    if region:
        flags = flags.filter(case__returnee__region=region)
    if category:
        flags = flags.filter(category=category)
    if source:
        flags = flags.filter(source=source)
    return (
        flags.select_related("case", "case__returnee")
        .annotate(severity_order=SEVERITY_ORDER)
        .order_by("severity_order", "raised_at", "pk")
    )


def staff_with_open_cases(manager) -> QuerySet:
    """The members of the manager's agencies (agencies.selectors.staff_of_manager), each
    with `open_cases`: their open cases led by those agencies (the staff page and API)."""
    mine = Agency.objects.filter(group__user=manager)
    open_here = Q(assigned_cases__status=CaseStatus.OPEN, assigned_cases__lead_agency__in=mine)
    return staff_of_manager(manager).annotate(
        open_cases=models.Count("assigned_cases", filter=open_here, distinct=True)
    )
