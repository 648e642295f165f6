r"""The formats of the ids Meta and X send us, and the one way an id goes into a URL path.

Ids are checked when a payload is parsed (a bad one refuses the whole delivery) and again
before one goes into a URL, where it is also quoted: an id can never change which endpoint the
hub calls (an X "user id" of `../../tweets?a=` would otherwise turn a reply into a public post).
Patterns are ASCII on purpose: `\d` would also take other scripts' digits.
"""

from __future__ import annotations

import re
from typing import TypeGuard
from urllib.parse import quote

from contact_hub.conversations.sending import TransportError

# X's ids and Meta's page, account, PSID/IGSID, phone number and media ids are 64-bit
# integers in decimal: at most 20 digits.
NUMERIC_ID = re.compile(r"[0-9]{1,20}")
# A WhatsApp user (wa_id) is their number in E.164 without the plus: at most 15 digits.
WHATSAPP_USER_ID = re.compile(r"[0-9]{1,15}")
# Messenger and Instagram mids and WhatsApp wamids are opaque base64-like strings
# ("m_…", "wamid.…=="), bounded by the column that keeps them; never "." or "/" first.
MESSAGE_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.:=+/-]{0,127}")


def id_valid(value: object, pattern: re.Pattern[str]) -> TypeGuard[str]:
    return isinstance(value, str) and pattern.fullmatch(value) is not None


def id_path_segment(value: object, pattern: re.Pattern[str], *, what: str) -> str:
    """`value` as one quoted URL path segment, or TransportError: a malformed id is never
    sent anywhere, and no retry can mend it. `what` names the id, never its value."""
    if id_valid(value, pattern):
        return quote(value, safe="")
    raise TransportError(f"{what} malformed", permanent=True)
