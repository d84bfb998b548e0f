"""The audit trail: one append-only table of who did what to which record, from where.

Every event is a row of `AuditEvent`: reads of case pages and case API details,
refused accesses, logins, exports (written by `audit.services.audit_record`),
and every change to the tracked tables, permission grants and revocations
included (written by Postgres triggers, see migrations/0001_initial.py, so
bulk and queryset updates and raw SQL are captured too).

Nothing here points at another table with a foreign key: a cascade or SET NULL
would be an UPDATE or DELETE of the trail, which the database refuses. The
actor's username and agency are snapshots taken when the event is written.
"""

from django.contrib.postgres.indexes import BrinIndex
from django.db import models
from django.utils.translation import gettext_lazy as _


class AuditAction(models.TextChoices):
    CASE_VIEWED = "case_viewed", _("Case page viewed")
    CASE_API_VIEWED = "case_api_viewed", _("Case read through the API")
    ACCESS_LOG_VIEWED = "access_log_viewed", _("Case access log viewed")
    CHANGED = "changed", _("Record changed")
    EXPORTED = "exported", _("Exported")
    LOGIN = "login", _("Signed in")
    LOGIN_FAILED = "login_failed", _("Sign-in failed")
    LOGOUT = "logout", _("Signed out")
    LOCKED_OUT = "locked_out", _("Locked out")
    UNLOCKED = "unlocked", _("Unlocked")
    PERMISSION_GRANTED = "permission_granted", _("Permission granted")
    PERMISSION_REVOKED = "permission_revoked", _("Permission revoked")
    ACCESS_REFUSED = "access_refused", _("Access refused")


class AuditEvent(models.Model):
    id = models.BigAutoField(primary_key=True)
    at = models.DateTimeField(_("at"), db_default=models.functions.Now())
    action = models.CharField(_("action"), max_length=32, choices=AuditAction.choices)
    actor_id = models.BigIntegerField(_("actor id"), null=True, blank=True)
    actor_username = models.CharField(_("actor"), max_length=150, blank=True)
    agency_id = models.BigIntegerField(_("actor's agency id"), null=True, blank=True)
    case_id = models.BigIntegerField(_("case id"), null=True, blank=True)
    returnee_id = models.BigIntegerField(_("returnee id"), null=True, blank=True)
    object_type = models.CharField(_("object type"), max_length=100, blank=True)
    object_id = models.CharField(_("object id"), max_length=64, blank=True)
    ip_address = models.GenericIPAddressField(_("IP address"), null=True, blank=True)
    path = models.CharField(_("path"), max_length=500, blank=True)
    method = models.CharField(_("method"), max_length=10, blank=True)
    # Old and new values of a change, the attempted username of a failed login…
    detail = models.JSONField(_("detail"), default=dict, blank=True)

    class Meta:
        verbose_name = _("audit event")
        verbose_name_plural = _("audit events")
        ordering = ["-at", "-id"]
        indexes = [
            models.Index(fields=["case_id", "at"], name="audit_case_at"),
            models.Index(fields=["actor_id", "at"], name="audit_actor_at"),
            models.Index(fields=["action", "at"], name="audit_action_at"),
            models.Index(fields=["agency_id", "at"], name="audit_agency_at"),
            models.Index(fields=["returnee_id", "at"], name="audit_returnee_at"),
            # Rows arrive in time order: a tiny BRIN index serves date-range scans.
            BrinIndex(fields=["at"], name="audit_at_brin"),
        ]
        permissions = [
            ("view_case_access_log", _("Can read the access log of a case their agency leads")),
        ]

    def __str__(self) -> str:
        return f"{self.action} #{self.pk}"

    @property
    def case_reference(self) -> str:
        from core.references import reference_for

        return reference_for(self.case_id) if self.case_id is not None else ""

    @property
    def changed_fields(self) -> list[str]:
        """Names of the fields a change touched: what the auditor sees, never the values."""
        return sorted({*self.detail.get("old", {}), *self.detail.get("new", {})})
