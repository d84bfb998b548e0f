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


def case_page_queries(*, child: bool = False, manager: bool = False) -> list[str]:
    """The queries of one case page after the session's, named: every test that pins
    the page's count takes them from here, so a new section is added once.
    `child`: the case has a parent case; `manager`: a program manager reads it."""
    return [
        "the case through the access funnel, with returnee, agency, worker, team flag",
        "the reader's roles and agency kinds (what they see of the case)",
        *(["the parent's case, if visible"] if child else []),
        "triage history with assessors and decisions",
        "unresolved flags with who raised them",
        "header: the user's groups with their agencies",
        "header: unread notification count",
        "the dependents' cases, if visible",
        "support plan goals with owner agencies",
        "referrals of the case with their agencies (case team's referral section)",
        "consent records with agencies and who recorded them",
        "a lead transfer offer waiting for an answer",
        "tasks of the case with owners and who did them (the tasks section)",
        "the latest visible notes with authors",
        "documents the reader may read, with their uploaders (the documents section)",
        "custody episodes",
        "recent reviews",
        "post-exit follow-ups",
        "family contacts (case team only)",
        *(["a program manager: is the reader in the lead agency (access-log link)"] * manager),
        "audit: INSERT of the read event (by AuditMiddleware, after the view)",
    ]
