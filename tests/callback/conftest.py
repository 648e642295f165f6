"""Callback fixtures: the Twilio call backend with only the SDK's HTTP layer faked, a helper
that puts a caller in the queue at a chosen time, and what professional standards hear."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import datetime
from xml.etree import ElementTree

import pytest
from django.utils import timezone

from callback.models import CallbackRequest
from callback.services import CallbackAsk, callback_request_create
from tests.factories import drama_number

FROM_NUMBER = "+441632960001"


@pytest.fixture(autouse=True)
def call_line(twilio: type, settings: object) -> Iterator[type]:
    """Calls go out through the real Twilio backend; FakeTwilioHttp records what was sent."""
    settings.HUB_CALL_BACKEND = "callback.calling.TwilioCallBackend"
    settings.HUB_CALLBACK_FROM_NUMBER = FROM_NUMBER
    settings.HUB_CALLBACK_MAX_ATTEMPTS = 3
    settings.HUB_CALLBACK_RETRY_MINUTES = 10
    yield twilio


def local(*args: int) -> datetime:
    """A wall-clock time in the control room's time zone."""
    return timezone.make_aware(datetime(*args))


@pytest.fixture
def ask_callback(db: None) -> Callable[..., CallbackRequest]:
    def ask(number: str | None = None, *, now: datetime | None = None, source: str = "web",
            window: str | None = "any", voicemail_ok: bool | None = False,
            texts_ok: bool | None = False) -> CallbackRequest:
        return callback_request_create(
            ask=CallbackAsk(source=source, number=number or drama_number(), window=window,
                            voicemail_ok=voicemail_ok, texts_ok=texts_ok),
            now=now).callback_request

    return ask


def twiml(response: object) -> ElementTree.Element:
    """The TwiML a webhook answered with, parsed as XML."""
    assert response["Content-Type"].startswith("text/xml")
    root = ElementTree.fromstring(response.content)
    assert root.tag == "Response"
    return root


def call_sid(n: int) -> str:
    """A CallSid in Twilio's format: CA and 32 hex digits."""
    return f"CA{n:032x}"


def spoken(root: ElementTree.Element) -> str:
    return " ".join(say.text or "" for say in root.iter("Say"))

