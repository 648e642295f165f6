"""Rapid Video Response end to end, in real browsers with fake cameras and microphones: the
coordinator grades a domestic abuse text, runs the checks, records consent and sends the link; the
victim opens it from the outbox on a phone-sized browser, joins and passes the connection check;
the officer accepts; video flows both ways; chat, a still, the risk assessment and the outcome."""

from __future__ import annotations

import re
from io import StringIO

import pytest
from django.core.management import call_command
from playwright.sync_api import expect

from contact_hub.incidents.models import Incident
from rvr.models import EvidenceStill, VideoSession
from tests.factories import received_message
from tests.pages.browser import screenshot, sign_in
from tests.pages.rvr_calls import FRAME_DECODED, PHONE, context_page

pytestmark = [pytest.mark.browser, pytest.mark.redis, pytest.mark.postgres]


@pytest.fixture
def outbox_hub(rvr_hub, settings):
    """The RVR hub with texts in the outbox, where the victim's phone finds the link."""
    settings.HUB_TEXT_BACKEND = "contact_hub.conversations.sending.OutboxBackend"
    return rvr_hub


def _coordinator_sends_link(page, base: str) -> str:
    page.goto(f"{base}/triage/")
    page.locator("tr.item.message").first.get_by_role("link", name="Triage").click()
    page.get_by_label("Opening code:", exact=True).select_option("DOMESTIC")
    page.get_by_label("Grade:", exact=True).select_option("priority")
    page.get_by_role("button", name="Open incident").click()
    expect(page.get_by_role("heading", name=re.compile("INC-"))).to_be_visible()
    page.get_by_role("link", name="Open the RVR check").click()
    for fieldset in page.locator("fieldset.check").all():
        fieldset.get_by_label("Yes").check()
    page.get_by_role("button", name="Record the safety check").click()
    # No officer has set themselves available: the coordinator tells her the wait first.
    page.get_by_label(re.compile("I told the victim the expected wait")).check()
    page.get_by_role("button", name="Victim chooses a video call").click()
    page.get_by_role("button", name="Send link").click()
    expect(page.get_by_text("Link sent by sms")).to_be_visible()
    page.goto(f"{base}/contacts/outbox/")
    return page.locator("tr.outbox-entry td.text a").first.get_attribute("href")


def test_a_victim_is_seen_by_video_from_a_graded_text(outbox_hub, chromium, coordinator, officer):
    person = received_message(text="He hit me last night. He's out now, can someone help?"
                              ).conversation.person
    coordinator_context, coordinator_page = context_page(chromium)
    victim_context, victim = context_page(chromium, **PHONE)
    officer_context, officer_page = context_page(chromium)
    try:
        sign_in(coordinator_page, outbox_hub, coordinator)
        link = _coordinator_sends_link(coordinator_page, outbox_hub)
        assert re.search(r"/v/[A-Za-z0-9_-]{43}/$", link)

        victim.goto(link)
        assert victim.title() == "Video call"
        expect(victim.get_by_role("button", name="Leave quickly")).to_be_visible()
        victim.get_by_role("button", name="Join").click()
        expect(victim.get_by_role("heading", name="Please wait")).to_be_visible(timeout=20000)
        expect(victim.get_by_text("An officer will join you shortly")).to_be_visible()

        sign_in(officer_page, outbox_hub, officer)
        officer_page.goto(f"{outbox_hub}/rvr/")
        expect(officer_page.locator("tr.waiting-victim")).to_have_count(1)
        expect(officer_page.locator("tr.waiting-victim")).to_contain_text("Good for video")
        officer_page.get_by_role("button", name="Accept").click()
        officer_page.wait_for_url(re.compile(r"/rvr/sessions/\d+/call/$"))

        assert officer_page.evaluate(FRAME_DECODED, "#remote-video") > 0
        assert victim.evaluate(FRAME_DECODED, "[data-remote]") > 0
        expect(officer_page.locator("#call-status")).to_have_text("Connected.")

        victim.get_by_placeholder("Type a message").fill("I can't speak, he might hear")
        victim.get_by_role("button", name="Send", exact=True).click()
        expect(officer_page.locator("#chat-lines")).to_contain_text(
            "Victim: I can't speak, he might hear")
        officer_page.get_by_placeholder("Type to the victim").fill("Understood, type to me")
        officer_page.get_by_role("button", name="Send", exact=True).click()
        expect(victim.locator("[data-chat-lines]")).to_contain_text("Officer: Understood")

        officer_page.get_by_role("button", name="Capture still").click()
        expect(officer_page.locator("#capture-result")).to_contain_text("SHA-256")

        for number in range(1, 25):
            answer = "yes" if number <= 14 else "no"
            officer_page.locator(f'input[name="q{number}"][value="{answer}"]').check()
        officer_page.get_by_role("button", name="Save risk assessment").click()
        expect(officer_page.locator("#dash-result")).to_contain_text("MARAC referral needed")
        officer_page.get_by_label("Safeguarding advice given").fill("Safety plan, refuge line")
        officer_page.get_by_label("Crime details").fill("Assault by ex-partner, bruising")
        officer_page.get_by_role("button", name="Save notes").click()
        expect(officer_page.locator("#notes-result")).to_have_text("Notes saved.")
        screenshot(officer_page, "rvr_officer")
        screenshot(victim, "rvr_victim")

        officer_page.get_by_label("Resolved by video").check()
        officer_page.get_by_role("button", name="End the call and record the outcome").click()
        expect(officer_page.get_by_text("Outcome recorded.")).to_be_visible()
        expect(victim.get_by_role("heading", name="The call has ended")).to_be_visible()
    finally:
        for context in (coordinator_context, victim_context, officer_context):
            context.close()

    incident = Incident.objects.get(person=person)
    kinds = list(incident.log.order_by("seq").values_list("kind", flat=True))
    for kind in ["incident.opened", "rvr.check_answered", "rvr.consent_recorded",
                 "rvr.decided", "video.link_sent", "video.page_opened",
                 "video.session_joined", "video.connection_checked",
                 "video.officer_accepted", "video.chat_message", "evidence.still_captured",
                 "dash.recorded", "video.notes_recorded", "video.call_ended",
                 "video.outcome_recorded", "incident.closed"]:
        assert kind in kinds, kind
    assert kinds.count("rvr.check_answered") == 5
    still = EvidenceStill.objects.get()
    assert incident.log.get(kind="evidence.still_captured").data["sha256"] == still.sha256
    session = VideoSession.objects.get()
    assert None not in (session.opened_at, session.joined_at, session.officer_connected_at,
                        session.ended_at)
    assert "marac_referral" in incident.flags
    output = StringIO()
    call_command("incident_log_verify", stdout=output)
    assert output.getvalue().startswith("OK")


# Whether each of her camera's and microphone's tracks of a kind is on.
TRACKS_ON = ("kind => window.rvr.media().getTracks().filter(t => t.kind === kind)"
             ".map(t => t.enabled)")


def test_she_can_mute_and_turn_her_camera_off_and_back_on(rvr_call):
    victim = rvr_call.victim

    victim.get_by_role("button", name="Mute").click()
    victim.get_by_role("button", name="Camera off").click()

    expect(victim.get_by_role("button", name="Unmute")).to_have_attribute("aria-pressed", "true")
    expect(victim.get_by_role("button", name="Camera on")).to_have_attribute(
        "aria-pressed", "true")
    assert victim.evaluate(TRACKS_ON, "audio") == [False]
    assert victim.evaluate(TRACKS_ON, "video") == [False]

    victim.get_by_role("button", name="Unmute").click()
    victim.get_by_role("button", name="Camera on").click()

    assert victim.evaluate(TRACKS_ON, "audio") == [True]
    assert victim.evaluate(TRACKS_ON, "video") == [True]
