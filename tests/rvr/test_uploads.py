"""Photos and files from the victim: typed from their bytes against the allowlist, the original
kept with its SHA-256 in the incident log, an image's display copy re-encoded the right way up
with no metadata, and read by the call's officer or the roles that see any call's evidence,
every read in the access log."""

from __future__ import annotations

import hashlib
import io

import pytest
from PIL import Image

from contact_hub.incidents.models import LogEntry
from contact_hub.staff.models import AccessEvent
from rvr.models import VictimUpload
from rvr.shares import ShareRefused, victim_shared_read
from rvr.uploads import (
    RATE_WINDOW_SECONDS,
    UploadRate,
    victim_upload_read,
    victim_upload_record,
)
from tests.rvr.share_files import (
    PDF,
    PHOTO_SIZE,
    exif_of,
    phone_photo,
    screenshot_png,
    webp_photo,
)

pytestmark = pytest.mark.django_db


def test_a_photo_is_kept_as_sent_with_its_hash_in_the_incident_log(her_call):
    photo = phone_photo()

    upload = victim_upload_record(session_id=her_call.pk, content=photo)

    stored = VictimUpload.objects.get()
    assert bytes(stored.original) == photo and stored.content_type == "image/jpeg"
    assert stored.sha256 == hashlib.sha256(photo).hexdigest() == upload.sha256
    entry = LogEntry.objects.get(incident=her_call.incident, kind="evidence.victim_upload")
    assert entry.data["sha256"] == upload.sha256 and entry.data["bytes"] == len(photo)
    assert entry.data["display_sha256"] == hashlib.sha256(bytes(stored.display)).hexdigest()


def test_the_display_copy_is_turned_upright_and_carries_no_metadata(her_call):
    upload = victim_upload_record(session_id=her_call.pk, content=phone_photo())

    display = bytes(upload.display)
    image = Image.open(io.BytesIO(display))
    assert upload.display_type == "image/jpeg" and image.format == "JPEG"
    assert image.size == PHOTO_SIZE[::-1]  # orientation 6 applied: held on its side
    assert len(exif_of(display)) == 0 and "comment" not in image.info
    assert b"PhoneCo" not in display and b"taken at home" not in display


def test_a_screenshot_stays_a_png_and_a_webp_photo_is_shown_as_a_jpeg(her_call):
    png = victim_upload_record(session_id=her_call.pk, content=screenshot_png())
    webp = victim_upload_record(session_id=her_call.pk, content=webp_photo())

    assert (png.content_type, png.display_type) == ("image/png", "image/png")
    assert Image.open(io.BytesIO(bytes(png.display))).mode == "RGBA"
    assert (webp.content_type, webp.display_type) == ("image/webp", "image/jpeg")


def test_a_pdf_is_kept_and_has_no_display_copy(her_call):
    upload = victim_upload_record(session_id=her_call.pk, content=PDF)

    assert upload.content_type == "application/pdf"
    assert upload.display is None and not upload.is_image


def test_the_calls_officer_reads_what_she_sent_and_the_look_is_logged(her_call, officer):
    sent = victim_upload_record(session_id=her_call.pk, content=phone_photo())

    read = victim_upload_read(upload_id=sent.pk, actor=officer)

    assert read == sent
    look = AccessEvent.objects.get(actor=officer, what=f"victim upload {sent.pk}")
    assert look.person_id == her_call.incident.person_id and not look.flagged


def test_an_unknown_upload_reads_as_none(officer):
    assert victim_upload_read(upload_id=999, actor=officer) is None


def test_what_she_shared_is_read_for_the_console_without_the_bytes(her_call, officer):
    victim_upload_record(session_id=her_call.pk, content=PDF)

    shared = victim_shared_read(actor=officer, session=her_call)

    assert [u.content_type for u in shared.uploads] == ["application/pdf"]
    assert AccessEvent.objects.filter(actor=officer, what=f"shared in video call {her_call.pk}"
                                      ).exists()


def test_nothing_shared_is_no_look(her_call, officer):
    shared = victim_shared_read(actor=officer, session=her_call)

    assert not shared
    assert not AccessEvent.objects.filter(what__startswith="shared").exists()


def test_a_call_takes_only_so_many_files(her_call, settings):
    settings.RVR_UPLOADS_PER_CALL = 1
    victim_upload_record(session_id=her_call.pk, content=PDF)

    with pytest.raises(ShareRefused) as refusal:
        victim_upload_record(session_id=her_call.pk, content=PDF)

    assert refusal.value.kind == "video_upload_limit"
    assert VictimUpload.objects.count() == 1


def test_the_largest_phone_photo_is_taken(her_call):
    out = io.BytesIO()
    Image.new("1", (5712, 4284)).save(out, "PNG")  # a 24 MP phone's default size

    upload = victim_upload_record(session_id=her_call.pk, content=out.getvalue())

    with Image.open(io.BytesIO(bytes(upload.display))) as display:
        assert max(display.size) == 2048


def test_the_rate_admits_so_many_posts_a_minute_per_call():
    rate = UploadRate()

    admitted = [rate.admit(1, limit=2, now=100.0 + i) for i in range(3)]

    assert admitted == [True, True, False]
    assert rate.admit(2, limit=2, now=103.0)  # another call has its own
    assert rate.admit(1, limit=2, now=100.0 + RATE_WINDOW_SECONDS + 0.5)  # the first has aged
