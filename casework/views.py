from django.contrib.auth.decorators import login_required, permission_required
from django.core.paginator import Paginator
from django.shortcuts import render
from django.views.decorators.http import require_GET

from casework.access import case_for_user
from casework.filters import CaseFilter
from casework.selectors import caseload as caseload_selector
from casework.selectors import dependents_visible_to, parent_case_visible_to

CASELOAD_PAGE_SIZE = 25


@login_required
@permission_required("casework.view_case", raise_exception=True)
@require_GET
def caseload(request):
    filterset = CaseFilter(request.GET, queryset=caseload_selector(request.user), request=request)
    cases = filterset.qs if filterset.is_valid() else filterset.queryset.none()
    page = Paginator(cases, CASELOAD_PAGE_SIZE).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "casework/caseload.html",
        {"filter": filterset, "page": page, "query": query.urlencode()},
    )


@login_required
@permission_required("casework.view_case", raise_exception=True)
@require_GET
def case_detail(request, case_id: int):
    case = case_for_user(request.user, case_id)
    return render(
        request,
        "casework/case_detail.html",
        {
            "case": case,
            "returnee": case.returnee,
            "parent_case": parent_case_visible_to(request.user, case),
            "dependents": dependents_visible_to(request.user, case),
            "can_register_dependent": request.user.has_perm("returnees.add_returnee"),
        },
    )
