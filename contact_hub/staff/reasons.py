"""How much staff must write when their reason goes on the record.

Every service that asks for a reason checks it here, so the minimum is the same wherever the same
kind of reason is asked for.
"""

from __future__ import annotations

# A justification someone may later have to answer for: overriding a safe-contact plan, seeing
# full identifiers, raising a risk level, deciding a marker, leaving a diverted incident.
REASON_MIN_CHARS = 10
# A closing note where the choice itself says most: no action needed, or why a video call
# ends in attendance or a referral.
NOTE_MIN_CHARS = 5


def reason_too_short(reason: str, *, minimum: int = REASON_MIN_CHARS) -> bool:
    """Whether `reason`, without surrounding spaces, is shorter than the record needs."""
    return len(reason.strip()) < minimum
