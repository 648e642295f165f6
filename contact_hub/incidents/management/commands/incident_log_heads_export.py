from __future__ import annotations

import json
from datetime import date, timedelta
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone

from contact_hub.incidents.log_heads import log_heads_export


class Command(BaseCommand):
    help = ("Export the day's log heads: each incident's reference, log length and head hash as "
            "they stood at the end of the day, and the day's access events (how many, their "
            "ids, the highest id by the end of the day, and a digest keyed with "
            "HUB_LOG_CHAIN_KEY), signed with the same key. Run it each night after midnight and "
            "keep the file away from the database (another machine, write-once storage): "
            "`incident_log_verify --against FILE` then names any log rewritten, cut short or "
            "removed since, even by someone who holds the key.")

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--date", type=date.fromisoformat, metavar="YYYY-MM-DD",
                            help="the day to export, in the force's time zone (default: "
                                 "yesterday); today exports the heads as they are now")
        parser.add_argument("--out", required=True, metavar="FILE",
                            help="the JSON file to write ('-' for standard output); an "
                                 "existing file is never overwritten")

    def handle(self, *args: object, date: date | None, out: str, **options: object) -> None:
        today = timezone.localdate()
        day = date or today - timedelta(days=1)
        if day > today:
            raise CommandError(f"{day} has not happened yet.")
        text = json.dumps(log_heads_export(day), indent=1, sort_keys=True) + "\n"
        if out == "-":
            self.stdout.write(text, ending="")
            return
        try:
            with Path(out).open("x", encoding="utf-8") as file:
                file.write(text)
        except FileExistsError as exists:
            raise CommandError(f"{out} exists already; an export is never overwritten.") \
                from exists
        self.stdout.write(f"Exported the log heads of {day} to {out}")
