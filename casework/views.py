from functools import partial

from django.contrib import messages
from django.contrib.auth.decorators import login_required, permission_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from agencies.access import is_member
from agencies.models import Agency
from agencies.selectors import case_workers
from agencies.services import staff_member_deactivate
from audit import selectors as audit_selectors
from audit import views as audit_views
from audit.models import AuditAction
from casework import services
from casework.access import (
    case_access_log_for_user,
    case_part_for_user,
    case_viewer,
    note_to_amend,
    staff_member_for_user,
)
from casework.filters import CaseFilter
from casework.forms import (
    AssignForm,
    CloseForm,
    CustodyEndForm,
    CustodyStartForm,
    FlagForm,
    FlagResolveForm,
    FlagsBoardFilterForm,
    FollowUpForm,
    GoalForm,
    GoalUpdateForm,
    HandOverForm,
    NoteAmendForm,
    NoteForm,
    PathwayForm,
    ReassignForm,
    ReopenForm,
    ReviewForm,
    TriageDecisionForm,
    TriageForm,
)
from casework.models import INDICATORS, Case, CaseStatus, Flag, FlagStatus, Severity
from casework.parts import ANY_NOTE, Part
from casework.selectors import (
    CASE_PAGE_SECTIONS,
    TimelineKind,
    dependents_visible_to,
    flags_of,
    goals_of,
    notes_visible_to,
    parent_case_visible_to,
    staff_with_open_cases,
    timeline,
    timeline_entries,
    timeline_kinds,
    triage_history,
)
from casework.selectors import caseload as caseload_selector
from casework.selectors import flags_board as flags_board_selector
from casework.versioning import ConcurrentEdit
from core.pages import page_of
from core.references import reference_for

CASELOAD_PAGE_SIZE = 25
TIMELINE_PAGE_SIZE = 25
METHODS = ["GET", "POST"]


def add_service_errors(form, exc: ValidationError) -> None:
    """Put a service's errors on the form: on their field when it has one, else on top."""
    if hasattr(exc, "error_dict"):
        for field, errors in exc.error_dict.items():
            form.add_error(field if field in form.fields else None, errors)
    else:
        form.add_error(None, exc)


def form_action_page(
    request, form, action, *, success: str, redirect_to, render, conflict_form=None
) -> HttpResponse:
    """The answer to a page whose form runs a service: always a response.

    A valid POST runs `action(cleaned_data)`; when the service succeeds, the
    `success` message and a redirect to `redirect_to` (each a value, or a function
    of what the service returned). Otherwise the page again, `render(form, status,
    current)`: 200 for a GET, 400 with the form's or the service's errors (nothing
    was changed), 409 for a stale version (ConcurrentEdit), with `conflict_form`
    bound over the stored record and `current` that record.
    """
    if request.method != "POST" or not form.is_valid():
        return render(form, 400 if request.method == "POST" else 200, None)
    try:
        done = action(form.cleaned_data)
    except ConcurrentEdit as exc:
        # Show what is stored now; saving again applies the person's values on top of it.
        data = request.POST.copy()
        data["version"] = exc.current.version
        form = conflict_form(data) if conflict_form else form
        form.is_valid()
        form.add_error(None, exc)
        return render(form, 409, exc.current)
    except ValidationError as exc:
        add_service_errors(form, exc)
        return render(form, 400, None)
    messages.success(request, success(done) if callable(success) else success)
    return redirect(redirect_to(done) if callable(redirect_to) else redirect_to)


def _case_action_page(request, case, form, action, *, success: str, conflict_form=None, **page):
    """form_action_page for an action on a case: success returns to the case; otherwise
    casework/action.html again, with `page` (title, submit_label, …) in its context."""
    return form_action_page(
        request,
        form,
        action,
        success=success,
        redirect_to=reverse("casework:case_detail", args=[case.pk]),
        render=partial(_render_action, request, case, **page),
        conflict_form=conflict_form,
    )


def _render_action(request, case, form, status, current=None, **extra):
    context = {
        "case": case,
        "form": form,
        "current": current,
        "current_is_case": isinstance(current, Case),
        **extra,
    }
    context.setdefault("viewer", case_viewer(request.user, case))
    return render(request, "casework/action.html", context, status=status)


# --- Caseload and case page -----------------------------------------------------------


@login_required
@permission_required("casework.view_case", raise_exception=True)
@require_GET
def caseload(request):
    return _caseload_page(request, request.GET)


def _caseload_page(request, params, *, reassign_form=None, status: int = 200):
    """The caseload filtered by `params`; for program managers, with the form that
    reassigns the ticked cases or all those the filter matches (caseload_reassign)."""
    filterset = CaseFilter(params, queryset=caseload_selector(request.user), request=request)
    cases = filterset.qs if filterset.is_valid() else filterset.queryset.none()
    page = Paginator(cases, CASELOAD_PAGE_SIZE).get_page(params.get("page"))
    query = params.copy()
    query.pop("page", None)
    context = {"filter": filterset, "page": page, "query": query.urlencode()}
    if request.user.has_perm(services.ASSIGN_PERMISSION):
        context["reassign_form"] = reassign_form or ReassignForm(
            workers=_workers_of_my_agencies(request.user)
        )
        form = context["reassign_form"]
        chosen = form.data.getlist("case") if form.is_bound else []
        context["chosen"] = {int(v) for v in chosen if v.isdigit()}
        # The filter as the page applied it, carried by the reassignment form.
        context["filter_params"] = [
            (name, value) for name in CaseFilter.base_filters for value in params.getlist(name)
        ]
    return render(request, "casework/caseload.html", context, status=status)


@login_required
@permission_required("casework.view_case", raise_exception=True)
@require_GET
def case_detail(request, case_id: int):
    viewer = case_part_for_user(request.user, case_id, Part.CASE)
    case = viewer.case
    context = {
        "case": case,
        "returnee": case.returnee,
        "viewer": viewer,
        "notes": notes_visible_to(viewer, case)[:5],
        "can_register_dependent": request.user.has_perm("returnees.add_returnee"),
        "indicators": INDICATORS,
        # Called by the template only for holders of the access-log permission (one query).
        "in_lead_agency": lambda: is_member(request.user, case.lead_agency_id),
    }
    # Each section is loaded only for a reader of its part (casework/parts.py).
    if viewer.can_read(Part.FAMILY):
        context["parent_case"] = parent_case_visible_to(request.user, case)
        context["dependents"] = dependents_visible_to(request.user, case)
        context["family_contacts"] = case.returnee.family_contacts.all()
    for name, (part, load) in CASE_PAGE_SECTIONS.items():
        if part is None:
            context[name] = load(viewer)  # rows in several parts: it keeps what the viewer reads
        elif viewer.can_read(part):
            context[name] = load(case)
    if viewer.can_read(Part.TRIAGE):
        history = triage_history(case)
        context["assessments"] = history
        context["pending"] = next(
            (a for a in history if a.needs_approval and not hasattr(a, "decision")), None
        )
    if viewer.can_read(Part.PLAN):
        context["goals"] = goals_of(case)
    if viewer.can_read(Part.FLAGS):
        context["flags"] = [f for f in flags_of(case) if f.status != FlagStatus.RESOLVED]
    if viewer.can_read(Part.CUSTODY):
        context["custody"] = case.custody_episodes.all()
    if viewer.can_read(Part.REVIEWS):
        context["reviews"] = case.reviews.select_related("reviewed_by")[:3]
        context["followups"] = case.followups.all()
    return render(request, "casework/case_detail.html", context)


@login_required
@permission_required("casework.view_case", raise_exception=True)
@require_GET
def case_timeline(request, case_id: int):
    viewer = case_part_for_user(request.user, case_id, Part.CASE)
    case = viewer.case
    kinds = timeline_kinds(viewer, case)
    chosen = [k for k in request.GET.getlist("kind") if k in dict(kinds)]
    text = request.GET.get("q", "").replace("\x00", "")[:200]
    page = Paginator(timeline(viewer, case, chosen, text), TIMELINE_PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "casework/timeline.html",
        {
            "case": case,
            "viewer": viewer,
            "kinds": kinds,
            "chosen": chosen,
            "text": text,
            "page": page,
            "entries": timeline_entries(page.object_list),
            "query": query.urlencode(),
            "Kind": TimelineKind,
        },
    )


# --- Triage ---------------------------------------------------------------------------


@login_required
@permission_required("casework.add_triageassessment", raise_exception=True)
@require_http_methods(METHODS)
def triage_new(request, case_id: int):
    case = case_part_for_user(request.user, case_id, Part.TRIAGE, write=True).case
    form = TriageForm(request.POST or None)
    return _case_action_page(
        request,
        case,
        form,
        lambda d: services.triage_assess(
            actor=request.user,
            case=case,
            category=d["category"],
            rationale=d["rationale"],
            ratings=form.ratings(),
        ),
        success=_("Triage recorded."),
        title=_("New triage"),
        submit_label=_("Save triage"),
    )


@login_required
@permission_required("casework.approve_triage", raise_exception=True)
@require_POST
def triage_decide(request, case_id: int, assessment_id: int):
    case = case_part_for_user(request.user, case_id, Part.TRIAGE, write=True).case
    assessment = get_object_or_404(case.assessments, pk=assessment_id)
    form = TriageDecisionForm(request.POST)
    return _case_action_page(
        request,
        case,
        form,
        lambda d: services.triage_decide(
            actor=request.user,
            assessment=assessment,
            approve=d["decision"] == "approve",
            comment=d["comment"],
        ),
        success=_("Decision recorded."),
        title=_("Decide on the triage"),
        submit_label=None,
        assessment=assessment,
    )


@login_required
@permission_required("casework.change_case", raise_exception=True)
@require_http_methods(METHODS)
def pathway_set(request, case_id: int):
    case = case_part_for_user(request.user, case_id, Part.CATEGORY, write=True).case
    form = PathwayForm(
        request.POST or None,
        initial={
            "pathway": case.pathway,
            "reason": case.pathway_override_reason,
            "version": case.version,
        },
    )
    return _case_action_page(
        request,
        case,
        form,
        lambda d: services.case_pathway_set(
            actor=request.user,
            case=case,
            pathway=d["pathway"],
            reason=d["reason"],
            expected_version=d["version"],
        ),
        success=_("Pathway saved."),
        conflict_form=PathwayForm,
        title=_("Pathway"),
        submit_label=_("Save pathway"),
    )


# --- Custody --------------------------------------------------------------------------


@login_required
@permission_required("casework.change_case", raise_exception=True)
@require_http_methods(METHODS)
def custody_start(request, case_id: int):
    case = case_part_for_user(request.user, case_id, Part.CUSTODY, write=True).case
    form = CustodyStartForm(request.POST or None)
    return _case_action_page(
        request,
        case,
        form,
        lambda d: services.custody_start(actor=request.user, case=case, **d),
        success=_("Custody recorded."),
        title=_("Record custody"),
        submit_label=_("Record custody"),
    )


@login_required
@permission_required("casework.change_case", raise_exception=True)
@require_http_methods(METHODS)
def custody_end(request, case_id: int, episode_id: int):
    case = case_part_for_user(request.user, case_id, Part.CUSTODY, write=True).case
    episode = get_object_or_404(case.custody_episodes, pk=episode_id)
    form = CustodyEndForm(request.POST or None, initial={"ended_on": timezone.localdate()})
    return _case_action_page(
        request,
        case,
        form,
        lambda d: services.custody_end(actor=request.user, episode=episode, ended_on=d["ended_on"]),
        success=_("Release recorded."),
        title=_("Record release from custody"),
        submit_label=_("Record release"),
        episode=episode,
    )


# --- Support plan ---------------------------------------------------------------------


@login_required
@permission_required("casework.add_goal", raise_exception=True)
@require_http_methods(METHODS)
def goal_new(request, case_id: int):
    case = case_part_for_user(request.user, case_id, Part.PLAN, write=True).case
    form = GoalForm(request.POST or None, initial={"owner_agency": case.lead_agency_id})
    return _case_action_page(
        request,
        case,
        form,
        lambda d: services.goal_add(actor=request.user, case=case, **d),
        success=_("Goal added to the plan."),
        title=_("Add a goal to the support plan"),
        submit_label=_("Add goal"),
    )


@login_required
@permission_required("casework.change_goal", raise_exception=True)
@require_http_methods(METHODS)
def goal_edit(request, case_id: int, goal_id: int):
    case = case_part_for_user(request.user, case_id, Part.PLAN, write=True).case
    goal = get_object_or_404(case.goals.select_related("owner_agency"), pk=goal_id)
    form = GoalUpdateForm(
        request.POST or None,
        initial={
            "status": goal.status,
            "target_date": goal.target_date,
            "outcome": goal.outcome,
            "version": goal.version,
        },
    )
    return _case_action_page(
        request,
        case,
        form,
        lambda d: services.goal_update(
            actor=request.user,
            goal=goal,
            expected_version=d["version"],
            status=d["status"],
            target_date=d["target_date"],
            outcome=d["outcome"],
        ),
        success=_("Goal updated."),
        conflict_form=GoalUpdateForm,
        title=_("Update a goal"),
        submit_label=_("Save goal"),
        goal=goal,
    )


# --- Notes ----------------------------------------------------------------------------


@login_required
@permission_required("casework.add_note", raise_exception=True)
@require_http_methods(METHODS)
def note_new(request, case_id: int):
    viewer = case_part_for_user(request.user, case_id, ANY_NOTE, write=True)
    case = viewer.case
    corrects = None
    if corrects_id := request.GET.get("corrects") or request.POST.get("corrects"):
        try:
            corrects = notes_visible_to(viewer, case).get(pk=int(corrects_id))
        except (ValueError, TypeError, notes_visible_to(viewer, case).model.DoesNotExist):
            raise Http404 from None
    initial = {"occurred_at": timezone.localtime().replace(second=0, microsecond=0)}
    if corrects is not None:
        initial |= {"kind": corrects.kind, "visibility": corrects.visibility}
    form = NoteForm(request.POST or None, initial=initial, viewer=viewer)
    return _case_action_page(
        request,
        case,
        form,
        lambda d: services.note_add(actor=request.user, case=case, corrects=corrects, **d),
        success=_("Note saved."),
        title=_("New progress note"),
        submit_label=_("Save note"),
        corrects=corrects,
        viewer=viewer,
    )


@login_required
@permission_required("casework.add_note", raise_exception=True)
@require_http_methods(METHODS)
def note_amend(request, case_id: int, note_id: int):
    viewer = case_part_for_user(request.user, case_id, ANY_NOTE, write=True)
    case = viewer.case
    note = note_to_amend(viewer, note_id)
    form = NoteAmendForm(request.POST or None, initial={"text": note.text})
    return _case_action_page(
        request,
        case,
        form,
        lambda d: services.note_amend(actor=request.user, note=note, text=d["text"]),
        success=_("Note amended; the previous text is kept."),
        title=_("Amend a note"),
        submit_label=_("Save amendment"),
        note=note,
    )


# --- Flags ----------------------------------------------------------------------------


def _flag(request, case_id, flag_id):
    case = case_part_for_user(request.user, case_id, Part.FLAGS, write=True).case
    return case, get_object_or_404(case.flags, pk=flag_id)


@login_required
@permission_required("casework.add_flag", raise_exception=True)
@require_http_methods(METHODS)
def flag_new(request, case_id: int):
    case = case_part_for_user(request.user, case_id, Part.FLAGS, write=True).case
    form = FlagForm(request.POST or None)
    return _case_action_page(
        request,
        case,
        form,
        lambda d: services.flag_raise(actor=request.user, case=case, **d),
        success=_("Flag raised."),
        title=_("Raise a monitoring flag"),
        submit_label=_("Raise flag"),
    )


@login_required
@permission_required("casework.change_flag", raise_exception=True)
@require_POST
def flag_acknowledge(request, case_id: int, flag_id: int):
    case, flag = _flag(request, case_id, flag_id)
    try:
        services.flag_acknowledge(actor=request.user, flag=flag)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, _("Flag acknowledged."))
    return redirect(_next_or(request, reverse("casework:case_detail", args=[case.pk])))


@login_required
@permission_required("casework.change_flag", raise_exception=True)
@require_http_methods(METHODS)
def flag_resolve(request, case_id: int, flag_id: int):
    case, flag = _flag(request, case_id, flag_id)
    form = FlagResolveForm(request.POST or None)
    return _case_action_page(
        request,
        case,
        form,
        lambda d: services.flag_resolve(
            actor=request.user, flag=flag, resolution_note=d["resolution_note"]
        ),
        success=_("Flag resolved."),
        title=_("Resolve a flag"),
        submit_label=_("Resolve flag"),
        flag=flag,
    )


def _next_or(request, default: str) -> str:
    """The page to return to, if it is one of ours; otherwise `default`."""
    target = request.POST.get("next", "")
    if target and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return default


# --- Reviews, closure -----------------------------------------------------------------


@login_required
@permission_required("casework.add_review", raise_exception=True)
@require_http_methods(METHODS)
def review_new(request, case_id: int):
    case = case_part_for_user(request.user, case_id, Part.REVIEWS, write=True).case
    form = ReviewForm(request.POST or None, initial={"version": case.version})
    return _case_action_page(
        request,
        case,
        form,
        lambda d: services.review_complete(
            actor=request.user,
            case=case,
            outcome=d["outcome"],
            summary=d["summary"],
            closure_reason=d["closure_reason"],
            expected_version=d["version"],
        ),
        success=_("Review recorded."),
        conflict_form=ReviewForm,
        title=_("Complete a review"),
        submit_label=_("Save review"),
    )


@login_required
@permission_required("casework.change_case", raise_exception=True)
@require_http_methods(METHODS)
def case_close(request, case_id: int):
    case = case_part_for_user(request.user, case_id, Part.REVIEWS, write=True).case
    form = CloseForm(request.POST or None, initial={"version": case.version})
    urgent = case.flags.filter(severity=Severity.URGENT).exclude(status=FlagStatus.RESOLVED)
    return _case_action_page(
        request,
        case,
        form,
        lambda d: services.case_close(
            actor=request.user,
            case=case,
            reason=d["reason"],
            note=d["note"],
            expected_version=d["version"],
        ),
        success=_("Case closed."),
        conflict_form=CloseForm,
        title=_("Close the case"),
        submit_label=_("Close case"),
        # Asked by the template, so only when the page is shown again (one query).
        urgent_open=urgent.exists,
    )


@login_required
@permission_required("casework.change_case", raise_exception=True)
@require_http_methods(METHODS)
def case_reopen(request, case_id: int):
    case = case_part_for_user(request.user, case_id, Part.REVIEWS, write=True).case
    form = ReopenForm(request.POST or None, initial={"version": case.version})
    return _case_action_page(
        request,
        case,
        form,
        lambda d: services.case_reopen(
            actor=request.user, case=case, note=d["note"], expected_version=d["version"]
        ),
        success=_("Case reopened."),
        conflict_form=ReopenForm,
        title=_("Reopen the case"),
        submit_label=_("Reopen case"),
    )


@login_required
@permission_required("casework.add_review", raise_exception=True)
@require_http_methods(METHODS)
def followup_complete(request, case_id: int, followup_id: int):
    case = case_part_for_user(request.user, case_id, Part.REVIEWS, write=True).case
    followup = get_object_or_404(case.followups, pk=followup_id, review__isnull=True)
    form = FollowUpForm(request.POST or None)
    title = _("Follow-up review, %(months)s months after closure") % {"months": followup.months}
    return _case_action_page(
        request,
        case,
        form,
        lambda d: services.followup_complete(
            actor=request.user, followup=followup, summary=d["summary"]
        ),
        success=_("Follow-up review recorded."),
        title=title,
        submit_label=_("Save follow-up"),
    )


# --- Notifications --------------------------------------------------------------------


@login_required
@require_GET
def case_access_log(request, case_id: int):
    """Who accessed this case: any case for the auditor, the lead agency's cases for its PM
    (the rule: casework.access.case_access_log_for_user, shared with the API)."""
    user = request.user
    case_id = case_access_log_for_user(user, case_id)
    agencies = dict(Agency.objects.values_list("pk", "name"))
    page, query = audit_views.event_page(
        request, audit_selectors.case_access_log(case_id), agencies
    )
    return render(
        request,
        "audit/case_access_log.html",
        {
            "reference": reference_for(case_id),
            "case_id": case_id,
            "page": page,
            "query": query,
            "agencies": agencies,
            "Action": AuditAction,
            "is_auditor": user.has_perm(audit_views.AUDITOR_PERMISSION),
        },
    )


FLAGS_PAGE_SIZE = 50


@login_required
@permission_required("casework.view_flag", raise_exception=True)
@require_GET
def flags_board(request):
    form = FlagsBoardFilterForm(request.GET)
    if form.is_valid():
        flags = flags_board_selector(
            request.user, **{k: v or None for k, v in form.cleaned_data.items()}
        )
    else:
        flags = Flag.objects.none()
    page, query = page_of(request, flags, FLAGS_PAGE_SIZE)
    return render(
        request,
        "casework/flags_board.html",
        {"form": form, "page": page, "query": query, "here": request.get_full_path()},
    )


# --- Assignment, bulk reassignment, staff and hand-over ---------------------------------


def _workers_of_my_agencies(user):
    return case_workers(Agency.objects.filter(group__user=user)).order_by(
        "last_name", "first_name", "pk"
    )


@login_required
@permission_required(services.ASSIGN_PERMISSION, raise_exception=True)
@require_http_methods(METHODS)
def case_assign(request, case_id: int):
    case = case_part_for_user(request.user, case_id, Part.CASE, write=True).case
    workers = case_workers([case.lead_agency_id]).order_by("last_name", "first_name", "pk")
    form_class = partial(AssignForm, workers=workers)
    form = form_class(
        request.POST or None,
        initial={"worker": case.assigned_worker_id, "version": case.version},
    )
    return _case_action_page(
        request,
        case,
        form,
        lambda d: services.case_assign(
            actor=request.user, case=case, worker=d["worker"], expected_version=d["version"]
        ),
        success=_("Case assigned."),
        conflict_form=form_class,
        title=_("Assign the case"),
        submit_label=_("Assign"),
    )


@login_required
@permission_required(services.ASSIGN_PERMISSION, raise_exception=True)
@require_POST
def caseload_reassign(request):
    """Reassign the ticked cases, or all that the caseload's filter matches."""
    form = ReassignForm(request.POST, workers=_workers_of_my_agencies(request.user))
    filter_params = request.POST.copy()
    for name in ["csrfmiddlewaretoken", *form.fields]:
        filter_params.pop(name, None)
    if not form.is_valid():
        return _caseload_page(request, filter_params, reassign_form=form, status=400)
    data = form.cleaned_data
    if data["scope"] == ReassignForm.MATCHING:
        filterset = CaseFilter(
            filter_params, queryset=caseload_selector(request.user), request=request
        )
        if not filterset.is_valid():
            form.add_error(None, _("The caseload's filter is not valid; apply it again."))
            return _caseload_page(request, filter_params, reassign_form=form, status=400)
        chosen, requested = filterset.qs, None
    else:
        chosen, requested = Case.objects.filter(pk__in=data["case"]), len(data["case"])
    try:
        done = services.cases_reassign(actor=request.user, cases=chosen, worker=data["worker"])
    except ValidationError as exc:
        add_service_errors(form, exc)
        return _caseload_page(request, filter_params, reassign_form=form, status=400)
    skipped = (requested if requested is not None else done.selected) - done.reassigned
    skipped -= done.unchanged
    worker = data["worker"].get_full_name() or data["worker"].get_username()
    message = ngettext(
        "%(count)s case reassigned to %(worker)s.",
        "%(count)s cases reassigned to %(worker)s.",
        done.reassigned,
    ) % {"count": done.reassigned, "worker": worker}
    if skipped:
        message += " " + ngettext(
            "%(count)s case was left as it was: closed, or not led by your agency.",
            "%(count)s cases were left as they were: closed, or not led by your agency.",
            skipped,
        ) % {"count": skipped}
    messages.success(request, message)
    query = filter_params.urlencode()
    return redirect(reverse("casework:caseload") + (f"?{query}" if query else ""))


@login_required
@permission_required("agencies.manage_staff", raise_exception=True)
@require_GET
def staff(request):
    """The members of the manager's agencies, with their open cases (led by those
    agencies): where a manager deactivates a leaver and hands over a caseload."""
    members = staff_with_open_cases(request.user)
    return render(request, "casework/staff.html", {"members": members})


@login_required
@permission_required("agencies.manage_staff", raise_exception=True)
@require_http_methods(METHODS)
def staff_deactivate(request, user_id: int):
    """Confirm, then deactivate: the person's sessions and API token end at once, and
    the manager is taken to the hand-over of their open cases."""
    member = staff_member_for_user(request.user, user_id)
    if request.method == "POST":
        try:
            staff_member_deactivate(actor=request.user, user=member)
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
            return redirect("casework:staff")
        messages.success(
            request,
            _("%(name)s was deactivated and signed out everywhere.")
            % {"name": member.get_full_name() or member.get_username()},
        )
        return redirect("casework:hand_over", user_id=member.pk)
    return render(request, "casework/staff_deactivate.html", {"member": member})


HAND_OVER_LISTED = 50


@login_required
@permission_required(services.ASSIGN_PERMISSION, raise_exception=True)
@require_http_methods(METHODS)
def hand_over(request, user_id: int):
    """A worker's open cases (those the manager's agencies lead) and the form that
    hands them all over to someone else."""
    member = staff_member_for_user(request.user, user_id)
    workers = _workers_of_my_agencies(request.user).exclude(pk=member.pk)
    form = HandOverForm(request.POST or None, workers=workers)
    open_cases = caseload_selector(request.user).filter(
        assigned_worker=member,
        status=CaseStatus.OPEN,
        lead_agency__in=Agency.objects.filter(group__user=request.user),
    )

    def render_page(form, status, current=None):
        return render(
            request,
            "casework/hand_over.html",
            {
                "member": member,
                "form": form,
                "count": open_cases.count(),
                "cases": open_cases[:HAND_OVER_LISTED],
            },
            status=status,
        )

    return form_action_page(
        request,
        form,
        lambda d: services.caseload_hand_over(
            actor=request.user, from_worker=member, to_worker=d["worker"]
        ),
        success=lambda done: (
            ngettext("%(count)s case handed over.", "%(count)s cases handed over.", done.reassigned)
            % {"count": done.reassigned}
        ),
        redirect_to=reverse("casework:staff"),
        render=render_page,
    )
