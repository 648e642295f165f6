from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError, CommandParser

from rvr.recording import recording_session_verify, recordings_logged


class Command(BaseCommand):
    help = ("Verify recorded video calls against the incident log, which says what must be "
            "there: her yes, each side's chunks chained (every chunk's log entry carries the "
            "SHA-256 of the one before), and a deletion at the end of retention closing each "
            "chain. Every stored chunk must match the hash the log holds for its place, and the "
            "recording's row must agree with the log. Names where each chain breaks (a chunk "
            "missing, altered, reordered or added; a row changed). Exits 1 if any fails.")

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("sessions", nargs="*", type=int, metavar="SESSION_ID",
                            help="video session ids (default: every recording)")

    def handle(self, *args: object, sessions: list[int], **options: object) -> None:
        # The log decides which calls were recorded: a row changed or removed cannot take a
        # recording out of the check.
        logged = recordings_logged()
        if sessions:
            missing = set(sessions) - set(logged)
            if missing:
                raise CommandError("No recording of video session "
                                   f"{', '.join(str(s) for s in sorted(missing))}")
            logged = sorted(set(sessions))
        failed = 0
        for session_id in logged:
            check = recording_session_verify(session_id)
            for problem in check.problems:
                self.stderr.write(f"BROKEN video session {session_id}: {problem}")
            failed += not check.ok
        if failed:
            raise CommandError(f"{failed} of {len(logged)} recording(s) failed verification")
        self.stdout.write(f"OK: {len(logged)} recording(s) verified")
