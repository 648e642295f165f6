"""What the RVR browser tests share: a hub whose links point at itself, browser contexts for
the victim's phone and the staff's desks, a link sent without clicking through the
coordinator's pages, and a call brought up between a victim's and an officer's browser."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

import pytest
from playwright.sync_api import expect

from contact_hub.conversations.sending import MemoryBackend
from contact_hub.staff.models import StaffUser
from rvr.eligibility import rvr_check_record, rvr_consent_record
from rvr.links import video_link_send
from rvr.models import VideoSession
from tests.pages.browser import sign_in
from tests.rvr.conftest import ALL_YES, da_incident

FRAME_DECODED = """selector => new Promise((resolve, reject) => {
  const video = document.querySelector(selector);
  setTimeout(() => reject(new Error("no video frame decoded")), 20000);
  video.requestVideoFrameCallback(() => resolve(video.videoWidth));
})"""
PHONE = {"viewport": {"width": 390, "height": 844}, "is_mobile": True, "has_touch": True}
DESK = {"viewport": {"width": 1300, "height": 900}}
LINK = re.compile(r"https?://[^\s]+/v/[A-Za-z0-9_-]+/")


@pytest.fixture
def rvr_hub(live_hub: str, settings: Any) -> str:
    """The live hub, sending texts to memory and links that point at itself, with no STUN or
    TURN (loopback needs none)."""
    settings.HUB_TEXT_BACKEND = "contact_hub.conversations.sending.MemoryBackend"
    settings.RVR_LINK_BASE_URL = live_hub
    settings.STUN_URLS, settings.TURN_URLS, settings.RVR_RELAY_ONLY = [], [], False
    MemoryBackend.sent.clear()
    return live_hub


def context_page(chromium: Any, **options: Any) -> tuple[Any, Any]:
    context = chromium.new_context(**(DESK | options))
    return context, context.new_page()


def link_sent(coordinator: StaffUser) -> tuple[VideoSession, str]:
    """A domestic abuse incident whose safety check passed and whose victim chose video, and
    the link as her phone received it (needs the rvr_hub fixture)."""
    incident = da_incident(coordinator)
    checked = rvr_check_record(incident=incident, answers=ALL_YES, actor=coordinator)
    assessment = rvr_consent_record(assessment=checked, consent=True, actor=coordinator,
                                    wait_told=True)
    session = video_link_send(assessment=assessment, actor=coordinator)
    return session, LINK.search(MemoryBackend.sent[-1].body).group(0)


def victim_waits(victim: Any, link: str) -> None:
    """The victim opens her link, joins, passes the connection check and waits."""
    victim.goto(link)
    victim.get_by_role("button", name="Join").click()
    expect(victim.get_by_role("heading", name="Please wait")).to_be_visible(timeout=20000)


def officer_accepts(page: Any, base_url: str, officer: StaffUser) -> None:
    """The officer signs in, opens the console and takes the waiting victim."""
    sign_in(page, base_url, officer)
    page.goto(f"{base_url}/rvr/")
    page.get_by_role("button", name="Accept").first.click()
    page.wait_for_url(re.compile(r"/rvr/sessions/\d+/call/$"))


@dataclass
class Call:
    session: VideoSession
    victim: Any
    officer: Any


@pytest.fixture
def rvr_call(rvr_hub: str, chromium: Any, coordinator: StaffUser, officer: StaffUser):
    """A video call with media flowing both ways between the victim's phone and the officer's
    console."""
    session, link = link_sent(coordinator)
    victim_context, victim = context_page(chromium, **PHONE)
    officer_context, officer_page = context_page(chromium)
    try:
        victim_waits(victim, link)
        officer_accepts(officer_page, rvr_hub, officer)
        assert officer_page.evaluate(FRAME_DECODED, "#remote-video") > 0
        assert victim.evaluate(FRAME_DECODED, "[data-remote]") > 0
        session.refresh_from_db()
        yield Call(session, victim, officer_page)
    finally:
        victim_context.close()
        officer_context.close()
