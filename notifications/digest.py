"""A program manager's weekly digest: case references only, since it travels by email.

Each section is declared by the app that owns what it counts (casework: overdue
reviews and urgent flags; referrals: unanswered referrals) with `digest_section`,
from its AppConfig.ready(); sections appear in that order (INSTALLED_APPS).
"""

import datetime
from collections.abc import Callable
from dataclasses import dataclass

from django.utils import timezone

from core.references import reference_for

# manager, today -> ids of the manager's cases the section lists
CaseIds = Callable[[object, datetime.date], list[int]]


@dataclass(frozen=True)
class DigestSection:
    key: str
    heading: str  # "…: %(count)s", translated when the email is written
    case_ids: CaseIds


_SECTIONS: dict[str, DigestSection] = {}


def digest_section(key: str, heading: str, case_ids: CaseIds) -> None:
    _SECTIONS[key] = DigestSection(key, heading, case_ids)


@dataclass(frozen=True)
class WeeklyDigest:
    """(section, case references) in the sections' order; `digest.<key>` reads one."""

    sections: tuple[tuple[DigestSection, list[str]], ...]

    def __getattr__(self, key: str) -> list[str]:
        for section, references in self.sections:
            if section.key == key:
                return references
        raise AttributeError(key)


def weekly_digest(manager) -> WeeklyDigest:
    """What needs attention in the manager's programs (the agencies they belong to)."""
    today = timezone.localdate()
    return WeeklyDigest(
        tuple(
            (section, [reference_for(pk) for pk in section.case_ids(manager, today)])
            for section in _SECTIONS.values()
        )
    )
