"""Pages that belong to no app: where signing in lands."""

from django.shortcuts import redirect

from audit import views as audit_views


def home(request):
    """Where signing in lands: the auditor (no caseload) on the trail, everyone else on cases."""
    user = request.user
    if user.has_perm(audit_views.AUDITOR_PERMISSION) and not user.has_perm("casework.view_case"):
        return redirect("audit:events")
    return redirect("casework:caseload")
