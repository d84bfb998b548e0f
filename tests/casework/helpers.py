"""Shortcuts for casework tests: each goes through the real service."""

import contextlib
import datetime

from django.db import transaction
from django.utils import timezone

from casework import services

HIGH = dict.fromkeys(
    [
        "beliefs_attitudes",
        "intent_context",
        "history_capability",
        "commitment_motivation",
        "protective_factors",
    ],
    "high",
)
LOW = dict.fromkeys(HIGH, "low")


def make_cases(register, n, **person):
    return [register(**person) for _ in range(n)]


def at(days: int, hour: int = 10) -> datetime.datetime:
    """A moment `days` from today, at `hour` local time."""
    day = timezone.localdate() + datetime.timedelta(days=days)
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time(hour)))


def triage(actor, case, category, ratings=None, rationale="Seen at home; family interviewed."):
    return services.triage_assess(
        actor=actor,
        case=case,
        category=category,
        rationale=rationale,
        ratings=ratings or (HIGH if category == "violent" else LOW),
    )


def note(actor, case, visibility, text="Talked about housing.", **kwargs):
    return services.note_add(
        actor=actor,
        case=case,
        kind=kwargs.pop("kind", "contact"),
        occurred_at=kwargs.pop("occurred_at", timezone.now() - datetime.timedelta(hours=1)),
        text=text,
        visibility=visibility,
        **kwargs,
    )


def flag(actor, case, severity="concern", **kwargs):
    return services.flag_raise(
        actor=actor,
        case=case,
        category=kwargs.pop("category", "travel"),
        severity=severity,
        source=kwargs.pop("source", "family"),
        description=kwargs.pop("description", "Bought a ticket abroad."),
    )


# --- Lifecycle tables (casework/lifecycles.py) ------------------------------------------


def paths_through(lifecycle, start: str, actions) -> dict[str, list[str]]:
    """The shortest run of `actions` from `start` to each state the table reaches."""
    paths, queue = {start: []}, [start]
    while queue:
        state = queue.pop(0)
        for (source, action), target in lifecycle.table.items():
            if source == state and action in actions and target not in paths:
                paths[target] = [*paths[state], action]
                queue.append(target)
    return paths


@contextlib.contextmanager
def rolled_back():
    """A savepoint undone afterwards: try one step, then the next from the same state."""
    with transaction.atomic():
        yield
        transaction.set_rollback(True)
