import datetime

from django.conf import settings
from django.contrib.postgres.fields import ArrayField
from django.contrib.postgres.indexes import GinIndex
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from core.fields import OneLineTextField, validate_one_line
from returnees.names import name_key


class Region(models.TextChoices):
    BISHKEK = "bishkek", _("Bishkek city")
    OSH_CITY = "osh_city", _("Osh city")
    BATKEN = "batken", _("Batken")
    CHUY = "chuy", _("Chuy")
    ISSYK_KUL = "issyk_kul", _("Issyk-Kul")
    JALAL_ABAD = "jalal_abad", _("Jalal-Abad")
    NARYN = "naryn", _("Naryn")
    OSH = "osh", _("Osh region")
    TALAS = "talas", _("Talas")


class Sex(models.TextChoices):
    FEMALE = "female", _("Female")
    MALE = "male", _("Male")


class CitizenshipStatus(models.TextChoices):
    CITIZEN = "citizen", _("Citizen")
    DUAL = "dual", _("Dual citizen")
    STATELESS_RISK = "stateless_risk", _("At risk of statelessness")
    REVOKED = "revoked", _("Citizenship revoked")


class Language(models.TextChoices):
    KYRGYZ = "ky", _("Kyrgyz")
    RUSSIAN = "ru", _("Russian")
    UZBEK = "uz", _("Uzbek")
    TAJIK = "tg", _("Tajik")
    KAZAKH = "kk", _("Kazakh")
    ARABIC = "ar", _("Arabic")
    ENGLISH = "en", _("English")
    OTHER = "other", _("Other")


class ConflictZone(models.TextChoices):
    SYRIA = "syria", _("Syria")
    IRAQ = "iraq", _("Iraq")
    AFGHANISTAN = "afghanistan", _("Afghanistan")
    OTHER = "other", _("Other")


class ReturnRoute(models.TextChoices):
    STATE_REPATRIATION = "state_repatriation", _("State repatriation")
    SELF_RETURN = "self_return", _("Self-return")
    DEPORTATION = "deportation", _("Deportation via a third country")


class LegalStatus(models.TextChoices):
    NONE = "none", _("None")
    UNDER_INVESTIGATION = "under_investigation", _("Under investigation")
    CHARGED = "charged", _("Charged")
    CONVICTED = "convicted", _("Convicted")
    IMPRISONED = "imprisoned", _("Imprisoned")
    RELEASED = "released", _("Released")
    ACQUITTED = "acquitted", _("Acquitted")


class Need(models.TextChoices):
    HOUSING = "housing", _("Housing")
    INCOME = "income", _("Income")
    DOCUMENTS = "documents", _("Documents")
    MEDICAL = "medical", _("Medical care")
    PSYCHOLOGICAL = "psychological", _("Psychological support")
    PSYCHIATRIC = "psychiatric", _("Psychiatric care")
    EDUCATION = "education", _("Education")
    EMPLOYMENT = "employment", _("Employment")


NAME_MAX = 100
MAX_ALIASES = 10
MAX_AGE = 120
ADULT_AGE = 18


# Named by the first migrations of returnees and referrals; fields now get the rule
# from core.fields.OneLineTextField.
validate_printable = validate_one_line


class Returnee(models.Model):
    """A person registered at intake. Reached only through their case's permissions."""

    given_name = OneLineTextField(_("given name"), max_length=NAME_MAX)
    family_name = OneLineTextField(_("family name"), max_length=NAME_MAX)
    patronymic = OneLineTextField(_("patronymic"), max_length=NAME_MAX, blank=True)
    aliases = ArrayField(
        OneLineTextField(max_length=NAME_MAX),
        size=MAX_ALIASES,
        verbose_name=_("aliases"),
        default=list,
        blank=True,
    )
    birth_date = models.DateField(_("date of birth"), null=True, blank=True)
    approximate_age = models.PositiveSmallIntegerField(
        _("approximate age at intake"), null=True, blank=True
    )
    sex = models.CharField(_("sex"), max_length=8, choices=Sex.choices)
    citizenship_status = models.CharField(
        _("citizenship status"), max_length=20, choices=CitizenshipStatus.choices
    )
    region = models.CharField(_("region"), max_length=32, choices=Region.choices)
    district = OneLineTextField(_("district"), max_length=100, blank=True)
    address = OneLineTextField(_("address"), max_length=300, blank=True)
    phone = OneLineTextField(_("phone"), max_length=32, blank=True)
    languages = ArrayField(
        models.CharField(max_length=8, choices=Language.choices),
        verbose_name=_("languages"),
        default=list,
        blank=True,
    )
    conflict_zone = models.CharField(
        _("conflict zone"), max_length=20, choices=ConflictZone.choices
    )
    departure_date = models.DateField(_("departure date"), null=True, blank=True)
    return_date = models.DateField(_("return date"))
    return_route = models.CharField(_("return route"), max_length=24, choices=ReturnRoute.choices)
    legal_status = models.CharField(
        _("legal status"), max_length=24, choices=LegalStatus.choices, default=LegalStatus.NONE
    )
    needs = ArrayField(
        models.CharField(max_length=16, choices=Need.choices),
        verbose_name=_("needs screen"),
        default=list,
        blank=True,
    )
    parent = models.ForeignKey(
        "self",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="dependents",
        verbose_name=_("parent or guardian (returnee)"),
    )
    # Script-folded search keys (see returnees.names): written by the intake
    # service, indexed with pg_trgm for the duplicate check and name search.
    name_key = models.CharField(max_length=2 * NAME_MAX + 1, editable=False)
    alias_key = models.CharField(
        max_length=(NAME_MAX + 3) * MAX_ALIASES, editable=False, blank=True
    )
    created_at = models.DateTimeField(_("registered at"), auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", null=True
    )
    # Corrections check the version the person saw (casework.versioning).
    version = models.PositiveIntegerField(default=1)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("returnee")
        verbose_name_plural = _("returnees")
        indexes = [
            GinIndex(
                name="returnee_name_key_trgm", fields=["name_key"], opclasses=["gin_trgm_ops"]
            ),
            GinIndex(
                name="returnee_alias_key_trgm", fields=["alias_key"], opclasses=["gin_trgm_ops"]
            ),
            models.Index(name="returnee_birth_date", fields=["birth_date"]),
        ]
        constraints = [
            models.CheckConstraint(
                name="returnee_birth_date_or_age",
                condition=Q(birth_date__isnull=False) | Q(approximate_age__isnull=False),
            ),
            models.CheckConstraint(
                name="returnee_age_range",
                condition=Q(approximate_age__isnull=True) | Q(approximate_age__lte=MAX_AGE),
            ),
            models.CheckConstraint(
                name="returnee_return_after_departure",
                condition=Q(departure_date__isnull=True) | Q(return_date__gte=F("departure_date")),
            ),
            models.CheckConstraint(
                name="returnee_names_present",
                condition=~Q(given_name="") & ~Q(family_name="") & ~Q(name_key=""),
            ),
            models.CheckConstraint(name="returnee_not_own_parent", condition=~Q(parent=F("pk"))),
        ]

    def __str__(self) -> str:
        # Used by the admin only; pages show names explicitly.
        return f"Returnee #{self.pk}"

    def clean(self) -> None:
        """Field-level errors for the rules the check constraints back up in the database."""
        today = timezone.localdate()
        oldest = datetime.date(today.year - MAX_AGE, 1, 1)
        errors: dict[str, str] = {}
        for field in ("given_name", "family_name"):
            # The name key keeps letters only, and the database refuses an empty one.
            if getattr(self, field) and not name_key(getattr(self, field)):
                errors[field] = _("A name needs at least one letter.")
        if self.birth_date is None and self.approximate_age is None:
            errors["birth_date"] = _("Give a date of birth or an approximate age.")
        if self.birth_date is not None:
            if self.birth_date > today:
                errors["birth_date"] = _("The date of birth cannot be in the future.")
            elif self.birth_date < oldest:
                errors["birth_date"] = _("The date of birth is more than %(years)s years ago.") % {
                    "years": MAX_AGE
                }
        if self.approximate_age is not None and self.approximate_age > MAX_AGE:
            errors["approximate_age"] = _("The age must be between 0 and %(years)s.") % {
                "years": MAX_AGE
            }
        for field in ("departure_date", "return_date"):
            value = getattr(self, field)
            if value is None:
                continue
            if value > today:
                errors[field] = _("This date cannot be in the future.")
            elif self.birth_date is not None and value < self.birth_date:
                errors[field] = _("This date cannot be before the date of birth.")
            elif value < oldest:
                errors[field] = _("This date is too far in the past.")
        if (
            self.departure_date
            and self.return_date
            and "return_date" not in errors
            and self.return_date < self.departure_date
        ):
            errors["return_date"] = _("The return cannot be before the departure.")
        if errors:
            raise ValidationError(errors)

    def age_on(self, day: datetime.date) -> int | None:
        """Age in whole years on `day`, from the birth date or the age given at intake."""
        if self.birth_date is not None:
            before_birthday = (day.month, day.day) < (self.birth_date.month, self.birth_date.day)
            return day.year - self.birth_date.year - before_birthday
        if self.approximate_age is not None:
            registered = timezone.localtime(self.created_at).date() if self.created_at else day
            return self.approximate_age + (day - registered).days // 365
        return None

    @property
    def is_minor(self) -> bool:
        age = self.age_on(timezone.localdate())
        return age is not None and age < ADULT_AGE

    @property
    def language_labels(self) -> list[str]:
        return [Language(code).label for code in self.languages]

    @property
    def need_labels(self) -> list[str]:
        return [Need(code).label for code in self.needs]

    @property
    def full_name(self) -> str:
        return " ".join(p for p in (self.family_name, self.given_name, self.patronymic) if p)


class Relationship(models.TextChoices):
    MOTHER = "mother", _("Mother")
    FATHER = "father", _("Father")
    SPOUSE = "spouse", _("Spouse")
    SIBLING = "sibling", _("Brother or sister")
    CHILD = "child", _("Adult child")
    GUARDIAN = "guardian", _("Guardian")
    OTHER = "other", _("Other relative")


class FamilyContact(models.Model):
    """A relative the case team can reach. Visible to the case team only (docs/access.md).

    A warning channel is a relative who reports early warnings (changed
    behaviour, contact with a network, a travel attempt) to the case worker.
    """

    returnee = models.ForeignKey(Returnee, on_delete=models.CASCADE, related_name="family_contacts")
    name = OneLineTextField(pgettext_lazy("person", "name"), max_length=NAME_MAX * 2)
    relationship = models.CharField(_("relationship"), max_length=16, choices=Relationship.choices)
    phone = OneLineTextField(_("phone"), max_length=32, blank=True)
    warning_channel = models.BooleanField(
        _("early-warning channel"),
        default=False,
        help_text=_("This relative reports concerns about the person to the case worker."),
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("family contact")
        ordering = ["relationship", "name", "pk"]
        constraints = [models.CheckConstraint(name="family_contact_named", condition=~Q(name=""))]

    def __str__(self) -> str:
        return f"Family contact #{self.pk}"
