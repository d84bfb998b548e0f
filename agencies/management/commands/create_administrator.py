"""Create an administrator: a staff member with the administrator role.

Homeward has no superusers (a superuser would pass every role check and read
cases, the audit trail and reports; docs/access.md). The first administrator of
a new installation is made here; later ones in the admin site.
"""

import getpass

from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from agencies.models import Role
from agencies.services import staff_member_create


class Command(BaseCommand):
    help = "Create an administrator (configures agencies, users and roles; reads no case)."

    def add_arguments(self, parser):
        parser.add_argument("username")
        parser.add_argument("--email", default="")

    def handle(self, *args, username, email, **options):
        password = getpass.getpass("Password: ")
        if password != getpass.getpass("Password (again): "):
            raise CommandError("The two passwords differ; nothing was created.")
        try:
            validate_password(password)
        except ValidationError as exc:
            raise CommandError(" ".join(exc.messages)) from None
        try:
            user = staff_member_create(
                actor=None,
                username=username,
                password=password,
                role=Role.ADMINISTRATOR,
                agencies=[],
                email=email,
            )
        except ValidationError as exc:
            raise CommandError("; ".join(exc.messages)) from None
        self.stdout.write(
            f"Administrator {user.username} created. At first sign-in they set up "
            "their second factor."
        )
