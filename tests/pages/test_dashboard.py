"""A coordinator signs in with a real browser, watches contacts arrive live on the dashboard,
grades one and sees its countdown."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from contact_hub.triage.queue import QUEUE_LIMIT
from tests.factories import PASSWORD, received_message, totp_code, triaged_message
from tests.pages.browser import elsewhere, screenshot, sign_in

pytestmark = [pytest.mark.browser, pytest.mark.redis, pytest.mark.postgres]


def _arrives(**message: str) -> None:
    elsewhere(lambda: received_message(**message))


def test_a_coordinator_watches_a_text_arrive_grades_it_and_sees_the_countdown(
        live_hub, page, coordinator):
    sign_in(page, live_hub, coordinator)
    expect(page.get_by_role("heading", name="Dashboard")).to_be_visible()
    expect(page.get_by_text("Nothing needs a person right now")).to_be_visible()
    expect(page.locator("#live-state")).to_have_attribute("data-state", "live")
    page.evaluate("window.notReloaded = true")

    _arrives(sender="07700900555", text="My ex is outside, I can't talk. Please help")

    row = page.locator("tr.item.message")
    expect(row).to_contain_text("My ex is outside", timeout=10000)
    expect(row).to_contain_text("Domestic abuse")
    expect(row).to_contain_text("Cannot speak freely")
    expect(row.locator("q.words", has_text="My ex")).to_be_visible()
    expect(page.get_by_text("+44 •••• ••555")).to_be_visible()
    assert page.evaluate("window.notReloaded") is True
    assert "07700900555" not in page.content() and "+447700900555" not in page.content()
    screenshot(page, "dashboard")

    row.get_by_role("link", name="Triage").click()
    # The flags suggest the grade.
    expect(page.get_by_label("Grade:", exact=True)).to_have_value("priority")
    page.get_by_label("Opening code:", exact=True).select_option("DOMESTIC")
    page.get_by_label("Grade:", exact=True).select_option("immediate")
    page.get_by_label("Threat:", exact=True).fill("ex-partner outside the address")
    page.get_by_role("button", name="Open incident").click()

    expect(page.get_by_role("heading", name="INC-")).to_be_visible()
    countdown = page.locator("dd.big time.countdown")
    expect(countdown).to_contain_text("left")
    first = countdown.text_content()
    expect(countdown).not_to_have_text(first, timeout=3000)  # it ticks
    expect(page.locator("ol.timeline")).to_contain_text("Incident opened")
    screenshot(page, "incident")

    page.goto(f"{live_hub}/triage/")
    incident_row = page.locator("tr.item.incident")
    expect(incident_row.locator("time.countdown")).to_contain_text("left")
    expect(page.locator("tr.item.message")).to_have_count(0)


def test_a_wrong_code_keeps_the_browser_on_the_sign_in_page(live_hub, page, coordinator):
    page.goto(f"{live_hub}/staff/login/")
    page.get_by_label("Username").fill(coordinator.username)
    page.get_by_label("Password").fill(PASSWORD)
    wrong = "000000" if totp_code(coordinator) != "000000" else "111111"
    page.get_by_label("Authenticator code").fill(wrong)
    page.get_by_role("button", name="Sign in").click()

    expect(page.get_by_role("alert")).to_contain_text("Those details are not right")
    page.goto(f"{live_hub}/triage/")
    expect(page.get_by_role("heading", name="Sign in")).to_be_visible()


def test_the_person_page_shows_one_thread_across_channels(live_hub, page, coordinator):
    received_message(channel="sms", sender="07700900556", text="text first")
    person = triaged_message(channel="whatsapp", sender="+447700900556",
                             text="then whatsapp").conversation.person
    sign_in(page, live_hub, coordinator)

    page.goto(f"{live_hub}/people/{person.pk}/")

    thread = page.locator("ol.thread li")
    expect(thread).to_have_count(2)
    expect(thread.first).to_contain_text("then whatsapp")
    expect(page.get_by_text("Numbers are masked.")).to_be_visible()
    screenshot(page, "person")


def test_a_new_contact_takes_its_place_in_a_full_queue_without_refetching_the_rest(
        live_hub, page, coordinator):
    waiting = [triaged_message(text=f"noise complaint {n}") for n in range(QUEUE_LIMIT)]
    sign_in(page, live_hub, coordinator)
    rows = page.locator("table.queue tbody tr")
    expect(rows).to_have_count(QUEUE_LIMIT)
    expect(page.locator("#live-state")).to_have_attribute("data-state", "live")
    expect(page.locator("[data-queue-notice]")).to_be_hidden()
    expect(page.locator("#queue[data-synced-at]")).to_have_count(1)  # the resync on connect
    first_waiting = f'tr[data-item="message:{waiting[0].pk}"]'
    page.evaluate(f"document.querySelector('{first_waiting}').dataset.seen = 'before'")

    _arrives(sender="07700900557", text="he has a knife and says he will kill me")

    expect(rows.first).to_contain_text("he has a knife", timeout=10000)
    expect(rows).to_have_count(QUEUE_LIMIT)  # the least urgent row made room
    expect(page.locator(f'tr[data-item="message:{waiting[-1].pk}"]')).to_have_count(0)
    expect(page.locator("[data-queue-notice]")).to_have_text(
        f"{QUEUE_LIMIT + 1} contacts are waiting; the {QUEUE_LIMIT} most at risk are shown.")
    # Only the new row was fetched: the rows already shown are the same elements.
    assert page.locator(first_waiting).get_attribute("data-seen") == "before"
    # Once events pause, the page fetches the whole queue again, so nothing drifts.
    expect(page.locator(first_waiting)).not_to_have_attribute("data-seen", "before",
                                                              timeout=10000)
    expect(rows.first).to_contain_text("he has a knife")


def test_with_the_worker_down_a_text_shows_with_its_flags_and_its_history_follows(
        live_hub, page, coordinator, worker_stopped):
    sign_in(page, live_hub, coordinator)
    expect(page.locator("#live-state")).to_have_attribute("data-state", "live")
    page.evaluate("window.notReloaded = true")
    # The row as it first arrives: a resync fetch a moment later computes its history live
    # (worker or not), so the pushed row is caught as it is inserted.
    page.evaluate("""() => { window.firstRow = new Promise(resolve => new MutationObserver(() => {
        const row = document.querySelector('tr.item.message');
        if (row) resolve({stage: row.dataset.stage || '', text: row.textContent,
                          history: row.querySelector('td.history').textContent});
    }).observe(document.getElementById('queue'), {childList: true, subtree: true})); }""")

    _arrives(sender="07700900558", text="He's here, he has a knife")

    first = page.evaluate("window.firstRow")
    assert first["stage"] == "rules"
    assert "he has a knife" in first["text"] and "Immediate danger" in first["text"]
    assert "checking history" in first["history"]
    row = page.locator("tr.item.message")
    expect(row.locator(".risk")).to_have_text("100")

    elsewhere(worker_stopped)  # the worker comes back

    expect(row.locator("td.history")).to_contain_text("first contact", timeout=10000)
    expect(row).to_contain_text("suggest Immediate")
    assert page.evaluate("window.notReloaded") is True
    # The row came rendered for every page; its form carries this page's own CSRF token.
    row.get_by_role("button", name="Claim").click()
    expect(page.locator("tr.item.message .claimed")).to_have_text("casey")
