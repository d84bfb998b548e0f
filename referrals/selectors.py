from django.db.models import QuerySet

from referrals.models import Agency, Role


def agencies_of(user) -> QuerySet[Agency]:
    """The agencies a user is a member of (membership is the agency's group)."""
    if not user.is_authenticated:
        return Agency.objects.none()
    return Agency.objects.filter(group__user=user)


def roles_of(user) -> list[Role]:
    if not user.is_authenticated:
        return []
    names = set(user.groups.values_list("name", flat=True))
    return [role for role in Role if role.value in names]


def agency_members(agency: Agency):
    return agency.group.user_set.filter(is_active=True).order_by("last_name", "first_name")
