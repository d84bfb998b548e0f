from django.core.management.base import BaseCommand

from notifications.sweep import sweep


class Command(BaseCommand):
    help = "Run one reminder sweep now (the same one beat runs every 15 minutes)."

    def handle(self, *args, **options):
        result = sweep()
        self.stdout.write(
            f"Sweep {result.run_id}: {result.created} notifications created, "
            f"{result.emails_queued} emails queued."
        )
