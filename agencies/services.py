"""Writes about agencies and staff: each keyword-only, recording who did it."""

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from agencies.models import Agency, Role, StaffPreference

User = get_user_model()


@transaction.atomic
def agency_create(*, actor: User | None, name: str, kind: str, region: str) -> Agency:
    """Create an agency together with the group its members and grants hang on."""
    group = Group.objects.create(name=f"agency:{name}")
    agency = Agency(name=name, kind=kind, region=region, group=group, created_by=actor)
    agency.full_clean(exclude=["group"])
    agency.save()
    return agency


@transaction.atomic
def staff_member_create(
    *,
    actor: User | None,
    username: str,
    password: str | None,
    role: Role,
    agencies: list[Agency],
    first_name: str = "",
    last_name: str = "",
    email: str = "",
    password_hash: str | None = None,
) -> User:
    """Create a user holding one role, as a member of the given agencies.

    `password_hash` lets bulk callers (demo data, tests) hash once and reuse it.
    """
    user = User(username=username, first_name=first_name, last_name=last_name, email=email)
    # Administrators work in the admin site; nobody is a superuser (docs/access.md).
    user.is_staff = role == Role.ADMINISTRATOR
    if password_hash is not None:
        user.password = password_hash
    else:
        user.set_password(password)
    user.full_clean(exclude=["password"])
    user.save()
    user.groups.add(Group.objects.get(name=role), *(a.group for a in agencies))
    return user


@transaction.atomic
def staff_language_set(*, actor, language: str) -> StaffPreference:
    """Stores the interface language `actor` chose; emails and notifications follow it too."""
    if language not in dict(settings.LANGUAGES):
        raise ValidationError({"language": _("Choose one of the offered languages.")})
    preference, _created = StaffPreference.objects.update_or_create(
        user=actor, defaults={"language": language}
    )
    return preference
