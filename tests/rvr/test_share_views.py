"""The addresses of what she shares: her browser posts her location and files; the call's
officer sees them on the console; each file is served for display or as the original with the
headers that keep a staff browser safe; supervisors see them later on the incident's page."""

from __future__ import annotations

import hashlib
import json
import time

import pytest
from django.test import Client

from contact_hub.staff.models import AccessEvent
from rvr.models import VictimLocation, VictimUpload
from rvr.uploads import victim_upload_record
from tests.factories import assigned
from tests.rvr.conftest import log_kinds
from tests.rvr.share_files import PDF, phone_photo

pytestmark = pytest.mark.django_db


def _fix() -> str:
    return json.dumps({"latitude": 51.2745, "longitude": 0.5227, "accuracy": 18.5,
                       "timestamp": time.time() * 1000})


def test_her_browser_shares_her_location(sent, her_browser, her_call):
    _, token = sent

    response = her_browser.post(f"/v/{token}/location/", _fix(), content_type="application/json")

    assert response.status_code == 200 and response.json()["shared"] is True
    assert VictimLocation.objects.get().session == her_call
    assert "video.location_shared" in log_kinds(her_call.incident)


def test_her_browser_sends_a_photo_and_gets_its_hash_back(sent, her_browser, her_call):
    _, token = sent
    photo = phone_photo()

    # Whatever her browser calls it, the bytes decide.
    response = her_browser.post(f"/v/{token}/uploads/", photo, content_type="application/pdf")

    assert response.status_code == 200
    assert response.json()["sha256"] == hashlib.sha256(photo).hexdigest()
    assert VictimUpload.objects.get().content_type == "image/jpeg"


def test_the_officer_sees_what_she_shared_on_the_console(sent, her_browser, her_call, officer,
                                                         staff_client):
    _, token = sent
    her_browser.post(f"/v/{token}/location/", _fix(), content_type="application/json")
    upload = victim_upload_record(session_id=her_call.pk, content=phone_photo())

    page = staff_client(officer).get(f"/rvr/sessions/{her_call.pk}/shared/").content.decode()

    assert "51.27450, 0.52270" in page and "accurate to 19 m" in page  # 18.5, rounded
    assert upload.sha256 in page
    assert f'src="/rvr/uploads/{upload.pk}/"' in page
    assert f'href="/rvr/uploads/{upload.pk}/original/"' in page
    assert AccessEvent.objects.filter(actor=officer, what=f"shared in video call {her_call.pk}"
                                      ).exists()


def test_the_call_page_loads_the_shared_panel(her_call, officer, staff_client):
    page = staff_client(officer).get(f"/rvr/sessions/{her_call.pk}/call/").content.decode()

    assert f'data-url="/rvr/sessions/{her_call.pk}/shared/"' in page
    assert "rvr/call_shared" in page


def test_a_photo_is_shown_from_its_display_copy_with_safe_headers(her_call, officer, staff_client):
    upload = victim_upload_record(session_id=her_call.pk, content=phone_photo())

    response = staff_client(officer).get(f"/rvr/uploads/{upload.pk}/")

    assert response.status_code == 200 and response.content == bytes(upload.display)
    assert response["Content-Type"] == "image/jpeg"
    assert response["Content-Disposition"].startswith("inline;")
    assert response["X-Content-Type-Options"] == "nosniff"
    assert "sandbox" in response["Content-Security-Policy"]
    assert AccessEvent.objects.filter(actor=officer, what=f"victim upload {upload.pk}").exists()


def test_the_original_downloads_exactly_as_she_sent_it(her_call, officer, staff_client):
    photo = phone_photo()
    upload = victim_upload_record(session_id=her_call.pk, content=photo)

    response = staff_client(officer).get(f"/rvr/uploads/{upload.pk}/original/")

    assert response.status_code == 200 and response.content == photo
    assert response["Content-Disposition"] == (
        f'attachment; filename="upload-{upload.pk}-original.jpg"')
    assert response["X-Content-Type-Options"] == "nosniff"
    assert AccessEvent.objects.filter(
        actor=officer, what=f"victim upload {upload.pk} (original)").exists()


def test_a_pdf_downloads_and_is_never_shown(her_call, officer, staff_client):
    upload = victim_upload_record(session_id=her_call.pk, content=PDF)

    response = staff_client(officer).get(f"/rvr/uploads/{upload.pk}/")

    assert response.content == PDF and response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"].startswith("attachment;")


def test_a_supervisor_sees_what_she_shared_on_the_incident_page(her_call, supervisor,
                                                                staff_client):
    upload = victim_upload_record(session_id=her_call.pk, content=phone_photo())
    assigned(supervisor, her_call.incident.person, subject="shift", why="supervising the shift")

    page = staff_client(supervisor).get(
        f"/rvr/incidents/{her_call.incident.reference}/panel/").content.decode()

    assert "Shared by the victim" in page and upload.sha256 in page
    assert staff_client(supervisor).get(f"/rvr/uploads/{upload.pk}/").status_code == 200


def test_a_coordinator_does_not_see_her_files_on_the_incident_page(her_call, coordinator,
                                                                   staff_client):
    victim_upload_record(session_id=her_call.pk, content=phone_photo())

    page = staff_client(coordinator).get(
        f"/rvr/incidents/{her_call.incident.reference}/panel/").content.decode()

    assert "Shared by the victim" not in page


def test_only_the_victim_page_may_ask_for_her_location(sent, officer, staff_client):
    _, token = sent

    victim_page = Client().get(f"/v/{token}/")
    console = staff_client(officer).get("/rvr/")

    assert "geolocation=(self)" in victim_page["Permissions-Policy"]
    assert console["Permissions-Policy"] == "geolocation=()"
    assert "rvr/victim_share" in victim_page.content.decode()


def test_the_link_host_takes_her_shares_and_serves_their_script(sent, her_browser, her_call,
                                                                settings):
    _, token = sent
    settings.HUB_VICTIM_HOST = "meet.example.org"
    settings.ALLOWED_HOSTS = [*settings.ALLOWED_HOSTS, "meet.example.org"]
    her_browser.defaults["HTTP_HOST"] = "meet.example.org"

    shared = her_browser.post(f"/v/{token}/location/", _fix(), content_type="application/json")
    script = her_browser.get("/static/rvr/victim_share.js")

    assert shared.status_code == 200
    assert script.status_code == 200 and script["Cache-Control"] == "no-store"
    assert her_browser.get(f"/rvr/sessions/{her_call.pk}/shared/").status_code == 404
