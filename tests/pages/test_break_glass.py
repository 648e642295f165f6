"""A look with no part in the case, in real browsers: the officer is asked why before anything
is shown, and professional standards see the flagged look arrive without reloading."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.factories import received_message
from tests.pages.browser import screenshot, sign_in

pytestmark = [pytest.mark.browser, pytest.mark.redis, pytest.mark.postgres]

REASON = "caller on 999 says she is my victim's sister"


def test_an_officer_with_no_part_is_asked_why_and_standards_see_the_look_live(
        live_hub, chromium, officer, standards):
    person = received_message(channel="sms", sender="07700900561",
                              text="please don't call after six").conversation.person
    watching = chromium.new_context(viewport={"width": 1200, "height": 800}).new_page()
    looking = chromium.new_context(viewport={"width": 1200, "height": 800}).new_page()
    try:
        sign_in(watching, live_hub, standards)
        watching.goto(f"{live_hub}/staff/conduct/flagged/")
        expect(watching.locator("#live-state")).to_have_attribute("data-state", "live")
        expect(watching.locator("#flagged-looks")).to_contain_text("No flagged looks")

        sign_in(looking, live_hub, officer)
        looking.goto(f"{live_hub}/people/{person.pk}/")
        expect(looking.get_by_role("heading", name="Why are you opening this record?")
               ).to_be_visible()
        expect(looking.get_by_text("please don't call after six")).to_have_count(0)
        screenshot(looking, "break-glass-asked")
        looking.get_by_label("Reason (at least 10 characters)").fill(REASON)
        looking.get_by_role("button", name="Open the record").click()

        expect(looking.get_by_role("heading", name=f"Person {person.pk}")).to_be_visible()
        expect(looking.get_by_text("please don't call after six")).to_be_visible()
        flagged = watching.locator("#flagged-looks")
        expect(flagged).to_contain_text(REASON, timeout=10000)
        expect(flagged).to_contain_text(officer.username)
        screenshot(watching, "break-glass-flagged-live")
    finally:
        watching.context.close()
        looking.context.close()
