from django.contrib.auth import get_user_model
from django.db.models import QuerySet

from agencies.models import Agency, StaffPreference
from agencies.roles import CASE_WORKING_ROLES

User = get_user_model()


def agencies_of(user) -> QuerySet[Agency]:
    """The agencies a user is a member of (membership is the agency's group)."""
    if not user.is_authenticated:
        return Agency.objects.none()
    return Agency.objects.filter(group__user=user)


def agency_members(agency: Agency):
    return agency.group.user_set.filter(is_active=True).order_by("last_name", "first_name")


def staff_language(user) -> str | None:
    """The language `user` chose, or None if they never chose one."""
    return StaffPreference.objects.filter(user=user).values_list("language", flat=True).first()


def case_workers(agency_ids):
    """Active members of these agencies holding a role that works cases (a social worker,
    a program manager): whom a case of theirs can be assigned to. `agency_ids` may be
    a list or a subquery."""
    workers = User.objects.filter(
        is_active=True, groups__name__in=[role.value for role in CASE_WORKING_ROLES]
    )
    return workers.filter(groups__agency__in=agency_ids).distinct()


def staff_of_manager(manager):
    """The members of the agencies `manager` belongs to, active or not, but never the
    manager themselves: whom they may deactivate and whose cases they may hand over."""
    return (
        User.objects.filter(groups__agency__in=Agency.objects.filter(group__user=manager))
        .exclude(pk=manager.pk)
        .distinct()
        .order_by("last_name", "first_name", "pk")
    )
