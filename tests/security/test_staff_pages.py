"""Staff pages: a strict policy and no cache on every one, and a session that ends when the
screen is left, or at the end of the shift, for pages and websockets alike."""

from __future__ import annotations

import time

import pytest
from asgiref.sync import sync_to_async
from channels.testing import WebsocketCommunicator
from django.conf import settings

from contact_hub.asgi import application
from contact_hub.staff.sessions import SEEN_AT, SIGNED_IN_AT
from tests.factories import received_message

STAFF_PAGES = ["/triage/", "/incidents/", "/callback/", "/rvr/", "/contacts/outbox/"]


def _aged(client, **seconds_ago: float) -> None:
    """Moves the session's sign-in and last-seen times into the past."""
    session = client.session
    for key, ago in seconds_ago.items():
        session[{"signed_in": SIGNED_IN_AT, "seen": SEEN_AT}[key]] = time.time() - ago
    session.save()


@pytest.mark.django_db
@pytest.mark.parametrize("path", STAFF_PAGES)
def test_every_staff_page_sends_a_strict_policy_and_is_never_cached(path, supervisor,
                                                                    staff_client):
    response = staff_client(supervisor).get(path)

    assert response.status_code == 200
    policy = response["Content-Security-Policy"]
    assert "default-src 'none'" in policy and "script-src 'self'" in policy
    assert "frame-ancestors 'none'" in policy and "unsafe" not in policy
    assert response["Cache-Control"] == "no-store"


@pytest.mark.django_db
def test_a_person_page_with_victim_data_is_never_cached(coordinator, staff_client):
    message = received_message(text="I need help")

    response = staff_client(coordinator).get(f"/people/{message.conversation.person_id}/")

    assert response.status_code == 200
    assert response["Cache-Control"] == "no-store"


@pytest.mark.django_db
def test_the_sign_in_page_carries_the_policy_too(client):
    response = client.get("/staff/login/")

    assert "default-src 'none'" in response["Content-Security-Policy"]
    assert "connect-src 'self' ws://testserver" in response["Content-Security-Policy"]


@pytest.mark.django_db
def test_a_session_left_idle_ends_and_the_next_page_asks_to_sign_in(coordinator,
                                                                    staff_client):
    client = staff_client(coordinator)
    client.get("/triage/")
    _aged(client, seen=settings.HUB_SESSION_IDLE_MINUTES * 60 + 5)

    response = client.get("/triage/")

    assert response.status_code == 302 and response["Location"].startswith("/staff/login/")
    assert "_auth_user_id" not in client.session
    page = client.get(response["Location"]).content.decode()
    assert f"after {settings.HUB_SESSION_IDLE_MINUTES} minutes without activity" in page


@pytest.mark.django_db
def test_a_page_fetching_by_itself_does_not_keep_a_session_open(coordinator, staff_client):
    client = staff_client(coordinator)
    client.get("/triage/")
    _aged(client, seen=settings.HUB_SESSION_IDLE_MINUTES * 60 - 120)

    client.get("/triage/queue/", headers={"X-Hub-Background": "1"})
    _aged(client, seen=settings.HUB_SESSION_IDLE_MINUTES * 60 + 5)
    response = client.get("/triage/queue/", headers={"X-Hub-Background": "1"})

    assert response.status_code == 401
    assert "_auth_user_id" not in client.session


@pytest.mark.django_db
def test_activity_keeps_a_session_open_until_the_end_of_the_shift(coordinator, staff_client):
    client = staff_client(coordinator)
    client.get("/triage/")
    _aged(client, seen=settings.HUB_SESSION_IDLE_MINUTES * 60 - 60)
    assert client.get("/triage/").status_code == 200

    _aged(client, signed_in=settings.SESSION_COOKIE_AGE + 5, seen=10)
    response = client.get("/triage/")

    assert response.status_code == 302
    assert "end of a shift" in client.get(response["Location"]).content.decode()


@pytest.mark.django_db(transaction=True)
async def test_a_live_dashboard_socket_is_refused_once_the_session_is_idle(
        coordinator, staff_client, close_thread_connections):
    client = await sync_to_async(staff_client)(coordinator)
    await sync_to_async(client.get)("/triage/")
    await sync_to_async(_aged)(client, seen=settings.HUB_SESSION_IDLE_MINUTES * 60 + 5)
    cookie = f"{settings.SESSION_COOKIE_NAME}={client.cookies[settings.SESSION_COOKIE_NAME].value}"
    socket = WebsocketCommunicator(application, "/ws/hub/", headers=[
        (b"origin", b"http://127.0.0.1"), (b"host", b"127.0.0.1"), (b"cookie", cookie.encode())])

    connected, _ = await socket.connect()

    assert not connected
    await socket.disconnect()


@pytest.mark.django_db
def test_a_post_without_its_csrf_token_is_refused_in_the_hubs_words_with_an_event():
    from django.test import Client

    from contact_hub.staff.models import SecurityEvent

    response = Client(enforce_csrf_checks=True).post(
        "/staff/login/", {"username": "casey", "password": "x", "code": "123456"})

    assert response.status_code == 403
    assert "That form had expired" in response.content.decode()
    assert "default-src 'none'" in response["Content-Security-Policy"]
    assert SecurityEvent.objects.get().kind == "csrf_refused"


@pytest.mark.django_db
def test_signing_in_again_starts_the_shift_again(coordinator):
    from django.test import Client

    from tests.factories import PASSWORD, totp_code

    client = Client()
    client.post("/staff/login/", {"username": coordinator.username, "password": PASSWORD,
                                  "code": totp_code(coordinator)})
    _aged(client, signed_in=settings.SESSION_COOKIE_AGE - 60, seen=10)

    client.post("/staff/login/", {"username": coordinator.username, "password": PASSWORD,
                                  "code": totp_code(coordinator, offset_steps=1)})

    assert time.time() - client.session[SIGNED_IN_AT] < 60
