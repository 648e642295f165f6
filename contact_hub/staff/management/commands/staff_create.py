from __future__ import annotations

import getpass

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError, CommandParser

from contact_hub.staff.models import Role, StaffUser
from contact_hub.staff.services import staff_create


class Command(BaseCommand):
    help = ("Create a staff account with a role and an authenticator (TOTP). Prints the "
            "otpauth:// address to load into the person's authenticator app.")

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("username")
        parser.add_argument("--role", required=True, choices=Role.values)
        parser.add_argument("--name", default="", help="full name")

    def handle(self, *args: object, username: str, role: str, name: str,
               **options: object) -> None:
        if StaffUser.objects.filter(username=username).exists():
            raise CommandError(f"There is already an account called '{username}'.")
        password = getpass.getpass("Password (12+ characters): ")
        if password != getpass.getpass("Password again: "):
            raise CommandError("The passwords do not match.")
        try:
            enrolment = staff_create(username=username, role=role, password=password,
                                     full_name=name)
        except ValidationError as error:
            raise CommandError(" ".join(error.messages)) from error
        self.stdout.write(f"Created {username} ({role}).")
        self.stdout.write("Add this to their authenticator app (it is shown once):")
        self.stdout.write(f"  {enrolment.totp_uri}")
