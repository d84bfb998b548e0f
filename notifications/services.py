"""Every write about notifications: create, mark read, email, preferences."""

import logging

from django.conf import settings
from django.core.exceptions import ObjectDoesNotExist, ValidationError
from django.core.mail import send_mail
from django.db import connection, transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from notifications.digest import weekly_digest
from notifications.models import EmailPreference, Notification, NotificationKind
from notifications.sweep import EMAIL_LEASE

logger = logging.getLogger(__name__)


def notify(
    *,
    recipients,
    kind: str,
    case,
    key: str,
    flag=None,
    referral_id: int | None = None,
    task_id: int | None = None,
) -> list[int]:
    """Tell `recipients` that `kind` happened, in the app and by email after the
    transaction commits; returns the ids of the notifications created.

    `key` names the event (e.g. ``f"referral:{referral.pk}:accepted"``): a person is
    told of one event once, however often the code that tells them runs (a retried
    task, a repeated request), because the row is inserted with ON CONFLICT DO
    NOTHING on (recipient, kind, key). Emails are queued `robust`ly: a broker outage
    never undoes the change, and the next reminder sweep re-queues any email still
    unsent.
    """
    from notifications.tasks import send_notification_emails

    if not key:
        raise ValueError("notify() needs the key of the event it tells of")
    now = timezone.now()
    people = {getattr(r, "pk", r) for r in recipients}
    Notification.objects.bulk_create(
        [
            Notification(
                recipient_id=person,
                kind=kind,
                case=case,
                flag=flag,
                referral_id=referral_id,
                task_id=task_id,
                event_key=key,
                created_at=now,
            )
            for person in sorted(people)
        ],
        ignore_conflicts=True,
    )
    # The rows this call inserted: an earlier notification of the event has another time.
    ids = list(
        Notification.objects.filter(
            recipient_id__in=people, kind=kind, event_key=key, created_at=now
        ).values_list("pk", flat=True)
    )
    if ids:
        transaction.on_commit(lambda: send_notification_emails.delay(ids), robust=True)
    return ids


@transaction.atomic
def notifications_mark_read(*, actor, ids: list[int] | None = None) -> int:
    """Mark the unread notifications of `actor` read — all of them, or those of `ids`
    (ids of anyone else's are ignored, never an error that tells they exist); returns
    how many. One conditional UPDATE: marking twice marks nothing more."""
    unread = Notification.objects.filter(recipient=actor, read_at__isnull=True)
    if ids is not None:
        unread = unread.filter(pk__in=ids)
    marked = unread.update(read_at=timezone.now())
    logger.info("notifications marked read actor_id=%s count=%s", actor.pk, marked)
    return marked


def notification_emails_send(*, notification_ids: list[int]) -> int:
    """Email these notifications, each at most once; returns how many were sent.

    Not one transaction, on purpose: the claim commits before any email goes out,
    and each row is marked as soon as its email is settled, so a worker that dies
    half-way leaves what it sent marked and the rest to be claimed again once the
    lease runs out (casework/reminders.py). `emailed_at` records that delivery is
    settled: sent, or not wanted (the person turned email off for this kind, or
    has no address).
    """
    sent = 0
    claimed = _claim_emails(notification_ids)
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


def _claim_emails(ids: list[int]) -> list[int]:
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


def _email_body(notification: Notification) -> str:
    if notification.kind == NotificationKind.WEEKLY_DIGEST:
        lines = []
        for section, references in weekly_digest(notification.recipient).sections:
            lines.append(str(section.heading) % {"count": len(references)})
            lines.extend(f"  {ref}" for ref in references[:50])
        link = settings.SITE_URL + notification.url
        return "\n".join([*lines, "", _("Open Homeward: %(link)s") % {"link": link}])
    # The same link as the bell's: where the work is (notifications.models.LINKS).
    link = settings.SITE_URL + notification.url
    if notification.opens_case:
        return _("%(text)s.\n\nOpen the case in Homeward: %(link)s") % {
            "text": notification.text,
            "link": link,
        }
    return f"{notification.text}.\n\n" + _("Open Homeward: %(link)s") % {"link": link}


def _recipient_language(user) -> str:
    try:
        return user.staff_preference.language
    except ObjectDoesNotExist:
        return settings.LANGUAGE_CODE


@transaction.atomic
def email_preferences_set(*, actor, enabled: dict[str, bool]) -> None:
    """Email on or off per notification kind; in-app notifications are always on."""
    unknown = set(enabled) - set(NotificationKind.values)
    if unknown:
        raise ValidationError({"email": _("Unknown notification kind.")})
    for kind, send in enabled.items():
        EmailPreference.objects.update_or_create(
            user=actor, kind=kind, defaults={"send_email": send}
        )
