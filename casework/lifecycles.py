"""Lifecycles as data: for each kind of record that moves through states, one table
of the steps people take — from which states, to which state, and who may take them.

A `Transition` says: the `action` (the name of the step, as the API path and the
page say it), the `sources` it is allowed from, the `target` it leads to, the
model `permission` a role needs to take it (403 without it), and the `side` the
actor must stand on — a token the app's access funnel understands: a side of a
referral or lead transfer (referrals/access.py) or a part of the case the actor
must be able to write (casework/parts.py). A 404 answers someone on another side.

One table serves three readers:
- the services check the state and take the next one from it (`Lifecycle.advance`),
  each under the row lock it already holds, raising the step's own message;
- the templates ask which steps to offer this reader on this record
  (`{% load lifecycles %}{% actions record viewer=viewer as offered %}`);
- the API configures one transition view per action (`casework.apis.TransitionApi`),
  which takes its role and its side from the table.

Creating a record (raising a flag, drafting a referral, offering a transfer) is
no transition: it starts in the model's default state. What a step takes beyond
its state, role and side (consent, an open case, a reason) stays in its service.

A step may also say whom it `tells` (a `Tells`: the notification kind, and a
function naming the people from the record), and a lifecycle whom the creation of
a record tells (`created`). The services that take the steps call
`Lifecycle.tell`, which reads the declaration: the actor is never told of their
own step, and each person is told of one event once (notifications.services.notify).

This module knows no app but casework; referrals declares its tables in
referrals/lifecycles.py with the same classes.
"""

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from operator import attrgetter

from django.core.exceptions import ValidationError
from django.utils.functional import Promise
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from casework.models import Flag, FlagStatus, TriageAssessment
from casework.parts import Part
from notifications.models import NotificationKind
from notifications.services import notify

# The pseudo-action under which `Lifecycle.tell` tells of a record's creation.
CREATED = "created"


@dataclass(frozen=True)
class Tells:
    """Who is told that a step was taken, as which kind of notification: `recipients`
    names them (users or their ids) from the record as the step left it."""

    kind: str
    recipients: Callable[[object], Iterable]


@dataclass(frozen=True)
class Transition:
    action: str
    sources: tuple[str, ...]
    target: str
    permission: str
    side: str
    # Said when the record's state does not allow the step (a 400); None for a step
    # its service takes only from its sources, so never refused.
    refusal: Promise | None
    # Two-person rule: the record's attribute holding the id of the one person who
    # may not take this step (the service says why; the pages do not offer it).
    barred: str = ""
    # Whom taking the step tells (Lifecycle.tell); None: nobody.
    tells: Tells | None = None

    def bars(self, obj, user) -> bool:
        return bool(self.barred) and getattr(obj, self.barred) == user.pk


@dataclass(frozen=True)
class Lifecycle:
    """The steps of one kind of record. `state` reads a record's state (its
    `status` field unless said otherwise); `tell_state` adds the state's name to a
    refusal; `code` is the refusal's error code."""

    model: type
    transitions: tuple[Transition, ...]
    state: Callable[[object], str] = attrgetter("status")
    tell_state: bool = False
    code: str = "transition"
    # The sides a reader of the record's case stands on (see `offered`); by default
    # the parts of the case they may write.
    viewer_sides: Callable[[object, object], Iterable[str]] | None = None
    # Names the record in the keys of the events it tells of ("referral:12:accept").
    noun: str = ""
    # Whom the creation of a record tells (no step: see the module's docstring).
    created: Tells | None = None
    # What else a notification of the record carries (e.g. {"referral_id": 12}).
    about: Callable[[object], dict] = lambda obj: {}
    _by_action: dict[str, Transition] = field(init=False, repr=False, compare=False)

    def __post_init__(self):
        by_action = {t.action: t for t in self.transitions}
        if len(by_action) != len(self.transitions):
            raise ValueError(f"{self.model.__name__}: an action is declared twice")
        object.__setattr__(self, "_by_action", by_action)
        _REGISTRY[self.model] = self

    def __getitem__(self, action: str) -> Transition:
        return self._by_action[action]

    @property
    def actions(self) -> tuple[str, ...]:
        return tuple(self._by_action)

    @property
    def table(self) -> dict[tuple[str, str], str]:
        """(state, action) → next state, every allowed pair."""
        return {(s, t.action): t.target for t in self.transitions for s in t.sources}

    def allows(self, obj, action: str) -> bool:
        return self.state(obj) in self[action].sources

    def advance(self, obj, action: str) -> str:
        """The state `action` takes the record to; a ValidationError (the step's own
        message) if its current state does not allow it."""
        transition = self[action]
        if self.state(obj) in transition.sources:
            return transition.target
        if transition.refusal is None:
            raise ValueError(f"{transition.action} is taken only from {transition.sources}")
        message = str(transition.refusal)
        if self.tell_state:
            shown = obj.get_status_display()
            message = f"{message} {_('Its status is: %(status)s.') % {'status': shown}}"
        raise ValidationError(message, code=self.code)

    def offered(self, obj, *, user, sides: Iterable[str]) -> frozenset[str]:
        """The steps to offer `user` on `obj`: allowed from its state, by their role,
        on one of `sides` (where the page found the record), not barred to them."""
        sides = set(sides)
        state = self.state(obj)
        return frozenset(
            t.action
            for t in self.transitions
            if state in t.sources
            and t.side in sides
            and user.has_perm(t.permission)
            and not t.bars(obj, user)
        )

    def tell(self, action: str, obj, *, actor, case, occasion: int | None = None) -> list[int]:
        """Tell whom the declaration of `action` (or CREATED) names that it happened to
        `obj`, on `case`; returns the ids of the notifications created.

        The event's key is the record and the action (with `occasion`, the id of the
        event, for a step taken more than once, like progress), so a repeated call
        tells nobody twice; the actor is never told of their own action.
        """
        tells = self.created if action == CREATED else self[action].tells
        if tells is None:
            return []
        people = {getattr(person, "pk", person) for person in tells.recipients(obj)}
        people.discard(actor.pk)
        if not people:
            return []
        key = f"{self.noun}:{obj.pk}:{action}" + (f":{occasion}" if occasion is not None else "")
        return notify(recipients=people, kind=tells.kind, case=case, key=key, **self.about(obj))

    def sides_of_viewer(self, obj, viewer) -> set[str]:
        """The sides a reader of the record's case (a casework.access.CaseViewer)
        stands on: by default, each part of the case they may write."""
        if self.viewer_sides is not None:
            return set(self.viewer_sides(obj, viewer))
        return {part for part, writes in viewer.writes.items() if writes}


_REGISTRY: dict[type, Lifecycle] = {}


def lifecycle_of(obj) -> Lifecycle:
    """The lifecycle declared for the record's model."""
    try:
        return _REGISTRY[type(obj)]
    except KeyError:
        raise LookupError(f"No lifecycle is declared for {type(obj).__name__}") from None


# --- Monitoring flags -----------------------------------------------------------------------

# Police raise, acknowledge and resolve flags on the cases they see: the flags part.
FLAG = Lifecycle(
    model=Flag,
    transitions=(
        Transition(
            action="acknowledge",
            sources=(FlagStatus.OPEN,),
            target=FlagStatus.ACKNOWLEDGED,
            permission="casework.change_flag",
            side=Part.FLAGS,
            refusal=gettext_lazy("Only an open flag can be acknowledged."),
        ),
        # An urgent flag is resolved by someone other than who raised it: the
        # service's rule, since the page still offers the step to the raiser.
        Transition(
            action="resolve",
            sources=(FlagStatus.OPEN, FlagStatus.ACKNOWLEDGED),
            target=FlagStatus.RESOLVED,
            permission="casework.change_flag",
            side=Part.FLAGS,
            refusal=gettext_lazy("This flag is already resolved."),
        ),
    ),
)


# --- Triage approval ------------------------------------------------------------------------


class Approval:
    """Where a triage assessment stands with the program manager's approval.

    Derived, never stored: an assessment is insert-only and its decision is a row
    of its own (casework.models.TriageDecision).
    """

    NOT_NEEDED = "not_needed"  # no move to or from violent: it took effect at once
    PENDING = "pending"
    APPROVED = "approved"
    REJECTED = "rejected"


def approval_state(assessment: TriageAssessment) -> str:
    if not assessment.needs_approval:
        return Approval.NOT_NEEDED
    decision = getattr(assessment, "decision", None)
    if decision is None:
        return Approval.PENDING
    return Approval.APPROVED if decision.approved else Approval.REJECTED


def _decision(action: str, target: str, kind: str) -> Transition:
    return Transition(
        action=action,
        sources=(Approval.PENDING,),
        target=target,
        permission="casework.approve_triage",
        side=Part.TRIAGE,
        refusal=gettext_lazy("This triage is not awaiting a decision."),
        barred="assessor_id",
        # The assessor learns the decision on their triage.
        tells=Tells(kind, lambda assessment: [assessment.assessor_id]),
    )


# A move to or from violent waits for a program manager other than the assessor.
TRIAGE_APPROVAL = Lifecycle(
    model=TriageAssessment,
    transitions=(
        _decision("approve", Approval.APPROVED, NotificationKind.TRIAGE_APPROVED),
        _decision("reject", Approval.REJECTED, NotificationKind.TRIAGE_REJECTED),
    ),
    state=approval_state,
    code="not_pending",
    noun="triage",
)
