"""Shortcuts for task tests: each goes through the real service."""

import datetime

from django.utils import timezone

from tasks import services


def due_in(days: int) -> datetime.date:
    return timezone.localdate() + datetime.timedelta(days=days)


def add_task(actor, case, *, title="Visit the family", days=3, owner=None, details=""):
    return services.task_add(
        actor=actor, case=case, title=title, due_on=due_in(days), owner=owner, details=details
    )
