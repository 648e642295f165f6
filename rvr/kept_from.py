"""An officer on a video call who is then kept from her incident (an allegation found to name
them, contact_hub.conversations.visibility) is taken off the call at once: their console's
socket closes, any interpreter link they issued stops working, she goes back to the top of the
waiting list for another officer to take her call, the incident's log says so, and supervisors
are alerted. Her page stays open: she is told only that the officer left."""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.utils import timezone

from contact_hub.incidents.alerts import alert_raise
from contact_hub.incidents.log import log_append
from contact_hub.incidents.models import Alert
from contact_hub.live import LiveEvent, live_event_send
from contact_hub.staff.models import Role, StaffUser
from rvr.availability import availability_call_end
from rvr.calls import OPEN_STATUSES
from rvr.interpreter import interpreter_links_withdraw
from rvr.live import session_changed
from rvr.locks import video_session_locked
from rvr.models import VideoSession
from rvr.visibility import sessions_visible_to


def officers_withdraw(*, message_id: int, staff_ids: list[int], **_: Any) -> list[int]:
    """Take each of these staff off any open call of theirs that the rule now keeps from them;
    the calls' ids. Runs in the transaction that kept them from the message."""
    withdrawn = []
    calls = (VideoSession.objects.select_related("incident", "officer")
             .filter(officer_id__in=staff_ids, status__in=OPEN_STATUSES))
    for session in calls:
        officer = session.officer
        if officer is None or sessions_visible_to(officer).filter(pk=session.pk).exists():
            continue
        _withdraw(session, officer)
        withdrawn.append(session.pk)
    return withdrawn


def _withdraw(session: VideoSession, officer: StaffUser) -> None:
    now = timezone.now()
    with transaction.atomic():
        session = video_session_locked(session.pk)
        interpreter_links_withdraw(session=session, reason="the officer was taken off the call",
                                   now=now)
        availability_call_end(session=session, now=now)
        if session.status == VideoSession.Status.IN_CALL:
            # Waiting again, longest first as she was: the next officer takes her call.
            session.officer, session.status = None, VideoSession.Status.WAITING
            session.save(update_fields=["officer", "status"])
        log_append(session.incident, "video.officer_withdrawn",
                   {"session_id": session.pk, "officer_id": officer.pk,
                    "reason": "kept from the incident by an allegation"})
        alert_raise(kind=Alert.Kind.VIDEO_OFFICER_KEPT, for_role=Role.SUPERVISOR,
                    incident_id=session.incident_id, detail={"session_id": session.pk})
    live_event_send(LiveEvent.VIDEO_OFFICER_WITHDRAWN, group=session.group,
                    session_id=session.pk, officer_id=officer.pk)
    session_changed(session, LiveEvent.VIDEO_WAITING)
