"""A staff session ends at the end of the shift, or sooner when the person stops using it.

Django's session age is renewed every time the session is saved, so it cannot hold a shift's
end by itself; the sign-in time and the last request are kept in the session and checked here,
for pages and for websockets alike. A page's own background fetches (live.js marks them) are
not the person using the hub, so they do not keep an unattended screen signed in.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.http import HttpRequest, HttpResponse

SIGNED_IN_AT = "hub_signed_in_at"
SEEN_AT = "hub_seen_at"
BACKGROUND_HEADER = "X-Hub-Background"
# Saving the session on every click would write to the database on every request; a minute's
# precision is plenty for a 30-minute limit.
SEEN_PRECISION_SECONDS = 60


def staff_session_ended(session: Any, *, now: float | None = None) -> str | None:
    """Why the session is over ("idle" or "shift"), or None while it is still good."""
    now = time.time() if now is None else now
    signed_in, seen = session.get(SIGNED_IN_AT), session.get(SEEN_AT)
    if signed_in is not None and now - signed_in > settings.SESSION_COOKIE_AGE:
        return "shift"
    if seen is not None and now - seen > settings.HUB_SESSION_IDLE_MINUTES * 60:
        return "idle"
    return None


def staff_session_started(session: Any, *, now: float | None = None) -> None:
    """At sign-in: the shift's clock starts again, even for a session signed in before."""
    now = time.time() if now is None else now
    session[SIGNED_IN_AT] = session[SEEN_AT] = now


def staff_session_seen(session: Any, *, now: float | None = None) -> None:
    now = time.time() if now is None else now
    session.setdefault(SIGNED_IN_AT, now)
    if now - session.get(SEEN_AT, 0) >= SEEN_PRECISION_SECONDS:
        session[SEEN_AT] = now


ENDED_NOTICE = {
    "idle": "You were signed out after {minutes} minutes without activity. Sign in again.",
    "shift": "Your session reached the end of a shift. Sign in again.",
}


class StaffSessionTimeoutMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if not request.user.is_authenticated:
            return self.get_response(request)
        ended = staff_session_ended(request.session)
        if ended is not None:
            logout(request)
            if request.headers.get(BACKGROUND_HEADER):
                return HttpResponse("Signed out.", status=401, content_type="text/plain")
            messages.info(request, ENDED_NOTICE[ended].format(
                minutes=settings.HUB_SESSION_IDLE_MINUTES))
            return self.get_response(request)
        if not request.headers.get(BACKGROUND_HEADER):
            staff_session_seen(request.session)
        return self.get_response(request)
