"""What every browser test does: sign in as a member of staff, and keep screenshots."""

from __future__ import annotations

import threading
from collections.abc import Callable
from pathlib import Path

from django.db import connection
from playwright.sync_api import expect

from tests.factories import PASSWORD, totp_code

SCREENSHOTS = Path(__file__).resolve().parents[2] / "var" / "screenshots"


def sign_in(page, base_url: str, user) -> None:
    page.goto(f"{base_url}/triage/")
    expect(page.get_by_role("heading", name="Sign in")).to_be_visible()
    page.get_by_label("Username").fill(user.username)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_label("Authenticator code").fill(totp_code(user))
    page.get_by_role("button", name="Sign in").click()


def screenshot(page, name: str) -> None:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / f"{name}.png"), full_page=True)


def elsewhere(work: Callable[[], object]) -> None:
    """Run server-side work on another thread, as a webhook or worker would: this thread runs
    Playwright's event loop, where the channel layer's sync wrapper cannot send events."""

    def run() -> None:
        try:
            work()
        finally:
            connection.close()

    worker = threading.Thread(target=run)
    worker.start()
    worker.join(timeout=30)
