""""He's back" in real browsers: the victim's discreet "Later" control and her key word in the
chat each send her page to the neutral site at once, the officer's console shows it, and the
incident is immediate with its escalation timers, back on the dispatch list."""

from __future__ import annotations

import re
from typing import Any

import pytest
from playwright.sync_api import expect

from contact_hub.incidents.models import Alert, EscalationTimer, Incident
from rvr.models import CallMessage, VideoSession
from rvr.suspect_present import key_word_set
from tests.pages.browser import sign_in
from tests.pages.rvr_calls import PHONE, context_page, link_sent, victim_waits

pytestmark = [pytest.mark.browser, pytest.mark.postgres, pytest.mark.redis]
WORD = "Blue umbrella"


@pytest.fixture
def neutral_exit(live_hub: str, settings: Any) -> str:
    """Where the quick exit goes: a plain page of the local hub (the machine has no internet)."""
    settings.RVR_QUICK_EXIT_URL = f"{live_hub}/health/"
    return settings.RVR_QUICK_EXIT_URL


def _on_neutral_page(victim: Any, exit_url: str) -> None:
    victim.wait_for_url(exit_url, timeout=10000)
    assert "/v/" not in victim.url


def _immediate_with_timers(session: VideoSession) -> Incident:
    incident = Incident.objects.get(pk=session.incident_id)
    assert incident.grade == "immediate"
    assert incident.status == Incident.Status.OPEN and incident.assigned_to is None
    timers = EscalationTimer.objects.filter(incident=incident, fired_at__isnull=True,
                                            cancelled_at__isnull=True)
    assert timers.exists()
    assert set(timers.values_list("target_at", flat=True)) == {incident.target_at}
    assert Alert.objects.filter(kind=Alert.Kind.SUSPECT_PRESENT, incident=incident).exists()
    return incident


def test_the_later_button_leaves_at_once_and_the_officer_is_told(neutral_exit, rvr_call):
    later = rvr_call.victim.get_by_role("button", name="Later")
    expect(later).to_be_visible()

    later.focus()
    rvr_call.victim.keyboard.press("Enter")

    _on_neutral_page(rvr_call.victim, neutral_exit)
    banner = rvr_call.officer.locator("#suspect-present")
    expect(banner).to_be_visible(timeout=10000)
    expect(banner).to_contain_text("Suspect back with the victim")
    expect(banner).to_contain_text("Her page has closed")
    session = VideoSession.objects.get(pk=rvr_call.session.pk)
    assert session.suspect_present_by == "button" and session.ended_by == "victim"
    _immediate_with_timers(session)


def test_the_coordinator_agrees_a_key_word_and_it_is_never_shown_again(
        rvr_hub, chromium, coordinator):
    session, _ = link_sent(coordinator)
    context, page = context_page(chromium)
    try:
        sign_in(page, rvr_hub, coordinator)
        page.goto(f"{rvr_hub}/rvr/incidents/{session.incident.reference}/check/")

        page.get_by_label("Key word agreed with the victim").fill(WORD)
        page.get_by_role("button", name="Set the key word").click()

        expect(page.get_by_text("A key word is set.")).to_be_visible()
        assert "umbrella" not in page.content().lower()
        expect(page.get_by_label("Agree a new key word")).to_have_value("")
    finally:
        context.close()


def test_the_key_word_in_the_chat_leaves_at_once_and_is_never_shown(
        neutral_exit, rvr_call, coordinator):
    key_word_set(assessment=rvr_call.session.assessment, key_word=WORD, actor=coordinator)
    chat = rvr_call.victim.get_by_placeholder("Type a message")

    chat.fill("sorry… BLUE umbrella")
    chat.press("Enter")

    _on_neutral_page(rvr_call.victim, neutral_exit)
    banner = rvr_call.officer.locator("#suspect-present")
    expect(banner).to_be_visible(timeout=10000)
    expect(banner).to_contain_text("graded immediate")
    assert "umbrella" not in rvr_call.officer.locator("#chat-lines").inner_text().lower()
    session = VideoSession.objects.get(pk=rvr_call.session.pk)
    assert session.suspect_present_by == "key_word"
    assert not CallMessage.objects.filter(session=session).exists()
    _immediate_with_timers(session)


def test_while_she_waits_the_console_and_the_supervisor_are_told(
        neutral_exit, rvr_hub, chromium, coordinator, officer, supervisor):
    session, link = link_sent(coordinator)
    victim_context, victim = context_page(chromium, **PHONE)
    officer_context, console = context_page(chromium)
    supervisor_context, dashboard = context_page(chromium)
    try:
        victim_waits(victim, link)
        sign_in(console, rvr_hub, officer)
        console.goto(f"{rvr_hub}/rvr/")
        expect(console.get_by_role("button", name="Accept")).to_be_visible()
        sign_in(dashboard, rvr_hub, supervisor)
        dashboard.goto(f"{rvr_hub}/triage/")
        expect(dashboard.locator("#live-state")).to_have_attribute("data-state", "live")
        expect(console.locator("#live-state")).to_have_attribute("data-state", "live")

        victim.get_by_role("button", name="Later").click()

        _on_neutral_page(victim, neutral_exit)
        shown = console.get_by_role("alert", name="Suspect back")
        expect(shown).to_contain_text(session.incident.reference, timeout=10000)
        expect(shown).to_contain_text("while she was waiting")
        expect(dashboard.locator("li.alert.suspect_present")).to_contain_text(
            re.compile(r"Suspect back with the victim\s+" + session.incident.reference),
            timeout=10000)
        _immediate_with_timers(VideoSession.objects.get(pk=session.pk))
    finally:
        victim_context.close()
        officer_context.close()
        supervisor_context.close()


def test_a_later_request_lost_on_the_way_is_sent_once_more(neutral_exit, rvr_hub, chromium,
                                                          coordinator):
    session, link = link_sent(coordinator)
    victim_context, victim = context_page(chromium, **PHONE)
    posts: list[str] = []
    held: list[Any] = []

    def later_route(route: Any) -> None:
        posts.append(route.request.method)
        if len(posts) == 1:
            route.abort()  # the first is lost on the way
            return
        route.continue_()
        for exit_route in held:  # her page may leave now: the retry is out
            exit_route.continue_()

    def exit_route(route: Any) -> None:
        # The neutral site answers only once the retry is out, so the page lives to send it.
        if len(posts) >= 2:
            route.continue_()
        else:
            held.append(route)

    try:
        victim_waits(victim, link)
        victim.route(re.compile(r"/v/[^/]+/later/$"), later_route)
        victim.route(neutral_exit, exit_route)

        victim.get_by_role("button", name="Later").click()

        _on_neutral_page(victim, neutral_exit)
        assert posts == ["POST", "POST"]
        # Her page may reach the neutral site before the hub has stored the retried post.
        for _ in range(100):
            if VideoSession.objects.get(pk=session.pk).suspect_present_by:
                break
            victim.wait_for_timeout(100)
        assert VideoSession.objects.get(pk=session.pk).suspect_present_by == "button"
    finally:
        victim_context.close()
