"""Ad-hoc tasks on a case: something to do, by a date, owned by a person or the team.

A task is owned by one member of the case team (`owner`) or, with no owner, by the
team itself: the case's lead agency, whoever that is at the time (a lead transfer
takes the team's tasks with it). Done or open is derived from `done_at`; the steps
between them are tasks/lifecycles.py. Every change is a `TaskEvent` as well, which
the case timeline reads.
"""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from casework.models import LONG_TEXT_MAX
from core.fields import MultiLineTextField, OneLineTextField, PlausibleDateField

TITLE_MAX = 200


class Task(models.Model):
    case = models.ForeignKey("casework.Case", on_delete=models.PROTECT, related_name="tasks")
    title = OneLineTextField(_("task"), max_length=TITLE_MAX)
    details = MultiLineTextField(_("details"), max_length=LONG_TEXT_MAX, blank=True)
    # None: the case team (its lead agency) owns it.
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("owner"),
    )
    # Required: a task without a date is never reminded of and slips (OSCaR asks for one too).
    due_on = PlausibleDateField(_("due date"))
    done_at = models.DateTimeField(null=True, blank=True)
    done_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(auto_now=True)
    version = models.PositiveIntegerField(default=1)

    class Meta:
        verbose_name = _("task")
        ordering = ["due_on", "pk"]
        indexes = [
            # The case page's tasks, and the sweep's open tasks by due date.
            models.Index(name="task_case_due", fields=["case", "due_on"]),
            models.Index(name="task_open_due", fields=["due_on"], condition=Q(done_at=None)),
            models.Index(name="task_owner_due", fields=["owner", "due_on"]),
        ]
        constraints = [
            models.CheckConstraint(
                name="task_done_by_whom_and_when",
                condition=Q(done_at__isnull=True, done_by__isnull=True)
                | Q(done_at__isnull=False, done_by__isnull=False),
            ),
            models.CheckConstraint(name="task_title_not_blank", condition=~Q(title="")),
            models.CheckConstraint(name="task_version_positive", condition=Q(version__gte=1)),
        ]

    def __str__(self) -> str:
        return f"Task #{self.pk}"

    @property
    def is_done(self) -> bool:
        return self.done_at is not None

    @property
    def is_overdue(self) -> bool:
        return self.done_at is None and self.due_on < timezone.localdate()


class TaskEventKind(models.TextChoices):
    CREATED = "created", _("Task added")
    UPDATED = "updated", _("Task changed")
    DONE = "done", _("Task done")
    REOPENED = "reopened", _("Task reopened")


class TaskEvent(models.Model):
    """What happened to a task and who did it: the case timeline's task entries.
    `case` is repeated so the timeline reads one indexed table."""

    task = models.ForeignKey(Task, on_delete=models.PROTECT, related_name="events")
    case = models.ForeignKey("casework.Case", on_delete=models.PROTECT, related_name="+")
    kind = models.CharField(max_length=16, choices=TaskEventKind.choices)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["at", "pk"]
        indexes = [models.Index(name="taskevent_case_time", fields=["case", "-at"])]

    def __str__(self) -> str:
        return f"Task event #{self.pk}"
