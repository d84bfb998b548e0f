from dataclasses import dataclass, field
from datetime import date

from django.contrib.postgres.search import TrigramSimilarity, TrigramWordSimilarity
from django.db.models import F, Q
from django.db.models.functions import Coalesce, ExtractYear, Greatest
from django.utils import timezone

from casework.access import case_access_flag
from core.references import reference_for
from returnees.models import Returnee
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
