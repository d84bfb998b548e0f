"""Every write to a case and what hangs on it.

Each service locks the case row (SELECT … FOR UPDATE) before changing it, so
two people acting on one case are serialised; a service that edits what a
person saw on a form also takes the `expected_version` they saw and refuses a
stale one with ConcurrentEdit instead of overwriting the other person's change
(casework.versioning).
"""

import calendar
import datetime
import logging
from collections.abc import Sequence
from dataclasses import dataclass
from functools import partial

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group, Permission
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection, transaction
from django.db.models import Count, Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from agencies.access import is_member, require_member
from agencies.models import Agency, AgencyKind, Role
from agencies.selectors import case_workers
from casework.access import CHANGE, VIEW, cases_for_user
from casework.grants import (
    LEAD_PERMISSIONS,
    POLICE_PERMISSIONS,
    police_condition,
    sync_case_grants,
    sync_police_grants,
)
from casework.lifecycles import FLAG, TRIAGE_APPROVAL
from casework.models import (
    INDICATORS,
    NOTE_AMEND_WINDOW_HOURS,
    PATHWAY_FOR_CATEGORY,
    Case,
    CaseGroupObjectPermission,
    CaseStatus,
    CaseStatusChange,
    CaseUserObjectPermission,
    ClosureReason,
    CustodyEpisode,
    Flag,
    FlagEvent,
    FlagStatus,
    FollowUp,
    Goal,
    GoalRevision,
    Note,
    NoteRevision,
    Pathway,
    Review,
    ReviewOutcome,
    RiskCategory,
    Severity,
    TriageAssessment,
    TriageDecision,
)
from casework.versioning import (
    ConcurrentEdit as ConcurrentEdit,  # re-exported: the services' callers catch it here
)
from casework.versioning import check_version, locked_case, require_open, save_versioned
from notifications.models import NotificationKind
from notifications.services import notify
from notifications.tasks import send_notification_emails
from returnees.models import Region

logger = logging.getLogger(__name__)
User = get_user_model()

# What the lead agency and the assigned worker hold on a case they work.
CASE_TEAM_PERMISSIONS = (VIEW, CHANGE)


def _permissions(codenames: Sequence[str]) -> list[Permission]:
    return list(
        Permission.objects.filter(content_type__app_label="casework", codename__in=codenames)
    )


def case_team_grant(
    *,
    cases: Sequence[Case],
    group: Group | None = None,
    user=None,
    codenames: Sequence[str] = CASE_TEAM_PERMISSIONS,
) -> None:
    """Grant object permissions on `cases` to a group and/or a user, in bulk.

    Idempotent: an existing grant is left as it is.
    """
    permissions = _permissions(codenames)
    if group is not None:
        CaseGroupObjectPermission.objects.bulk_create(
            [
                CaseGroupObjectPermission(group=group, permission=p, content_object=c)
                for c in cases
                for p in permissions
            ],
            ignore_conflicts=True,
        )
    if user is not None:
        CaseUserObjectPermission.objects.bulk_create(
            [
                CaseUserObjectPermission(user=user, permission=p, content_object=c)
                for c in cases
                for p in permissions
            ],
            ignore_conflicts=True,
        )


# --- Reviews cadence -------------------------------------------------------------


def review_interval_days(case: Case, on: datetime.date | None = None) -> int:
    """Days between reviews: by category from the lead agency's program, minors capped."""
    agency = case.lead_agency
    days = {
        RiskCategory.VIOLENT: agency.review_days_violent,
        RiskCategory.NON_VIOLENT: agency.review_days_non_violent,
    }.get(case.category, agency.review_days_unsettled)  # untriaged: as soon as unsettled
    age = case.returnee.age_on(on or timezone.localdate())
    if age is not None and age < 18:
        days = min(days, agency.review_days_minor_max)
    return days


def next_review_date(case: Case, *, after: datetime.date) -> datetime.date:
    return after + datetime.timedelta(days=review_interval_days(case, after))


# --- Opening and locking --------------------------------------------------------------


@transaction.atomic
def case_open(*, actor, returnee, lead_agency, assigned_worker=None) -> Case:
    """Open the case of a newly registered returnee and give it to its team.

    The lead agency's group and the assigned worker receive the case-team
    permissions; nobody else can see the case until another relationship
    (assignment, an accepted referral, police jurisdiction) grants it. The
    first review is due as soon as an unsettled case's would be: triage comes first.
    """
    if not is_member(actor, lead_agency.pk):
        raise ValidationError({"lead_agency": _("You can only open cases for your own agency.")})
    if assigned_worker is not None and not is_member(assigned_worker, lead_agency.pk):
        raise ValidationError(
            {"assigned_worker": _("The assigned worker must be a member of the lead agency.")}
        )
    today = timezone.localdate()
    case = Case(
        returnee=returnee,
        lead_agency=lead_agency,
        assigned_worker=assigned_worker,
        opened_on=today,
    )
    case.next_review_on = next_review_date(case, after=today)
    case.save()
    case_team_grant(cases=[case], group=lead_agency.group, codenames=sorted(LEAD_PERMISSIONS))
    if assigned_worker is not None:
        case_team_grant(cases=[case], user=assigned_worker)
    return case


def _require(actor, perm: str) -> None:
    if not actor.has_perm(perm):
        raise PermissionDenied


@transaction.atomic
def case_lead_agency_set(*, actor, case: Case, lead_agency) -> Case:
    """Give the case to another lead agency: an accepted lead transfer, whose service
    decides who may (referrals.services.lead_transfer_accept).

    The case is left unassigned for the new agency to assign, and the previous
    assignee's own grants on it end with the assignment; the agencies' grants are
    the caller's to bring in line.
    """
    case = locked_case(case.pk)
    old_assignee_id = case.assigned_worker_id
    case.lead_agency = lead_agency
    case.assigned_worker = None
    save_versioned(case, ["lead_agency", "assigned_worker"])
    removed = 0
    if old_assignee_id is not None:
        removed, _detail = CaseUserObjectPermission.objects.filter(
            content_object=case, user_id=old_assignee_id
        ).delete()
    logger.info(
        "case lead agency set case_id=%s agency_id=%s assignee_grants_removed=%s actor_id=%s",
        case.pk,
        lead_agency.pk,
        removed,
        actor.pk,
    )
    return case


# --- Triage ---------------------------------------------------------------------------


def pending_assessment(case: Case) -> TriageAssessment | None:
    return (
        case.assessments.filter(needs_approval=True, decision__isnull=True)
        .select_related("assessor")
        .first()
    )


def _apply_triage(case: Case, assessment: TriageAssessment) -> None:
    case.category = assessment.category
    case.pathway = PATHWAY_FOR_CATEGORY[assessment.category]
    case.pathway_override_reason = ""
    case.next_review_on = next_review_date(case, after=timezone.localdate())
    save_versioned(case, ["category", "pathway", "pathway_override_reason", "next_review_on"])
    # The category decides which police units see the case (referrals.grants).
    sync_police_grants(case)


@transaction.atomic
def triage_assess(
    *, actor, case: Case, category: str, rationale: str, ratings: dict[str, str]
) -> TriageAssessment:
    """Record a triage. It takes effect at once, unless it moves the case to or
    from violent: then it waits for a program manager other than the assessor."""
    _require(actor, "casework.add_triageassessment")
    case = locked_case(case.pk)
    require_open(case)
    if pending_assessment(case) is not None:
        raise ValidationError(
            {
                "category": _(
                    "A triage of this case awaits a program manager's decision. "
                    "It must be approved or rejected before a new one."
                )
            }
        )
    assessment = TriageAssessment(
        case=case,
        category=category,
        rationale=rationale.strip(),
        assessor=actor,
        previous=case.assessments.first(),
        needs_approval=(category == RiskCategory.VIOLENT)
        != (case.category == RiskCategory.VIOLENT),
        **{name: ratings.get(name, "") for name, _label in INDICATORS},
    )
    assessment.full_clean(exclude=["case", "assessor", "previous"])
    assessment.save()
    if assessment.needs_approval:
        notify(
            recipients=_program_managers(case).exclude(pk=actor.pk),
            kind=NotificationKind.TRIAGE_PENDING,
            case=case,
            key=f"triage:{assessment.pk}",
        )
    else:
        _apply_triage(case, assessment)
    logger.info(
        "triage assessed case_id=%s assessment_id=%s pending=%s actor_id=%s",
        case.pk,
        assessment.pk,
        assessment.needs_approval,
        actor.pk,
    )
    return assessment


@transaction.atomic
def triage_decide(
    *, actor, assessment: TriageAssessment, approve: bool, comment: str
) -> TriageDecision:
    """A program manager's decision on a move to or from violent (two-person rule)."""
    action = "approve" if approve else "reject"
    _require(actor, TRIAGE_APPROVAL[action].permission)
    case = locked_case(assessment.case.pk)
    assessment = TriageAssessment.objects.select_related("decision").get(pk=assessment.pk)
    TRIAGE_APPROVAL.advance(assessment, action)  # the decision row below is the new state
    if TRIAGE_APPROVAL[action].bars(assessment, actor):
        raise ValidationError(
            _("A second person must decide: you made this assessment."), code="same_person"
        )
    if not comment.strip():
        raise ValidationError({"comment": _("Say why you approve or reject this triage.")})
    decision = TriageDecision(
        assessment=assessment, approved=approve, comment=comment.strip(), decided_by=actor
    )
    decision.full_clean(exclude=["assessment", "decided_by"])
    decision.save()
    if approve:
        require_open(case)
        _apply_triage(case, assessment)
    TRIAGE_APPROVAL.tell(action, assessment, actor=actor, case=case)
    logger.info(
        "triage decided case_id=%s assessment_id=%s approved=%s actor_id=%s",
        case.pk,
        assessment.pk,
        approve,
        actor.pk,
    )
    return decision


@transaction.atomic
def case_pathway_set(
    *, actor, case: Case, pathway: str, reason: str, expected_version: int | None
) -> Case:
    """Override the pathway the category sets; the reason is kept on the case."""
    _require(actor, "casework.change_case")
    case = locked_case(case.pk)
    check_version(case, expected_version)
    require_open(case)
    if not case.category:
        raise ValidationError({"pathway": _("Triage the case before choosing its pathway.")})
    if pathway not in Pathway.values:
        raise ValidationError({"pathway": _("Choose a pathway from the list.")})
    default = PATHWAY_FOR_CATEGORY[case.category]
    if pathway != default and not reason.strip():
        raise ValidationError({"reason": _("Say why this case leaves its category's pathway.")})
    case.pathway = pathway
    case.pathway_override_reason = "" if pathway == default else reason.strip()
    save_versioned(case, ["pathway", "pathway_override_reason"])
    return case


# --- Custody --------------------------------------------------------------------------


@transaction.atomic
def custody_start(
    *, actor, case: Case, facility: str, started_on: datetime.date, segregated: bool
) -> CustodyEpisode:
    """The person is held; the case stays open."""
    _require(actor, "casework.change_case")
    case = locked_case(case.pk)
    require_open(case)
    if case.custody_episodes.filter(ended_on__isnull=True).exists():
        raise ValidationError({"facility": _("A custody episode is already open; end it first.")})
    if started_on > timezone.localdate():
        raise ValidationError({"started_on": _("This date cannot be in the future.")})
    episode = CustodyEpisode(
        case=case,
        facility=facility.strip(),
        started_on=started_on,
        segregated=segregated,
        recorded_by=actor,
    )
    episode.full_clean(exclude=["case", "recorded_by"])
    episode.save()
    return episode


@transaction.atomic
def custody_end(*, actor, episode: CustodyEpisode, ended_on: datetime.date) -> CustodyEpisode:
    _require(actor, "casework.change_case")
    locked_case(episode.case.pk)
    episode = CustodyEpisode.objects.get(pk=episode.pk)
    if episode.ended_on is not None:
        raise ValidationError(_("This custody episode has already ended."), code="ended")
    if ended_on < episode.started_on:
        raise ValidationError({"ended_on": _("The end cannot be before the start.")})
    if ended_on > timezone.localdate():
        raise ValidationError({"ended_on": _("This date cannot be in the future.")})
    episode.ended_on = ended_on
    episode.save(update_fields=["ended_on"])
    return episode


# --- Support plan ---------------------------------------------------------------------


def _goal_revision(goal: Goal, actor, *, created: bool = False) -> None:
    GoalRevision.objects.create(
        goal=goal,
        case_id=goal.case_id,
        status=goal.status,
        target_date=goal.target_date,
        outcome=goal.outcome,
        changed_by=actor,
        created=created,
    )


@transaction.atomic
def goal_add(
    *,
    actor,
    case: Case,
    domain: str,
    description: str,
    owner_agency,
    target_date: datetime.date | None,
) -> Goal:
    _require(actor, "casework.add_goal")
    case = locked_case(case.pk)
    require_open(case)
    goal = Goal(
        case=case,
        domain=domain,
        description=description.strip(),
        owner_agency=owner_agency,
        target_date=target_date,
        created_by=actor,
    )
    goal.full_clean(exclude=["case", "created_by"])
    goal.save()
    _goal_revision(goal, actor, created=True)
    return goal


@transaction.atomic
def goal_update(
    *,
    actor,
    goal: Goal,
    expected_version: int | None,
    status: str,
    target_date: datetime.date | None,
    outcome: str,
    owner_agency=None,
) -> Goal:
    _require(actor, "casework.change_goal")
    require_open(locked_case(goal.case.pk))
    current = Goal.objects.select_for_update().get(pk=goal.pk)
    check_version(current, expected_version)
    current.status = status
    current.target_date = target_date
    current.outcome = outcome.strip()
    if owner_agency is not None:
        current.owner_agency = owner_agency
    current.full_clean(exclude=["case", "created_by"])
    save_versioned(current, ["status", "target_date", "outcome", "owner_agency"])
    _goal_revision(current, actor)
    return current


# --- Progress notes -------------------------------------------------------------------


@transaction.atomic
def note_add(
    *,
    actor,
    case: Case,
    kind: str,
    occurred_at: datetime.datetime,
    text: str,
    visibility: str,
    corrects: Note | None = None,
) -> Note:
    _require(actor, "casework.add_note")
    case = locked_case(case.pk)
    if corrects is not None and corrects.case_id != case.pk:
        raise ValidationError({"corrects": _("A correction must be on the same case.")})
    if occurred_at > timezone.now() + datetime.timedelta(minutes=5):
        raise ValidationError({"occurred_at": _("This cannot be in the future.")})
    if occurred_at.date() < case.returnee.return_date - datetime.timedelta(days=366):
        raise ValidationError(
            {"occurred_at": _("This is long before the person returned; check the date.")}
        )
    note = Note(
        case=case,
        kind=kind,
        occurred_at=occurred_at,
        text=text.strip(),
        visibility=visibility,
        author=actor,
        corrects=corrects,
    )
    note.full_clean(exclude=["case", "author", "corrects"])
    note.save()
    return note


@transaction.atomic
def note_amend(*, actor, note: Note, text: str) -> Note:
    """The author may amend a note for 24 hours; the previous text is kept."""
    _require(actor, "casework.add_note")
    note = Note.objects.select_for_update().get(pk=note.pk)
    if note.author_id != actor.pk:
        raise PermissionDenied
    if timezone.now() > note.amendable_until:
        raise ValidationError(
            _(
                "Notes can be amended for %(hours)s hours. Add a new note that corrects "
                "this one instead."
            )
            % {"hours": NOTE_AMEND_WINDOW_HOURS},
            code="too_late",
        )
    NoteRevision.objects.create(note=note, text=note.text)
    note.text = text.strip()
    note.amended_at = timezone.now()
    note.full_clean(exclude=["case", "author", "corrects"])
    note.save(update_fields=["text", "amended_at"])
    return note


# --- Monitoring flags -----------------------------------------------------------------


def _program_managers(case: Case):
    return User.objects.filter(
        is_active=True,
        groups__name=Role.PROGRAM_MANAGER,
    ).filter(groups__agency=case.lead_agency_id)


def police_liaisons_of(case: Case):
    """Police liaisons who can see the case (their jurisdiction grants it)."""
    return (
        User.objects.filter(is_active=True, groups__name=Role.POLICE_LIAISON)
        .filter(
            Q(
                pk__in=CaseUserObjectPermission.objects.filter(
                    content_object=case, permission__codename=VIEW
                ).values("user")
            )
            | Q(
                groups__in=CaseGroupObjectPermission.objects.filter(
                    content_object=case, permission__codename=VIEW
                ).values("group")
            )
        )
        .distinct()
    )


def _flag_event(flag: Flag, actor, note: str = "") -> None:
    FlagEvent.objects.create(
        flag=flag, case_id=flag.case_id, status=flag.status, actor=actor, note=note
    )


@transaction.atomic
def flag_raise(
    *, actor, case: Case, category: str, severity: str, source: str, description: str
) -> Flag:
    """Raise a concern. An urgent one notifies the case worker and the case's police
    liaisons at once (in the app, and by email after commit)."""
    _require(actor, "casework.add_flag")
    case = locked_case(case.pk)
    flag = Flag(
        case=case,
        category=category,
        severity=severity,
        source=source,
        description=description.strip(),
        raised_by=actor,
    )
    flag.full_clean(exclude=["case", "raised_by"])
    flag.save()
    _flag_event(flag, actor)
    # An open flag brings the case into its police units' view, before they are notified.
    sync_police_grants(case)
    if severity == Severity.URGENT:
        recipients = {u.pk: u for u in police_liaisons_of(case)}
        if case.assigned_worker_id:
            recipients.setdefault(case.assigned_worker_id, case.assigned_worker)
        recipients.pop(actor.pk, None)
        notify(
            recipients=recipients.values(),
            kind=NotificationKind.URGENT_FLAG,
            case=case,
            flag=flag,
            key=f"flag:{flag.pk}",
        )
    logger.info(
        "flag raised case_id=%s flag_id=%s severity=%s actor_id=%s",
        case.pk,
        flag.pk,
        severity,
        actor.pk,
    )
    return flag


@transaction.atomic
def flag_acknowledge(*, actor, flag: Flag) -> Flag:
    _require(actor, FLAG["acknowledge"].permission)
    locked_case(flag.case.pk)
    flag = Flag.objects.get(pk=flag.pk)
    flag.status = FLAG.advance(flag, "acknowledge")
    flag.save(update_fields=["status"])
    _flag_event(flag, actor)
    return flag


@transaction.atomic
def flag_resolve(*, actor, flag: Flag, resolution_note: str) -> Flag:
    """Resolve with a note. An urgent flag needs a second person: not who raised it."""
    _require(actor, FLAG["resolve"].permission)
    case = locked_case(flag.case.pk)
    flag = Flag.objects.get(pk=flag.pk)
    status = FLAG.advance(flag, "resolve")
    if flag.severity == Severity.URGENT and flag.raised_by_id == actor.pk:
        raise ValidationError(
            _("An urgent flag must be resolved by someone other than the person who raised it."),
            code="same_person",
        )
    if not resolution_note.strip():
        raise ValidationError({"resolution_note": _("Say how the concern was resolved.")})
    flag.status = status
    flag.resolution_note = resolution_note.strip()
    flag.full_clean(exclude=["case", "raised_by"])
    flag.save(update_fields=["status", "resolution_note"])
    _flag_event(flag, actor, note=flag.resolution_note)
    sync_police_grants(case)
    return flag


# --- Reviews, closure -----------------------------------------------------------------

FOLLOWUP_MONTHS = (6, 12)


def add_months(day: datetime.date, months: int) -> datetime.date:
    """The same day `months` later, or the month's last day when it is shorter."""
    month_index = day.month - 1 + months
    year, month = day.year + month_index // 12, month_index % 12 + 1
    last_day = calendar.monthrange(year, month)[1]
    return day.replace(year=year, month=month, day=min(day.day, last_day))


@transaction.atomic
def followup_complete(*, actor, followup: FollowUp, summary: str) -> Review:
    """Record a post-exit follow-up review of a closed case."""
    _require(actor, "casework.add_review")
    case = locked_case(followup.case.pk)
    followup = FollowUp.objects.select_for_update().get(pk=followup.pk)
    if followup.review_id is not None:
        raise ValidationError(_("This follow-up has already been recorded."), code="done")
    review = Review(
        case=case,
        due_on=followup.due_on,
        outcome=ReviewOutcome.CONTINUE,
        summary=summary.strip(),
        reviewed_by=actor,
    )
    review.full_clean(exclude=["case", "reviewed_by"])
    review.save()
    followup.review = review
    followup.save(update_fields=["review"])
    return review


@transaction.atomic
def review_complete(
    *,
    actor,
    case: Case,
    outcome: str,
    summary: str,
    closure_reason: str = "",
    expected_version: int | None = None,
) -> Review:
    """Record a review; it sets the next review date from the cadence."""
    _require(actor, "casework.add_review")
    case = locked_case(case.pk)
    check_version(case, expected_version)
    require_open(case)
    if outcome == ReviewOutcome.CLOSE and closure_reason not in ClosureReason.values:
        raise ValidationError({"closure_reason": _("Choose why the case is closed.")})
    if outcome != ReviewOutcome.CLOSE and closure_reason:
        raise ValidationError(
            {"closure_reason": _("A closure reason goes only with the outcome 'Close'.")}
        )
    today = timezone.localdate()
    review = Review(
        case=case,
        due_on=case.next_review_on,
        outcome=outcome,
        summary=summary.strip(),
        reviewed_by=actor,
    )
    review.full_clean(exclude=["case", "reviewed_by"])
    if outcome == ReviewOutcome.ESCALATE:
        if not case.category:
            raise ValidationError({"outcome": _("Triage the case before escalating it.")})
        case.pathway = Pathway.LAW_ENFORCEMENT
        case.pathway_override_reason = (
            "" if case.category == RiskCategory.VIOLENT else _("Escalated at review.")
        )
    if outcome != ReviewOutcome.CLOSE:
        case.next_review_on = next_review_date(case, after=today)
        review.next_review_on = case.next_review_on
        save_versioned(case, ["next_review_on", "pathway", "pathway_override_reason"])
    review.save()
    if outcome == ReviewOutcome.CLOSE:
        _close(case, actor=actor, reason=closure_reason, note=review.summary)
    return review


def _close(case: Case, *, actor, reason: str, note: str) -> None:
    if case.flags.filter(severity=Severity.URGENT).exclude(status=FlagStatus.RESOLVED).exists():
        raise ValidationError(
            _("This case has an open urgent flag. Resolve it before closing the case."),
            code="urgent_flag",
        )
    if reason not in ClosureReason.values:
        raise ValidationError({"reason": _("Choose why the case is closed.")})
    case.status = CaseStatus.CLOSED
    case.closed_on = timezone.localdate()
    case.closure_reason = reason
    case.next_review_on = None
    save_versioned(case, ["status", "closed_on", "closure_reason", "next_review_on"])
    CaseStatusChange.objects.create(
        case=case, status=CaseStatus.CLOSED, reason=reason, note=note.strip(), actor=actor
    )
    if reason == ClosureReason.REINTEGRATED:
        FollowUp.objects.bulk_create(
            [
                FollowUp(case=case, months=months, due_on=add_months(case.closed_on, months))
                for months in FOLLOWUP_MONTHS
            ]
        )


@transaction.atomic
def case_close(
    *, actor, case: Case, reason: str, note: str = "", expected_version: int | None
) -> Case:
    """Close with a reason; refused while an urgent flag is open."""
    _require(actor, "casework.change_case")
    case = locked_case(case.pk)
    check_version(case, expected_version)
    require_open(case)
    _close(case, actor=actor, reason=reason, note=note)
    return case


@transaction.atomic
def case_reopen(*, actor, case: Case, note: str, expected_version: int | None) -> Case:
    _require(actor, "casework.change_case")
    case = locked_case(case.pk)
    check_version(case, expected_version)
    if case.status != CaseStatus.CLOSED:
        raise ValidationError(_("This case is already open."), code="open")
    if not note.strip():
        raise ValidationError({"note": _("Say why the case is reopened.")})
    case.status = CaseStatus.OPEN
    case.closed_on = None
    case.closure_reason = ""
    case.next_review_on = next_review_date(case, after=timezone.localdate())
    save_versioned(case, ["status", "closed_on", "closure_reason", "next_review_on"])
    # Back in the program: regular reviews replace the post-exit follow-ups.
    case.followups.filter(review__isnull=True).delete()
    CaseStatusChange.objects.create(
        case=case, status=CaseStatus.OPEN, note=note.strip(), actor=actor
    )
    return case


# --- Notifications --------------------------------------------------------------------


# --- Notification preferences ---------------------------------------------------------


# --- Police jurisdiction -------------------------------------------------------------


@transaction.atomic
def agency_set_jurisdiction(*, actor, agency: Agency, regions: Sequence[str]) -> Agency:
    """Set the regions a police agency covers, and bring its grants in line.

    Every case in a region that was added or removed is locked first (one
    statement), so a concurrent triage or flag on such a case, which re-applies
    the police rule with the jurisdiction it read, either finishes before this
    recomputes the case or waits for it to commit — never leaves a stale grant.
    Only the cases the rule can concern are then recomputed.
    """
    _require(actor, "agencies.change_agency")
    if isinstance(regions, str) or any(r not in Region.values for r in regions):
        raise ValidationError({"jurisdiction": _("Choose regions from the list.")})
    agency = Agency.objects.select_for_update().get(pk=agency.pk)
    if regions and agency.kind != AgencyKind.POLICE:
        raise ValidationError({"jurisdiction": _("Only police agencies have a jurisdiction.")})
    old, new = set(agency.jurisdiction), set(regions)
    agency.jurisdiction = [r for r in Region.values if r in new]
    agency.save(update_fields=["jurisdiction"])
    changed = old ^ new
    if not changed:
        return agency
    in_changed_regions = Case.objects.filter(returnee__region__in=changed)
    list(in_changed_regions.order_by("pk").select_for_update(of=("self",)).values_list("pk"))
    # Cases the police rule now covers get the police permissions in one bulk
    # insert (whatever else the agency holds there stays justified). Only cases
    # where it holds grants the rule no longer covers are recomputed one by one.
    covered = in_changed_regions.filter(returnee__region__in=new).filter(police_condition())
    permissions = list(
        Permission.objects.filter(
            content_type__app_label="casework", codename__in=POLICE_PERMISSIONS
        )
    )
    agency_grants = CaseGroupObjectPermission.objects.filter(group_id=agency.group_id)
    before = agency_grants.count()
    CaseGroupObjectPermission.objects.bulk_create(
        [
            CaseGroupObjectPermission(
                group_id=agency.group_id, permission=permission, content_object_id=case_id
            )
            for case_id in covered.values_list("pk", flat=True).iterator(chunk_size=5000)
            for permission in permissions
        ],
        ignore_conflicts=True,
        batch_size=5000,
    )
    added, removed = agency_grants.count() - before, 0
    held = CaseGroupObjectPermission.objects.filter(group_id=agency.group_id).values(
        "content_object_id"
    )
    uncovered = in_changed_regions.filter(pk__in=held).exclude(pk__in=covered.values("pk"))
    for case in uncovered.order_by("pk"):
        case_added, case_removed = sync_case_grants(case, agency)
        added, removed = added + case_added, removed + case_removed
    logger.info(
        "jurisdiction set agency_id=%s regions_changed=%s grants_added=%s grants_removed=%s "
        "actor_id=%s",
        agency.pk,
        len(changed),
        added,
        removed,
        actor.pk,
    )
    return agency


# --- Assignment, bulk reassignment, hand-over ------------------------------------------
# Who works a case is a program manager's decision (`casework.assign_case`, a role
# permission only program managers hold): a social worker handing their own case to a
# colleague would move its accountability without the person supervising it knowing.
# The assigned worker's own grants follow the assignment: the previous worker's
# `view_case` and `change_case` end, the new worker's begin (docs/access.md).

ASSIGN_PERMISSION = "casework.assign_case"
ASSIGNABLE_ROLES_ERROR = _(
    "Choose an active social worker or program manager of the case's lead agency."
)


def _team_permission_ids():
    """The ids of the assigned worker's permissions, as a subquery (no query of its own)."""
    return Permission.objects.filter(
        content_type__app_label="casework",
        content_type__model="case",
        codename__in=CASE_TEAM_PERMISSIONS,
    ).values("pk")


@transaction.atomic
def case_assign(*, actor, case: Case, worker, expected_version: int | None) -> Case:
    """Give the case to `worker`, an active case worker of its lead agency.

    Assigning the worker the case already has changes nothing (no new version, no
    notification). The new worker is told once per assignment: the event key names
    the case's new version.
    """
    _require(actor, ASSIGN_PERMISSION)
    case = locked_case(case.pk)
    require_member(actor, case.lead_agency_id)
    check_version(case, expected_version)
    require_open(case)
    if not case_workers([case.lead_agency_id]).filter(pk=getattr(worker, "pk", None)).exists():
        raise ValidationError({"worker": ASSIGNABLE_ROLES_ERROR})
    if case.assigned_worker_id == worker.pk:
        return case
    previous_id = case.assigned_worker_id
    case.assigned_worker = worker
    save_versioned(case, ["assigned_worker"])
    if previous_id is not None:
        CaseUserObjectPermission.objects.filter(
            content_object=case, user_id=previous_id, permission__in=_team_permission_ids()
        ).delete()
    case_team_grant(cases=[case], user=worker)
    notify(
        recipients=[worker],
        kind=NotificationKind.CASE_ASSIGNED,
        case=case,
        key=f"case:{case.pk}:assigned:{case.version}",
    )
    logger.info(
        "case assigned case_id=%s worker_id=%s previous_id=%s actor_id=%s",
        case.pk,
        worker.pk,
        previous_id,
        actor.pk,
    )
    return case


@dataclass(frozen=True)
class Reassignment:
    """What a bulk reassignment did with the cases it was given."""

    # Cases of the selection the actor may see at all.
    selected: int
    # Now assigned to the worker (each with a new version and a notification).
    reassigned: int
    # Already the worker's: nothing to do.
    unchanged: int

    @property
    def skipped(self) -> int:
        """Seen but not the actor's to reassign: closed, or led by another agency."""
        return self.selected - self.reassigned - self.unchanged


def _sql_of(queryset) -> tuple[str, tuple]:
    return queryset.query.get_compiler(using=queryset.db).as_sql()


# One statement: lock the eligible rows in id order (two reassignments of overlapping
# cases wait for each other instead of deadlocking), then move them to the worker
# with a new version. The lock re-checks `status` and the lead agency against a row
# changed meanwhile (READ COMMITTED re-evaluates the locked row), so a case closed or
# transferred while this waited is left alone.
_REASSIGN_CASES = """
WITH target AS (
    SELECT id, assigned_worker_id AS previous_id FROM casework_case
    WHERE status = %s AND lead_agency_id = ANY(%s)
      AND assigned_worker_id IS DISTINCT FROM %s
      AND id IN ({selection})
    ORDER BY id
    FOR UPDATE
)
UPDATE casework_case AS c
SET assigned_worker_id = %s, version = c.version + 1, updated_at = now()
FROM target WHERE c.id = target.id
RETURNING c.id, target.previous_id, c.version
"""
_REVOKE_PREVIOUS = """
DELETE FROM casework_caseuserobjectpermission AS g
USING unnest(%s::bigint[], %s::integer[]) AS moved(case_id, previous_id)
WHERE g.content_object_id = moved.case_id AND g.user_id = moved.previous_id
  AND g.permission_id IN ({permissions})
"""
_GRANT_WORKER = """
INSERT INTO casework_caseuserobjectpermission (user_id, permission_id, content_object_id)
SELECT %s, p.id, moved.case_id
FROM unnest(%s::bigint[]) AS moved(case_id)
CROSS JOIN ({permissions}) AS p(id)
ON CONFLICT DO NOTHING
"""
# One notification per case, as a single assignment makes, with the same event key:
# the bell lists each case as a link, and a retried or overlapping assignment never
# tells the worker twice (ON CONFLICT on notification_once_per_event).
_NOTIFY_WORKER = """
INSERT INTO casework_notification (recipient_id, kind, case_id, event_key, created_at)
SELECT %s, %s, moved.case_id, 'case:' || moved.case_id || ':assigned:' || moved.version, now()
FROM unnest(%s::bigint[], %s::integer[]) AS moved(case_id, version)
ON CONFLICT DO NOTHING
RETURNING id
"""


@transaction.atomic
def cases_reassign(*, actor, cases: QuerySet[Case], worker) -> Reassignment:
    """Assign every open case of `cases` that the actor's agency leads to `worker`,
    set-based: the statements below are the same few for 3 cases or 10,000.

    `cases` is a selection (chosen ids, or the caseload filtered); only those the
    actor sees count, so nothing is revealed about the others. The worker must be an
    active case worker of an agency of the actor's; cases led by another agency, or
    closed, are skipped and counted. Each reassigned case gets a new version, the
    previous worker's own grants end and the worker's begin, and the worker gets one
    notification per case. The audit triggers write one `changed` event per case (and
    one per grant row), attributed to the request's user.

    Bench (tests/bench/reassign.py, 7,501 cases, a shared 2-core machine): 10.6 s,
    against 3.0 s for one bare UPDATE of the same cases. The row-level audit trigger
    on the 15,000 grant rows ended and 15,000 begun is most of the difference (the
    DELETE 4.5 s, the INSERT 6.2 s, the cases' UPDATE 2.3 s).
    """
    _require(actor, ASSIGN_PERMISSION)
    mine = Agency.objects.filter(group__user=actor)
    # The actor's agencies that the worker works cases for (one query).
    eligible_worker = case_workers(mine).filter(pk=getattr(worker, "pk", None))
    agency_ids = list(mine.filter(group__user__in=eligible_worker).values_list("pk", flat=True))
    if not agency_ids:
        raise ValidationError({"worker": ASSIGNABLE_ROLES_ERROR})
    visible = cases_for_user(actor).filter(pk__in=cases.order_by().values("pk"))
    eligible = Q(status=CaseStatus.OPEN, lead_agency_id__in=agency_ids)
    counts = visible.aggregate(
        selected=Count("pk"),
        unchanged=Count("pk", filter=eligible & Q(assigned_worker_id=worker.pk)),
    )
    selection_sql, selection_params = _sql_of(visible.order_by().values("pk"))
    permissions_sql, permissions_params = _sql_of(_team_permission_ids())
    with connection.cursor() as cursor:
        cursor.execute(
            _REASSIGN_CASES.format(selection=selection_sql),
            [CaseStatus.OPEN.value, agency_ids, worker.pk, *selection_params, worker.pk],
        )
        moved = cursor.fetchall()
        case_ids = [row[0] for row in moved]
        notification_ids = []
        if moved:
            cursor.execute(
                _REVOKE_PREVIOUS.format(permissions=permissions_sql),
                [case_ids, [row[1] for row in moved], *permissions_params],
            )
            cursor.execute(
                _GRANT_WORKER.format(permissions=permissions_sql),
                [worker.pk, case_ids, *permissions_params],
            )
            cursor.execute(
                _NOTIFY_WORKER,
                [
                    worker.pk,
                    NotificationKind.CASE_ASSIGNED.value,
                    case_ids,
                    [row[2] for row in moved],
                ],
            )
            notification_ids = [row[0] for row in cursor.fetchall()]
    if notification_ids:
        transaction.on_commit(
            partial(send_notification_emails.delay, notification_ids), robust=True
        )
    result = Reassignment(
        selected=counts["selected"], reassigned=len(moved), unchanged=counts["unchanged"]
    )
    logger.info(
        "cases reassigned worker_id=%s selected=%s reassigned=%s unchanged=%s actor_id=%s",
        worker.pk,
        result.selected,
        result.reassigned,
        result.unchanged,
        actor.pk,
    )
    return result


@transaction.atomic
def caseload_hand_over(*, actor, from_worker, to_worker) -> Reassignment:
    """A leaver's caseload in one step: every open case assigned to `from_worker` that
    the actor's agency leads goes to `to_worker` (cases_reassign)."""
    if getattr(to_worker, "pk", None) == from_worker.pk:
        raise ValidationError({"worker": _("Choose someone else to take over the cases.")})
    return cases_reassign(
        actor=actor,
        cases=Case.objects.filter(assigned_worker=from_worker, status=CaseStatus.OPEN),
        worker=to_worker,
    )
