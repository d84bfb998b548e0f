"""The permission funnel for cases.

Every read of a case goes through here. A case the user may not see and a case
that does not exist give the same 404, so no response reveals that a record
exists. Global (model-level) permissions never widen object access: only rows
in the direct-FK guardian tables do, granted to the user or one of their groups.
"""

from dataclasses import dataclass
from functools import cached_property

from django.contrib.auth.models import Group, Permission
from django.core.exceptions import PermissionDenied
from django.db.models import (
    BooleanField,
    Exists,
    ExpressionWrapper,
    Q,
    QuerySet,
    Subquery,
    Value,
)
from django.http import Http404

from agencies.access import is_member
from agencies.models import AgencyKind, Role
from agencies.selectors import staff_of_manager
from audit import middleware as audit_middleware
from audit.models import AuditAction
from audit.services import audit_refusal
from audit.views import ACCESS_LOG_PERMISSION, AUDITOR_PERMISSION
from casework.models import Case, CaseGroupObjectPermission, CaseUserObjectPermission, Note
from casework.parts import ANY_NOTE, NOTE_PARTS, RULES, VIEW, Audience, Part
from casework.parts import CHANGE as CHANGE  # re-exported: the funnel's callers name it here
from core.api import MAX_ID


def case_access_condition(user, codename: str = VIEW, *, case_ref: str = "pk") -> Q:
    """An SQL condition true for cases on which `user` holds `casework.<codename>`.

    `case_ref` names the case id in the outer query, so querysets of other models
    (returnees, notes…) can be filtered by their case's permissions too. Written
    as two uncorrelated `IN (…)` sets, not correlated EXISTS: Postgres builds each
    set once and probes it per row, where an OR of EXISTS made it rescan the grants
    and overestimate the cost (bench: 0.7 s → 0.05 s for a 50,000-case count).
    """
    permission = Subquery(
        Permission.objects.filter(content_type__app_label="casework", codename=codename).values(
            "pk"
        )[:1]
    )
    by_user = CaseUserObjectPermission.objects.filter(user=user, permission=permission)
    by_group = CaseGroupObjectPermission.objects.filter(group__user=user, permission=permission)
    return Q(**{f"{case_ref}__in": by_user.values("content_object_id")}) | Q(
        **{f"{case_ref}__in": by_group.values("content_object_id")}
    )


def case_access_flag(user, codename: str = VIEW, *, case_ref: str = "pk") -> ExpressionWrapper:
    """The same condition as a boolean column, for annotations."""
    return ExpressionWrapper(
        case_access_condition(user, codename, case_ref=case_ref), output_field=BooleanField()
    )


def cases_for_user(user, codename: str = VIEW) -> QuerySet[Case]:
    if not (user.is_authenticated and user.is_active):
        return Case.objects.none()
    return Case.objects.filter(case_access_condition(user, codename))


def case_for_user(user, case_id, codename: str = VIEW) -> Case:
    """The case, if the user holds the permission on it; otherwise Http404.

    Every refusal is written to the audit trail (`access_refused`), missing and
    forbidden alike: the trail may know what the response does not say.
    """
    try:
        number = int(case_id)
    except (TypeError, ValueError):
        number = None
    if number is None or not 0 < number <= MAX_ID:  # no record has such an id
        audit_refusal(object_type="casework.case", object_id=case_id)
        raise Http404
    case_id = number
    case = (
        cases_for_user(user, codename)
        .select_related("returnee", "lead_agency", "assigned_worker")
        .filter(pk=case_id)
        .first()
    )
    if case is None:
        audit_refusal(object_type="casework.case", object_id=case_id, case_id=case_id)
        raise Http404
    return case


# --- What a reader sees of one case (casework/parts.py) ----------------------------------


@dataclass(frozen=True)
class CaseViewer:
    """A reader's relation to one case, decided once per request: the object
    permissions they hold on it and whether they read it as a police liaison or as
    health staff. What that lets them read and write is `casework.parts.RULES`."""

    case: Case
    user: object
    perms: frozenset[str]
    police: bool
    health: bool

    def admitted(self, audience: Audience) -> bool:
        return audience.admits(perms=self.perms, police=self.police, health=self.health)

    def can_read(self, part: Part) -> bool:
        return self.admitted(RULES[part].read)

    def can_write(self, part: Part) -> bool:
        return self.admitted(RULES[part].write)

    @cached_property
    def reads(self) -> dict[str, bool]:
        """Part name -> readable, for templates: `{% if viewer.reads.contact %}`."""
        return {part.value: self.can_read(part) for part in Part}

    @cached_property
    def writes(self) -> dict[str, bool]:
        return {part.value: self.can_write(part) for part in Part}

    def may_write_note(self, visibility: str) -> bool:
        return self.can_write(NOTE_PARTS[visibility])

    @cached_property
    def writes_notes(self) -> bool:
        """Notes of some visibility: what the note pages ask (casework.parts.ANY_NOTE)."""
        return any(self.can_write(part) for part in ANY_NOTE)

    def note_condition(self) -> Q:
        levels = [level for level, part in NOTE_PARTS.items() if self.can_read(part)]
        return Q(visibility__in=levels) | Q(author=self.user)


def case_viewer(user, case: Case) -> CaseViewer:
    """One query: the reader's object permissions on this case, their roles and agency kinds."""
    held = CaseUserObjectPermission.objects.filter(content_object=case, user=user).values_list(
        "permission__codename", Value("perm")
    )
    groups = user.groups.values_list("name", "agency__kind")
    rows = list(
        held.union(
            CaseGroupObjectPermission.objects.filter(
                content_object=case, group__user=user
            ).values_list("permission__codename", Value("perm")),
            groups,
            all=True,
        )
    )
    perms = frozenset(code for code, tag in rows if tag == "perm")
    memberships = [(name, kind) for name, kind in rows if kind != "perm"]
    return CaseViewer(
        case=case,
        user=user,
        perms=perms,
        police=VIEW in perms and any(name == Role.POLICE_LIAISON for name, _ in memberships),
        health=VIEW in perms and any(kind == AgencyKind.HEALTH for _, kind in memberships),
    )


def case_part_for_user(
    user, case_id, part: Part | tuple[Part, ...], *, write: bool = False
) -> CaseViewer:
    """The case and what the user sees of it, if they may read (or, with `write`,
    write) `part` of it — or one of several parts; otherwise Http404, recorded like
    any refusal. Pages and API call this one funnel, so both answer the same."""
    case = case_for_user(user, case_id)
    viewer = case_viewer(user, case)
    allowed = viewer.can_write if write else viewer.can_read
    if not any(allowed(p) for p in (part if isinstance(part, tuple) else (part,))):
        audit_refusal(object_type="casework.case", object_id=case.pk, case_id=case.pk)
        raise Http404
    return viewer


def note_to_amend(viewer: CaseViewer, note_id) -> Note:
    """A note of the viewer's case that they wrote and may still write (its visibility's
    part); otherwise Http404, recorded: anyone else meets the note they cannot amend."""
    note = Note.objects.filter(case=viewer.case, pk=note_id, author=viewer.user).first()
    if note is None or not viewer.may_write_note(note.visibility):
        audit_refusal(object_type="casework.note", object_id=note_id, case_id=viewer.case.pk)
        raise Http404
    return note


def parent_case_for_dependent(user, case_id) -> Case:
    """The case a new dependent is registered under: registering one writes the
    parent's family part. Otherwise Http404, as any refusal."""
    return case_part_for_user(user, case_id, Part.FAMILY, write=True).case


def audience_condition(user, audience: Audience, *, case_ref: str = "pk") -> Q:
    """An SQL condition true for the cases whose `audience` includes `user`, for lists
    and exports that show a part row by row (the set-based twin of `admitted`).
    The reader's role and agency kind are tested in the same SQL, not by a query."""
    condition = Q(pk__in=[])
    for codename in sorted(audience.perms):
        condition |= case_access_condition(user, codename, case_ref=case_ref)
    kinds = Q()
    if audience.police:
        kinds |= Q(name=Role.POLICE_LIAISON)
    if audience.health:
        kinds |= Q(agency__kind=AgencyKind.HEALTH)
    if kinds:
        member = Group.objects.filter(kinds, user=user)
        condition |= case_access_condition(user, VIEW, case_ref=case_ref) & Q(Exists(member))
    return condition


def part_flag(user, part: Part, *, case_ref: str = "pk") -> ExpressionWrapper:
    """`audience_condition` of the part's readers as a boolean column."""
    return ExpressionWrapper(
        audience_condition(user, RULES[part].read, case_ref=case_ref), output_field=BooleanField()
    )


def staff_member_for_user(manager, user_id):
    """A member of one of the manager's agencies, active or not, never the manager:
    whom they may deactivate or hand over (the staff page and its API). Otherwise
    Http404, missing and forbidden alike, recorded like any refusal."""
    member = staff_of_manager(manager).filter(pk=user_id).first()
    if member is None:
        audit_refusal(object_type="auth.user", object_id=user_id)
        raise Http404
    return member


# --- Who may read a case's access log (docs/audit.md) --------------------------------------


def case_access_log_for_user(user, case_id) -> int:
    """The id of the case whose access log `user` may read; the one rule of the page
    (`casework:case_access_log`) and the API (`api-case-access-log`).

    The auditor (`audit.view_auditevent`) reads any case's, and holds no case
    permission, so only its existence is asked; a holder of
    `audit.view_case_access_log` (a program manager) reads the log of a case their
    agency leads. Anyone else: PermissionDenied (403). A case that does not exist,
    or another agency's: Http404, the refusal recorded like any other. Once the answer
    is ready, the read is recorded as `access_log_viewed` instead of a case read.
    """
    if user.has_perm(AUDITOR_PERMISSION):
        if not Case.objects.filter(pk=case_id).exists():
            raise Http404
    elif user.has_perm(ACCESS_LOG_PERMISSION):
        case = case_for_user(user, case_id, CHANGE)
        if not is_member(user, case.lead_agency_id):
            audit_refusal(object_type="casework.case", object_id=case_id, case_id=case_id)
            raise Http404
    else:
        raise PermissionDenied
    if (state := audit_middleware.current()) is not None:
        state.read_action = AuditAction.ACCESS_LOG_VIEWED
    return int(case_id)
