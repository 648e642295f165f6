from __future__ import annotations

import os
import shutil
from collections.abc import Iterator

import pytest
from channels.layers import channel_layers

from tests.servers import hub_server

CHROMIUM_ARGS = [
    "--no-sandbox", "--disable-gpu", "--disable-background-networking",
    "--disable-component-update", "--no-first-run", "--disable-sync",
    "--use-fake-ui-for-media-stream", "--use-fake-device-for-media-stream",
]


@pytest.fixture(scope="module")
def chromium() -> Iterator[object]:
    """One browser per test module: Playwright's sync API holds an event loop on this thread
    while it runs, which must be gone again before any asyncio test."""
    # Playwright's sync API keeps an event loop on this thread; the test's own ORM calls are
    # still plain synchronous code, so Django's async-safety guard does not apply to them.
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    try:
        yield from _launch()
    finally:
        del os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"]


def _launch() -> Iterator[object]:
    path = shutil.which("chromium")
    if path is None:
        pytest.fail("Chromium is not installed: apt-get install -y chromium (bin/test does this)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=path, headless=True,
                                             args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture
def live_hub(transactional_db: None) -> Iterator[str]:
    with hub_server() as url:
        yield url
    # The server's event loop is gone, and consumers it ran may have left the shared channel
    # layer mid-receive (bound to that loop); later tests start with a fresh layer.
    channel_layers.backends.clear()


@pytest.fixture
def page(chromium: object) -> Iterator[object]:
    context = chromium.new_context(viewport={"width": 1200, "height": 800})
    page = context.new_page()
    yield page
    context.close()


from tests.pages.rvr_calls import rvr_call, rvr_hub  # noqa: E402, F401 - shared RVR fixtures
