from celery import shared_task

from notifications import services
from notifications.sweep import sweep


@shared_task(acks_late=True)
def run_reminder_sweep() -> int:
    """Beat's 15-minute sweep. Idempotent: a redelivered run creates nothing twice."""
    return sweep().created


@shared_task(acks_late=True)
def send_notification_emails(notification_ids: list[int]) -> int:
    """Email these notifications, each at most once; returns how many were sent."""
    return services.notification_emails_send(notification_ids=notification_ids)
