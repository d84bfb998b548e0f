import logging
from dataclasses import asdict, dataclass, field, fields
from datetime import date

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from casework.models import Case
from casework.services import case_open
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
