"""Sign-in events, from Django's auth signals.

Lockout (django-axes, added on another branch) connects here at the merge:
`on_locked_out` is the receiver for axes' `user_locked_out` signal and
`on_unlocked` for whatever signals an unlock; both only call `audit_record`.
"""

from django.contrib.auth.signals import user_logged_in, user_logged_out, user_login_failed

from audit.models import AuditAction
from audit.services import audit_record

# An attempted username longer than any real one is not a username worth keeping.
USERNAME_MAX = 150


def on_logged_in(sender, request, user, **kwargs):
    audit_record(action=AuditAction.LOGIN, actor=user, request=request)


def on_logged_out(sender, request, user, **kwargs):
    if user is not None:
        audit_record(action=AuditAction.LOGOUT, actor=user, request=request)


def on_login_failed(sender, credentials, request=None, **kwargs):
    # Django already replaces the password with asterisks; we keep the username only.
    username = str(credentials.get("username", ""))[:USERNAME_MAX]
    audit_record(
        action=AuditAction.LOGIN_FAILED,
        request=request,
        actor=None,
        detail={"username": username},
    )


def on_locked_out(sender=None, request=None, username=None, **kwargs):
    """Hook for django-axes' `user_locked_out` (connect it at the merge)."""
    audit_record(
        action=AuditAction.LOCKED_OUT,
        request=request,
        detail={"username": str(username or "")[:USERNAME_MAX]},
    )


def on_unlocked(sender=None, request=None, username=None, **kwargs):
    """Hook for an unlock (an administrator resetting a lockout)."""
    audit_record(
        action=AuditAction.UNLOCKED,
        request=request,
        detail={"username": str(username or "")[:USERNAME_MAX]},
    )


def connect() -> None:
    user_logged_in.connect(on_logged_in, dispatch_uid="audit.login")
    user_logged_out.connect(on_logged_out, dispatch_uid="audit.logout")
    user_login_failed.connect(on_login_failed, dispatch_uid="audit.login_failed")
