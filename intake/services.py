import logging
from dataclasses import asdict, dataclass, field, fields
from datetime import date

import pghistory
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from casework.access import case_viewer
from casework.grants import sync_police_grants
from casework.models import Case
from casework.parts import Part, part_of
from casework.services import case_open
from casework.versioning import check_version, locked_case, require_open, save_versioned
from intake.selectors import DuplicateReport, possible_duplicates
from returnees.models import FamilyContact, LegalStatus, Returnee
from returnees.names import alias_key, name_key

logger = logging.getLogger(__name__)


@dataclass(frozen=True, kw_only=True)
class PersonDetails:
    """What intake records about a person, in the order the intake page asks it.

    The one list of these fields: the intake form and the register API take theirs
    from it (PERSON_FIELDS), so a new one is added here and to the model.
    """

    family_name: str
    given_name: str
    patronymic: str = ""
    aliases: list[str] = field(default_factory=list)
    birth_date: date | None = None
    approximate_age: int | None = None
    sex: str
    citizenship_status: str
    languages: list[str] = field(default_factory=list)
    region: str
    district: str = ""
    address: str = ""
    phone: str = ""
    conflict_zone: str
    departure_date: date | None = None
    return_date: date
    return_route: str
    legal_status: str = LegalStatus.NONE
    needs: list[str] = field(default_factory=list)

    @classmethod
    def of(cls, data: dict) -> "PersonDetails":
        """The person among a form's or a serializer's cleaned `data`, which may hold
        more; a field left out keeps its default."""
        return cls(**{name: data[name] for name in PERSON_FIELDS if name in data})


PERSON_FIELDS = tuple(f.name for f in fields(PersonDetails))
# The parts of a case the person's fields are in (casework/parts.py), in intake's order.
PERSON_PARTS: tuple[Part, ...] = tuple(dict.fromkeys(part_of(name) for name in PERSON_FIELDS))


def person_fields_of(parts) -> tuple[str, ...]:
    """The person's fields that are in `parts`, in intake's order."""
    return tuple(name for name in PERSON_FIELDS if part_of(name) in parts)


class PossibleDuplicates(ValidationError):
    """Registration stopped because the person may already be registered."""

    def __init__(self, report: DuplicateReport):
        super().__init__(
            {
                "acknowledge_duplicates": _(
                    "This person may already be registered. Check the possible matches, "
                    "then confirm that this is a different person to register them."
                )
            },
        )
        self.report = report


@transaction.atomic
def returnee_register(
    *,
    actor,
    person: PersonDetails,
    lead_agency,
    assigned_worker=None,
    parent_case: Case | None = None,
    acknowledge_duplicates: bool = False,
) -> Case:
    """Register a returnee and open their case, in one transaction.

    `parent_case` must already have passed the access funnel: it links a
    dependent child to the parent's record. Raises ValidationError with field
    errors (and PossibleDuplicates) without writing anything.
    """
    aliases = [a.strip() for a in person.aliases if a.strip()]
    returnee = Returnee(
        **{**asdict(person), "aliases": aliases},
        parent=parent_case.returnee if parent_case is not None else None,
        name_key=name_key(person.given_name, person.family_name),
        alias_key=alias_key(aliases),
        created_by=actor,
    )
    returnee.full_clean(validate_constraints=False)
    if not acknowledge_duplicates:
        report = possible_duplicates(
            user=actor,
            given_name=person.given_name,
            family_name=person.family_name,
            aliases=aliases,
            birth_date=person.birth_date,
            approximate_age=person.approximate_age,
        )
        if report:
            raise PossibleDuplicates(report)
    returnee.save()
    case = case_open(
        actor=actor, returnee=returnee, lead_agency=lead_agency, assigned_worker=assigned_worker
    )
    logger.info(
        "returnee registered returnee_id=%s case_id=%s agency_id=%s actor_id=%s",
        returnee.pk,
        case.pk,
        lead_agency.pk,
        actor.pk,
    )
    return case


@transaction.atomic
def family_contact_add(
    *, actor, case: Case, name: str, relationship: str, phone: str = "", warning_channel: bool
) -> FamilyContact:
    """Record a relative on a case the actor works (the view checks change_case)."""
    if not actor.has_perm("returnees.add_familycontact"):
        raise PermissionDenied
    contact = FamilyContact(
        returnee=case.returnee,
        name=name.strip(),
        relationship=relationship,
        phone=phone.strip(),
        warning_channel=warning_channel,
        created_by=actor,
    )
    contact.full_clean(exclude=["returnee", "created_by"])
    contact.save()
    return contact


@transaction.atomic
def family_contact_remove(*, actor, contact: FamilyContact) -> None:
    if not actor.has_perm("returnees.delete_familycontact"):
        raise PermissionDenied
    contact.delete()


# --- Correcting and updating the person -----------------------------------------------------

# Written with the names they are keyed from (returnees.names).
_NAME_KEY_FIELDS = ("given_name", "family_name")


def _tidy(name: str, value):
    """What the service stores for a typed value: text without surrounding blanks, and
    aliases without empty lines, as intake stores them."""
    if name == "aliases":
        return [a.strip() for a in value if a.strip()]
    return value.strip() if isinstance(value, str) else value


@transaction.atomic
def person_update(*, actor, case: Case, expected_version: int | None, changes: dict) -> Returnee:
    """Correct or update the person of `case`: any of PERSON_FIELDS, each in a part of
    the case (casework/parts.py) that the actor may write, else PermissionDenied.

    Locks the case, then the person; refuses a stale `expected_version` with
    ConcurrentEdit, and invalid values with field errors, writing nothing. Saves only
    the fields whose value changed (and the name keys they are keyed into), so the
    audit trail's row change names exactly what was corrected: the field history and
    the legal-status timeline entries are read from there.
    """
    if not actor.has_perm("casework.change_case"):
        raise PermissionDenied
    unknown = set(changes) - set(PERSON_FIELDS)
    if unknown:
        raise ValueError(f"not fields of the person: {sorted(unknown)}")
    locked = locked_case(case.pk)
    require_open(locked)
    returnee = Returnee.objects.select_for_update().get(pk=locked.returnee_id)
    check_version(returnee, expected_version)
    changed = {
        name: tidy
        for name, value in changes.items()
        if (tidy := _tidy(name, value)) != getattr(returnee, name)
    }
    viewer = case_viewer(actor, locked)
    if any(not viewer.can_write(part_of(name)) for name in changed):
        raise PermissionDenied
    if not changed:
        return returnee
    for name, value in changed.items():
        setattr(returnee, name, value)
    saved = list(changed)
    if set(changed) & set(_NAME_KEY_FIELDS):
        returnee.name_key = name_key(returnee.given_name, returnee.family_name)
        saved.append("name_key")
    if "aliases" in changed:
        returnee.alias_key = alias_key(returnee.aliases)
        saved.append("alias_key")
    returnee.full_clean(
        exclude=[f.name for f in Returnee._meta.fields if f.name not in PERSON_FIELDS],
        validate_unique=False,
        validate_constraints=False,
    )
    # Who changed it, whatever the channel (a request, a task, a command): the audit
    # trigger reads the actor from this context (docs/audit.md).
    with pghistory.context(user=actor.pk):
        save_versioned(returnee, saved)
    if "region" in changed:
        # Police jurisdiction follows the person's region (casework/grants.py).
        sync_police_grants(locked)
    logger.info(
        "person updated case_id=%s returnee_id=%s actor_id=%s fields=%s",
        locked.pk,
        returnee.pk,
        actor.pk,
        ",".join(sorted(changed)),
    )
    return returnee
