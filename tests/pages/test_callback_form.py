"""The public callback form in a real browser, as a victim on her own phone would use it: it
takes her request first time and leaves no cookie behind."""

from __future__ import annotations

import time

import pytest
from playwright.sync_api import expect

from callback.forms import MIN_FILL_SECONDS

pytestmark = [pytest.mark.browser, pytest.mark.redis, pytest.mark.postgres]


def test_a_victim_asks_for_a_call_back_and_the_phone_keeps_no_cookie(live_hub, page):
    violations: list[str] = []
    page.on("console", lambda message: violations.append(message.text)
            if "Content Security Policy" in message.text else None)
    page.goto(f"{live_hub}/callback/request/")
    page.get_by_label("Phone number to call").fill("07700 900123")
    time.sleep(MIN_FILL_SECONDS + 0.2)  # people take seconds to fill it in; scripts do not

    page.get_by_role("button", name="Ask for a call back").click()

    expect(page.get_by_role("heading", name="We'll call you back")).to_be_visible()
    assert page.context.cookies() == []
    assert violations == []
