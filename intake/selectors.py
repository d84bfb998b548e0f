import datetime
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date

from django.contrib.auth import get_user_model
from django.contrib.postgres.fields import ArrayField
from django.contrib.postgres.search import TrigramSimilarity, TrigramWordSimilarity
from django.db import models
from django.db.models import Case as Choose
from django.db.models import F, OuterRef, Q, QuerySet, Subquery, Value, When
from django.db.models.fields.json import KT
from django.db.models.functions import Coalesce, Concat, ExtractYear, Greatest, NullIf, Trim
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.text import capfirst

from audit.models import AuditAction, AuditEvent
from casework.access import case_access_flag
from casework.models import Case
from core.references import reference_for
from returnees.models import LegalStatus, Returnee
from returnees.names import name_key

# Trigram similarity (0–1) of folded names above which two records may be one person.
NAME_MATCH = 0.5
# Without any birth information to compare, only near-identical names are reported.
NAME_ONLY_MATCH = 0.75
# With exact dates of birth on both sides that differ, the names must be this close.
DIFFERENT_DATE_MATCH = 0.8
BIRTH_YEAR_WINDOW = 2
MIN_KEY_LENGTH = 3


@dataclass(frozen=True)
class VisibleMatch:
    case_id: int
    full_name: str
    birth_date: date | None
    agency_name: str
    similarity: float

    @property
    def reference(self) -> str:
        return reference_for(self.case_id)


@dataclass(frozen=True)
class DuplicateReport:
    """Likely existing records of a person being registered.

    `visible` holds records the user may open; `other_agencies` only names the
    agencies holding the rest: nothing else about them leaves this function.
    """

    visible: list[VisibleMatch] = field(default_factory=list)
    other_agencies: list[str] = field(default_factory=list)

    def __bool__(self) -> bool:
        return bool(self.visible or self.other_agencies)


def _birth_year(birth_date: date | None, approximate_age: int | None) -> int | None:
    if birth_date is not None:
        return birth_date.year
    if approximate_age is not None:
        return timezone.localdate().year - approximate_age
    return None


def _dates_compatible(entered: date, recorded: date | None, similarity: float) -> bool:
    """Two exact dates of birth agree, or differ as a typo would (year or day and month)."""
    if recorded is None or recorded == entered:
        return True
    typo = recorded.year == entered.year or (recorded.month, recorded.day) == (
        entered.month,
        entered.day,
    )
    return typo and similarity >= DIFFERENT_DATE_MATCH


def possible_duplicates(
    *,
    user,
    given_name: str,
    family_name: str,
    aliases: list[str] | tuple[str, ...] = (),
    birth_date: date | None = None,
    approximate_age: int | None = None,
    exclude_returnee_id: int | None = None,
    limit: int = 10,
) -> DuplicateReport:
    """Find records that are probably the same person, across agencies and scripts.

    Names are compared as script-folded keys (returnees.names) by pg_trgm
    similarity, through the GIN indexes; birth dates narrow the candidates.
    """
    keys = [name_key(given_name, family_name), *(name_key(a) for a in aliases)]
    keys = list(dict.fromkeys(k for k in keys if len(k) >= MIN_KEY_LENGTH))
    if not keys or not (given_name.strip() and family_name.strip()):
        return DuplicateReport()

    candidates = Q()
    similarities = []
    for key in keys:
        candidates |= Q(name_key__trigram_similar=key) | Q(alias_key__trigram_word_similar=key)
        similarities += [
            TrigramSimilarity("name_key", key),
            TrigramWordSimilarity(key, "alias_key"),
        ]
    queryset = Returnee.objects.filter(candidates).annotate(
        similarity=Greatest(*similarities) if len(similarities) > 1 else similarities[0],
        visible=case_access_flag(user, case_ref="case__id"),
    )

    year = _birth_year(birth_date, approximate_age)
    if year is None:
        queryset = queryset.filter(similarity__gte=NAME_ONLY_MATCH)
    else:
        queryset = queryset.annotate(
            birth_year=Coalesce(
                ExtractYear("birth_date"), ExtractYear("created_at") - F("approximate_age")
            )
        ).filter(
            similarity__gte=NAME_MATCH,
            birth_year__gte=year - BIRTH_YEAR_WINDOW,
            birth_year__lte=year + BIRTH_YEAR_WINDOW,
        )
    if exclude_returnee_id is not None:
        queryset = queryset.exclude(pk=exclude_returnee_id)
    rows = queryset.order_by("-similarity", "pk").values(
        "case__id",
        "given_name",
        "family_name",
        "patronymic",
        "birth_date",
        "case__lead_agency__name",
        "visible",
        "similarity",
    )[: limit * 3]

    visible: list[VisibleMatch] = []
    other_agencies: list[str] = []
    for row in rows:
        if birth_date is not None and not _dates_compatible(
            birth_date, row["birth_date"], row["similarity"]
        ):
            continue
        if row["visible"]:
            visible.append(
                VisibleMatch(
                    case_id=row["case__id"],
                    full_name=" ".join(
                        p for p in (row["family_name"], row["given_name"], row["patronymic"]) if p
                    ),
                    birth_date=row["birth_date"],
                    agency_name=row["case__lead_agency__name"],
                    similarity=row["similarity"],
                )
            )
        elif row["case__lead_agency__name"] not in other_agencies:
            other_agencies.append(row["case__lead_agency__name"])
    return DuplicateReport(visible=visible[:limit], other_agencies=other_agencies[:limit])


# --- The person's history, read from the audit trail ----------------------------------------
# Every change of a returnee row is written by a database trigger with the old and new
# values of the columns it changed (audit/migrations/0002_triggers.py, docs/audit.md):
# the history of each field is read from there, never kept twice.

NO_VALUE = "—"


@dataclass(frozen=True)
class FieldChange:
    name: str
    label: str
    before: str
    after: str
    old: object
    new: object


@dataclass(frozen=True)
class PersonChange:
    """One save of the person: when, by whom, and the fields it changed."""

    id: int
    at: datetime.datetime
    actor: str
    changes: list[FieldChange]


def _person_changes(case: Case) -> QuerySet[AuditEvent]:
    """Changes of the person's row after intake, newest first (index returnee_id, at)."""
    return AuditEvent.objects.filter(
        returnee_id=case.returnee_id,
        object_type="returnees.returnee",
        action=AuditAction.CHANGED,
        detail__op="update",
    ).order_by("-at", "-id")


def person_history(case: Case, fields: Sequence[str]) -> QuerySet[AuditEvent]:
    """The changes of the person that touched any of `fields` (the person's fields the
    reader may read), newest first; `person_changes` turns a page of them into rows."""
    if not fields:
        return AuditEvent.objects.none()
    return _person_changes(case).filter(detail__new__has_any_keys=list(fields))


def _shown(model_field, value) -> str:
    """A value of the person (stored, or as the audit trail's JSON keeps it) as a person
    reads it: choices by their label, dates in the reader's format, lists joined."""
    if value is None or value == "" or value == []:
        return NO_VALUE
    if isinstance(model_field, ArrayField):
        return ", ".join(_shown(model_field.base_field, item) for item in value)
    if model_field.choices:
        return str(dict(model_field.flatchoices).get(value, value))
    if isinstance(model_field, models.DateField):
        if isinstance(value, str):
            try:
                value = date.fromisoformat(value)
            except ValueError:
                return value
        return date_format(value, "DATE_FORMAT")
    return str(value)


def person_values(returnee: Returnee, fields: Sequence[str]) -> list[tuple[str, str]]:
    """(label, value as shown) of these fields of the person, as stored now."""
    return [
        (
            capfirst(Returnee._meta.get_field(name).verbose_name),
            _shown(Returnee._meta.get_field(name), getattr(returnee, name)),
        )
        for name in fields
    ]


def person_changes(events: Iterable[AuditEvent], fields: Sequence[str]) -> list[PersonChange]:
    """A page of the person's changes as rows: each changed field of `fields`, its label,
    the value before and after; who made the change (one query for their names)."""
    events = list(events)
    users = {
        user.pk: user.get_full_name() or user.get_username()
        for user in get_user_model().objects.filter(
            pk__in={e.actor_id for e in events if e.actor_id is not None}
        )
    }
    rows = []
    for event in events:
        old, new = event.detail.get("old", {}), event.detail.get("new", {})
        changes = []
        for name in fields:
            if name not in new:
                continue
            model_field = Returnee._meta.get_field(name)
            changes.append(
                FieldChange(
                    name=name,
                    label=capfirst(model_field.verbose_name),
                    before=_shown(model_field, old.get(name)),
                    after=_shown(model_field, new[name]),
                    old=old.get(name),
                    new=new[name],
                )
            )
        actor = users.get(event.actor_id) or event.actor_username or NO_VALUE
        rows.append(PersonChange(id=event.pk, at=event.at, actor=actor, changes=changes))
    return rows


# --- Legal-status changes on the case timeline (registered in intake/apps.py) ----------------


def legal_status_changes(case: Case) -> QuerySet[AuditEvent]:
    return _person_changes(case).filter(detail__new__has_key="legal_status")


def _label_of(key: str) -> Choose:
    return Choose(
        *(When(**{key: value}, then=Value(str(label))) for value, label in LegalStatus.choices),
        default=KT(key),
        output_field=models.CharField(),
    )


def legal_status_entries() -> QuerySet[AuditEvent]:
    """Loads timeline entries of legal-status changes: the statuses by their labels in
    the reader's language and who changed it, in the one query that loads the page."""
    users = get_user_model().objects.filter(pk=OuterRef("actor_id"))
    full_name = Trim(Concat("first_name", Value(" "), "last_name"))
    return AuditEvent.objects.annotate(
        status_before=_label_of("detail__old__legal_status"),
        status_after=_label_of("detail__new__legal_status"),
        actor_name=Coalesce(
            Subquery(users.values(name=Coalesce(NullIf(full_name, Value("")), "username"))[:1]),
            NullIf("actor_username", Value("")),
            Value(NO_VALUE),
        ),
    )
