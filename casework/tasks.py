import logging

from celery import shared_task
from django.conf import settings
from django.core.exceptions import ObjectDoesNotExist
from django.core.mail import send_mail
from django.db import connection
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from casework.models import EmailPreference, Notification, NotificationKind
from casework.reminders import EMAIL_LEASE, sweep
from casework.selectors import weekly_digest

logger = logging.getLogger(__name__)


@shared_task(acks_late=True)
def run_reminder_sweep() -> int:
    """Beat's 15-minute sweep. Idempotent: a redelivered run creates nothing twice."""
    return sweep().created


def _email_body(notification: Notification) -> str:
    if notification.kind == NotificationKind.WEEKLY_DIGEST:
        digest = weekly_digest(notification.recipient)
        lines = [
            _("Overdue reviews: %(count)s") % {"count": len(digest.overdue_reviews)},
            *(f"  {ref}" for ref in digest.overdue_reviews[:50]),
            _("Open urgent flags: %(count)s") % {"count": len(digest.urgent_flags)},
            *(f"  {ref}" for ref in digest.urgent_flags[:50]),
            _("Referral responses overdue: %(count)s") % {"count": len(digest.overdue_referrals)},
            *(f"  {ref}" for ref in digest.overdue_referrals[:50]),
        ]
        link = settings.SITE_URL + reverse("casework:caseload")
        return "\n".join([*lines, "", _("Open Homeward: %(link)s") % {"link": link}])
    link = settings.SITE_URL + reverse("casework:case_detail", args=[notification.case_id])
    return _("%(text)s.\n\nOpen the case in Homeward: %(link)s") % {
        "text": notification.text,
        "link": link,
    }


def _claim(ids: list[int]) -> list[int]:
    """Take the rows no other worker is sending: one conditional UPDATE with a lease.

    Row locks make a concurrent UPDATE of the same rows wait and then re-check
    the condition, so each row is claimed by exactly one worker.
    """
    now = timezone.now()
    with connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE {Notification._meta.db_table} SET email_claimed_at = %s "  # noqa: S608 (table name)
            "WHERE id = ANY(%s) AND emailed_at IS NULL "
            "AND (email_claimed_at IS NULL OR email_claimed_at < %s) RETURNING id",
            [now, list(ids), now - EMAIL_LEASE],
        )
        return [row[0] for row in cursor.fetchall()]


@shared_task(acks_late=True)
def send_notification_emails(notification_ids: list[int]) -> int:
    """Email these notifications, each at most once; returns how many were sent.

    `emailed_at` records that delivery is settled: sent, or not wanted (the
    person turned email off for this kind, or has no address).
    """
    sent = 0
    claimed = _claim(notification_ids)
    muted = set(
        EmailPreference.objects.filter(
            send_email=False, user__notifications__pk__in=claimed
        ).values_list("user_id", "kind")
    )
    notifications = Notification.objects.filter(pk__in=claimed).select_related(
        "recipient", "recipient__staff_preference", "case"
    )
    for notification in notifications:
        recipient = notification.recipient
        if recipient.email and (recipient.pk, notification.kind) not in muted:
            # In the language the recipient chose for the interface.
            with translation.override(_recipient_language(recipient)):
                send_mail(
                    notification.text,
                    _email_body(notification),
                    settings.DEFAULT_FROM_EMAIL,
                    [recipient.email],
                )
            sent += 1
        Notification.objects.filter(pk=notification.pk).update(emailed_at=timezone.now())
    logger.info(
        "notification emails requested=%s claimed=%s sent=%s",
        len(notification_ids),
        len(claimed),
        sent,
    )
    return sent


def _recipient_language(user) -> str:
    try:
        return user.staff_preference.language
    except ObjectDoesNotExist:
        return settings.LANGUAGE_CODE
