"""Officers on hand, in real browsers: the officer sets themselves available on the console, the
coordinator's RVR check shows the count and the expected wait and follows an officer taking a
call live, and offering video with none available needs the wait told."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from rvr.eligibility import rvr_check_record
from rvr.models import OfficerAvailability, RvrAssessment
from tests.pages.browser import screenshot, sign_in
from tests.pages.rvr_calls import FRAME_DECODED, PHONE, context_page, link_sent, victim_waits
from tests.rvr.conftest import ALL_YES, da_incident

pytestmark = [pytest.mark.browser, pytest.mark.redis, pytest.mark.postgres]


def test_the_check_shows_officers_on_hand_and_follows_an_officer_taking_a_call(
        rvr_hub, chromium, coordinator, officer, settings):
    settings.RVR_DEFAULT_CALL_MINUTES = 30
    _, link = link_sent(coordinator)
    checked = rvr_check_record(incident=da_incident(coordinator), answers=ALL_YES,
                               actor=coordinator)
    victim_context, victim = context_page(chromium, **PHONE)
    officer_context, console = context_page(chromium)
    coordinator_context, check = context_page(chromium)
    try:
        sign_in(console, rvr_hub, officer)
        console.goto(f"{rvr_hub}/rvr/")
        console.get_by_role("button", name="Available").click()
        expect(console.locator("[data-my-availability]")).to_have_text("available")
        victim_waits(victim, link)
        expect(victim.locator("[data-wait-estimate]")).to_have_text("Usually within 5 minutes.")

        sign_in(check, rvr_hub, coordinator)
        check.goto(f"{rvr_hub}/rvr/incidents/{checked.incident.reference}/check/")
        on_hand = check.locator("#rvr-on-hand")
        expect(on_hand.locator("[data-officers-available]")).to_have_text("1")
        # One victim waiting ahead for the one officer: one typical call.
        expect(on_hand.locator("[data-expected-wait]")).to_have_text("about 30 min")
        expect(on_hand.locator("[data-wait-explained]")).to_contain_text(
            "1 victim waiting ahead shared among 1 officer available")
        screenshot(check, "rvr-on-hand-available")

        console.goto(f"{rvr_hub}/rvr/")
        console.get_by_role("button", name="Accept").first.click()
        console.wait_for_url(re.compile(r"/rvr/sessions/\d+/call/$"))
        assert console.evaluate(FRAME_DECODED, "#remote-video") > 0

        # Live, without a reload: nobody is free now, and the first may be in a call's length.
        expect(on_hand.locator("[data-officers-available]")).to_have_text("0", timeout=15000)
        expect(on_hand.locator("[data-expected-wait]")).to_have_text("about 30 min")
        expect(on_hand.locator("[data-no-officer]")).to_be_visible()
        screenshot(check, "rvr-on-hand-none")
        assert OfficerAvailability.objects.get(officer=officer).status == "busy"

        # The page as it now is asks for the wait to be told before she can choose video.
        check.reload()
        check.get_by_role("button", name="Victim chooses a video call").click()
        expect(check.get_by_text(re.compile("No officer is available now"))).to_be_visible()
        checked.refresh_from_db()
        assert checked.decision == RvrAssessment.Decision.PENDING

        check.get_by_label(re.compile("I told the victim the expected wait")).check()
        check.get_by_role("button", name="Victim chooses a video call").click()
        expect(check.get_by_role("heading", name="Send the link")).to_be_visible()
        checked.refresh_from_db()
        assert (checked.decision, checked.officers_available, checked.wait_minutes,
                checked.wait_told) == (RvrAssessment.Decision.RVR, 0, 30, True)
    finally:
        victim_context.close()
        officer_context.close()
        coordinator_context.close()


def test_video_not_offered_for_want_of_an_officer_shows_in_the_figures(
        rvr_hub, chromium, coordinator, supervisor):
    checked = rvr_check_record(incident=da_incident(coordinator), answers=ALL_YES,
                               actor=coordinator)
    coordinator_context, check = context_page(chromium)
    supervisor_context, figures = context_page(chromium)
    try:
        sign_in(check, rvr_hub, coordinator)
        check.goto(f"{rvr_hub}/rvr/incidents/{checked.incident.reference}/check/")
        check.get_by_role("button", name="Video cannot be offered: no officer available").click()
        expect(check.get_by_text(re.compile("Recorded: video could not be offered"))
               ).to_be_visible()

        sign_in(figures, rvr_hub, supervisor)
        figures.goto(f"{rvr_hub}/rvr/figures/")
        expect(figures.locator("[data-not-offered]")).to_have_text("100.0%")
    finally:
        coordinator_context.close()
        supervisor_context.close()
