from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError, CommandParser

from contact_hub.incidents.log import logs_verify
from contact_hub.incidents.models import Incident


class Command(BaseCommand):
    help = ("Verify incident logs' hash chains. Names the first broken entry of each log that "
            "was edited or had entries deleted behind the application's back. Exits 1 if any "
            "log is broken.")

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("references", nargs="*", metavar="REFERENCE",
                            help="incident references to check (default: every incident)")

    def handle(self, *args: object, references: list[str], **options: object) -> None:
        incidents = Incident.objects.order_by("pk")
        if references:
            incidents = incidents.filter(reference__in=references)
            missing = set(references) - set(incidents.values_list("reference", flat=True))
            if missing:
                raise CommandError(f"No such incident: {', '.join(sorted(missing))}")
        count = incidents.count()
        problems = logs_verify(incidents.iterator())
        for problem in problems:
            self.stderr.write(f"BROKEN {problem}")
        if problems:
            raise CommandError(f"{len(problems)} of {count} incident log(s) failed verification")
        self.stdout.write(f"OK: {count} incident log(s) verified")
