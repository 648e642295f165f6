"""The victim's pages and websocket, from the abuser's and the forger's side: nothing left on
her phone but the visit's own binding, nothing on the link's host but the victim page, and a
link that works once, in one browser, from its own page."""

from __future__ import annotations

from html.parser import HTMLParser

import pytest
from asgiref.sync import sync_to_async
from channels.testing import WebsocketCommunicator
from django.test import Client

from contact_hub.asgi import application
from contact_hub.staff.models import SecurityEvent
from rvr.calls import video_session_accept
from rvr.interpreter import interpreter_invite
from rvr.links import BROWSER_COOKIE
from rvr.models import VideoSession
from rvr.victim import COOKIE_SECONDS, NO_LONGER_ACTIVE
from tests.rvr.conftest import in_memory_channel_layer, rvr_settings  # noqa: F401 - autouse
from tests.rvr.share_calls import waiting

pytestmark = pytest.mark.django_db
VICTIM_HOST = "meet.example.org"


@pytest.fixture
def victim_host(settings):
    settings.HUB_VICTIM_HOST = VICTIM_HOST
    settings.ALLOWED_HOSTS = [*settings.ALLOWED_HOSTS, VICTIM_HOST]


def _on_victim_host(path: str, method: str = "get", **extra):
    return getattr(Client(HTTP_HOST=VICTIM_HOST), method)(path, **extra)


def test_opening_the_link_leaves_no_cookie_at_all(sent):
    _, token = sent

    response = Client().get(f"/v/{token}/")

    assert response.status_code == 200
    assert not response.cookies
    assert "csrfmiddlewaretoken" not in response.content.decode()


def test_joining_leaves_only_the_short_lived_binding(sent):
    _, token = sent

    response = Client().post(f"/v/{token}/join/")

    assert response.status_code == 200
    assert set(response.cookies) == {BROWSER_COOKIE}
    cookie = response.cookies[BROWSER_COOKIE]
    assert int(cookie["max-age"]) == COOKIE_SECONDS <= 6 * 60 * 60
    assert cookie["httponly"] and cookie["samesite"] == "Strict"


def test_the_page_policy_comes_from_the_one_hub_policy(sent):
    _, token = sent

    response = Client().get(f"/v/{token}/")

    policy = response["Content-Security-Policy"]
    assert "default-src 'none'" in policy and "unsafe" not in policy
    assert response["Cache-Control"] == "no-store"
    assert response["Permissions-Policy"] == "camera=(self), microphone=(self), geolocation=(self)"
    assert response["Referrer-Policy"] == "no-referrer"


@pytest.mark.parametrize("headers", [
    {"HTTP_ORIGIN": "https://evil.example"},
    {"HTTP_SEC_FETCH_SITE": "cross-site"},
    {"HTTP_SEC_FETCH_SITE": "same-site", "HTTP_ORIGIN": "null"},
])
def test_a_join_posted_from_another_site_is_refused_and_the_link_kept(sent, headers):
    session, token = sent

    response = Client().post(f"/v/{token}/join/", **headers)

    assert response.status_code == 403
    session.refresh_from_db()
    assert session.browser_hash == "" and session.status == VideoSession.Status.LINK_SENT
    assert SecurityEvent.objects.filter(kind="cross_origin_post").count() == 1


def test_the_victim_page_itself_may_post_with_no_referrer(sent):
    _, token = sent

    response = Client().post(f"/v/{token}/join/", HTTP_ORIGIN="null",
                             HTTP_SEC_FETCH_SITE="same-origin")

    assert response.status_code == 200


@pytest.mark.parametrize("path", [
    "/staff/login/", "/admin/", "/triage/", "/", "/health/", "/callback/request/",
    "/static/hub/live.js", "/static/hub/hub.css", "/people/1/", "/v/", "/v/x/y/z/",
])
def test_the_link_host_serves_nothing_but_the_victim_page(victim_host, path):
    response = _on_victim_host(path)

    assert response.status_code == 404
    body = response.content.decode()
    assert body == "Not found."
    assert "Contact hub" not in body and "csrftoken" not in str(response.cookies)


def test_the_link_host_serves_the_victim_page_and_its_own_files(victim_host, sent):
    _, token = sent

    page = _on_victim_host(f"/v/{token}/")
    script = _on_victim_host("/static/rvr/victim.js")
    join = _on_victim_host(f"/v/{token}/join/", method="post")

    assert page.status_code == 200 and "Contact hub" not in page.content.decode()
    assert script.status_code == 200 and script["Cache-Control"] == "no-store"
    assert join.status_code == 200


class _Assets(HTMLParser):
    """Every script and stylesheet a page loads."""

    def __init__(self) -> None:
        super().__init__()
        self.paths: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        named = dict(attrs)
        path = named.get("src") if tag in ("script", "img") else (
            named.get("href") if tag == "link" and named.get("rel") == "stylesheet" else None)
        if path:
            self.paths.append(path)


def _assets(page: str) -> list[str]:
    parser = _Assets()
    parser.feed(page)
    return parser.paths


def test_the_link_host_serves_every_file_her_and_the_interpreters_pages_load(
        victim_host, sent, officer, settings):
    session, token = sent
    settings.TURN_URLS, settings.TURN_SECRET = ["turn:127.0.0.1:3478"], "s3cret"  # no relay is
    # contacted: an interpreter is invited only when one is set up
    her_page = _on_victim_host(f"/v/{token}/")
    assert Client(HTTP_HOST=VICTIM_HOST).post(f"/v/{token}/join/").status_code == 200
    in_call = video_session_accept(session=waiting(session), officer=officer)
    invitation = interpreter_invite(session=in_call, officer=officer)
    interpreter_token = invitation.url.rstrip("/").rsplit("/", 1)[1]
    pages = [her_page, _on_victim_host(f"/i/{interpreter_token}/")]
    assert [page.status_code for page in pages] == [200, 200]
    assets = {path for page in pages for path in _assets(page.content.decode())}
    assert "/static/rvr/victim.js" in assets and "/static/rvr/interpreter.js" in assets

    served = {path: _on_victim_host(path) for path in sorted(assets)}

    assert {path: r.status_code for path, r in served.items()} == dict.fromkeys(served, 200)
    # Nothing of the visit left in her browser's cache.
    assert {path: r["Cache-Control"] for path, r in served.items()} == dict.fromkeys(
        served, "no-store")


def test_the_staff_host_still_serves_staff_pages_when_a_link_host_is_set(victim_host, client):
    assert client.get("/staff/login/").status_code == 200


def _socket(path: str, host: str, cookie: str = "") -> WebsocketCommunicator:
    headers = [(b"origin", f"http://{host}".encode()), (b"host", host.encode())]
    if cookie:
        headers.append((b"cookie", cookie.encode()))
    return WebsocketCommunicator(application, path, headers=headers)


@pytest.mark.django_db(transaction=True)
async def test_the_link_host_refuses_every_staff_websocket(victim_host, close_thread_connections):
    for path in ("/ws/hub/", "/ws/rvr/1/officer/"):
        socket = _socket(path, VICTIM_HOST)
        connected, _ = await socket.connect()
        assert not connected, path
        await socket.disconnect()


@pytest.mark.django_db(transaction=True)
async def test_a_victim_socket_without_the_browsers_binding_is_refused(
        sent, close_thread_connections):
    session, token = sent
    await sync_to_async(Client().post)(f"/v/{token}/join/")

    for cookie in ("", f"{BROWSER_COOKIE}=forged-binding-value"):
        socket = _socket(f"/ws/rvr/{session.pk}/victim/", "127.0.0.1", cookie)
        connected, _ = await socket.connect()
        assert not connected
        await socket.disconnect()
    event = await sync_to_async(SecurityEvent.objects.get)(kind="video_socket_wrong_browser")
    assert event.count == 2


@pytest.mark.parametrize("state", ["expired", "revoked", "ended", "joined elsewhere"])
def test_another_browser_learns_nothing_of_what_became_of_the_link(sent, state):
    """An old text on her phone, opened by him: used, ended, expired and revoked look alike."""
    session, token = sent
    if state == "joined elsewhere":
        Client().post(f"/v/{token}/join/")
    else:
        VideoSession.objects.filter(pk=session.pk).update(status=state)

    page = Client().get(f"/v/{token}/")
    join = Client().post(f"/v/{token}/join/")

    assert page.status_code == 410
    assert page.context["refusal"] == NO_LONGER_ACTIVE
    assert (join.status_code, join.json()["refusal"]) == (403, NO_LONGER_ACTIVE)


def test_her_own_browser_is_told_the_call_has_ended(sent):
    session, token = sent
    browser = Client()
    browser.post(f"/v/{token}/join/")
    VideoSession.objects.filter(pk=session.pk).update(status="ended")

    assert "This call has ended" in browser.get(f"/v/{token}/").context["refusal"]
