from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from audit.backups import BackupError, backup


class Command(BaseCommand):
    help = "Dump the database (pg_dump, custom format) into a file; see docs/backups.md."

    def add_arguments(self, parser):
        parser.add_argument(
            "--output",
            type=Path,
            help="File to write (default: homeward-<UTC timestamp>.dump in the current directory).",
        )

    def handle(self, *args, output=None, **options):
        output = output or Path(f"homeward-{timezone.now():%Y%m%dT%H%M%SZ}.dump")
        try:
            backup(output)
        except BackupError as exc:
            raise CommandError(str(exc)) from None
        self.stdout.write(f"{output}")
