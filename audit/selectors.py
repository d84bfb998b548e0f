"""Reads of the audit trail. Only ids and snapshots: nothing here joins case content."""

import datetime

from django.db.models import Q, QuerySet
from django.utils import timezone

from audit.models import AuditEvent


def _start_of(day: datetime.date) -> datetime.datetime:
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time.min))


def search_events(
    *,
    case_id: int | None = None,
    username: str = "",
    agency_id: int | None = None,
    action: str = "",
    date_from: datetime.date | None = None,
    date_to: datetime.date | None = None,
) -> QuerySet[AuditEvent]:
    """The auditor's search, newest first. Every filter is optional; all of them combine.

    A case also matches the events of its returnee written before the case
    existed (the intake), through the returnee id: one subquery, no extra query.
    """
    events = AuditEvent.objects.all()
    if case_id is not None:
        # The case's own creation event names its returnee (audit/migrations/0002_triggers.py).
        returnee = (
            AuditEvent.objects.filter(case_id=case_id, returnee_id__isnull=False)
            .order_by("pk")
            .values("returnee_id")[:1]
        )
        events = events.filter(Q(case_id=case_id) | Q(returnee_id=returnee))
    if username:
        # A failed sign-in has no actor: the name that was tried is in its detail.
        events = events.filter(
            Q(actor_username__iexact=username) | Q(detail__username__iexact=username)
        )
    if agency_id is not None:
        events = events.filter(agency_id=agency_id)
    if action:
        events = events.filter(action=action)
    if date_from:
        events = events.filter(at__gte=_start_of(date_from))
    # The last day a date can be has no next day to stop before: no upper bound then.
    if date_to and date_to < datetime.date.max:
        events = events.filter(at__lt=_start_of(date_to + datetime.timedelta(days=1)))
    return events.order_by("-at", "-id")


def case_access_log(case_id: int) -> QuerySet[AuditEvent]:
    """Everything the trail knows about one case: reads, refusals, changes, grants."""
    return AuditEvent.objects.filter(case_id=case_id).order_by("-at", "-id")
