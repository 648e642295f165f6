from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from contact_hub.incidents.log import logs_verify
from contact_hub.incidents.log_heads import log_heads_check
from contact_hub.incidents.models import Incident


class Command(BaseCommand):
    help = ("Verify incident logs' hash chains, signed with HUB_LOG_CHAIN_KEY. Names the first "
            "broken entry of each log that was edited, had entries deleted, or was rewritten "
            "without the key behind the application's back. With --against, also names every "
            "log that no longer reaches the head an earlier export "
            "(incident_log_heads_export) recorded, is shorter, or is gone, and a day whose "
            "access events changed: that catches a chain recomputed from scratch even with the "
            "key. Exits 1 if anything fails.")

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("references", nargs="*", metavar="REFERENCE",
                            help="incident references to check (default: every incident; "
                                 "the access events are then checked too)")
        parser.add_argument("--against", action="append", default=[], metavar="EXPORT",
                            help="a file written by incident_log_heads_export; give it more "
                                 "than once to check several days")

    def handle(self, *args: object, references: list[str], against: list[str],
               **options: object) -> None:
        exports = [(name, _export_load(name)) for name in against]
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
        differences = 0
        for name, export in exports:
            for difference in log_heads_check(export, references=references):
                self.stderr.write(f"CHANGED SINCE {name}: {difference}")
                differences += 1
        if problems or differences:
            raise CommandError(
                f"{len(problems)} of {count} incident log(s) failed verification; "
                f"{differences} difference(s) from {len(exports)} export(s)")
        checked = f"; they match {len(exports)} export(s)" if exports else ""
        self.stdout.write(f"OK: {count} incident log(s) verified{checked}")


def _export_load(name: str) -> dict[str, Any]:
    try:
        export = json.loads(Path(name).read_text(encoding="utf-8"))
    except OSError as error:
        raise CommandError(f"Cannot read the export {name}: {error.strerror}") from error
    except ValueError as error:
        raise CommandError(f"{name} is not a log heads export (not JSON)") from error
    if not isinstance(export, dict):
        raise CommandError(f"{name} is not a log heads export")
    return export
