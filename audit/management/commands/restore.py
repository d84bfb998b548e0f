from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from audit.backups import BackupError, restore


class Command(BaseCommand):
    help = (
        "Restore a dump made by `backup` into a new database (it must not exist yet); "
        "then point DATABASE_URL at it. See docs/backups.md."
    )

    def add_arguments(self, parser):
        parser.add_argument("dump", type=Path)
        parser.add_argument("--database", required=True, help="Name of the database to create.")

    def handle(self, *args, dump: Path, database: str, **options):
        if not dump.is_file():
            raise CommandError(f"No such dump: {dump}")
        try:
            restore(dump, database=database)
        except BackupError as exc:
            raise CommandError(str(exc)) from None
        self.stdout.write(f"restored {dump} into {database}")
