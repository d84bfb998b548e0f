"""Sign-in events, from Django's auth signals and django-axes.

A lockout is axes' `user_locked_out` signal. An unlock is the deletion of an
access attempt that had reached the limit: an administrator deleting it in the
admin, `manage.py axes_reset_username`, or axes clearing it after the cool-off.
"""

from axes.models import AccessAttempt
from axes.signals import user_locked_out
from django.conf import settings
from django.contrib.auth.signals import user_logged_in, user_logged_out, user_login_failed
from django.db.models.signals import post_delete

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
    audit_record(
        action=AuditAction.LOCKED_OUT,
        request=request,
        detail={"username": str(username or "")[:USERNAME_MAX]},
    )


def on_access_attempt_deleted(sender, instance, **kwargs):
    if instance.failures_since_start >= settings.AXES_FAILURE_LIMIT:
        audit_record(
            action=AuditAction.UNLOCKED,
            detail={
                "username": str(instance.username or "")[:USERNAME_MAX],
                "address": instance.ip_address,
            },
        )


def connect() -> None:
    user_logged_in.connect(on_logged_in, dispatch_uid="audit.login")
    user_logged_out.connect(on_logged_out, dispatch_uid="audit.logout")
    user_login_failed.connect(on_login_failed, dispatch_uid="audit.login_failed")
    user_locked_out.connect(on_locked_out, dispatch_uid="audit.locked_out")
    post_delete.connect(
        on_access_attempt_deleted, sender=AccessAttempt, dispatch_uid="audit.unlocked"
    )
