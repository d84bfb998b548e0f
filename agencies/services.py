"""Writes about agencies and staff: each keyword-only, recording who did it."""

import logging

from axes.models import AccessLog
from django.conf import settings
from django.contrib.auth import SESSION_KEY, get_user_model
from django.contrib.auth.models import Group
from django.contrib.sessions.models import Session
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import CharField, Func, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _
from rest_framework.authtoken.models import Token

from agencies.models import Agency, Role, StaffPreference

logger = logging.getLogger(__name__)
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


class _SessionKeyHash(Func):
    """sha256 of a session key in hex, as django-axes stores it (AccessLog.session_hash).
    Django's SHA256 needs pgcrypto on Postgres; sha256() is built in."""

    template = "encode(sha256(convert_to(%(expressions)s, 'UTF8')), 'hex')"
    output_field = CharField()


def _sessions_of(user) -> QuerySet[Session]:
    """The open sessions of `user`, found without decoding every session.

    django-axes logs each sign-in with the sha256 of its session key
    (AccessLog.session_hash, by username), so the database matches those against
    the hashed keys of the unexpired sessions in one query. Where that log is off
    (DJANGO_LOCKOUT_ENABLED false), the unexpired sessions are decoded instead:
    with the idle timeout (SESSION_COOKIE_AGE) they are only those used lately.
    """
    open_sessions = Session.objects.filter(expire_date__gt=timezone.now())
    if settings.AXES_ENABLED and not getattr(settings, "AXES_DISABLE_ACCESS_LOG", False):
        signed_in = AccessLog.objects.filter(
            username=user.get_username(), logout_time__isnull=True
        ).values("session_hash")
        return open_sessions.alias(key_hash=_SessionKeyHash("session_key")).filter(
            key_hash__in=signed_in
        )
    keys = [
        session.session_key
        for session in open_sessions.iterator()
        if session.get_decoded().get(SESSION_KEY) == str(user.pk)
    ]
    return Session.objects.filter(session_key__in=keys)


@transaction.atomic
def staff_member_deactivate(*, actor: User, user: User) -> int:
    """A program manager deactivates a member of their agency (a leaver): the account
    cannot sign in any more, and their access ends at once — every open session and
    their API token are deleted, so the next request of either is refused. Their
    cases stay assigned to them until handed over (casework.services.caseload_hand_over).

    Returns how many sessions were ended. Deactivating someone already inactive ends
    whatever is left of their sessions and tokens again.
    """
    if not actor.has_perm("agencies.manage_staff"):
        raise PermissionDenied
    if user.pk == actor.pk:
        raise ValidationError(_("You cannot deactivate your own account."), code="self")
    if not Agency.objects.filter(group__user=actor).filter(group__user=user).exists():
        raise PermissionDenied
    user = User.objects.select_for_update().get(pk=user.pk)
    if user.is_active:
        user.is_active = False
        user.save(update_fields=["is_active"])
    tokens, _detail = Token.objects.filter(user=user).delete()
    sessions, _detail = _sessions_of(user).delete()
    logger.info(
        "staff member deactivated user_id=%s sessions_ended=%s tokens_deleted=%s actor_id=%s",
        user.pk,
        sessions,
        tokens,
        actor.pk,
    )
    return sessions
