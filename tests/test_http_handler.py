"""HTTP under ASGI: one thread switch per request, onto a thread kept for the next request."""

from __future__ import annotations

import threading

import pytest
from channels.testing import HttpCommunicator
from django.core.signals import request_finished, request_started
from django.db import connection

from contact_hub.http_handler import OneSwitchASGIHandler

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def threads_seen():
    seen: list[tuple[str, int]] = []

    def started(**kwargs: object) -> None:
        seen.append(("started", threading.get_ident()))

    def finished(**kwargs: object) -> None:
        seen.append(("finished", threading.get_ident()))

    request_started.connect(started)
    request_finished.connect(finished)
    yield seen
    request_started.disconnect(started)
    request_finished.disconnect(finished)


async def _get(handler: OneSwitchASGIHandler, path: str) -> dict:
    communicator = HttpCommunicator(handler, "GET", path, headers=[(b"host", b"127.0.0.1")])
    response = await communicator.get_response(timeout=10)
    await communicator.wait(timeout=10)  # until the request has finished, signals and all
    return response


async def test_a_request_runs_its_signals_and_view_on_one_kept_thread(threads_seen):
    handler = OneSwitchASGIHandler()

    first = await _get(handler, "/health/")
    second = await _get(handler, "/health/")

    assert first["status"] == second["status"] == 200
    idents = {ident for _, ident in threads_seen}
    assert len(threads_seen) == 4 and len(idents) == 1  # both requests, one kept thread
    assert threading.get_ident() not in idents  # never the event loop's thread


async def test_the_database_connection_goes_back_at_the_end_of_each_request():
    handler = OneSwitchASGIHandler()

    await _get(handler, "/health/")  # /health/ queries the database

    kept = handler._idle[0]
    assert kept.submit(lambda: connection.connection is None).result(timeout=5)


async def test_staff_pages_are_still_refused_without_a_second_factor():
    handler = OneSwitchASGIHandler()

    response = await _get(handler, "/triage/")

    assert response["status"] == 302
    assert dict(response["headers"])[b"Location"].startswith(b"/staff/login/")


async def test_requests_beyond_the_thread_limit_wait_their_turn_and_are_all_served():
    import asyncio

    handler = OneSwitchASGIHandler(threads=2)

    responses = await asyncio.gather(*(_get(handler, "/health/") for _ in range(6)))

    assert [r["status"] for r in responses] == [200] * 6
    assert len(handler._idle) == 2  # never more threads than the limit
