"""Her location, in real browsers: she shares it from the waiting room and again from the call,
and the officer sees the position, its accuracy and its time, live, and the incident log names
it by its digest; without her permission the page says so calmly and nothing else changes."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from contact_hub.incidents.models import LogEntry
from contact_hub.staff.models import SecurityEvent
from rvr.location import location_fix_digest
from rvr.models import VictimLocation, VideoSession
from tests.pages.rvr_calls import (
    FRAME_DECODED,
    PHONE,
    context_page,
    link_sent,
    officer_accepts,
    victim_waits,
)

pytestmark = [pytest.mark.browser, pytest.mark.redis, pytest.mark.postgres]
HOME = {"latitude": 51.2745, "longitude": 0.5227, "accuracy": 25}
MOVED = {"latitude": 51.2801, "longitude": 0.5302, "accuracy": 8}


def _share(victim, screen: str) -> None:
    section = victim.locator(f"section[data-screen={screen}]")
    section.get_by_role("button", name="Share my location").click()
    expect(section.get_by_text("Your location was sent to the officer.")).to_be_visible()


def test_her_location_reaches_the_officer_from_the_waiting_room_and_the_call(
        rvr_hub, chromium, coordinator, officer):
    session, link = link_sent(coordinator)
    victim_context, victim = context_page(chromium, **PHONE, permissions=["geolocation"],
                                          geolocation=HOME)
    officer_context, officer_page = context_page(chromium)
    try:
        victim_waits(victim, link)
        _share(victim, "waiting")
        officer_accepts(officer_page, rvr_hub, officer)
        shared = officer_page.locator("#victim-shared")
        expect(shared).to_contain_text("51.27450, 0.52270")
        expect(shared).to_contain_text("accurate to 25 m")
        expect(shared).to_contain_text("fix at")

        assert victim.evaluate(FRAME_DECODED, "[data-remote]") > 0
        victim_context.set_geolocation(MOVED)
        _share(victim, "call")

        # Live: the console re-fetches when the socket says she shared.
        expect(shared.locator("[data-shared-location]").first).to_contain_text(
            "51.28010, 0.53020")
        expect(shared.locator("[data-shared-location]").first).to_contain_text(
            "accurate to 8 m")
    finally:
        victim_context.close()
        officer_context.close()
    logged = LogEntry.objects.filter(incident=session.incident, kind="video.location_shared")
    kept = list(VictimLocation.objects.filter(session=session))
    assert [(k.latitude, k.longitude) for k in kept] == [(51.2745, 0.5227), (51.2801, 0.5302)]
    # The log names each fix and its digest; where she was is not in it.
    assert [e.data["location_id"] for e in logged.order_by("seq")] == [k.pk for k in kept]
    assert [e.data["fix_digest"] for e in logged.order_by("seq")] == [
        location_fix_digest(k) for k in kept]
    assert [e.data["accuracy_m"] for e in logged.order_by("seq")] == [25, 8]


def test_without_her_permission_she_is_told_calmly_and_nothing_else_changes(rvr_call):
    victim, session = rvr_call.victim, rvr_call.session
    before = list(session.incident.log.values_list("seq", flat=True))
    call = victim.locator("section[data-screen=call]")

    call.get_by_role("button", name="Share my location").click()

    expect(call.get_by_text("Your location was not shared. That's fine: you can carry on.")
           ).to_be_visible()
    expect(call).to_be_visible()
    assert victim.evaluate(FRAME_DECODED, "[data-remote]") > 0  # the call goes on
    assert not VictimLocation.objects.exists()
    assert list(session.incident.log.values_list("seq", flat=True)) == before
    assert not SecurityEvent.objects.exists()
    assert VideoSession.objects.get(pk=session.pk).status == VideoSession.Status.IN_CALL
    expect(rvr_call.officer.locator("#victim-shared")).to_be_empty()
