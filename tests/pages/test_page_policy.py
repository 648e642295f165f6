"""The one strict Content-Security-Policy, in a real browser: every staff page and the victim
page load, run their scripts and open their websockets without a single violation."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.factories import received_message
from tests.pages.browser import sign_in

pytestmark = [pytest.mark.browser, pytest.mark.redis, pytest.mark.postgres]
STAFF_PAGES = ["/triage/", "/incidents/", "/callback/", "/rvr/", "/rvr/figures/",
               "/contacts/outbox/", "/staff/access-log/"]


def _violations(page) -> list[str]:
    seen: list[str] = []
    page.on("console", lambda message: seen.append(message.text)
            if "Content Security Policy" in message.text else None)
    return seen


def test_staff_pages_run_under_the_policy_without_a_violation(live_hub, page, supervisor):
    person = received_message(text="are you there").conversation.person
    violations = _violations(page)
    sign_in(page, live_hub, supervisor)
    expect(page.locator("#live-state")).to_have_attribute("data-state", "live")

    for path in [*STAFF_PAGES, f"/people/{person.pk}/"]:
        response = page.goto(f"{live_hub}{path}")
        assert response.status in (200, 403), path
        assert "default-src 'none'" in response.headers["content-security-policy"]

    assert violations == []


def test_the_victim_page_runs_under_the_policy_without_a_violation(live_hub, page):
    violations = _violations(page)

    page.goto(f"{live_hub}/v/{'A' * 43}/")

    expect(page.get_by_role("alert")).to_contain_text("This link is not valid")
    assert violations == []
