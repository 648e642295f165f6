"""Safe windows: the times of day a caller said it is safe to call them back."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, time, timedelta

from django.utils import timezone

from contact_hub.people.safe_contact import within_window


@dataclass(frozen=True)
class SafeWindow:
    code: str
    label: str
    start: time | None
    end: time | None


ANY_TIME = SafeWindow("any", "Any time", None, None)
# The order is the order of the voice menu's keys (1, 2, 3) and of the web form's choices.
WINDOWS = {
    w.code: w for w in (
        ANY_TIME,
        SafeWindow("morning", "Mornings, 8am to 12 noon", time(8), time(12)),
        SafeWindow("afternoon", "Afternoons, 12 noon to 5pm", time(12), time(17)),
        SafeWindow("evening", "Evenings, 5pm to 9pm", time(17), time(21)),
    )
}
WINDOW_BY_KEY = {"1": "morning", "2": "afternoon", "3": "evening"}


def window_code(start: time | None, end: time | None) -> str:
    """The code a held change keeps for a window: a named window's, else "HH:MM-HH:MM" (a
    request merged into from a video call may carry the times of a safe-contact plan)."""
    for window in WINDOWS.values():
        if (window.start, window.end) == (start, end):
            return window.code
    if start is None or end is None:
        return ANY_TIME.code
    return f"{start:%H:%M}-{end:%H:%M}"


def window_for(code: str) -> SafeWindow:
    """The window a code stands for, named or "HH:MM-HH:MM" (see window_code)."""
    if code in WINDOWS:
        return WINDOWS[code]
    start, end = (time.fromisoformat(part) for part in code.split("-"))
    return SafeWindow(code, f"{start:%H:%M} to {end:%H:%M}", start, end)


def window_contains(start: time | None, end: time | None, at: datetime) -> bool:
    """Whether `at` (any timezone) falls in the daily local window; no window is any time."""
    if start is None or end is None:
        return True
    return within_window(timezone.localtime(at).time(), start, end)


def window_next_open(start: time | None, end: time | None, earliest: datetime) -> datetime:
    """The first moment at or after `earliest` that is inside the window."""
    if start is None or window_contains(start, end, earliest):
        return earliest
    local = timezone.localtime(earliest)
    opening = timezone.make_aware(datetime.combine(local.date(), start))
    if opening <= local:
        opening = timezone.make_aware(datetime.combine(local.date() + timedelta(days=1), start))
    return opening
