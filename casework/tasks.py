import logging

from celery import shared_task
from django.conf import settings
from django.core.mail import send_mail
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from casework.models import Notification, NotificationKind

logger = logging.getLogger(__name__)


def notification_subject(notification: Notification) -> str:
    # Names never leave the application in mail: the case is named by reference.
    reference = notification.case.reference
    if notification.kind == NotificationKind.URGENT_FLAG:
        return _("Urgent flag raised on case %(reference)s") % {"reference": reference}
    return _("Triage of case %(reference)s awaits your decision") % {"reference": reference}


@shared_task(acks_late=True)
def send_notification_email(notification_id: int) -> bool:
    """Email one notification, at most once.

    The row is claimed with a conditional UPDATE before sending, so a retried
    or redelivered task never sends twice.
    """
    claimed = Notification.objects.filter(pk=notification_id, emailed_at__isnull=True).update(
        emailed_at=timezone.now()
    )
    if not claimed:
        return False
    notification = Notification.objects.select_related("recipient", "case").get(pk=notification_id)
    recipient = notification.recipient
    if not recipient.email:
        logger.info("notification not emailed (no address) notification_id=%s", notification_id)
        return False
    with translation.override(settings.LANGUAGE_CODE):
        subject = notification_subject(notification)
        link = settings.SITE_URL + reverse("casework:case_detail", args=[notification.case_id])
        body = _("%(subject)s.\n\nOpen the case in Homeward: %(link)s") % {
            "subject": subject,
            "link": link,
        }
    send_mail(subject, body, settings.DEFAULT_FROM_EMAIL, [recipient.email])
    logger.info(
        "notification emailed notification_id=%s recipient_id=%s", notification_id, recipient.pk
    )
    return True
