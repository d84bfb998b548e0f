from django.db.models import QuerySet

from agencies.models import Agency, StaffPreference


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
