"""Log redaction: every line the hub's handlers print, tracebacks included, without numbers or
link tokens, in the web process and when Celery sets up a worker's or beat's logging."""

from __future__ import annotations

import logging
from collections.abc import Iterator

import pytest
from celery.app.log import Logging

from contact_hub.celery import app as celery_app
from contact_hub.log_redaction import RedactingFormatter, redact

NUMBER = "+447700900123"
TOKEN = "Zq3v7XkP0aLm9TbN2cRd5YeWf8Hg1Js4Ku6Mo_Vp-xQ"  # 43 characters, as a link carries
LOGGER = logging.getLogger("contact_hub.test_log_redaction")


def _hub_handlers() -> list[logging.Handler]:
    """Every handler that prints, on any logger, but the test runner's own."""
    loggers = [logging.getLogger(), *(logger for logger in logging.Logger.manager.loggerDict
                                      .values() if isinstance(logger, logging.Logger))]
    return [handler for logger in loggers for handler in logger.handlers
            if not type(handler).__module__.startswith("_pytest")
            and not isinstance(handler, logging.NullHandler)]


def _printed(records: list[logging.LogRecord]) -> str:
    handler = next(h for h in logging.getLogger().handlers
                   if isinstance(h.formatter, RedactingFormatter))
    return "\n".join(handler.format(record) for record in records)


@pytest.fixture
def celery_logging_undone(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """Celery sets up logging once per process and leaves marks for its children: undo both,
    and the root logger's handlers and level, after the test."""
    monkeypatch.setattr(Logging, "_setup", False)
    for mark in ("_MP_FORK_LOGLEVEL_", "_MP_FORK_LOGFILE_", "_MP_FORK_LOGFORMAT_"):
        monkeypatch.setenv(mark, "")
    root = logging.getLogger()
    handlers, level = root.handlers[:], root.level
    yield
    root.handlers[:], root.level = handlers, level


def test_a_logged_exception_is_printed_without_the_number_or_token_in_its_traceback(caplog):
    try:
        raise LookupError(f"no video link /v/{TOKEN}/ for {NUMBER}")
    except LookupError:
        LOGGER.exception("sending a link to %s failed", NUMBER)

    printed = _printed(caplog.records)

    assert "Traceback (most recent call last)" in printed
    assert "LookupError: no video link /v/[token]/ for [number]" in printed
    assert NUMBER not in printed and TOKEN not in printed
    assert "sending a link to [number] failed" in printed


def test_a_stack_logged_with_the_line_is_redacted_too(caplog):
    LOGGER.warning("odd reply from %s", NUMBER, stack_info=True)

    printed = _printed(caplog.records)

    assert "Stack (most recent call last)" in printed
    assert NUMBER not in printed


def test_every_handler_the_hub_configures_redacts_what_it_prints():
    handlers = _hub_handlers()

    assert handlers
    assert all(isinstance(handler.formatter, RedactingFormatter) for handler in handlers)


@pytest.mark.parametrize("logger", ["django.request", "django.server", "uvicorn.access",
                                    "uvicorn.error", "celery.worker.consumer"])
def test_frameworks_log_lines_reach_the_redacting_handler(logger, caplog):
    logging.getLogger(logger).error('"GET /v/%s/ HTTP/1.1" 404 for %s', TOKEN, NUMBER)

    printed = _printed(caplog.records)

    assert '"GET /v/[token]/ HTTP/1.1" 404 for [number]' in printed
    assert all(not logging.getLogger(name).handlers for name in ("django", "django.server"))


def test_when_celery_sets_up_a_workers_logging_every_handler_still_redacts(
        celery_logging_undone):
    celery_app.log.setup_logging_subsystem(loglevel="INFO")

    root = logging.getLogger()
    assert root.level == logging.INFO
    assert [type(handler.formatter) for handler in root.handlers] == [RedactingFormatter]
    assert all(isinstance(handler.formatter, RedactingFormatter) for handler in _hub_handlers())
    record = logging.getLogger("celery.app.trace").makeRecord(
        "celery.app.trace", logging.ERROR, __file__, 1, "task failed for %s", (NUMBER,), None)
    assert NUMBER not in root.handlers[0].format(record)


@pytest.mark.parametrize(("line", "redacted"), [
    (f"GET /v/{TOKEN}/join/?next=/", "GET /v/[token]/join/?next=/"),
    (f"GET /rvr/open/?token={TOKEN}&x=1", "GET /rvr/open/?token=[token]&x=1"),
    (f"video_session_join(token='{TOKEN}')", "video_session_join(token='[token]')"),
    (f"{{'browser_secret': '{TOKEN}'}}", "{'browser_secret': '[token]'}"),
    ("From=%2B447700900123&Body=hi", "From=[number]&Body=hi"),
    ("call 07700 900123 now", "call [number] now"),
    ("whatsapp:+447700900123", "whatsapp:[number]"),
    ("undeliverable to +447700900123.", "undeliverable to [number]."),
    ("call 07700 900 123.", "call [number]."),
])
def test_numbers_and_tokens_are_redacted_wherever_they_appear(line, redacted):
    assert redact(line) == redacted


@pytest.mark.parametrize("line", [
    "2026-12-01 09:45:40,594 WARNING security event bad_signature from 203.0.113.5 on /sms/",
    "203.0.113.5:54321 - \"GET /triage/ HTTP/1.1\" 200",
    "followup 4211 done in 1234 ms (attempt 2 of 8)",
    "2001:db8::1 refused; retry in 30 s; token_hash=3f9a",
])
def test_times_addresses_and_references_are_left_as_they_are(line):
    assert redact(line) == line
