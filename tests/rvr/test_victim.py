"""The victim's page: public, neutral, private, and a GET that changes nothing."""

from __future__ import annotations

import pytest
from django.test import Client

from contact_hub.staff.models import SecurityEvent
from rvr.links import BROWSER_COOKIE, secret_hash
from rvr.models import VideoSession
from rvr.victim import NO_LONGER_ACTIVE
from tests.rvr.conftest import log_kinds

pytestmark = pytest.mark.django_db


def _page(token: str, client: Client | None = None):
    return (client or Client()).get(f"/v/{token}/")


def _join(token: str, client: Client | None = None):
    client = client or Client(enforce_csrf_checks=False)
    return client.post(f"/v/{token}/join/")


def test_opening_the_link_changes_nothing(sent):
    session, token = sent
    before = log_kinds(session.incident)

    response = _page(token)

    assert response.status_code == 200
    session.refresh_from_db()
    assert session.status == VideoSession.Status.LINK_SENT and session.opened_at is None
    assert log_kinds(session.incident) == before


def test_the_page_is_neutral_private_and_loads_nothing_from_elsewhere(sent):
    _, token = sent

    response = _page(token)
    html = response.content.decode()

    assert "<title>Video call</title>" in html
    assert 'property="og:title" content="Video call"' in html
    for word in ("police", "officer", "incident", "INC-"):
        assert word not in html.split("<main>")[0]
    assert "data-quick-exit" in html
    assert response["Referrer-Policy"] == "no-referrer"
    assert "no-store" in response["Cache-Control"]
    assert "noindex" in response["X-Robots-Tag"]
    policy = response["Content-Security-Policy"]
    assert "default-src 'none'" in policy and "script-src 'self'" in policy
    assert "http" not in policy.replace("ws://testserver", "")
    assert 'src="http' not in html and 'href="http' not in html.replace(
        'data-exit="https', "")
    assert "hub/live.js" not in html and "hub.css" not in html


def test_joining_sets_a_strict_http_only_cookie_bound_to_the_session(sent):
    session, token = sent

    response = _join(token)

    assert response.status_code == 200
    cookie = response.cookies[BROWSER_COOKIE]
    assert cookie["httponly"] and cookie["samesite"] == "Strict" and cookie["path"] == "/"
    session.refresh_from_db()
    assert session.browser_hash == secret_hash(cookie.value)
    assert response.json()["socket"] == f"/ws/rvr/{session.pk}/victim/"


def test_the_cookie_is_secure_over_https(sent):
    _, token = sent

    response = Client().post(f"/v/{token}/join/", secure=True)

    assert response.cookies[BROWSER_COOKIE]["secure"]


def test_a_second_browser_is_refused_and_the_coordinator_alerted(sent):
    session, token = sent
    _join(token)

    response = _join(token, Client())

    assert response.status_code == 403
    assert response.json()["refusal"] == NO_LONGER_ACTIVE
    assert SecurityEvent.objects.filter(kind="video_link_second_browser").exists()
    assert "video.second_browser_refused" in log_kinds(session.incident)


def test_the_same_browser_is_let_back_in(sent):
    _, token = sent
    browser = Client()
    _join(token, browser)

    assert _join(token, browser).status_code == 200
    assert _page(token, browser).context["returning"]


@pytest.mark.parametrize("state, status", [("revoked", 410), ("expired", 410)])
def test_revoked_and_expired_links_are_refused(sent, state, status):
    session, token = sent
    VideoSession.objects.filter(pk=session.pk).update(status=state)

    assert _page(token).status_code == status
    response = _join(token)
    assert response.status_code == 403
    assert SecurityEvent.objects.filter(kind=f"video_link_{state}").exists()


def test_an_unknown_link_is_refused_without_the_token_in_the_record():
    token = "A" * 43

    assert _page(token).status_code == 404
    assert _join(token).status_code == 404
    event = SecurityEvent.objects.get(kind="video_link_unknown")
    assert token not in event.path and token not in str(event.detail)


def test_the_page_script_records_the_opening(sent):
    session, token = sent

    assert Client().post(f"/v/{token}/opened/").status_code == 204

    session.refresh_from_db()
    assert session.opened_at is not None
