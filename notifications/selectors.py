"""Reads of notifications: always a person's own."""

from django.db.models import QuerySet

from notifications.models import Notification, NotificationKind

# The bell counts up to this many unread notifications and shows "99+" beyond.
BELL_CAP = 99


def notifications_of(user, *, kind: str | None = None, unread: bool = False) -> QuerySet:
    """`user`'s notifications, newest first, filtered in SQL."""
    mine = Notification.objects.filter(recipient=user)
    if kind:
        mine = mine.filter(kind=kind)
    if unread:
        mine = mine.filter(read_at__isnull=True)
    return mine


def unread_count(user) -> int:
    """How many unread notifications `user` has, counted up to BELL_CAP + 1 only:
    `SELECT COUNT(*) FROM (SELECT 1 … LIMIT 100)`, so a person with thousands of
    unread rows costs the header no more than one with a hundred."""
    # No ORDER BY: sorting would read every unread row before the LIMIT.
    return notifications_of(user, unread=True).order_by()[: BELL_CAP + 1].count()


def email_preferences_of(user) -> dict[str, bool]:
    """Whether `user` is emailed each notification kind, in the kinds' order: yes,
    unless they switched it off (one query)."""
    muted = set(user.email_preferences.filter(send_email=False).values_list("kind", flat=True))
    return {kind: kind not in muted for kind in NotificationKind.values}
