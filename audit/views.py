"""The auditor's pages, and a case's own access log for its program manager.

Neither page shows case content: events carry ids, usernames, agencies,
addresses and, for changes, the names of the fields that changed — never
their values (the trail keeps them for an investigation; see docs/audit.md).
"""

from django.contrib.auth.decorators import login_required, permission_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET

from agencies.access import is_member
from agencies.models import Agency
from audit import middleware, selectors
from audit.forms import EventSearchForm
from audit.models import AuditAction
from audit.services import audit_refusal
from casework.access import CHANGE, case_for_user
from casework.models import Case
from core.references import reference_for

PAGE_SIZE = 50
AUDITOR_PERMISSION = "audit.view_auditevent"
ACCESS_LOG_PERMISSION = "audit.view_case_access_log"


def home(request):
    """Where signing in lands: the auditor (no caseload) on the trail, everyone else on cases."""
    user = request.user
    if user.has_perm(AUDITOR_PERMISSION) and not user.has_perm("casework.view_case"):
        return redirect("audit:events")
    return redirect("casework:caseload")


def _page(request, events, agencies: dict[int, str]):
    page = Paginator(events, PAGE_SIZE).get_page(request.GET.get("page"))
    page.object_list = list(page.object_list)
    for event in page.object_list:
        event.agency_name = agencies.get(event.agency_id, "")
    query = request.GET.copy()
    query.pop("page", None)
    return page, query.urlencode()


@login_required
@permission_required(AUDITOR_PERMISSION, raise_exception=True)
@require_GET
def events(request):
    agencies = dict(Agency.objects.order_by("name").values_list("pk", "name"))
    form = EventSearchForm(request.GET or None, agencies=agencies)
    if form.is_bound and form.is_valid():
        data = form.cleaned_data
        found = selectors.search_events(
            case_id=data["reference"],
            username=data["username"].strip(),
            agency_id=data["agency"],
            action=data["action"],
            date_from=data["date_from"],
            date_to=data["date_to"],
        )
    elif form.is_bound:
        found = selectors.search_events().none()
    else:
        found = selectors.search_events()
    page, query = _page(request, found, agencies)
    return render(
        request,
        "audit/events.html",
        {"form": form, "page": page, "query": query, "agencies": agencies, "Action": AuditAction},
    )


@login_required
@require_GET
def case_access_log(request, case_id: int):
    """Who accessed this case: any case for the auditor, the lead agency's cases for its PM."""
    user = request.user
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
    if (state := middleware.current()) is not None:
        state.read_action = AuditAction.ACCESS_LOG_VIEWED
    agencies = dict(Agency.objects.values_list("pk", "name"))
    page, query = _page(request, selectors.case_access_log(case_id), agencies)
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
            "is_auditor": user.has_perm(AUDITOR_PERMISSION),
        },
    )
