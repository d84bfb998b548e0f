"""Pages that belong to no app: where signing in lands."""

from django.shortcuts import redirect

from agencies.models import Role

# Where each role's work is, first match wins for someone holding several roles (a
# program manager is also a case worker: the dashboard first). Someone with none of
# these roles lands on their notifications, which everyone signed in may read.
LANDING = (
    (Role.PROGRAM_MANAGER, "reports:dashboard"),
    (Role.SOCIAL_WORKER, "casework:caseload"),
    (Role.POLICE_LIAISON, "casework:flags_board"),
    (Role.PARTNER_STAFF, "referrals:inbox"),
    (Role.AUDITOR, "audit:events"),
    (Role.ADMINISTRATOR, "admin:index"),
)
NO_ROLE_LANDING = "notifications"


def landing_for(user) -> str:
    """The URL name where `user` lands after signing in, decided from their roles."""
    roles = set(user.groups.values_list("name", flat=True))
    return next((name for role, name in LANDING if role.value in roles), NO_ROLE_LANDING)


def home(request):
    """Where signing in lands: each role where its work is (LANDING)."""
    if not request.user.is_authenticated:
        return redirect("login")
    return redirect(landing_for(request.user))
