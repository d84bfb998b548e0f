from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy
from guardian.models import GroupObjectPermissionBase, UserObjectPermissionBase

from core.fields import MultiLineTextField, OneLineTextField, PlausibleDateField
from core.references import reference_for

# The longest note, reason or summary: a long page of text, not a pasted document.
LONG_TEXT_MAX = 20_000


class CaseStatus(models.TextChoices):
    OPEN = "open", pgettext_lazy("case status", "Open")
    CLOSED = "closed", _("Closed")


class RiskCategory(models.TextChoices):
    VIOLENT = "violent", _("Violent")
    NON_VIOLENT = "non_violent", _("Non-violent")
    UNSETTLED = "unsettled", _("Unsettled")


class Pathway(models.TextChoices):
    LAW_ENFORCEMENT = "law_enforcement", _("Law enforcement")
    REHABILITATION = "rehabilitation", _("Rehabilitation and reintegration")
    FILTRATION = "filtration", _("Filtration: closer monitoring and an offer of support")


PATHWAY_FOR_CATEGORY = {
    RiskCategory.VIOLENT: Pathway.LAW_ENFORCEMENT,
    RiskCategory.NON_VIOLENT: Pathway.REHABILITATION,
    RiskCategory.UNSETTLED: Pathway.FILTRATION,
}


class ClosureReason(models.TextChoices):
    REINTEGRATED = "reintegrated", _("Reintegrated")
    TRANSFERRED = "transferred", _("Transferred")
    ESCALATED = "escalated", _("Escalated to law enforcement")
    LEFT_COUNTRY = "left_country", _("Left the country")
    DECEASED = "deceased", _("Deceased")


class Case(models.Model):
    """The unit of access: every permission on a person's data is a permission on their case."""

    returnee = models.OneToOneField(
        "returnees.Returnee", on_delete=models.PROTECT, related_name="case"
    )
    lead_agency = models.ForeignKey(
        "agencies.Agency",
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
    closure_reason = models.CharField(
        _("closure reason"), max_length=16, choices=ClosureReason.choices, blank=True
    )
    # The effective triage: changed only when an assessment takes effect.
    category = models.CharField(
        _("risk category"), max_length=16, choices=RiskCategory.choices, blank=True
    )
    pathway = models.CharField(_("pathway"), max_length=16, choices=Pathway.choices, blank=True)
    pathway_override_reason = MultiLineTextField(
        _("reason for the pathway"), max_length=LONG_TEXT_MAX, blank=True
    )
    next_review_on = models.DateField(_("next review"), null=True, blank=True)
    # Bumped by every service that changes the case: a save carrying an older
    # version is refused instead of overwriting someone else's change.
    version = models.PositiveIntegerField(default=1)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("case")
        verbose_name_plural = _("cases")
        permissions = [
            ("approve_triage", _("Can approve triage moving a case to or from violent")),
            # Object permissions for the parts of a case a referral can share
            # (view_case alone shows identity basics).
            ("view_case_contact", _("Can see the contact details of a case")),
            ("view_case_plan", _("Can see the support plan of a case")),
            ("view_case_shared_notes", _("Can see notes shared with all agencies")),
            ("view_case_triage", _("Can see the risk category and pathway of a case")),
            # A program manager's decision: who works a case, a bulk reassignment, a
            # leaver's hand-over (casework.services.case_assign, cases_reassign).
            ("assign_case", _("Can assign cases to the workers of their agency")),
        ]
        indexes = [
            models.Index(name="case_status_opened", fields=["status", "-opened_on"]),
            # The caseload's order: lets Postgres stop after one page of visible cases.
            models.Index(name="case_newest_first", fields=["-opened_on", "-id"]),
            models.Index(name="case_lead_agency", fields=["lead_agency", "status"]),
            models.Index(
                name="case_open_next_review",
                fields=["next_review_on"],
                condition=Q(status="open"),
            ),
        ]
        constraints = [
            models.CheckConstraint(
                name="case_closed_has_date",
                condition=Q(status="open", closed_on__isnull=True, closure_reason="")
                | (Q(status="closed", closed_on__isnull=False) & ~Q(closure_reason="")),
            ),
            models.CheckConstraint(
                name="case_pathway_with_category",
                condition=Q(category="", pathway="") | (~Q(category="") & ~Q(pathway="")),
            ),
        ]

    def __str__(self) -> str:
        return self.reference

    @property
    def reference(self) -> str:
        return reference_for(self.pk)

    @property
    def is_open(self) -> bool:
        return self.status == CaseStatus.OPEN

    @property
    def review_overdue_days(self) -> int:
        if not self.is_open or self.next_review_on is None:
            return 0
        return max((timezone.localdate() - self.next_review_on).days, 0)


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


class Rating(models.TextChoices):
    LOW = "low", _("Low")
    MODERATE = "moderate", _("Moderate")
    HIGH = "high", _("High")


# The structured indicators of a triage assessment, in the order they are shown.
INDICATORS = [
    ("beliefs_attitudes", _("Beliefs and attitudes")),
    ("intent_context", _("Intent and context")),
    ("history_capability", _("History and capability")),
    ("commitment_motivation", _("Commitment and motivation")),
    ("protective_factors", _("Protective factors")),
]


class TriageAssessment(models.Model):
    """One triage of a case. Insert-only: a database trigger refuses UPDATE and DELETE.

    A correction is a new assessment; its `previous` is the assessment it
    follows, so the case page can show what changed. Approval of a move to or
    from violent is a separate row (TriageDecision), so this one never changes.
    """

    case = models.ForeignKey(Case, on_delete=models.PROTECT, related_name="assessments")
    category = models.CharField(_("risk category"), max_length=16, choices=RiskCategory.choices)
    rationale = MultiLineTextField(_("rationale"), max_length=LONG_TEXT_MAX)
    beliefs_attitudes = models.CharField(
        _("beliefs and attitudes"), max_length=8, choices=Rating.choices
    )
    intent_context = models.CharField(_("intent and context"), max_length=8, choices=Rating.choices)
    history_capability = models.CharField(
        _("history and capability"), max_length=8, choices=Rating.choices
    )
    commitment_motivation = models.CharField(
        _("commitment and motivation"), max_length=8, choices=Rating.choices
    )
    protective_factors = models.CharField(
        _("protective factors"), max_length=8, choices=Rating.choices
    )
    assessor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    assessed_at = models.DateTimeField(_("assessed at"), default=timezone.now)
    previous = models.ForeignKey(
        "self", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    # Fixed at creation: did this assessment move the case to or from violent?
    needs_approval = models.BooleanField(default=False)

    class Meta:
        verbose_name = _("triage assessment")
        ordering = ["-assessed_at", "-pk"]
        indexes = [models.Index(name="triage_case_time", fields=["case", "-assessed_at"])]

    def __str__(self) -> str:
        return f"Triage #{self.pk}"


class TriageDecision(models.Model):
    """A program manager's approval or rejection of an assessment that needs one."""

    assessment = models.OneToOneField(
        TriageAssessment, on_delete=models.PROTECT, related_name="decision"
    )
    approved = models.BooleanField()
    comment = MultiLineTextField(_("comment"), max_length=LONG_TEXT_MAX)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    decided_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("triage decision")

    def __str__(self) -> str:
        return f"Decision #{self.pk}"


class CustodyEpisode(models.Model):
    case = models.ForeignKey(Case, on_delete=models.PROTECT, related_name="custody_episodes")
    facility = OneLineTextField(_("facility"), max_length=200)
    started_on = PlausibleDateField(pgettext_lazy("custody period", "from"))
    ended_on = PlausibleDateField(pgettext_lazy("custody period", "to"), null=True, blank=True)
    segregated = models.BooleanField(_("segregated from general inmates"))
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    recorded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("custody episode")
        ordering = ["-started_on", "-pk"]
        constraints = [
            models.CheckConstraint(
                name="custody_end_after_start",
                condition=Q(ended_on__isnull=True) | Q(ended_on__gte=models.F("started_on")),
            ),
            models.UniqueConstraint(
                name="custody_one_open_episode",
                fields=["case"],
                condition=Q(ended_on__isnull=True),
            ),
        ]

    def __str__(self) -> str:
        return f"Custody #{self.pk}"


class GoalDomain(models.TextChoices):
    HOUSING = "housing", _("Housing")
    EMPLOYMENT = "employment", _("Employment")
    EDUCATION = "education", _("Education")
    PSYCHOLOGICAL = "psychological", _("Psychological care")
    PSYCHIATRIC = "psychiatric", _("Psychiatric care")
    FAMILY = "family", _("Family reconnection")
    MENTORING = "mentoring", _("Mentoring")
    DOCUMENTS = "documents", _("Documents")
    OTHER = "other", _("Other")


class GoalStatus(models.TextChoices):
    PLANNED = "planned", _("Planned")
    IN_PROGRESS = "in_progress", _("In progress")
    ACHIEVED = "achieved", _("Achieved")
    NOT_ACHIEVED = "not_achieved", _("Not achieved")
    CANCELLED = "cancelled", _("Cancelled")


class Goal(models.Model):
    """A support-plan goal. Each change is kept as a GoalRevision."""

    case = models.ForeignKey(Case, on_delete=models.PROTECT, related_name="goals")
    domain = models.CharField(_("domain"), max_length=16, choices=GoalDomain.choices)
    description = OneLineTextField(_("goal"), max_length=500)
    owner_agency = models.ForeignKey(
        "agencies.Agency",
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("owner agency"),
    )
    target_date = PlausibleDateField(_("target date"), null=True, blank=True)
    status = models.CharField(
        _("status"), max_length=16, choices=GoalStatus.choices, default=GoalStatus.PLANNED
    )
    outcome = MultiLineTextField(_("outcome"), max_length=LONG_TEXT_MAX, blank=True)
    version = models.PositiveIntegerField(default=1)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("support plan goal")
        ordering = ["target_date", "pk"]

    def __str__(self) -> str:
        return f"Goal #{self.pk}"


class GoalRevision(models.Model):
    """What a goal looked like after each change: the plan's history and timeline."""

    goal = models.ForeignKey(Goal, on_delete=models.CASCADE, related_name="revisions")
    case = models.ForeignKey(Case, on_delete=models.PROTECT, related_name="+")
    status = models.CharField(max_length=16, choices=GoalStatus.choices)
    target_date = models.DateField(null=True, blank=True)
    outcome = models.TextField(blank=True)
    changed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    changed_at = models.DateTimeField(default=timezone.now)
    created = models.BooleanField(default=False)

    class Meta:
        indexes = [models.Index(name="goalrev_case_time", fields=["case", "-changed_at"])]

    def __str__(self) -> str:
        return f"Goal revision #{self.pk}"


class NoteKind(models.TextChoices):
    CONTACT = "contact", _("Contact")
    HOME_VISIT = "home_visit", _("Home visit")
    COUNSELLING = "counselling", _("Counselling session")
    FAMILY_MEETING = "family_meeting", _("Family meeting")
    EMPLOYER_SCHOOL = "employer_school", _("Employer or school update")
    OTHER = "other", _("Other")


class NoteVisibility(models.TextChoices):
    CASE_TEAM = "case_team", _("Case team")
    CLINICAL = "clinical", _("Clinical (health staff and the author)")
    POLICE = "police", _("Shared with police")
    ALL_AGENCIES = "all_agencies", _("All engaged agencies")


NOTE_AMEND_WINDOW_HOURS = 24


class Note(models.Model):
    case = models.ForeignKey(Case, on_delete=models.PROTECT, related_name="notes")
    kind = models.CharField(_("kind"), max_length=16, choices=NoteKind.choices)
    occurred_at = models.DateTimeField(_("when it happened"))
    text = MultiLineTextField(_("note"), max_length=LONG_TEXT_MAX)
    visibility = models.CharField(_("visibility"), max_length=16, choices=NoteVisibility.choices)
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)
    amended_at = models.DateTimeField(null=True, blank=True)
    corrects = models.ForeignKey(
        "self",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="corrections",
        verbose_name=_("corrects note"),
    )

    class Meta:
        verbose_name = _("progress note")
        ordering = ["-occurred_at", "-pk"]
        indexes = [models.Index(name="note_case_time", fields=["case", "-occurred_at"])]

    def __str__(self) -> str:
        return f"Note #{self.pk}"

    @property
    def amendable_until(self):
        return self.created_at + timezone.timedelta(hours=NOTE_AMEND_WINDOW_HOURS)

    @property
    def is_amendable(self) -> bool:
        return timezone.now() <= self.amendable_until


class NoteRevision(models.Model):
    """The text a note had before an amendment."""

    note = models.ForeignKey(Note, on_delete=models.CASCADE, related_name="revisions")
    text = models.TextField()
    replaced_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-replaced_at", "-pk"]

    def __str__(self) -> str:
        return f"Note revision #{self.pk}"


class FlagCategory(models.TextChoices):
    EXTREMIST_CONTACT = "extremist_contact", _("Contact with an extremist network")
    TRAVEL = "travel", _("Travel attempt or preparation")
    THREATS = "threats", _("Threats or violence")
    PROPAGANDA = "propaganda", _("Propaganda")
    DISENGAGEMENT = "disengagement", _("Disengagement or missed appointments")
    FAMILY_CONCERN = "family_concern", _("Family concern")
    OTHER = "other", _("Other")


class Severity(models.TextChoices):
    INFO = "info", _("Info")
    CONCERN = "concern", _("Concern")
    URGENT = "urgent", _("Urgent")


class FlagSource(models.TextChoices):
    FAMILY = "family", _("Family")
    SOCIAL_WORKER = "social_worker", _("Social worker")
    EMPLOYER_SCHOOL = "employer_school", _("Employer or school")
    HEALTH = "health", _("Health service")
    POLICE = "police", _("Police")
    OTHER = "other", _("Other")


class FlagStatus(models.TextChoices):
    OPEN = "open", pgettext_lazy("flag status", "Open")
    ACKNOWLEDGED = "acknowledged", _("Acknowledged")
    RESOLVED = "resolved", _("Resolved")


class Flag(models.Model):
    case = models.ForeignKey(Case, on_delete=models.PROTECT, related_name="flags")
    category = models.CharField(_("category"), max_length=20, choices=FlagCategory.choices)
    severity = models.CharField(_("severity"), max_length=8, choices=Severity.choices)
    source = models.CharField(_("source"), max_length=16, choices=FlagSource.choices)
    description = MultiLineTextField(_("what was observed"), max_length=LONG_TEXT_MAX)
    status = models.CharField(
        _("status"), max_length=16, choices=FlagStatus.choices, default=FlagStatus.OPEN
    )
    raised_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    raised_at = models.DateTimeField(default=timezone.now)
    resolution_note = MultiLineTextField(_("resolution"), max_length=LONG_TEXT_MAX, blank=True)

    class Meta:
        verbose_name = _("monitoring flag")
        ordering = ["-raised_at", "-pk"]
        indexes = [
            models.Index(
                name="flag_unresolved",
                fields=["case", "severity"],
                condition=~Q(status="resolved"),
            ),
        ]
        constraints = [
            models.CheckConstraint(
                name="flag_resolved_has_note",
                condition=~Q(status="resolved") | ~Q(resolution_note=""),
            ),
        ]

    def __str__(self) -> str:
        return f"Flag #{self.pk}"


class FlagEvent(models.Model):
    """A flag's history: raised, acknowledged, resolved, by whom and when."""

    flag = models.ForeignKey(Flag, on_delete=models.CASCADE, related_name="events")
    case = models.ForeignKey(Case, on_delete=models.PROTECT, related_name="+")
    status = models.CharField(max_length=16, choices=FlagStatus.choices)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    at = models.DateTimeField(default=timezone.now)
    note = models.TextField(blank=True)

    class Meta:
        ordering = ["at", "pk"]
        indexes = [models.Index(name="flagevent_case_time", fields=["case", "-at"])]

    def __str__(self) -> str:
        return f"Flag event #{self.pk}"


class ReviewOutcome(models.TextChoices):
    CONTINUE = "continue", _("Continue")
    RETRIAGE = "retriage", _("Re-triage")
    ESCALATE = "escalate", _("Escalate to law enforcement")
    CLOSE = "close", _("Close")


class Review(models.Model):
    """A completed review of a case, and the next date it set."""

    case = models.ForeignKey(Case, on_delete=models.PROTECT, related_name="reviews")
    due_on = models.DateField(_("was due on"), null=True, blank=True)
    outcome = models.CharField(_("outcome"), max_length=16, choices=ReviewOutcome.choices)
    summary = MultiLineTextField(_("summary"), max_length=LONG_TEXT_MAX)
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    reviewed_at = models.DateTimeField(default=timezone.now)
    next_review_on = models.DateField(_("next review"), null=True, blank=True)

    class Meta:
        verbose_name = _("review")
        ordering = ["-reviewed_at", "-pk"]

    def __str__(self) -> str:
        return f"Review #{self.pk}"


class CaseStatusChange(models.Model):
    """Closures and reopenings, with their reasons."""

    case = models.ForeignKey(Case, on_delete=models.PROTECT, related_name="status_changes")
    status = models.CharField(max_length=16, choices=CaseStatus.choices)
    reason = models.CharField(max_length=16, choices=ClosureReason.choices, blank=True)
    note = MultiLineTextField(max_length=LONG_TEXT_MAX, blank=True)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-at", "-pk"]

    def __str__(self) -> str:
        return f"Status change #{self.pk}"


class FollowUp(models.Model):
    """A post-exit follow-up review of a case closed as reintegrated (6 and 12 months)."""

    case = models.ForeignKey(Case, on_delete=models.PROTECT, related_name="followups")
    due_on = models.DateField(_("due on"))
    months = models.PositiveSmallIntegerField(_("months after closure"))
    review = models.OneToOneField(
        "Review", on_delete=models.PROTECT, null=True, blank=True, related_name="followup"
    )

    class Meta:
        verbose_name = _("follow-up review")
        ordering = ["due_on", "pk"]
        indexes = [
            models.Index(
                name="followup_pending_due", fields=["due_on"], condition=Q(review__isnull=True)
            )
        ]

    def __str__(self) -> str:
        return f"Follow-up #{self.pk}"
