"""Video calls as staff contact with victims, for supervisors' dip samples: registered with
conversations.conduct from RvrConfig.ready()."""

from __future__ import annotations

from datetime import datetime

from django.urls import reverse

from contact_hub.conversations.conduct import ContactSource, StaffContact
from rvr.models import VideoSession


def video_calls_taken(since: datetime, until: datetime, excluding_staff_id: int
                      ) -> list[StaffContact]:
    """The video calls officers took (connected to) in the period."""
    rows = (VideoSession.objects
            .filter(officer__isnull=False, officer_connected_at__gte=since,
                    officer_connected_at__lt=until, incident__person__isnull=False)
            .exclude(officer_id=excluding_staff_id)
            .values_list("pk", "officer_id", "incident__person_id", "officer_connected_at"))
    return [StaffContact("video", pk, officer_id, person_id, at)
            for pk, officer_id, person_id, at in rows
            if officer_id is not None and person_id is not None and at is not None]


def video_call_page(session_id: int, person_id: int) -> str:
    """The incident the call was for: its page shows the call, its chat and its outcome."""
    reference = (VideoSession.objects.filter(pk=session_id)
                 .values_list("incident__reference", flat=True).first())
    if reference is None:
        return reverse("people:detail", args=[person_id])
    return reverse("incidents:detail", args=[reference])


VIDEO_CALLS = ContactSource(kind="video", label="Video call", contacts=video_calls_taken,
                            link=video_call_page)
