from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError, CommandParser

from contact_hub.incidents.models import Incident
from rvr.evidence_verify import evidence_verify


class Command(BaseCommand):
    help = ("Verify what video calls kept as evidence against the incident log: every location "
            "the victim shared, photo or file she sent and still the officer captured must "
            "match the digest or SHA-256 its log entry holds, and every entry must have its "
            "row. Exits 1 if any fails.")

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("references", nargs="*", metavar="INCIDENT",
                            help="incident references (default: every incident with a call)")

    def handle(self, *args: object, references: list[str], **options: object) -> None:
        incidents = Incident.objects.filter(video_sessions__isnull=False).distinct().order_by("pk")
        if references:
            incidents = Incident.objects.filter(reference__in=references).order_by("pk")
            missing = set(references) - set(incidents.values_list("reference", flat=True))
            if missing:
                raise CommandError(f"No incident {', '.join(sorted(missing))}")
        failed = checked = 0
        for incident in incidents.iterator():
            check = evidence_verify(incident)
            for problem in check.problems:
                self.stderr.write(f"BROKEN {incident.reference}: {problem}")
            failed += not check.ok
            checked += check.checked
        if failed:
            raise CommandError(f"{failed} incident(s) failed verification")
        self.stdout.write(f"OK: {checked} item(s) of evidence verified")
