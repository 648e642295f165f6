from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError, CommandParser

from rvr.models import CallRecording
from rvr.recording import recording_verify


class Command(BaseCommand):
    help = ("Verify recorded video calls against the incident log: each side's chunks must "
            "chain (every chunk's log entry carries the SHA-256 of the one before) and every "
            "stored chunk must match the hash the log holds for its place. Names where each "
            "chain breaks (a chunk missing, altered, reordered or added). Recordings deleted "
            "at the end of retention are checked in the log only. Exits 1 if any fails.")

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("sessions", nargs="*", type=int, metavar="SESSION_ID",
                            help="video session ids (default: every recording)")

    def handle(self, *args: object, sessions: list[int], **options: object) -> None:
        recordings = (CallRecording.objects.filter(consent=True).select_related("incident")
                      .order_by("pk"))
        if sessions:
            recordings = recordings.filter(session_id__in=sessions)
            missing = set(sessions) - set(recordings.values_list("session_id", flat=True))
            if missing:
                raise CommandError("No recording of video session "
                                   f"{', '.join(str(s) for s in sorted(missing))}")
        failed = 0
        for recording in recordings.iterator():
            check = recording_verify(recording)
            for problem in check.problems:
                self.stderr.write(f"BROKEN video session {recording.session_id}: {problem}")
            failed += not check.ok
        count = recordings.count()
        if failed:
            raise CommandError(f"{failed} of {count} recording(s) failed verification")
        self.stdout.write(f"OK: {count} recording(s) verified")
