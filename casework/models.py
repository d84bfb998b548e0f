from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from guardian.models import GroupObjectPermissionBase, UserObjectPermissionBase


class CaseStatus(models.TextChoices):
    OPEN = "open", _("Open")
    CLOSED = "closed", _("Closed")


class Case(models.Model):
    """The unit of access: every permission on a person's data is a permission on their case."""

    returnee = models.OneToOneField(
        "returnees.Returnee", on_delete=models.PROTECT, related_name="case"
    )
    lead_agency = models.ForeignKey(
        "referrals.Agency",
        on_delete=models.PROTECT,
        related_name="led_cases",
        verbose_name=_("lead agency"),
    )
    assigned_worker = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="assigned_cases",
        verbose_name=_("assigned social worker"),
    )
    status = models.CharField(
        _("status"), max_length=16, choices=CaseStatus.choices, default=CaseStatus.OPEN
    )
    opened_on = models.DateField(_("opened on"))
    closed_on = models.DateField(_("closed on"), null=True, blank=True)
    # Bumped by every service that changes the case: a save carrying an older
    # version is refused instead of overwriting someone else's change.
    version = models.PositiveIntegerField(default=1)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("case")
        verbose_name_plural = _("cases")
        indexes = [
            models.Index(name="case_status_opened", fields=["status", "-opened_on"]),
            models.Index(name="case_lead_agency", fields=["lead_agency", "status"]),
        ]
        constraints = [
            models.CheckConstraint(
                name="case_closed_has_date",
                condition=Q(status="open", closed_on__isnull=True)
                | Q(status="closed", closed_on__isnull=False),
            ),
        ]

    def __str__(self) -> str:
        return self.reference

    @property
    def reference(self) -> str:
        return reference_for(self.pk)


REFERENCE_PREFIX = "HW-"


def reference_for(case_id: int) -> str:
    return f"{REFERENCE_PREFIX}{case_id:06d}"


def case_id_from_reference(text: str) -> int | None:
    """'HW-000123', 'hw-123' or '123' → 123; anything else → None."""
    value = text.strip().upper().removeprefix(REFERENCE_PREFIX)
    if value.isascii() and value.isdigit() and len(value) <= 12:
        return int(value)
    return None


# Direct-foreign-key permission tables: a case's grants join on an indexed
# integer column instead of guardian's generic (content_type, object_pk text).
class CaseUserObjectPermission(UserObjectPermissionBase):
    content_object = models.ForeignKey(Case, on_delete=models.CASCADE)

    class Meta(UserObjectPermissionBase.Meta):
        indexes = [models.Index(name="case_uperm_user", fields=["user", "permission"])]


class CaseGroupObjectPermission(GroupObjectPermissionBase):
    content_object = models.ForeignKey(Case, on_delete=models.CASCADE)

    class Meta(GroupObjectPermissionBase.Meta):
        indexes = [models.Index(name="case_gperm_group", fields=["group", "permission"])]
