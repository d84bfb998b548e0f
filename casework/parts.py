"""What each reader sees of a case, and who may write each part: declared once.

A case is read in parts (identity basics, contact, return and legal details,
the needs screen, triage, the plan, notes by visibility, flags…). For each part
this module says who may read it and who may write it, and which fields of the
person and the case belong to it. Every channel asks this declaration — the
case page and its header, the API serializers, the timeline, the caseload
report and its exports, the write funnels of pages and API — and none keeps a
list of its own. `tests/test_field_agreement.py` asserts, for every role, part
and channel, that a marker written into each part shows exactly where this
table allows.

Who is an *audience*, decided from the reader's relationship with the one case
(docs/access.md): the object permissions they hold on it (granted by intake,
assignment, referrals, police jurisdiction and revoked by the actions that end
them) and, for readers of the case, whether they are a police liaison or
health staff. Roles (model permissions) decide what someone may do at all and
are checked before this; `is_superuser` plays no part anywhere.
"""

from dataclasses import dataclass

from django.db import models
from django.utils.translation import gettext_lazy as _

from casework.models import NoteVisibility

VIEW = "view_case"
CHANGE = "change_case"


@dataclass(frozen=True)
class Audience:
    """Readers qualify when they hold any of `perms` on the case, or read it (hold
    view_case) as a police liaison (`police`) or as health staff (`health`)."""

    perms: frozenset[str] = frozenset()
    police: bool = False
    health: bool = False

    def __or__(self, other: "Audience") -> "Audience":
        return Audience(
            perms=self.perms | other.perms,
            police=self.police or other.police,
            health=self.health or other.health,
        )

    def admits(self, *, perms: frozenset[str], police: bool, health: bool) -> bool:
        return bool(self.perms & perms) or (self.police and police) or (self.health and health)

    def covers(self, other: "Audience") -> bool:
        """Whether everyone in `other` is in this audience too."""
        return (
            other.perms <= self.perms
            and (self.police or not other.police)
            and (self.health or not other.health)
        )

    def describe(self) -> str:
        """In the words of docs/access.md's table of parts (a test keeps them equal)."""
        if self == EVERY_READER:
            return "every reader"
        words = ["case team"] if CHANGE in self.perms else []
        words += [f"`{codename}`" for codename in sorted(self.perms - {CHANGE})]
        words += ["police liaisons"] * self.police + ["health staff"] * self.health
        return ", ".join(words) or "nobody"


def holders(*codenames: str) -> Audience:
    return Audience(perms=frozenset(codenames))


NOBODY = Audience()
EVERY_READER = holders(VIEW)
# The case team: the lead agency and the assigned worker (holders of change_case).
TEAM = holders(CHANGE)
POLICE = Audience(police=True)
HEALTH = Audience(health=True)


class Part(models.TextChoices):
    CASE = "case", _("Case basics")
    IDENTITY = "identity", _("Identity basics")
    CONTACT = "contact", _("Residence and contact")
    RETURN_LEGAL = "return_legal", _("Departure, return and legal status")
    NEEDS = "needs", _("Needs screen")
    FAMILY = "family", _("Family: dependents and family contacts")
    CATEGORY = "category", _("Risk category and pathway")
    TRIAGE = "triage", _("Triage assessments and decisions")
    PLAN = "plan", _("Support plan")
    REVIEWS = "reviews", _("Reviews, follow-ups, closure and reopening")
    FLAGS = "flags", _("Monitoring flags")
    CUSTODY = "custody", _("Custody")
    REFERRALS = "referrals", _("Referrals, consent and lead transfers")
    NOTES_CASE_TEAM = "notes_case_team", _("Notes for the case team")
    NOTES_CLINICAL = "notes_clinical", _("Clinical notes")
    NOTES_POLICE = "notes_police", _("Notes shared with police")
    NOTES_ALL_AGENCIES = "notes_all_agencies", _("Notes shared with all engaged agencies")
    TASKS = "tasks", _("Tasks")


@dataclass(frozen=True)
class Rule:
    read: Audience
    write: Audience
    # Fields of the person and the case in this part, by the name every channel
    # uses for them (model field, API field and export column alike).
    fields: tuple[str, ...] = ()


RULES: dict[Part, Rule] = {
    Part.CASE: Rule(
        read=EVERY_READER,
        write=TEAM,
        fields=(
            "id",
            "reference",
            "status",
            "lead_agency",
            "assigned_worker",
            "worker",
            "opened_on",
            "closed_on",
            "closure_reason",
            "days_in_program",
            "version",
        ),
    ),
    Part.IDENTITY: Rule(
        read=EVERY_READER,
        write=TEAM,
        fields=(
            "full_name",
            "given_name",
            "family_name",
            "patronymic",
            "aliases",
            "birth_date",
            "approximate_age",
            "sex",
            "citizenship_status",
            "region",
        ),
    ),
    Part.CONTACT: Rule(
        read=TEAM | holders("view_case_contact"),
        write=TEAM,
        fields=("district", "address", "phone", "languages"),
    ),
    Part.RETURN_LEGAL: Rule(
        read=TEAM,
        write=TEAM,
        fields=("conflict_zone", "departure_date", "return_date", "return_route", "legal_status"),
    ),
    Part.NEEDS: Rule(read=TEAM, write=TEAM, fields=("needs",)),
    Part.FAMILY: Rule(read=TEAM, write=TEAM, fields=("parent_case_id",)),
    Part.CATEGORY: Rule(
        read=TEAM | holders("view_case_triage"),
        write=TEAM,
        fields=("category", "pathway", "pathway_override_reason"),
    ),
    Part.TRIAGE: Rule(read=TEAM, write=TEAM),
    Part.PLAN: Rule(
        read=TEAM | holders("view_case_plan"),
        write=TEAM,
        fields=("goals_achieved", "goals_total"),
    ),
    Part.REVIEWS: Rule(
        read=TEAM,
        write=TEAM,
        fields=("next_review_on", "overdue_days", "last_contact"),
    ),
    # Police raise, acknowledge and resolve flags on the cases they see.
    Part.FLAGS: Rule(read=TEAM | POLICE, write=TEAM | POLICE, fields=("open_flags",)),
    Part.CUSTODY: Rule(read=TEAM | POLICE, write=TEAM),
    # A receiving agency works its own referral (accept, progress, outcome) through
    # the referral, never through the case: the case's referrals are the team's.
    Part.REFERRALS: Rule(
        read=TEAM,
        write=TEAM,
        fields=(
            "referrals_awaiting",
            "referrals_active",
            "referrals_completed",
            "referrals_declined",
        ),
    ),
    # Notes: the team writes every kind; an author always reads their own notes
    # (casework.access.CaseReader.note_condition).
    Part.NOTES_CASE_TEAM: Rule(read=TEAM, write=TEAM),
    Part.NOTES_CLINICAL: Rule(read=HEALTH, write=TEAM),
    Part.NOTES_POLICE: Rule(read=TEAM | POLICE, write=TEAM),
    Part.NOTES_ALL_AGENCIES: Rule(
        read=TEAM | POLICE | holders("view_case_shared_notes"), write=TEAM
    ),
    # Ad-hoc tasks (tasks app): the team's to-do list, never shared with other agencies.
    Part.TASKS: Rule(read=TEAM, write=TEAM),
}

# The part each field belongs to; a field in no part is shown by no channel.
PART_OF_FIELD: dict[str, Part] = {
    field: part for part, rule in RULES.items() for field in rule.fields
}

# The part of a case each note visibility puts a note in (casework.models.NoteVisibility).
NOTE_PARTS: dict[str, Part] = {
    NoteVisibility.CASE_TEAM: Part.NOTES_CASE_TEAM,
    NoteVisibility.CLINICAL: Part.NOTES_CLINICAL,
    NoteVisibility.POLICE: Part.NOTES_POLICE,
    NoteVisibility.ALL_AGENCIES: Part.NOTES_ALL_AGENCIES,
}
# Writing a note at all: the reader may write notes of some visibility.
ANY_NOTE: tuple[Part, ...] = tuple(NOTE_PARTS.values())


def part_of(field: str) -> Part:
    """The part a field belongs to; a KeyError for a field no part declares, so a
    channel that shows an undeclared field fails loudly instead of leaking it."""
    try:
        return PART_OF_FIELD[field]
    except KeyError:
        raise KeyError(
            f"{field!r} is in no part of casework.parts.RULES: declare who may read it"
        ) from None
