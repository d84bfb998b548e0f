from django.conf import settings
from django.contrib.postgres.fields import ArrayField
from django.db import models
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from agencies.models import Agency
from casework.models import LONG_TEXT_MAX
from core.fields import MultiLineTextField, OneLineTextField, PlausibleDateField


class ServiceType(models.TextChoices):
    PSYCHOLOGICAL_SUPPORT = "psychological_support", _("Psychological support")
    PSYCHIATRIC_CARE = "psychiatric_care", _("Psychiatric care")
    HOUSING = "housing", _("Housing")
    JOB_PLACEMENT = "job_placement", _("Job placement")
    VOCATIONAL_TRAINING = "vocational_training", _("Vocational training")
    SCHOOL_ENROLMENT = "school_enrolment", _("School or university enrolment")
    FAMILY_SUPPORT = "family_support", _("Family mediation or support")
    MENTORING = "mentoring", _("Mentoring")
    POLICE_MONITORING = "police_monitoring", _("Police monitoring")
    LEGAL_AID = "legal_aid", _("Legal aid")
    DOCUMENTS = "documents", _("Documents")
    OTHER = "other", _("Other")


class ShareScope(models.TextChoices):
    """The parts of a case a referral can share; identity basics always go."""

    IDENTITY = "identity", _("Identity basics")
    CONTACT = "contact", _("Contact details")
    PLAN = "plan", _("Support plan")
    SHARED_NOTES = "shared_notes", _("Notes shared with all agencies")
    TRIAGE = "triage", _("Triage category")


# The casework.Case object permission each scope grants to the receiving agency.
SCOPE_PERMISSIONS: dict[str, str] = {
    ShareScope.IDENTITY: "view_case",
    ShareScope.CONTACT: "view_case_contact",
    ShareScope.PLAN: "view_case_plan",
    ShareScope.SHARED_NOTES: "view_case_shared_notes",
    ShareScope.TRIAGE: "view_case_triage",
}


def minimum_scope() -> list[str]:
    return [ShareScope.IDENTITY.value]


def normalised_scope(scope) -> list[str]:
    """Identity plus the chosen scopes, once each, in the order of ShareScope."""
    chosen = {ShareScope.IDENTITY.value, *scope}
    return [s.value for s in ShareScope if s.value in chosen]


class ReferralStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    SENT = "sent", pgettext_lazy("referral status", "Sent")
    ACCEPTED = "accepted", _("Accepted")
    DECLINED = "declined", _("Declined")
    IN_PROGRESS = "in_progress", _("In progress")
    COMPLETED = "completed", _("Completed")
    CANCELLED = "cancelled", _("Cancelled")
    REVOKED = "revoked", _("Revoked")


# A referral in one of these states gives the receiving agency its share scope.
ACTIVE_STATUSES = (ReferralStatus.ACCEPTED, ReferralStatus.IN_PROGRESS)


def _scope_field(verbose_name):
    return ArrayField(
        models.CharField(max_length=16, choices=ShareScope.choices),
        verbose_name=verbose_name,
        default=minimum_scope,
    )


class Referral(models.Model):
    """A case referred by its lead agency to another agency for one service.

    Every change goes through referrals.services, which writes a ReferralEvent
    and keeps the receiving agency's object permissions in step (referrals.grants).
    """

    case = models.ForeignKey("casework.Case", on_delete=models.PROTECT, related_name="referrals")
    from_agency = models.ForeignKey(
        Agency,
        on_delete=models.PROTECT,
        related_name="sent_referrals",
        verbose_name=pgettext_lazy("sending agency", "from"),
    )
    to_agency = models.ForeignKey(
        Agency,
        on_delete=models.PROTECT,
        related_name="received_referrals",
        verbose_name=pgettext_lazy("receiving agency", "to"),
    )
    service_type = models.CharField(_("service"), max_length=24, choices=ServiceType.choices)
    reason = MultiLineTextField(_("reason"), max_length=LONG_TEXT_MAX)
    response_deadline = PlausibleDateField(_("answer by"))
    share_scope = _scope_field(_("what is shared"))
    status = models.CharField(
        _("status"), max_length=16, choices=ReferralStatus.choices, default=ReferralStatus.DRAFT
    )
    # What the sending relied on: a consent record, or (without one) a legal basis.
    consent = models.ForeignKey(
        "ConsentRecord",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="referrals",
        verbose_name=_("consent relied on"),
    )
    consent_override_basis = MultiLineTextField(
        _("legal basis for sending without consent"),
        max_length=LONG_TEXT_MAX,
        blank=True,
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(_("created at"), default=timezone.now)
    sent_at = models.DateTimeField(_("sent at"), null=True, blank=True)
    responded_at = models.DateTimeField(_("answered at"), null=True, blank=True)
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True)
    decline_reason = MultiLineTextField(
        _("reason for declining"), max_length=LONG_TEXT_MAX, blank=True
    )
    cancel_reason = MultiLineTextField(
        _("reason for cancelling"), max_length=LONG_TEXT_MAX, blank=True
    )
    revoke_reason = MultiLineTextField(
        _("reason for revoking"), max_length=LONG_TEXT_MAX, blank=True
    )
    outcome = MultiLineTextField(_("outcome"), max_length=LONG_TEXT_MAX, blank=True)
    version = models.PositiveIntegerField(default=1)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("referral")
        verbose_name_plural = _("referrals")
        ordering = ["-created_at", "-pk"]
        permissions = [
            (
                "override_consent",
                _("Can send a referral without consent, recording the legal basis"),
            ),
            ("revoke_referral", _("Can revoke a referral")),
        ]
        indexes = [
            models.Index(name="referral_to_status", fields=["to_agency", "status"]),
            models.Index(name="referral_from_status", fields=["from_agency", "status"]),
            models.Index(name="referral_case_status", fields=["case", "status"]),
            models.Index(
                name="referral_awaiting_answer",
                fields=["response_deadline"],
                condition=Q(status="sent"),
            ),
        ]
        constraints = [
            models.CheckConstraint(
                name="referral_to_another_agency", condition=~Q(from_agency=F("to_agency"))
            ),
            models.CheckConstraint(
                name="referral_shares_identity",
                condition=Q(share_scope__contains=[ShareScope.IDENTITY.value]),
            ),
            # Once sent, a referral names the consent it relied on or the legal basis.
            models.CheckConstraint(
                name="referral_sent_with_consent_or_basis",
                condition=Q(sent_at__isnull=True)
                | Q(consent__isnull=False)
                | ~Q(consent_override_basis=""),
            ),
        ]

    def __str__(self) -> str:
        return f"Referral #{self.pk}"

    @property
    def is_active(self) -> bool:
        return self.status in ACTIVE_STATUSES

    @property
    def is_overdue(self) -> bool:
        return self.status == ReferralStatus.SENT and self.response_deadline < timezone.localdate()

    @property
    def scope_labels(self) -> list[str]:
        return [ShareScope(s).label for s in self.share_scope]


class ReferralEventKind(models.TextChoices):
    TRANSITION = "transition", _("Status change")
    PROGRESS = "progress", _("Progress update")


class ReferralEvent(models.Model):
    """A referral's history: each transition, and each progress update from the partner.

    `case` is repeated here so the case timeline reads one indexed table.
    """

    referral = models.ForeignKey(Referral, on_delete=models.PROTECT, related_name="events")
    case = models.ForeignKey("casework.Case", on_delete=models.PROTECT, related_name="+")
    status = models.CharField(max_length=16, choices=ReferralStatus.choices)
    kind = models.CharField(max_length=16, choices=ReferralEventKind.choices)
    note = MultiLineTextField(max_length=LONG_TEXT_MAX, blank=True)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["at", "pk"]
        indexes = [models.Index(name="refevent_case_time", fields=["case", "-at"])]

    def __str__(self) -> str:
        return f"Referral event #{self.pk}"


class ConsentDecision(models.TextChoices):
    GIVEN = "given", _("Given")
    WITHDRAWN = "withdrawn", _("Withdrawn")


class ConsentGivenBy(models.TextChoices):
    PERSON = "person", _("The person")
    PARENT_GUARDIAN = "parent_guardian", _("A parent or guardian")


class ConsentRecord(models.Model):
    """A person's consent to share part of their case with one agency for one purpose.

    Append-only (a database trigger refuses UPDATE and DELETE): a withdrawal
    is a new record, and the latest record for (case, agency, purpose) decides.
    """

    case = models.ForeignKey("casework.Case", on_delete=models.PROTECT, related_name="consents")
    agency = models.ForeignKey(
        Agency, on_delete=models.PROTECT, related_name="+", verbose_name=_("agency")
    )
    purpose = models.CharField(_("purpose"), max_length=24, choices=ServiceType.choices)
    scope = _scope_field(_("what may be shared"))
    decision = models.CharField(_("decision"), max_length=16, choices=ConsentDecision.choices)
    given_by = models.CharField(_("given by"), max_length=16, choices=ConsentGivenBy.choices)
    guardian_name = OneLineTextField(
        _("name of the parent or guardian"), max_length=200, blank=True
    )
    note = MultiLineTextField(_("note"), max_length=LONG_TEXT_MAX, blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    recorded_at = models.DateTimeField(_("recorded at"), default=timezone.now)

    class Meta:
        verbose_name = _("consent record")
        ordering = ["-recorded_at", "-pk"]
        indexes = [
            models.Index(
                name="consent_latest", fields=["case", "agency", "purpose", "-recorded_at"]
            )
        ]
        constraints = [
            models.CheckConstraint(
                name="consent_guardian_named",
                condition=Q(given_by="person", guardian_name="")
                | (Q(given_by="parent_guardian") & ~Q(guardian_name="")),
            ),
            models.CheckConstraint(
                name="consent_given_covers_identity",
                condition=Q(decision="withdrawn") | Q(scope__contains=[ShareScope.IDENTITY.value]),
            ),
        ]

    def __str__(self) -> str:
        return f"Consent #{self.pk}"

    @property
    def scope_labels(self) -> list[str]:
        return [ShareScope(s).label for s in self.scope]

    def covers(self, scope) -> bool:
        return self.decision == ConsentDecision.GIVEN and set(scope) <= set(self.scope)


class LeadTransferStatus(models.TextChoices):
    OFFERED = "offered", _("Offered")
    ACCEPTED = "accepted", _("Accepted")
    DECLINED = "declined", _("Declined")
    CANCELLED = "cancelled", _("Cancelled")


class LeadTransfer(models.Model):
    """An offer to hand a case's lead to another agency, and its answer."""

    case = models.ForeignKey(
        "casework.Case", on_delete=models.PROTECT, related_name="lead_transfers"
    )
    from_agency = models.ForeignKey(
        Agency,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=pgettext_lazy("sending agency", "from"),
    )
    to_agency = models.ForeignKey(
        Agency,
        on_delete=models.PROTECT,
        related_name="lead_offers",
        verbose_name=pgettext_lazy("receiving agency", "to"),
    )
    status = models.CharField(
        _("status"),
        max_length=16,
        choices=LeadTransferStatus.choices,
        default=LeadTransferStatus.OFFERED,
    )
    note = MultiLineTextField(_("note"), max_length=LONG_TEXT_MAX, blank=True)
    offered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    offered_at = models.DateTimeField(default=timezone.now)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("lead agency transfer")
        ordering = ["-offered_at", "-pk"]
        indexes = [models.Index(name="leadtransfer_to_status", fields=["to_agency", "status"])]
        constraints = [
            models.UniqueConstraint(
                name="leadtransfer_one_offer_per_case",
                fields=["case"],
                condition=Q(status="offered"),
            ),
            models.CheckConstraint(
                name="leadtransfer_to_another_agency", condition=~Q(from_agency=F("to_agency"))
            ),
            models.CheckConstraint(
                name="leadtransfer_decided",
                condition=Q(status="offered", decided_at__isnull=True)
                | (~Q(status="offered") & Q(decided_at__isnull=False)),
            ),
        ]

    def __str__(self) -> str:
        return f"Lead transfer #{self.pk}"
