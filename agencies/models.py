"""Agencies, their members, the roles people hold and their own settings."""

from django.conf import settings
from django.contrib.auth.models import Group
from django.contrib.postgres.fields import ArrayField
from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from core.fields import OneLineTextField
from returnees.models import Region


class Role(models.TextChoices):
    """A role is a Django group (created by a data migration) holding model permissions."""

    SOCIAL_WORKER = "social_worker", _("Social worker")
    POLICE_LIAISON = "police_liaison", _("Police liaison")
    PROGRAM_MANAGER = "program_manager", _("Program manager")
    PARTNER_STAFF = "partner_staff", _("Partner staff")
    AUDITOR = "auditor", _("Auditor")
    # Configures agencies, users, roles and programs in the Django admin; reads no
    # case, trail or report unless also given the role that does (docs/access.md).
    ADMINISTRATOR = "administrator", _("Administrator")


class AgencyKind(models.TextChoices):
    SOCIAL_SERVICES = "social_services", _("Social services")
    POLICE = "police", _("Police")
    HEALTH = "health", _("Health service")
    EDUCATION = "education", _("School or university")
    EMPLOYER = "employer", _("Employer")
    FAMILY_SUPPORT = "family_support", _("Family support")
    NGO = "ngo", _("NGO")
    MUNICIPALITY = "municipality", _("Municipality")


class Agency(models.Model):
    """An organisation taking part in the program.

    Its members are the users of `group`; object permissions on cases are
    granted to that group, so membership is never stored twice.
    """

    name = OneLineTextField(pgettext_lazy("agency", "name"), max_length=200, unique=True)
    kind = models.CharField(_("kind"), max_length=32, choices=AgencyKind.choices)
    region = models.CharField(_("region"), max_length=32, choices=Region.choices)
    # Review cadence of the program this agency leads, in days by risk category.
    review_days_unsettled = models.PositiveSmallIntegerField(
        _("review every (days) when unsettled"), default=14
    )
    review_days_violent = models.PositiveSmallIntegerField(
        _("review every (days) when violent"), default=30
    )
    review_days_non_violent = models.PositiveSmallIntegerField(
        _("review every (days) when non-violent"), default=90
    )
    review_days_minor_max = models.PositiveSmallIntegerField(
        _("review minors at least every (days)"), default=30
    )
    group = models.OneToOneField(
        Group, on_delete=models.PROTECT, related_name="agency", verbose_name=_("member group")
    )
    # Police agencies only: the regions whose cases they monitor (see referrals.grants).
    jurisdiction = ArrayField(
        models.CharField(max_length=32, choices=Region.choices),
        verbose_name=_("jurisdiction"),
        default=list,
        blank=True,
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )

    class Meta:
        # The table kept its name from when agencies lived in referrals: the audit
        # triggers (audit/migrations/0002_triggers.py) name it.
        db_table = "referrals_agency"
        verbose_name = _("agency")
        verbose_name_plural = _("agencies")
        ordering = ["name"]
        permissions = [
            # Deactivating a member of one's own agency (agencies.services.staff_member_deactivate).
            ("manage_staff", _("Can deactivate the members of their agency")),
        ]
        constraints = [
            models.CheckConstraint(
                name="agency_review_days_positive",
                condition=models.Q(review_days_unsettled__gte=1)
                & models.Q(review_days_violent__gte=1)
                & models.Q(review_days_non_violent__gte=1)
                & models.Q(review_days_minor_max__gte=1),
            )
        ]

    def __str__(self) -> str:
        return self.name


class StaffPreference(models.Model):
    """A person's own interface settings: for now, the language they read it in."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="staff_preference",
        verbose_name=_("user"),
    )
    language = models.CharField(_("language"), max_length=8, choices=settings.LANGUAGES)

    class Meta:
        db_table = "referrals_staffpreference"

    def __str__(self) -> str:
        return f"Staff preference #{self.pk}"
