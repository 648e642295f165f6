"""Signing in and the person page, in a real browser."""

from __future__ import annotations

from pathlib import Path

import pytest
from playwright.sync_api import expect

from tests.factories import PASSWORD, received_message, totp_code

pytestmark = [pytest.mark.browser, pytest.mark.redis, pytest.mark.postgres]
SCREENSHOTS = Path(__file__).resolve().parents[2] / "var" / "screenshots"


def _sign_in(page, base_url: str, user) -> None:
    page.goto(f"{base_url}/triage/")
    expect(page.get_by_role("heading", name="Sign in")).to_be_visible()
    page.get_by_label("Username").fill(user.username)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_label("Authenticator code").fill(totp_code(user))
    page.get_by_role("button", name="Sign in").click()


def test_a_wrong_code_keeps_the_browser_on_the_sign_in_page(live_hub, page, coordinator):
    page.goto(f"{live_hub}/staff/login/")
    page.get_by_label("Username").fill(coordinator.username)
    page.get_by_label("Password").fill(PASSWORD)
    wrong = "000000" if totp_code(coordinator) != "000000" else "111111"
    page.get_by_label("Authenticator code").fill(wrong)
    page.get_by_role("button", name="Sign in").click()

    expect(page.get_by_role("alert")).to_contain_text("Those details are not right")
    page.goto(f"{live_hub}/")
    expect(page.get_by_role("heading", name="Sign in")).to_be_visible()


def test_the_person_page_shows_one_thread_across_channels(live_hub, page, coordinator):
    received_message(channel="sms", sender="07700900556", text="text first")
    person = received_message(channel="whatsapp", sender="+447700900556",
                              text="then whatsapp").conversation.person
    _sign_in(page, live_hub, coordinator)

    page.goto(f"{live_hub}/people/{person.pk}/")

    thread = page.locator("ol.thread li")
    expect(thread).to_have_count(2)
    expect(thread.first).to_contain_text("then whatsapp")
    expect(page.get_by_text("Numbers are masked.")).to_be_visible()


def test_a_reply_shows_its_delivery_status_changing_live(live_hub, page, coordinator):
    from contact_hub.conversations.models import Message
    from contact_hub.conversations.services import message_status_advance

    person = received_message(channel="sms", sender="07700900557",
                              text="can you text me back").conversation.person
    _sign_in(page, live_hub, coordinator)
    page.goto(f"{live_hub}/people/{person.pk}/")
    expect(page.locator("#live-state")).to_have_attribute("data-state", "live")

    page.get_by_label("Message").fill("Is now a good time to talk?")
    page.get_by_role("button", name="Send reply").click()
    expect(page.get_by_role("status")).to_contain_text("Reply queued on SMS")
    reply = page.locator("ol.thread li.out").first
    expect(reply).to_contain_text("Sent")

    message_status_advance(Message.objects.get(direction="out").pk, "delivered")

    expect(reply.locator(".status")).to_have_text("Delivered", timeout=10000)
    page.screenshot(path=str(SCREENSHOTS / "person.png"), full_page=True)
