"""Signing in and the person page, in a real browser."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.factories import triaged_message
from tests.pages.browser import elsewhere, screenshot, sign_in

pytestmark = [pytest.mark.browser, pytest.mark.redis, pytest.mark.postgres]



def test_a_reply_shows_its_delivery_status_changing_live(live_hub, page, coordinator):
    from contact_hub.conversations.models import Message
    from contact_hub.conversations.services import message_status_advance

    # Waiting in the triage queue: the coordinator's reason to open her record.
    person = triaged_message(channel="sms", sender="07700900557",
                              text="can you text me back").conversation.person
    sign_in(page, live_hub, coordinator)
    page.goto(f"{live_hub}/people/{person.pk}/")
    expect(page.locator("#live-state")).to_have_attribute("data-state", "live")

    page.get_by_label("Message").fill("Is now a good time to talk?")
    page.get_by_role("button", name="Send reply").click()
    expect(page.get_by_role("status")).to_contain_text("Reply queued on SMS")
    reply = page.locator("ol.thread li.out").first
    expect(reply).to_contain_text("Sent")

    reply_id = Message.objects.get(direction="out").pk
    elsewhere(lambda: message_status_advance(reply_id, "delivered"))

    expect(reply.locator(".status")).to_have_text("Delivered", timeout=10000)
    screenshot(page, "person")
