"""The interpreter's pages and the officer's invite and revoke, over HTTP."""

from __future__ import annotations

import pytest
from django.test import Client

from contact_hub.staff.models import SecurityEvent
from rvr.interpreter import INTERPRETER_COOKIE
from rvr.models import InterpreterInvite
from rvr.victim import COOKIE_SECONDS
from tests.rvr.interpreter_sockets import turn_configured  # noqa: F401 - fixture

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("turn_configured")]


@pytest.fixture
def officer_client(officer, staff_client) -> Client:
    return staff_client(officer)


def _invite(client: Client, session) -> str:
    response = client.post(f"/rvr/sessions/{session.pk}/interpreter/")
    assert response.status_code == 200
    return response.json()["link"]


def test_the_call_page_offers_to_invite_an_interpreter(in_call_session, officer_client):
    page = officer_client.get(f"/rvr/sessions/{in_call_session.pk}/call/").content.decode()

    assert "Invite an interpreter" in page and "rvr/officer_interpreter.js" in page


def test_inviting_answers_with_the_link_on_the_neutral_host(in_call_session, officer_client):
    link = _invite(officer_client, in_call_session)

    assert link.startswith("https://meet.example.org/i/")
    assert InterpreterInvite.objects.get().invited_by.username == "olu"


def test_the_page_shows_a_join_button_and_changes_nothing(in_call_session, officer_client):
    link = _invite(officer_client, in_call_session)
    path = link.removeprefix("https://meet.example.org")

    response = Client().get(path)

    assert response.status_code == 200 and not response.cookies
    assert "<title>Video call</title>" in response.content.decode()
    assert response["Referrer-Policy"] == "no-referrer"
    assert InterpreterInvite.objects.get().joined_at is None


def test_joining_binds_the_browser_with_a_short_lived_strict_cookie(in_call_session,
                                                                    officer_client):
    path = _invite(officer_client, in_call_session).removeprefix("https://meet.example.org")
    browser = Client()

    response = browser.post(path + "join/")

    assert response.json()["socket"] == f"/ws/rvr/{in_call_session.pk}/interpreter/"
    assert response.json()["relay_only"] is True  # though the call itself is not
    cookie = response.cookies[INTERPRETER_COOKIE]
    assert cookie["httponly"] and cookie["samesite"] == "Strict"
    assert int(cookie["max-age"]) == COOKIE_SECONDS
    assert browser.post(path + "join/").status_code == 200  # the same browser again
    assert 'data-state="returning"' in browser.get(path).content.decode()


def test_revoking_stops_the_link(in_call_session, officer_client):
    path = _invite(officer_client, in_call_session).removeprefix("https://meet.example.org")

    revoked = officer_client.post(f"/rvr/sessions/{in_call_session.pk}/interpreter/revoke/")

    assert revoked.json() == {"revoked": True}
    assert Client().get(path).status_code == 410
    assert Client().post(path + "join/").status_code == 410


def test_revoking_with_no_link_is_refused_clearly(in_call_session, officer_client):
    response = officer_client.post(f"/rvr/sessions/{in_call_session.pk}/interpreter/revoke/")

    assert response.status_code == 400
    assert response.json()["error"] == "There is no interpreter link to revoke."


def test_inviting_without_a_turn_server_is_refused_clearly(in_call_session, officer_client,
                                                          settings):
    settings.TURN_URLS = []

    response = officer_client.post(f"/rvr/sessions/{in_call_session.pk}/interpreter/")

    assert response.status_code == 400
    assert response.json()["error"].startswith("An interpreter cannot be invited: the hub "
                                               "has no relay (TURN) server")
    assert SecurityEvent.objects.filter(kind="video_interpreter_refused").count() == 1
    assert not InterpreterInvite.objects.exists()
