"""What a victim shares from a video call (her location: rvr/location.py; photos and files:
rvr/uploads.py): the refusal both raise, the session both lock, and the one read of what she
shared, written to the access log."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from django.db import transaction

from contact_hub.conversations.looks import look_record
from contact_hub.incidents.models import Incident
from contact_hub.staff.audit import access_record
from contact_hub.staff.models import AccessEvent, StaffUser
from rvr.eligibility import RvrRefused
from rvr.locks import video_session_locked
from rvr.models import VictimLocation, VictimUpload, VideoSession


class ShareRefused(RvrRefused):
    """What she sent cannot be taken. The message is calm and safe to show her; `kind` names
    the security event, `status` the response."""

    def __init__(self, reason: str, *, kind: str, status: int = 400) -> None:
        super().__init__(reason)
        self.kind, self.status = kind, status


# Whatever the reason a call can no longer take what she sends, she is told only this.
CALL_NOT_OPEN = "The call is not open now, so nothing was sent."


def share_session_locked(session_id: int,
                         statuses: Iterable[VideoSession.Status]) -> VideoSession:
    """The session, locked, if it is in one of `statuses`; refused otherwise."""
    session = video_session_locked(session_id)
    if session.status not in tuple(statuses):
        raise ShareRefused(CALL_NOT_OPEN, kind="video_share_session_closed", status=403)
    return session


@dataclass(frozen=True)
class SharedRead:
    locations: list[VictimLocation]
    uploads: list[VictimUpload]

    @property
    def latest_location(self) -> VictimLocation | None:
        return self.locations[-1] if self.locations else None

    def __bool__(self) -> bool:
        return bool(self.locations or self.uploads)


def victim_shared_read(*, actor: StaffUser, session: VideoSession | None = None,
                       incident: Incident | None = None) -> SharedRead:
    """What she shared in one call (the officer's console) or on one incident (its page),
    without the files' bytes; the look is in the access log when there is anything to see.
    Raises ReasonNeeded when the reader has no reason to look at her."""
    if (session is None) == (incident is None):
        raise ValueError("name a session or an incident")
    where: dict[str, VideoSession | Incident | None] = (
        {"session": session} if session is not None else {"incident": incident})
    about = session.incident if session is not None else incident
    assert about is not None  # one of them was given
    what = (f"shared in video call {session.pk}" if session is not None
            else f"shared by the victim on {about.reference}")
    with transaction.atomic():
        read = SharedRead(
            locations=list(VictimLocation.objects.filter(**where)),
            uploads=list(VictimUpload.objects.filter(**where).defer("original", "display")))
        if read:
            share_look_record(actor=actor, person_id=about.person_id, what=what)
        return read


def share_look_record(*, actor: StaffUser, person_id: int | None, what: str) -> None:
    """A look at what she shared, in the caller's transaction."""
    if person_id is None:
        # An incident with nobody's record on it: the read is still in the log.
        access_record(actor=actor, action=AccessEvent.Action.VIEW, what=what,
                      why="working an incident")
        return
    look_record(actor=actor, person_id=person_id, what=what)
