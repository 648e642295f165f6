"""Photos and files the victim sends from the call (posted by rvr/share_views.py).

What she sends is typed from its bytes, never from its name or declared type (the hub's one
typing of stored files, contact_hub/conversations/stored_files.py), against an allowlist;
anything else, or anything over the size limit, is refused. The bytes she sent are kept
unchanged as evidence, their SHA-256 in the incident log in the same transaction; an image also
gets a display copy, decoded and re-encoded with Pillow, turned the way her phone held it and
carrying none of the original's metadata (EXIF, GPS, comments, profiles), so what staff
browsers show is only pixels the hub wrote. HEIC is not taken: Pillow cannot decode it without
a plug-in the hub does not have.

Decoding is the costly part (a small file can hold a large image), so before any decoding a
post must be to a call that is on, under the call's file limit and under her rate
(RVR_UPLOADS_PER_MINUTE); and a process decodes one image at a time, so a flood from many
calls queues behind one decode instead of taking every core.
"""

from __future__ import annotations

import hashlib
import io
import threading
import time
from collections import deque
from datetime import datetime

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from PIL import Image, ImageOps, UnidentifiedImageError

from contact_hub.conversations.stored_files import stored_file_type
from contact_hub.incidents.log import log_append
from contact_hub.live import LiveEvent
from contact_hub.staff.models import StaffUser
from contact_hub.staff.roles import MAY_SEE_ANY_CALLS_EVIDENCE
from rvr.live import session_tell
from rvr.models import VictimUpload, VideoSession
from rvr.shares import CALL_NOT_OPEN, ShareRefused, share_look_record, share_session_locked
from rvr.visibility import call_records_visible_to

# Type from the bytes -> the Pillow decoder allowed to read it (None: kept, not decoded).
UPLOAD_TYPES: dict[str, str | None] = {
    "image/jpeg": "JPEG", "image/png": "PNG", "image/webp": "WEBP", "application/pdf": None,
}
# Larger images are refused before they are decoded (a small file can claim huge dimensions).
# A phone's photo is at most 24.5 MP (5712 x 4284, the largest default of current phones; a
# 12 MP photo is 4032 x 3024); an RGB decode of this many pixels is about 75 MB.
MAX_PIXELS = 25_000_000
# One decode at a time per process; a post that cannot start within this is told to retry.
DECODE_WAIT_SECONDS = 20.0
_decoding = threading.BoundedSemaphore(1)
RATE_WINDOW_SECONDS = 60.0
# The display copy is for a screen; the original keeps every pixel.
DISPLAY_MAX_SIDE = 2048
DISPLAY_JPEG_QUALITY = 85
NOT_TAKEN = "That file can't be sent. You can send a photo (JPEG, PNG or WebP) or a PDF."
UNREADABLE = "That photo could not be opened, so it was not sent. Try another one."


def victim_upload_record(*, session_id: int, content: bytes,
                         now: datetime | None = None) -> VictimUpload:
    """Keep a photo or file she sent during the call, log its hash on the incident, and tell
    the officer's console (which re-fetches what she shared)."""
    if not content:
        raise ShareRefused("Nothing was sent. Choose a photo or file first.",
                           kind="video_upload_empty")
    if len(content) > settings.RVR_UPLOAD_MAX_BYTES:
        megabytes = settings.RVR_UPLOAD_MAX_BYTES // (1024 * 1024)
        raise ShareRefused(f"That file is too large to send (the limit is {megabytes} MB).",
                           kind="video_upload_too_large", status=413)
    if not VideoSession.objects.filter(pk=session_id,
                                       status=VideoSession.Status.IN_CALL).exists():
        # Before any decoding: a call that is over costs nothing to send files at.
        raise ShareRefused(CALL_NOT_OPEN, kind="video_share_session_closed", status=403)
    _call_limit_check(session_id)  # again under the lock below; here so a full call costs nothing
    upload_rate_check(session_id)
    content_type = stored_file_type(content)
    if content_type not in UPLOAD_TYPES:
        raise ShareRefused(NOT_TAKEN, kind="video_upload_type_refused", status=415)
    decoder = UPLOAD_TYPES[content_type]
    display, display_type = (_display_copy_queued(content, decoder) if decoder else (None, ""))
    now = now or timezone.now()
    with transaction.atomic():
        session = share_session_locked(session_id, (VideoSession.Status.IN_CALL,))
        _call_limit_check(session.pk)
        upload = VictimUpload.objects.create(
            session=session, incident=session.incident, original=content,
            content_type=content_type, sha256=hashlib.sha256(content).hexdigest(),
            size=len(content), display=display, display_type=display_type,
            display_sha256=hashlib.sha256(display).hexdigest() if display else "",
            received_at=now)
        log_append(session.incident, "evidence.victim_upload", {
            "session_id": session.pk, "upload_id": upload.pk, "sha256": upload.sha256,
            "bytes": upload.size, "content_type": content_type,
            "display_sha256": upload.display_sha256})
        session_tell(session, LiveEvent.VIDEO_SHARED)
    return upload


def _call_limit_check(session_id: int) -> None:
    if VictimUpload.objects.filter(session_id=session_id).count() >= settings.RVR_UPLOADS_PER_CALL:
        raise ShareRefused("No more files can be sent in this call.",
                           kind="video_upload_limit", status=429)


class UploadRate:
    """Her posts to one call in the last minute, in this process: each counts, taken or
    refused after this check (a file that fails to decode costs as much as one that does)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._posts: dict[int, deque[float]] = {}

    def admit(self, session_id: int, *, limit: int, now: float | None = None) -> bool:
        now = time.monotonic() if now is None else now
        with self._lock:
            self._forget_before(now - RATE_WINDOW_SECONDS)
            posts = self._posts.setdefault(session_id, deque())
            if len(posts) >= limit:
                return False
            posts.append(now)
            return True

    def _forget_before(self, oldest: float) -> None:
        for session_id in list(self._posts):
            posts = self._posts[session_id]
            while posts and posts[0] < oldest:
                posts.popleft()
            if not posts:
                del self._posts[session_id]

    def clear(self) -> None:
        with self._lock:
            self._posts.clear()


upload_rate = UploadRate()


def upload_rate_check(session_id: int) -> None:
    """Refused while she has posted RVR_UPLOADS_PER_MINUTE files to this call in the last
    minute (per process: the web server runs a fixed few, each decoding one at a time)."""
    if not upload_rate.admit(session_id, limit=settings.RVR_UPLOADS_PER_MINUTE):
        raise ShareRefused("Too many files were sent just now. Wait a minute, then try again.",
                           kind="video_upload_rate", status=429)


def _display_copy_queued(content: bytes, decoder: str) -> tuple[bytes, str]:
    if not _decoding.acquire(timeout=DECODE_WAIT_SECONDS):
        raise ShareRefused("The photo could not be taken just now. Try again in a minute.",
                           kind="video_upload_busy", status=503)
    try:
        return display_copy(content, decoder)
    finally:
        _decoding.release()


def display_copy(content: bytes, decoder: str) -> tuple[bytes, str]:
    """The image re-encoded from its pixels alone, the right way up: a JPEG, or a PNG for a
    PNG (which may be a screenshot with transparency). Refused if it does not decode."""
    try:
        with Image.open(io.BytesIO(content), formats=[decoder]) as image:
            width, height = image.size
            if width * height > MAX_PIXELS:
                raise _TooManyPixels
            # A JPEG can be decoded straight at a fraction of its size: the display copy is
            # no larger than DISPLAY_MAX_SIDE, so this saves most of the work.
            image.draft(None, (DISPLAY_MAX_SIDE, DISPLAY_MAX_SIDE))
            image.load()
            return _reencoded(ImageOps.exif_transpose(image), as_png=decoder == "PNG")
    except _TooManyPixels as error:
        raise ShareRefused("That photo is too large to send.", kind="video_upload_too_large",
                           status=413) from error
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError,
            Image.DecompressionBombError) as error:
        raise ShareRefused(UNREADABLE, kind="video_upload_corrupt") from error


class _TooManyPixels(Exception):
    pass


def _reencoded(image: Image.Image, *, as_png: bool) -> tuple[bytes, str]:
    image.thumbnail((DISPLAY_MAX_SIDE, DISPLAY_MAX_SIDE))
    mode = "RGBA" if as_png and image.mode in ("RGBA", "LA", "P", "PA") else "RGB"
    pixels = image.convert(mode)
    # A new image holds nothing but the pixels: no EXIF, GPS, text chunks or ICC profile.
    clean = Image.frombytes(mode, pixels.size, pixels.tobytes())
    out = io.BytesIO()
    if as_png:
        clean.save(out, format="PNG", optimize=True)
        return out.getvalue(), "image/png"
    clean.save(out, format="JPEG", quality=DISPLAY_JPEG_QUALITY)
    return out.getvalue(), "image/jpeg"


def victim_upload_read(*, upload_id: int, actor: StaffUser, original: bool = False
                       ) -> VictimUpload | None:
    """A photo or file she sent, with its bytes, or None if there is none with that id. An
    RVR officer sees only what was sent in their own calls; supervisors and professional
    standards any, with a reason (ReasonNeeded). The look is in the access log."""
    with transaction.atomic():
        upload = (call_records_visible_to(VictimUpload.objects.all(), actor)
                  .select_related("session", "incident").filter(pk=upload_id).first())
        if upload is None:
            return None
        if (not actor.has_role(*MAY_SEE_ANY_CALLS_EVIDENCE)
                and upload.session.officer_id != actor.pk):
            raise ShareRefused("This was sent in another officer's call.",
                               kind="video_upload_not_officer", status=403)
        what = f"victim upload {upload.pk}" + (" (original)" if original else "")
        share_look_record(actor=actor, person_id=upload.incident.person_id, what=what)
        return upload
