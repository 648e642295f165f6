"""Call me back, in real browsers: the victim's connection check fails, she presses "Ask for a
call back instead", and a call handler finds her in the 101 callback queue, in her safe
window, linked to the incident, and on the dashboard."""

from __future__ import annotations

from datetime import time

import pytest
from playwright.sync_api import expect

from callback.models import CallbackRequest
from contact_hub.people.safe_contact import safe_contact_plan_save
from tests.pages.browser import screenshot, sign_in
from tests.pages.rvr_calls import PHONE, context_page, link_sent, victim_waits

pytestmark = [pytest.mark.browser, pytest.mark.redis, pytest.mark.postgres]


def test_the_victims_call_back_is_in_the_callback_queue(rvr_hub, chromium, coordinator,
                                                        settings):
    # The hub's peer gives up on her connection at once: the check says it is too poor for a
    # call, and offers the call back.
    settings.RVR_CHECK_TIMEOUT_SECONDS = 0.001
    session, link = link_sent(coordinator)
    safe_contact_plan_save(person=session.incident.person, actor=coordinator,
                           channels=["sms", "voice"], safe_from=time(17), safe_until=time(21),
                           voicemail_ok=False)
    victim_context, victim = context_page(chromium, **PHONE)
    handler_context, handler = context_page(chromium)
    try:
        victim_waits(victim, link)
        victim.get_by_role("button", name="Ask for a call back instead").click()
        expect(victim.get_by_text("We'll call you instead")).to_be_visible()

        sign_in(handler, rvr_hub, coordinator)
        handler.goto(f"{rvr_hub}/callback/")
        # The queue is live: her request appears once the hub has taken her press.
        row = handler.locator("tr[data-callback-id]", has_text="Video call")
        expect(row).to_be_visible(timeout=15000)
        callback_request = CallbackRequest.objects.select_related("identity").get(
            pk=row.get_attribute("data-callback-id"))
        expect(row).to_contain_text("17:00 to 21:00")
        expect(row).to_contain_text(callback_request.identity.masked)
        assert (callback_request.source, callback_request.incident_id) == (
            "video", session.incident_id)
        screenshot(handler, "rvr-call-me-back-queue")

        handler.goto(f"{rvr_hub}/triage/")
        expect(handler.locator(f'tr[data-item="callback:{callback_request.pk}"]')).to_be_visible()
    finally:
        victim_context.close()
        handler_context.close()

