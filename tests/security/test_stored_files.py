"""A file the forger sent cannot run as script in a staff browser (threat 2): the type comes
from the stored bytes, only raster images show inline, and every stored file is served
sandboxed, unsniffable, uncached and same-origin only."""

from __future__ import annotations

import hashlib

import pytest
from django.utils import timezone

from contact_hub.conversations.models import Message
from contact_hub.staff.models import AccessEvent, Assignment
from rvr.eligibility import rvr_check_record, rvr_consent_record
from rvr.models import EvidenceStill, VideoSession
from tests.factories import assigned, received_message
from tests.rvr.conftest import ALL_YES, da_incident

pytestmark = pytest.mark.django_db
SVG = b'<svg xmlns="http://www.w3.org/2000/svg" onload="alert(document.cookie)"/>'
HTML = b"<!doctype html><script>fetch('/people/')</script>"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64
PDF = b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n"


@pytest.fixture
def attachment_url(settings, tmp_path):
    """Store bytes as an attachment the sender declared to be `declared`; its staff URL."""
    settings.MEDIA_ROOT = tmp_path

    def stored(content: bytes, declared: str) -> str:
        digest = hashlib.sha256(content).hexdigest()
        (tmp_path / digest).write_bytes(content)
        message = received_message()
        Message.objects.filter(pk=message.pk).update(media=[{
            "url": "https://api.twilio.com/x", "content_type": declared, "status": "stored",
            "sha256": digest, "size": len(content)}])
        return f"/contacts/messages/{message.pk}/media/0/"

    return stored


@pytest.fixture
def still_url(coordinator, officer):
    """Keep bytes as an evidence still recorded as `declared`; its staff URL."""
    incident = da_incident(coordinator)
    checked = rvr_check_record(incident=incident, answers=ALL_YES, actor=coordinator)
    assessment = rvr_consent_record(assessment=checked, consent=True, actor=coordinator,
                                    wait_told=True)
    now = timezone.now()
    session = VideoSession.objects.create(
        incident=incident, assessment=assessment, token_hash="0" * 64, expires_at=now,
        channel="sms", sent_by=coordinator, officer=officer, link_sent_at=now)
    # The officer took the call: their reason to look at what it captured.
    assigned(officer, incident.person, kind=Assignment.Kind.VIDEO, subject=f"video:{session.pk}",
             why="taking the video call")

    def kept(image: bytes, declared: str) -> str:
        still = EvidenceStill.objects.create(
            session=session, incident=incident, image=image, content_type=declared,
            sha256=hashlib.sha256(image).hexdigest(), size=len(image), captured_by=officer,
            captured_at=now)
        return f"/rvr/stills/{still.pk}/"

    return kept


def assert_stored_file_headers(response) -> None:
    assert response.status_code == 200
    assert response["Content-Security-Policy"] == "sandbox; default-src 'none'"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert "no-store" in response["Cache-Control"]
    assert response["Cross-Origin-Resource-Policy"] == "same-origin"


def test_an_svg_declared_as_svg_downloads_as_opaque_bytes(attachment_url, coordinator,
                                                          staff_client):
    response = staff_client(coordinator).get(attachment_url(SVG, "image/svg+xml"))

    assert_stored_file_headers(response)
    assert response["Content-Type"] == "application/octet-stream"
    assert response["Content-Disposition"] == 'attachment; filename="attachment-1.bin"'
    assert response.content == SVG


def test_html_declared_as_a_png_downloads(attachment_url, coordinator, staff_client):
    response = staff_client(coordinator).get(attachment_url(HTML, "image/png"))

    assert_stored_file_headers(response)
    assert response["Content-Type"] == "application/octet-stream"
    assert response["Content-Disposition"].startswith("attachment;")


def test_a_real_png_declared_as_html_is_shown_inline_as_a_png(attachment_url, coordinator,
                                                              staff_client):
    response = staff_client(coordinator).get(attachment_url(PNG, "text/html"))

    assert_stored_file_headers(response)
    assert response["Content-Type"] == "image/png"
    assert response["Content-Disposition"] == 'inline; filename="attachment-1.png"'


def test_a_pdf_downloads_as_a_pdf(attachment_url, coordinator, staff_client):
    response = staff_client(coordinator).get(attachment_url(PDF, "application/pdf"))

    assert_stored_file_headers(response)
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"] == 'attachment; filename="attachment-1.pdf"'


@pytest.mark.parametrize("content, content_type", [
    (b"\xff\xd8\xff\xe0" + b"\x00" * 32, "image/jpeg"),
    (b"GIF87a" + b"\x00" * 32, "image/gif"),
    (b"GIF89a" + b"\x00" * 32, "image/gif"),
    (b"RIFF\x24\x00\x00\x00WEBPVP8 " + b"\x00" * 32, "image/webp"),
])
def test_raster_images_are_shown_inline_by_what_their_bytes_are(attachment_url, coordinator,
                                                                staff_client, content,
                                                                content_type):
    response = staff_client(coordinator).get(attachment_url(content, "application/x-anything"))

    assert_stored_file_headers(response)
    assert response["Content-Type"] == content_type
    assert response["Content-Disposition"].startswith("inline;")


def test_looking_at_an_attachment_is_still_logged(attachment_url, coordinator, staff_client):
    staff_client(coordinator).get(attachment_url(SVG, "image/svg+xml"))

    assert AccessEvent.objects.filter(actor=coordinator, what="message attachment").exists()


def test_an_evidence_still_is_served_with_the_stored_file_headers(still_url, officer,
                                                                  staff_client):
    response = staff_client(officer).get(still_url(PNG, "image/png"))

    assert_stored_file_headers(response)
    assert response["Content-Type"] == "image/png"
    assert response["Content-Disposition"].startswith("inline;")
    assert AccessEvent.objects.filter(actor=officer, what__startswith="evidence still").exists()


def test_an_evidence_still_that_is_not_an_image_downloads(still_url, officer, staff_client):
    response = staff_client(officer).get(still_url(SVG, "image/svg+xml"))

    assert_stored_file_headers(response)
    assert response["Content-Type"] == "application/octet-stream"
    assert response["Content-Disposition"].startswith("attachment;")
