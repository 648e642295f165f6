"""The words a text to a victim must never hold: her phone may be read by the person she fears.

Free of Django, so the force file's notices (read by settings) and the texts staff send are
checked against the same list.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

FORBIDDEN_WORDS = frozenset({
    "police", "policing", "officer", "officers", "constable", "detective", "sergeant",
    "inspector", "cop", "cops", "999", "101", "crime", "criminal", "case", "incident",
    "reference", "report", "arrest", "court", "bail", "domestic", "abuse", "abuser", "victim",
    "violence", "assault", "marac", "idva", "safeguarding", "refuge", "evidence", "statement",
    "investigation", "suspect", "offender",
})
REFERENCE = re.compile(r"\b(INC|CAD|CRN|URN)[-/ ]?\d+|\b\d{6,}\b", re.I)


def forbidden_words_in(text: str, *, extra: Iterable[str] = ()) -> list[str]:
    """The forbidden words `text` holds, lower-cased and sorted; `extra` adds a force's own."""
    words = set(re.findall(r"[A-Za-z0-9']+", text.lower()))
    return sorted(words & (FORBIDDEN_WORDS | {word.lower() for word in extra}))
