"""A logging filter that removes phone numbers and link tokens that slip into a log line.

Code must never log a victim's number, message text or a link token; this filter is the second
line of defence for what third-party code (an HTTP server's access log, a library's debug line)
might print.
"""

from __future__ import annotations

import logging
import re

# Nine or more digits, optionally with +, spaces, dashes or brackets: a UK or E.164 number.
PHONE_LIKE = re.compile(r"(?<![\w/.])(?!\d{4}-\d\d-\d\d)\+?\d[\d\s()-]{7,}\d(?![\w.])")
LINK_TOKEN = re.compile(r"(/v/)[A-Za-z0-9_-]{16,}")


def redact(text: str) -> str:
    text = PHONE_LIKE.sub("[number]", text)
    return LINK_TOKEN.sub(r"\1[token]", text)


class RedactFilter(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        cleaned = redact(message)
        if cleaned != message:
            record.msg, record.args = cleaned, None
        return True
