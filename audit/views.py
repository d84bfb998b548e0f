"""The auditor's pages (a case's own access log is a case page: casework.views).

Neither page shows case content: events carry ids, usernames, agencies,
addresses and, for changes, the names of the fields that changed — never
their values (the trail keeps them for an investigation; see docs/audit.md).
"""

from django.contrib.auth.decorators import login_required, permission_required
from django.shortcuts import render
from django.views.decorators.http import require_GET

from agencies.models import Agency
from audit import selectors
from audit.forms import EventSearchForm
from audit.models import AuditAction
from core.pages import page_of

PAGE_SIZE = 50
AUDITOR_PERMISSION = "audit.view_auditevent"
ACCESS_LOG_PERMISSION = "audit.view_case_access_log"


def event_page(request, events, agencies: dict[int, str]):
    """One page of events, each with its agency's name, and the query without the page."""
    page, query = page_of(request, events, PAGE_SIZE)
    page.object_list = list(page.object_list)
    for event in page.object_list:
        event.agency_name = agencies.get(event.agency_id, "")
    return page, query


@login_required
@permission_required(AUDITOR_PERMISSION, raise_exception=True)
@require_GET
def events(request):
    agencies = dict(Agency.objects.order_by("name").values_list("pk", "name"))
    form = EventSearchForm(request.GET or None, agencies=agencies)
    if form.is_bound and form.is_valid():
        found = selectors.search_events(**form.filters())
    elif form.is_bound:
        found = selectors.search_events().none()
    else:
        found = selectors.search_events()
    page, query = event_page(request, found, agencies)
    return render(
        request,
        "audit/events.html",
        {"form": form, "page": page, "query": query, "agencies": agencies, "Action": AuditAction},
    )
