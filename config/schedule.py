"""The Celery beat schedule: every periodic job, when it runs and why.

Exactly one beat runs (docker-compose.yml); even so, every job here is
idempotent, so a second beat or a retried task never sends anything twice.
"""

from celery.schedules import crontab

CELERY_BEAT_SCHEDULE = {
    # Every 15 minutes: turn due reviews, follow-ups, referral deadlines and the
    # Monday digest into notifications and emails. Each sweep reads the data as
    # it is now, so a sweep after downtime catches up, once; nothing is
    # scheduled days ahead as a delayed message.
    "reminder-sweep": {
        "task": "notifications.tasks.run_reminder_sweep",
        "schedule": crontab(minute="*/15"),
        # A sweep that could not start within its slot is dropped: the next one covers it.
        "options": {"expires": 14 * 60},
    },
    # Hourly: delete the files of background report exports whose download link
    # has expired (HOMEWARD_EXPORT_TTL_HOURS). A job is claimed by a conditional
    # update before its file goes, so overlapping runs delete nothing twice.
    "purge-expired-exports": {
        "task": "reports.tasks.purge_expired_exports",
        "schedule": crontab(minute=7),
        "options": {"expires": 50 * 60},
    },
}
