"""The victim's pages: public, neutral, uncached, no referrer, nothing from anywhere else.

GET /v/<token>/ only shows the page (link previews and scanners fetch it too). The page's script
reports it opened, and the victim's "join" (a POST) consumes the token and binds the session to
that browser with a cookie.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from django.conf import settings
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.http import require_POST

from contact_hub.staff.access import public_form
from contact_hub.staff.audit import security_event_record
from rvr.availability import victim_wait_words
from rvr.connection import call_quality_config
from rvr.ice import ice_servers, relay_only
from rvr.links import (
    BROWSER_COOKIE,
    browser_matches,
    link_refusal,
    session_for_token,
    video_page_opened,
    video_session_join,
)

REFUSALS = {
    "unknown": "This link is not valid. Check you opened the whole link from the text.",
    "expired": "This link has expired. If you still want a video call, get in touch again "
               "and ask for a new link.",
    "revoked": "This link is no longer active. If you were expecting a call, get in touch "
               "again.",
    "ended": "This call has ended. Thank you.",
    "second_browser": "This link has already been used on another device, so it cannot be "
                      "used here. If that wasn't you, get in touch again and ask for a new link.",
}
# Opened anywhere but the browser that joined, a link that cannot be used says only this,
# whatever the reason: an old text on her phone must not tell him she had the call.
NO_LONGER_ACTIVE = ("This link is no longer active. If you still want a video call, get in "
                    "touch again and ask for a new link.")
COOKIE_SECONDS = 6 * 60 * 60


def _refusal_words(refusal: str, *, own_browser: bool) -> tuple[str, int]:
    """What the page says about a refused link, and its status."""
    if refusal == "unknown":
        return REFUSALS["unknown"], 404
    if own_browser:
        return REFUSALS[refusal], 200 if refusal == "ended" else 410
    return NO_LONGER_ACTIVE, 410


def victim_page(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """Public, no CSRF cookie, posts only from its own page (public_form), and every response
    carries the headers that keep the visit private (the strict CSP and no-store come with every
    page, contact_hub/page_headers.py)."""

    @wraps(view)
    def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        response = view(request, *args, **kwargs)
        response["Referrer-Policy"] = "no-referrer"
        response["X-Robots-Tag"] = "noindex, nofollow, noarchive"
        # Location only for this page's own origin, and its script asks only when she presses
        # "Share my location" (static/rvr/victim_share.js); every other page refuses it.
        response["Permissions-Policy"] = ("camera=(self), microphone=(self), "
                                          "geolocation=(self)")
        return response

    return public_form(wrapped)


@victim_page
def victim_page_view(request: HttpRequest, token: str) -> HttpResponse:
    """Shows the page in the state the link is in; changes nothing."""
    session = session_for_token(token)
    refusal = link_refusal(session, now=timezone.now())
    returning = session is not None and browser_matches(
        session, request.COOKIES.get(BROWSER_COOKIE, ""))
    if refusal is None and session is not None and session.browser_hash and not returning:
        refusal = "second_browser"
    words, status = _refusal_words(refusal, own_browser=returning) if refusal else ("", 200)
    return render(request, "rvr/victim.html", {
        "refusal": words, "returning": returning, "exit_url": settings.RVR_QUICK_EXIT_URL,
    }, status=status)


@require_POST
@victim_page
def victim_opened_view(request: HttpRequest, token: str) -> HttpResponse:
    video_page_opened(token=token)
    return HttpResponse(status=204)


@require_POST
@victim_page
def victim_join_view(request: HttpRequest, token: str) -> HttpResponse:
    result = video_session_join(token=token,
                                browser_secret=request.COOKIES.get(BROWSER_COOKIE, ""))
    if result.refusal:
        security_event_record(f"video_link_{result.refusal}", request=request,
                              detail={"session_id": result.session.pk if result.session
                                      else None})
        own_browser = result.session is not None and browser_matches(
            result.session, request.COOKIES.get(BROWSER_COOKIE, ""))
        words, _ = _refusal_words(result.refusal, own_browser=own_browser)
        return JsonResponse({"refusal": words},
                            status=404 if result.refusal == "unknown" else 403)
    session = result.session
    assert session is not None  # a join without a refusal always has its session
    response = JsonResponse({
        "session_id": session.pk, "socket": f"/ws/rvr/{session.pk}/victim/",
        "status": session.status, "checked": session.checked_at is not None,
        "ice_servers": ice_servers(session_id=session.pk, now=timezone.now()),
        "relay_only": relay_only(), "quality": call_quality_config(),
        # The waiting room's neutral estimate ("Usually within 15 minutes."), or "".
        "wait_words": victim_wait_words(session),
    })
    if result.browser_secret:
        response.set_cookie(BROWSER_COOKIE, result.browser_secret, max_age=COOKIE_SECONDS,
                            httponly=True, secure=request.is_secure(), samesite="Strict")
    return response
