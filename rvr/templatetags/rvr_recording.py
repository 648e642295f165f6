"""The recording panel on the officer's call page (rvr/recording.py, recording.js)."""

from __future__ import annotations

import json
from typing import Any

from django import template
from django.db.models import Max
from django.urls import reverse

from rvr.models import CallRecording, RecordingChunk, VideoSession
from rvr.recording import TRACKS, recording_policy, recording_stopped

register = template.Library()


@register.inclusion_tag("rvr/_recording_call.html")
def recording_panel(session: VideoSession) -> dict[str, Any]:
    policy = recording_policy()
    recording = CallRecording.objects.filter(session=session).first()
    # A console opened again mid-call carries each side on from its next chunk.
    last = dict(RecordingChunk.objects.filter(recording=recording).values("track")
                .annotate(last=Max("seq")).values_list("track", "last")) if recording else {}
    config = {
        "allowed": policy["allowed"], "chunk_seconds": policy["chunk_seconds"],
        "consent": recording.consent if recording else None,
        "upload": reverse("rvr:recording_chunk", args=[session.pk]),
        "stop": reverse("rvr:recording_stop", args=[session.pk]),
        # Stopped before the call ended: a console opened again does not start again.
        "stopped": recording_stopped(session_id=session.pk) if recording else False,
        "next_seq": {track: last.get(track, -1) + 1 for track in TRACKS},
    }
    return {"allowed": policy["allowed"], "recording": recording, "session": session,
            "recording_config": json.dumps(config)}
