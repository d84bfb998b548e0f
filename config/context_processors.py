from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from agencies.models import Role
from notifications.selectors import unread_count

# (url name, label, model permission that shows the link)
_NAVIGATION = (
    ("casework:caseload", _("My caseload"), "casework.view_case"),
    ("tasks:my_tasks", _("My tasks"), "casework.change_case"),
    ("intake:intake", _("Register a returnee"), "returnees.add_returnee"),
    ("referrals:inbox", _("Inbox"), "referrals.view_referral"),
    ("referrals:outgoing", _("Sent referrals"), "referrals.add_referral"),
    ("casework:flags_board", _("Flags board"), "casework.view_flag"),
    ("audit:events", _("Audit trail"), "audit.view_auditevent"),
    ("reports:dashboard", _("Dashboard"), "reports.view_caseload_report"),
    ("reports:report", _("Reports"), "reports.view_caseload_report"),
    ("api-docs", _("API"), None),
)


def navigation(request):
    """The header's links, roles and agencies of the signed-in person."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}

    def nav():
        items = []
        for name, label, perm in _NAVIGATION:
            if perm is None or user.has_perm(perm):
                url = reverse(name)
                items.append({"url": url, "label": label, "current": request.path == url})
        return items

    def memberships():
        groups = list(user.groups.select_related("agency"))
        roles = {role.value: role.label for role in Role}
        return {
            "roles": [roles[g.name] for g in groups if g.name in roles],
            "agencies": [g.agency.name for g in groups if hasattr(g, "agency")],
        }

    def unread_notifications():
        return unread_count(user)

    # Callables: templates that never show the header pay no queries for it.
    return {
        "navigation": nav,
        "memberships": memberships,
        "unread_notifications": unread_notifications,
    }
