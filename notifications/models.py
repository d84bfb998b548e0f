"""Notifications: the bell, their emails, the reminder sweep and the weekly digest.

What is due comes from the apps that own it (casework: reviews; referrals:
unanswered referrals), registered with `notifications.sweep.reminder` and
`notifications.digest.digest_section`; this app imports none of them."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext_lazy as _

from core.references import reference_for


class NotificationKind(models.TextChoices):
    URGENT_FLAG = "urgent_flag", _("Urgent flag raised")
    TRIAGE_PENDING = "triage_pending", _("Triage awaiting approval")
    REVIEW_UPCOMING = "review_upcoming", _("Review due in 3 days")
    REVIEW_DUE = "review_due", _("Review due today")
    REVIEW_OVERDUE = "review_overdue", _("Review overdue")
    REVIEW_ESCALATION = "review_escalation", _("Review overdue by a week")
    REFERRAL_OVERDUE = "referral_overdue", _("Referral response overdue")
    WEEKLY_DIGEST = "weekly_digest", _("Weekly digest")
    # What happened, told once to whom it concerns (notifications.services.notify).
    REFERRAL_RECEIVED = "referral_received", _("Referral sent to my agency")
    REFERRAL_ACCEPTED = "referral_accepted", _("My referral accepted")
    REFERRAL_DECLINED = "referral_declined", _("My referral declined")
    REFERRAL_PROGRESSED = "referral_progressed", _("Progress on my referral")
    REFERRAL_COMPLETED = "referral_completed", _("My referral completed")
    TRANSFER_OFFERED = "transfer_offered", _("Lead transfer offered to my agency")
    TRANSFER_ACCEPTED = "transfer_accepted", _("My lead transfer accepted")
    TRANSFER_DECLINED = "transfer_declined", _("My lead transfer declined")
    TRIAGE_APPROVED = "triage_approved", _("My triage approved")
    TRIAGE_REJECTED = "triage_rejected", _("My triage refused")
    CASE_ASSIGNED = "case_assigned", _("Case assigned to me")
    TASK_ASSIGNED = "task_assigned", _("Task assigned to me")
    TASK_OVERDUE = "task_overdue", _("Task overdue")


def _case_page(fragment: str = ""):
    def link(notification) -> str:
        if not notification.case_id:
            return reverse("casework:caseload")
        return reverse("casework:case_detail", args=[notification.case_id]) + fragment

    return link


def _inbox(fragment: str):
    return lambda notification: reverse("referrals:inbox") + fragment.format(n=notification)


# Where each kind's work is: the page its link opens, in the bell, the list and the email
# alike (`Notification.url`). What is sent or offered to an agency opens its inbox,
# since it reads no part of the case before it accepts; a lead transfer accepted took
# the case from the offering agency, whose work is back on its caseload. Any other kind
# opens its case (or, about no case, the caseload). Links are by URL name, so this app
# imports none of the apps it links to.
LINKS = {
    NotificationKind.REFERRAL_RECEIVED: _inbox("#referral-{n.referral_id}"),
    NotificationKind.REFERRAL_ACCEPTED: _case_page("#referrals-h"),
    NotificationKind.REFERRAL_DECLINED: _case_page("#referrals-h"),
    NotificationKind.REFERRAL_PROGRESSED: _case_page("#referrals-h"),
    NotificationKind.REFERRAL_COMPLETED: _case_page("#referrals-h"),
    NotificationKind.REFERRAL_OVERDUE: _case_page("#referrals-h"),
    NotificationKind.TRANSFER_OFFERED: _inbox("#transfers-h"),
    NotificationKind.TRANSFER_ACCEPTED: lambda notification: reverse("casework:caseload"),
    NotificationKind.TRANSFER_DECLINED: _case_page("#lead-h"),
    NotificationKind.WEEKLY_DIGEST: lambda notification: reverse("reports:dashboard"),
}


class Notification(models.Model):
    """An in-app notification, and the email that goes with it.

    Its text names the case by reference, never by name. Reminders carry the due
    date they are about; a unique key (recipient, kind, case, follow-up, referral
    or task, due date) lets every sweep insert them with ON CONFLICT DO NOTHING,
    so each is created once however often or concurrently the sweep runs.
    """

    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notifications"
    )
    kind = models.CharField(max_length=24, choices=NotificationKind.choices)
    case = models.ForeignKey(
        "casework.Case", on_delete=models.CASCADE, null=True, blank=True, related_name="+"
    )
    flag = models.ForeignKey(
        "casework.Flag", on_delete=models.CASCADE, null=True, blank=True, related_name="+"
    )
    followup = models.ForeignKey(
        "casework.FollowUp", on_delete=models.CASCADE, null=True, blank=True, related_name="+"
    )
    # The referral a response reminder is about (referrals.Referral; kept as an id so
    # casework does not depend on the referrals app's tables).
    referral_id = models.BigIntegerField(null=True, blank=True)
    # The task a task notification is about (tasks.Task, kept as an id for the same reason).
    task_id = models.BigIntegerField(null=True, blank=True)
    # What an event notification is about, e.g. "referral:12:accepted": the same
    # event never notifies the same person twice (notifications.services.notify).
    event_key = models.CharField(max_length=64, blank=True, default="", db_default="")
    due_on = models.DateField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    read_at = models.DateTimeField(null=True, blank=True)
    # Email delivery: claimed by a worker before sending (a lease), then marked sent.
    email_claimed_at = models.DateTimeField(null=True, blank=True)
    emailed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        # The tables kept their names from when notifications lived in casework.
        db_table = "casework_notification"
        ordering = ["-created_at", "-pk"]
        indexes = [
            models.Index(
                name="notification_unread",
                fields=["recipient", "-created_at"],
                condition=Q(read_at__isnull=True),
            ),
            models.Index(
                name="notification_email_pending",
                fields=["created_at"],
                condition=Q(emailed_at__isnull=True),
            ),
        ]
        constraints = [
            # One notification per recipient and flag: raising twice never notifies twice.
            models.UniqueConstraint(
                name="notification_once_per_flag",
                fields=["recipient", "kind", "flag"],
                condition=Q(flag__isnull=False),
            ),
            models.UniqueConstraint(
                name="notification_reminder_once",
                fields=[
                    "recipient",
                    "kind",
                    "case",
                    "followup",
                    "referral_id",
                    "task_id",
                    "due_on",
                ],
                condition=Q(due_on__isnull=False),
                nulls_distinct=False,
            ),
            models.UniqueConstraint(
                name="notification_once_per_event",
                fields=["recipient", "kind", "event_key"],
                condition=~Q(event_key=""),
            ),
        ]

    def __str__(self) -> str:
        return f"Notification #{self.pk}"

    @property
    def url(self) -> str:
        """Where the work it tells of is (LINKS), as a path of this site."""
        return LINKS.get(self.kind, _case_page())(self)

    @property
    def opens_case(self) -> bool:
        """Whether its link opens its case's page (the email says so)."""
        return bool(self.case_id) and self.url.startswith(
            reverse("casework:case_detail", args=[self.case_id])
        )

    @property
    def text(self) -> str:
        """One line for the bell, the list and the email subject. Cases are named
        by reference only: names never leave the application in mail."""
        reference = reference_for(self.case_id) if self.case_id else ""
        due = date_format(self.due_on, "DATE_FORMAT") if self.due_on else ""
        texts = {
            NotificationKind.URGENT_FLAG: _("Urgent flag raised on case %(reference)s"),
            NotificationKind.TRIAGE_PENDING: _("Triage of case %(reference)s awaits your decision"),
            NotificationKind.REVIEW_UPCOMING: _("Review of case %(reference)s is due on %(due)s"),
            NotificationKind.REVIEW_DUE: _("Review of case %(reference)s is due today"),
            NotificationKind.REVIEW_OVERDUE: _("Review of case %(reference)s was due on %(due)s"),
            NotificationKind.REVIEW_ESCALATION: _(
                "Review of case %(reference)s is a week overdue (due %(due)s)"
            ),
            NotificationKind.REFERRAL_OVERDUE: _(
                "A referral from case %(reference)s has no response since %(due)s"
            ),
            NotificationKind.WEEKLY_DIGEST: _("Your weekly digest for the week of %(due)s"),
            NotificationKind.REFERRAL_RECEIVED: _(
                "A referral from case %(reference)s was sent to your agency"
            ),
            NotificationKind.REFERRAL_ACCEPTED: _(
                "Your referral from case %(reference)s was accepted"
            ),
            NotificationKind.REFERRAL_DECLINED: _(
                "Your referral from case %(reference)s was declined"
            ),
            NotificationKind.REFERRAL_PROGRESSED: _(
                "Progress was recorded on your referral from case %(reference)s"
            ),
            NotificationKind.REFERRAL_COMPLETED: _(
                "Your referral from case %(reference)s was completed"
            ),
            NotificationKind.TRANSFER_OFFERED: _(
                "The lead of case %(reference)s is offered to your agency"
            ),
            NotificationKind.TRANSFER_ACCEPTED: _(
                "Your offer of the lead of case %(reference)s was accepted"
            ),
            NotificationKind.TRANSFER_DECLINED: _(
                "Your offer of the lead of case %(reference)s was declined"
            ),
            NotificationKind.TRIAGE_APPROVED: _("Your triage of case %(reference)s was approved"),
            NotificationKind.TRIAGE_REJECTED: _("Your triage of case %(reference)s was refused"),
            NotificationKind.CASE_ASSIGNED: _("Case %(reference)s was assigned to you"),
            NotificationKind.TASK_ASSIGNED: _("A task on case %(reference)s was assigned to you"),
            NotificationKind.TASK_OVERDUE: _("A task on case %(reference)s was due on %(due)s"),
        }
        text = str(texts[self.kind]) % {"reference": reference, "due": due}
        if self.followup_id:
            text = _("Follow-up: %(text)s") % {"text": text}
        return text


class EmailPreference(models.Model):
    """A person's choice to receive (or not) email for one kind; in-app is always on."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="email_preferences"
    )
    kind = models.CharField(max_length=24, choices=NotificationKind.choices)
    send_email = models.BooleanField(default=True)

    class Meta:
        db_table = "casework_emailpreference"
        constraints = [
            models.UniqueConstraint(name="email_preference_once", fields=["user", "kind"])
        ]

    def __str__(self) -> str:
        return f"Email preference #{self.pk}"


class SweepRun(models.Model):
    """One completed reminder sweep: when, and how many notifications it created."""

    started_at = models.DateTimeField()
    finished_at = models.DateTimeField()
    created = models.PositiveIntegerField()
    emails_queued = models.PositiveIntegerField()

    class Meta:
        db_table = "casework_sweeprun"
        ordering = ["-finished_at"]

    def __str__(self) -> str:
        return f"Sweep #{self.pk}"
