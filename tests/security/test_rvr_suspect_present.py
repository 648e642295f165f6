""""He's back" from the adversaries' side: only the victim's own bound browser can send the
signal (not an officer, not another browser, not a malformed message), the key word is set only
by a coordinator with a reason and is never readable back, and nothing on her phone's page says
what the discreet control means."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from asgiref.sync import sync_to_async
from django.conf import settings as django_settings
from django.contrib.staticfiles import finders
from django.test import Client
from django.utils import timezone

from contact_hub.incidents.models import Alert
from contact_hub.staff.models import Role, SecurityEvent
from rvr import suspect_present_views
from rvr.calls import video_check_record, video_session_accept
from rvr.connection_check import CheckResult
from rvr.links import video_session_join
from rvr.models import RvrAssessment, VideoSession
from rvr.suspect_present import key_word_heard, key_word_set
from tests.factories import StaffFactory
from tests.rvr.conftest import in_memory_channel_layer  # noqa: F401 - autouse
from tests.rvr.peers import socket_for, victim_cookie

pytestmark = pytest.mark.django_db
# Words that would tell whoever holds her phone what the control is for.
TELLING = ("police", "help", "suspect", "key word", "he's back", "officer", "emergency")


@pytest.fixture
def in_call(sent, officer, staff_client):
    """(session, the victim's cookie, the officer's cookie) for an accepted call."""
    session, token = sent
    secret = video_session_join(token=token).browser_secret
    video_check_record(session_id=session.pk, result=CheckResult(30.0, 0.0, 800.0, "good"))
    video_session_accept(session=session, officer=officer)
    name = django_settings.SESSION_COOKIE_NAME
    return session, victim_cookie(secret), f"{name}={staff_client(officer).cookies[name].value}"


def _untouched(session_id: int) -> bool:
    session = VideoSession.objects.select_related("incident").get(pk=session_id)
    return (session.suspect_present_at is None and session.incident.grade == "priority"
            and not Alert.objects.filter(kind=Alert.Kind.SUSPECT_PRESENT).exists())


async def _events(kind: str) -> int:
    return await sync_to_async(SecurityEvent.objects.filter(kind=kind).count)()


@pytest.mark.django_db(transaction=True)
async def test_an_officer_cannot_send_the_signal(in_call, close_thread_connections):
    session, _, officer_cookie = in_call
    socket = socket_for(session.pk, "officer", cookie=officer_cookie)
    assert (await socket.connect())[0]
    await socket.receive_json_from()

    await socket.send_json_to({"type": "later"})

    reply = await socket.receive_json_from()
    assert reply["type"] == "error" and "cannot send later" in reply["reason"]
    assert await _events("video_signal_not_allowed") == 1
    assert await sync_to_async(_untouched)(session.pk)
    await socket.disconnect()


@pytest.mark.django_db(transaction=True)
async def test_another_browser_cannot_send_it(in_call, close_thread_connections):
    session, _, _ = in_call

    socket = socket_for(session.pk, "victim", cookie=victim_cookie("his-guess"))
    connected, code = await socket.connect()

    assert not connected and code == 4403
    assert await _events("video_socket_wrong_browser") == 1
    assert await sync_to_async(_untouched)(session.pk)


@pytest.mark.django_db(transaction=True)
async def test_a_malformed_signal_is_refused_and_recorded(in_call, close_thread_connections):
    session, cookie, _ = in_call
    socket = socket_for(session.pk, "victim", cookie=cookie)
    assert (await socket.connect())[0]
    await socket.receive_json_from()

    await socket.send_json_to({"type": "later", "grade": "resolved"})

    assert (await socket.receive_json_from())["type"] == "error"
    assert await _events("video_signal_malformed") == 1
    assert await sync_to_async(_untouched)(session.pk)
    await socket.disconnect()


@pytest.mark.django_db(transaction=True)
async def test_the_rate_limit_still_holds_for_the_signal(in_call, settings,
                                                        close_thread_connections):
    # One message, and next to nothing after it. The signal ends the call once it gets
    # through, so the one that spends the allowance is a harmless one (her last candidate).
    settings.RVR_SIGNAL_BURST, settings.RVR_SIGNAL_PER_SECOND = 1, 0.001
    session, cookie, _ = in_call
    socket = socket_for(session.pk, "victim", cookie=cookie)
    assert (await socket.connect())[0]
    await socket.receive_json_from()

    await socket.send_json_to({"type": "candidate", "candidate": None})
    for _ in range(2):
        await socket.send_json_to({"type": "later"})

    assert (await socket.receive_output(timeout=5))["code"] == 4429
    assert await _events("video_signal_too_fast") == 1
    session = await sync_to_async(VideoSession.objects.get)(pk=session.pk)
    assert session.suspect_present_by == ""  # refused as too fast: not acted on


def test_only_a_coordinator_sets_the_key_word(assessment, staff_client):
    intruder = StaffFactory(username="intruder", role=Role.RVR_OFFICER)

    response = staff_client(intruder).post(f"/rvr/checks/{assessment.pk}/key-word/",
                                           {"key_word": "pizza"})

    assert response.status_code == 403
    assert SecurityEvent.objects.get().kind == "wrong_role"
    assert RvrAssessment.objects.get(pk=assessment.pk).key_word_hash == ""


def test_the_check_page_never_shows_the_key_word_back(assessment, coordinator, staff_client):
    client = staff_client(coordinator)

    client.post(f"/rvr/checks/{assessment.pk}/key-word/", {"key_word": "Zanzibar"})
    page = client.get(f"/rvr/incidents/{assessment.incident.reference}/check/")

    assert "A key word is set." in page.content.decode()
    assert "zanzibar" not in page.content.decode().lower()
    assert "zanzibar" not in RvrAssessment.objects.get(pk=assessment.pk).key_word_hash.lower()


def test_the_control_on_her_page_says_nothing_of_what_it_is_for(sent):
    _, token = sent

    page = Client().get(f"/v/{token}/").content.decode()

    assert '<button type="button" class="later" data-later>Later</button>' in page
    with open(finders.find("rvr/later.js")) as script:
        source = script.read().lower()
    for word in TELLING:
        assert word not in source, word


@pytest.fixture(autouse=True)
def fresh_later_limits():
    """Each test starts with no posts counted against any session."""
    suspect_present_views._limits.clear()
    yield
    suspect_present_views._limits.clear()


def test_an_unknown_link_cannot_post_it(sent):
    session, token = sent
    Client().post(f"/v/{token}/join/")

    response = Client().post("/v/not-a-real-token/later/")

    assert response.status_code == 403
    assert response.json() == {"refusal": "This call is no longer available."}
    assert SecurityEvent.objects.get().kind == "video_later_unknown_link"
    assert _untouched(session.pk)


def test_the_link_alone_may_only_escalate_and_says_so_in_the_log(sent):
    session, token = sent
    Client().post(f"/v/{token}/join/")  # her phone joined; this post is from another browser

    assert Client().post(f"/v/{token}/later/").status_code == 204

    session = VideoSession.objects.select_related("incident").get(pk=session.pk)
    assert session.incident.grade == "immediate" and session.status == VideoSession.Status.ENDED
    entry = session.incident.log.get(kind="video.suspect_present")
    assert entry.data["her_browser"] is False


@pytest.mark.parametrize("closed", ["ended long ago", "expired", "revoked"])
def test_a_post_for_a_session_closed_long_ago_is_refused_and_recorded(sent, settings, closed):
    session, token = sent
    long_ago = timezone.now() - timedelta(seconds=settings.RVR_LATER_GRACE_SECONDS + 5)
    change = {"ended long ago": {"status": VideoSession.Status.ENDED, "ended_at": long_ago},
              "expired": {"expires_at": long_ago},
              "revoked": {"status": VideoSession.Status.REVOKED, "revoked_at": long_ago}}
    VideoSession.objects.filter(pk=session.pk).update(**change[closed])

    response = Client().post(f"/v/{token}/later/")

    assert response.status_code == 403
    assert response.json() == {"refusal": "This call is no longer available."}
    event = SecurityEvent.objects.get()
    assert event.kind == "video_later_closed" and event.detail == {"session_id": session.pk}
    assert _untouched(session.pk)


def test_a_flood_of_posts_is_slowed_and_recorded(sent, settings):
    settings.RVR_LATER_BURST, settings.RVR_LATER_PER_MINUTE = 2, 1
    _, token = sent
    phone = Client()

    codes = [phone.post(f"/v/{token}/later/").status_code for _ in range(4)]

    assert codes == [204, 204, 429, 429]
    assert SecurityEvent.objects.get().kind == "video_later_too_fast"
    assert Alert.objects.filter(kind=Alert.Kind.SUSPECT_PRESENT).count() == 1


def test_a_refused_key_word_is_recorded(assessment, coordinator, staff_client):
    response = staff_client(coordinator).post(f"/rvr/checks/{assessment.pk}/key-word/",
                                              {"key_word": "one two three four"})

    assert response.status_code == 302
    event = SecurityEvent.objects.get()
    assert event.kind == "rvr_key_word_refused"
    assert event.detail == {"assessment_id": assessment.pk}
    assert RvrAssessment.objects.get(pk=assessment.pk).key_word_hash == ""


def test_browsers_are_not_offered_the_key_word_to_save(assessment, coordinator, staff_client):
    page = staff_client(coordinator).get(
        f"/rvr/incidents/{assessment.incident.reference}/check/").content.decode()

    field = re.search(r'<input id="key_word"[^>]*>', page).group(0)
    assert 'type="text"' in field and 'type="password"' not in field
    for attribute in ('autocomplete="off"', 'autocapitalize="off"', 'spellcheck="false"',
                      'class="masked"'):
        assert attribute in field, attribute
    with open(finders.find("hub/hub.css")) as css:
        assert "input.masked { -webkit-text-security: disc; }" in css.read()


def test_a_database_dump_alone_cannot_test_a_guessed_key_word(assessment, coordinator,
                                                              settings):
    key_word_set(assessment=assessment, key_word="zanzibar", actor=coordinator)
    dumped = RvrAssessment.objects.get(pk=assessment.pk).key_word_hash
    settings.SECRET_KEY = "an-attacker-without-the-secret-" + "q" * 30
    settings.SECRET_KEY_FALLBACKS = []

    assert dumped.startswith("hmac_sha256$")
    assert not key_word_heard("zanzibar", dumped)


def test_the_link_host_serves_her_the_control_and_its_request(sent, settings):
    settings.HUB_VICTIM_HOST = "meet.example.org"
    settings.ALLOWED_HOSTS = [*settings.ALLOWED_HOSTS, "meet.example.org"]
    _, token = sent
    phone = Client(HTTP_HOST="meet.example.org")
    phone.post(f"/v/{token}/join/")

    assert phone.get("/static/rvr/later.js").status_code == 200
    assert phone.post(f"/v/{token}/later/").status_code == 204
