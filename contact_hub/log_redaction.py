"""Removes phone numbers and link tokens that slip into a log line.

Code must never log a victim's number, message text or a link token; this is the second line of
defence for what third-party code (an HTTP server's access log, a library's debug line, an
exception's message or traceback) might print. Every handler in settings.LOGGING formats with
RedactingFormatter, in the web process and in Celery's worker and beat alike.
"""

from __future__ import annotations

import logging
import re

# Nine or more digits, optionally with +, spaces, dashes or brackets: a UK or E.164 number.
# A full stop may end the sentence the number ends; it only continues one before a digit.
PHONE_LIKE = re.compile(r"(?<![\w/.])(?!\d{4}-\d\d-\d\d)\+?\d[\d\s()-]{7,}\d(?!\w|\.\d)")
# The same number form-encoded, as a provider's webhook body carries it (From=%2B4477...).
ENCODED_PHONE = re.compile(r"%2B\d{8,}", re.IGNORECASE)
# A victim's link (/v/) or an interpreter's (/i/, rvr/interpreter.py).
LINK_TOKEN = re.compile(r"(/[vi]/)[A-Za-z0-9_-]{16,}")
# A token or secret passed by name: a querystring (?token=...), a call's keyword argument in an
# exception (token='...'), a dict's repr ('browser_secret': '...').
NAMED_SECRET = re.compile(
    r"""((?:token|secret)["']?\s*[=:]\s*["']?)[A-Za-z0-9_.~%+/-]{8,}""", re.IGNORECASE)


def redact(text: str) -> str:
    text = ENCODED_PHONE.sub("[number]", text)
    text = PHONE_LIKE.sub("[number]", text)
    text = LINK_TOKEN.sub(r"\1[token]", text)
    return NAMED_SECRET.sub(r"\1[token]", text)


class RedactingFormatter(logging.Formatter):
    """Formats the whole record (message, exception and stack) and then redacts it, so a
    traceback is cleaned as thoroughly as the message."""

    def format(self, record: logging.LogRecord) -> str:
        return redact(super().format(record))
