"""The abuser, the forger and the insider against what a victim shares from her call.

Only the browser that joined her link may post her location or a file, only while the call is
open; a file is typed from its bytes against the allowlist, whatever its name or declared type,
is refused over the size limit or when it does not decode, and reaches a staff browser only as
a re-encoded image with no location in it or as a sandboxed, unsniffable download. An officer
of another call cannot read it. Every refusal is a clear status and a security event that holds
no coordinate, file or token, and nothing is stored."""

from __future__ import annotations

import io
import json
import logging
import time

import pytest
from django.test import Client
from PIL import Image

from contact_hub.request_limits import body_limit_for
from contact_hub.staff.models import AccessEvent, Role, SecurityEvent
from rvr.calls import video_call_end
from rvr.models import VictimLocation, VictimUpload
from rvr.uploads import victim_upload_record
from tests.factories import StaffFactory
from tests.rvr.conftest import log_kinds
from tests.rvr.share_calls import waiting
from tests.rvr.share_files import (
    HTML,
    exif_of,
    fake_jpeg,
    phone_photo,
    polyglot_png,
    truncated_jpeg,
)

pytestmark = pytest.mark.django_db
FIX = {"latitude": 51.2745, "longitude": 0.5227, "accuracy": 18.5}
HEIC = b"\x00\x00\x00\x18ftypheic\x00\x00\x00\x00mif1heic" + b"\x00" * 64
GIF = b"GIF89a\x01\x00\x01\x00\x00\x00\x00;"
EXE = b"MZ\x90\x00" + b"\x00" * 64


def _fix(**changes: object) -> str:
    return json.dumps(FIX | {"timestamp": time.time() * 1000} | changes)


def _event(kind: str) -> SecurityEvent:
    event = SecurityEvent.objects.get()
    assert event.kind == kind
    text = json.dumps(event.detail) + event.path
    assert "51.27" not in text and "0.52" not in text
    return event


def _nothing_shared() -> None:
    assert not VictimLocation.objects.exists() and not VictimUpload.objects.exists()


# Her browser alone.

@pytest.mark.parametrize("cookie", [None, "a-guessed-secret"])
def test_a_location_from_another_browser_is_refused(sent, her_call, cookie):
    _, token = sent
    other = Client()
    if cookie:
        other.cookies["hub_video"] = cookie

    response = other.post(f"/v/{token}/location/", _fix(), content_type="application/json")

    assert response.status_code == 403
    _event("video_share_wrong_browser")
    assert token not in SecurityEvent.objects.get().path
    _nothing_shared()


def test_a_file_from_another_browser_is_refused(sent, her_call):
    _, token = sent

    response = Client().post(f"/v/{token}/uploads/", phone_photo(),
                             content_type="image/jpeg")

    assert response.status_code == 403
    _event("video_share_wrong_browser")
    _nothing_shared()


def test_an_unknown_link_is_refused_as_another_browser_is(her_browser):
    response = her_browser.post("/v/" + "A" * 43 + "/location/", _fix(),
                           content_type="application/json")

    assert response.status_code == 403
    _event("video_share_wrong_browser")


def test_a_post_from_another_site_is_refused(sent, her_browser, her_call):
    _, token = sent

    response = her_browser.post(f"/v/{token}/uploads/", phone_photo(), content_type="image/jpeg",
                           HTTP_SEC_FETCH_SITE="cross-site")

    assert response.status_code == 403
    _event("cross_origin_post")
    _nothing_shared()


def test_nothing_is_taken_after_the_call_ended(sent, her_browser, her_call):
    _, token = sent
    video_call_end(session_id=her_call.pk, by="victim")
    before = log_kinds(her_call.incident)

    location = her_browser.post(f"/v/{token}/location/", _fix(), content_type="application/json")
    upload = her_browser.post(f"/v/{token}/uploads/", phone_photo(), content_type="image/jpeg")

    assert location.status_code == upload.status_code == 403
    assert location.json()["refusal"] == "The call is not open now, so nothing was sent."
    event = _event("video_share_session_closed")
    assert event.count == 2
    _nothing_shared()
    assert log_kinds(her_call.incident) == before


def test_a_file_is_not_taken_in_the_waiting_room(sent, her_browser):
    session, token = sent
    waiting(session)

    response = her_browser.post(f"/v/{token}/uploads/", phone_photo(), content_type="image/jpeg")

    assert response.status_code == 403
    _event("video_share_session_closed")


# Her location must be one.

@pytest.mark.parametrize(("body", "kind"), [
    (_fix(latitude=123.0), "video_location_out_of_range"),
    (_fix(accuracy=-5), "video_location_out_of_range"),
    (_fix(timestamp=0), "video_location_bad_time"),
    (json.dumps(FIX), "video_location_malformed"),
    ("<script>", "video_location_malformed"),
])
def test_a_position_that_is_not_sane_is_refused(sent, her_browser, her_call, body, kind, caplog):
    _, token = sent

    with caplog.at_level(logging.DEBUG):
        response = her_browser.post(f"/v/{token}/location/", body, content_type="application/json")

    assert response.status_code == 400
    assert response.json()["refusal"] == "Your location could not be read, so nothing was sent."
    _event(kind)
    _nothing_shared()
    assert "51.27" not in caplog.text and "0.52" not in caplog.text


def test_a_shared_location_goes_into_no_log_line(sent, her_browser, her_call, caplog):
    _, token = sent

    with caplog.at_level(logging.DEBUG):
        response = her_browser.post(f"/v/{token}/location/", _fix(),
                               content_type="application/json")

    assert response.status_code == 200
    assert "51.27" not in caplog.text and "0.52" not in caplog.text


# Files: the bytes decide.

def test_an_oversized_file_is_refused(sent, her_browser, her_call, settings):
    _, token = sent
    settings.RVR_UPLOAD_MAX_BYTES = 1024

    response = her_browser.post(f"/v/{token}/uploads/", b"%PDF-" + b"0" * 2000,
                           content_type="application/pdf")

    assert response.status_code == 413
    _event("video_upload_too_large")
    _nothing_shared()


def test_the_request_limit_lets_through_no_more_than_the_upload_limit(settings):
    assert body_limit_for("/v/" + "A" * 43 + "/uploads/") == max(
        settings.RVR_UPLOAD_MAX_BYTES, settings.HUB_REQUEST_MAX_BYTES)
    assert body_limit_for("/v/" + "A" * 43 + "/location/") == settings.HUB_REQUEST_MAX_BYTES


def test_an_image_claiming_huge_dimensions_is_refused_before_it_is_decoded(sent, her_browser,
                                                                           her_call):
    _, token = sent
    out = io.BytesIO()
    Image.new("1", (8000, 7000)).save(out, "PNG")  # 56 million pixels in a few kilobytes

    response = her_browser.post(f"/v/{token}/uploads/", out.getvalue(), content_type="image/png")

    assert response.status_code == 413
    _event("video_upload_too_large")
    _nothing_shared()


@pytest.mark.parametrize(("content", "declared"), [
    (HTML, "image/jpeg"),  # a page named photo.jpg
    (EXE, "image/png"),
    (b"<svg xmlns='http://www.w3.org/2000/svg'><script>alert(1)</script></svg>",
     "image/svg+xml"),
    (GIF, "image/gif"),  # an image, but not one the allowlist takes
    (HEIC, "image/heic"),  # Pillow cannot decode it here
])
def test_a_file_that_is_not_on_the_allowlist_is_refused_whatever_it_says(
        sent, her_browser, her_call, content, declared):
    _, token = sent

    response = her_browser.post(f"/v/{token}/uploads/", content, content_type=declared)

    assert response.status_code == 415
    assert "JPEG, PNG or WebP" in response.json()["refusal"]
    _event("video_upload_type_refused")
    _nothing_shared()


@pytest.mark.parametrize("content", [fake_jpeg(), truncated_jpeg()])
def test_an_image_that_does_not_decode_is_refused(sent, her_browser, her_call, content):
    _, token = sent

    response = her_browser.post(f"/v/{token}/uploads/", content, content_type="image/jpeg")

    assert response.status_code == 400
    _event("video_upload_corrupt")
    _nothing_shared()


def test_an_empty_post_is_refused(sent, her_browser, her_call):
    _, token = sent

    response = her_browser.post(f"/v/{token}/uploads/", b"", content_type="image/jpeg")

    assert response.status_code == 400
    _event("video_upload_empty")


def test_a_polyglot_reaches_staff_only_as_fresh_pixels_or_a_sandboxed_download(
        her_call, officer, staff_client):
    upload = victim_upload_record(session_id=her_call.pk, content=polyglot_png())
    client = staff_client(officer)

    shown = client.get(f"/rvr/uploads/{upload.pk}/")
    original = client.get(f"/rvr/uploads/{upload.pk}/original/")

    assert b"<script>" not in shown.content and shown["Content-Type"] == "image/png"
    assert b"<script>" in original.content  # the evidence is kept as she sent it
    for response in (shown, original):
        assert response["X-Content-Type-Options"] == "nosniff"
        assert response["Content-Security-Policy"].startswith("sandbox")
    assert original["Content-Disposition"].startswith("attachment;")


def test_the_display_copy_holds_no_gps_position(her_call, officer, staff_client):
    photo = phone_photo()
    assert exif_of(photo).get_ifd(0x8825)  # her phone wrote where she was
    upload = victim_upload_record(session_id=her_call.pk, content=photo)

    shown = staff_client(officer).get(f"/rvr/uploads/{upload.pk}/").content

    assert len(exif_of(shown)) == 0 and not exif_of(shown).get_ifd(0x8825)
    assert b"Exif" not in shown and b"PhoneCo" not in shown


# The insider.

def test_an_officer_of_another_call_cannot_read_her_files(her_call, staff_client):
    upload = victim_upload_record(session_id=her_call.pk, content=phone_photo())
    other = StaffFactory(username="otto", role=Role.RVR_OFFICER)
    client = staff_client(other)

    shown = client.get(f"/rvr/uploads/{upload.pk}/")
    original = client.get(f"/rvr/uploads/{upload.pk}/original/")

    assert shown.status_code == original.status_code == 403
    assert b"another officer" in shown.content
    assert _event("video_upload_not_officer").count == 2
    assert not AccessEvent.objects.filter(actor=other).exists()


def test_an_officer_of_another_call_cannot_see_what_she_shared(her_call, staff_client):
    victim_upload_record(session_id=her_call.pk, content=phone_photo())
    other = StaffFactory(username="otto", role=Role.RVR_OFFICER)

    response = staff_client(other).get(f"/rvr/sessions/{her_call.pk}/shared/")

    assert response.status_code == 403
    _event("video_officer_not_assigned")


def test_a_coordinator_cannot_open_her_files(her_call, coordinator, staff_client):
    upload = victim_upload_record(session_id=her_call.pk, content=phone_photo())

    response = staff_client(coordinator).get(f"/rvr/uploads/{upload.pk}/")

    assert response.status_code == 403
    assert not AccessEvent.objects.filter(actor=coordinator,
                                          what__startswith="victim upload").exists()


def test_professional_standards_with_no_reason_are_asked_why_first(her_call, standards,
                                                                   staff_client):
    upload = victim_upload_record(session_id=her_call.pk, content=phone_photo())

    response = staff_client(standards).get(f"/rvr/uploads/{upload.pk}/original/")

    assert response.status_code == 403
    assert b"reason" in response.content and bytes(upload.original) not in response.content
    assert not AccessEvent.objects.filter(actor=standards,
                                          what__startswith="victim upload").exists()


# Her coordinates are not in the incident log, which everyone who may open the incident reads.

def test_a_coordinator_opening_the_incident_sees_no_coordinates(sent, her_browser, her_call,
                                                                coordinator, staff_client):
    _, token = sent
    fix = _fix(latitude=51.501234, longitude=-0.141987)
    assert her_browser.post(f"/v/{token}/location/", fix,
                            content_type="application/json").status_code == 200

    page = staff_client(coordinator).get(f"/incidents/{her_call.incident.reference}/")

    assert page.status_code == 200
    body = page.content.decode()
    assert "location" in body.lower()  # the entry is there...
    assert "51.50" not in body and "0.14" not in body  # ...without where she is
    entry = her_call.incident.log.get(kind="video.location_shared")
    assert "latitude" not in entry.data and "longitude" not in entry.data
    assert "51.50" not in json.dumps(entry.data)


# A number that is not one.

@pytest.mark.parametrize("body", [
    _fix().replace('"latitude": 51.2745', '"latitude": ' + "1" * 400),
    _fix().replace('"accuracy": 18.5', '"accuracy": ' + "9" * 500),
    '{"latitude": Infinity, "longitude": 0, "accuracy": 5, "timestamp": 1}',
    "[" * 1000,
])
def test_a_position_with_a_huge_or_endless_number_is_refused_not_an_error(
        sent, her_browser, her_call, body):
    _, token = sent
    her_browser.raise_request_exception = False

    response = her_browser.post(f"/v/{token}/location/", body, content_type="application/json")

    assert response.status_code == 400
    _event("video_location_malformed")
    _nothing_shared()


# What a flood of files costs the hub.

def _png(size: tuple[int, int] = (64, 64), mode: str = "RGB") -> bytes:
    out = io.BytesIO()
    Image.new(mode, size).save(out, "PNG")
    return out.getvalue()


@pytest.fixture
def decodes(monkeypatch) -> list[int]:
    """Counts each image the hub decodes."""
    import rvr.uploads

    counted: list[int] = []
    real = rvr.uploads.display_copy

    def counting(content: bytes, decoder: str) -> tuple[bytes, str]:
        counted.append(1)
        return real(content, decoder)

    monkeypatch.setattr(rvr.uploads, "display_copy", counting)
    return counted


def test_a_call_that_is_full_decodes_nothing_more(sent, her_browser, her_call, settings,
                                                  decodes):
    _, token = sent
    settings.RVR_UPLOADS_PER_CALL = 1
    assert her_browser.post(f"/v/{token}/uploads/", _png(),
                            content_type="image/png").status_code == 200

    refused = [her_browser.post(f"/v/{token}/uploads/", _png(), content_type="image/png")
               for _ in range(3)]

    assert [r.status_code for r in refused] == [429] * 3
    assert len(decodes) == 1
    assert sum(SecurityEvent.objects.filter(kind="video_upload_limit")
               .values_list("count", flat=True)) == 3
    assert VictimUpload.objects.count() == 1


def test_posting_faster_than_the_rate_is_refused_before_decoding(sent, her_browser, her_call,
                                                                 settings, decodes):
    _, token = sent
    settings.RVR_UPLOADS_PER_MINUTE = 2
    # Files that fail to decode cost the decode all the same, so they count too.
    corrupt = [her_browser.post(f"/v/{token}/uploads/", truncated_jpeg(),
                                content_type="image/jpeg") for _ in range(2)]

    refused = her_browser.post(f"/v/{token}/uploads/", _png(), content_type="image/png")

    assert [r.status_code for r in corrupt] == [400, 400]
    assert refused.status_code == 429
    assert "Wait a minute" in refused.json()["refusal"]
    assert len(decodes) == 2
    assert SecurityEvent.objects.filter(kind="video_upload_rate").count() == 1
    _nothing_shared()


def test_an_image_larger_than_a_phone_photo_is_refused_before_it_is_decoded(
        sent, her_browser, her_call):
    _, token = sent

    response = her_browser.post(f"/v/{token}/uploads/", _png((7000, 7000), "1"),
                                content_type="image/png")

    assert response.status_code == 413
    _event("video_upload_too_large")
    _nothing_shared()


def test_while_another_image_is_being_decoded_a_post_is_told_to_retry(
        sent, her_browser, her_call, monkeypatch):
    import rvr.uploads

    _, token = sent
    monkeypatch.setattr(rvr.uploads, "DECODE_WAIT_SECONDS", 0.01)
    assert rvr.uploads._decoding.acquire(timeout=5)  # another post's decode, in this process
    try:
        response = her_browser.post(f"/v/{token}/uploads/", _png(), content_type="image/png")
    finally:
        rvr.uploads._decoding.release()

    assert response.status_code == 503
    assert "Try again" in response.json()["refusal"]
    _event("video_upload_busy")
    _nothing_shared()
