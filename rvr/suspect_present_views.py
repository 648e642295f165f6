"""The victim's "Later" by HTTP: /v/<token>/later/, posted by her page (static/rvr/later.js)
beside the socket message, with keepalive, so the signal still reaches the hub when the socket
is not open at that moment (reconnecting, or not yet up) and survives her page leaving.

Taken from the link alone, not only from the browser that joined: she may press before her
join's answer has set her cookie, and the signal can only escalate (a sooner, urgent
response), never show or change anything of hers. It counts while the link is live, the call
open, or just ended (rvr/suspect_present.signal_taken); a post for a session closed long ago,
an unknown link or a flood is refused and recorded."""

from __future__ import annotations

from collections import OrderedDict

from django.conf import settings
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.utils import timezone
from django.views.decorators.http import require_POST

from contact_hub.staff.audit import security_event_record
from rvr.links import BROWSER_COOKIE, browser_matches, session_for_token
from rvr.signalling import RateLimit
from rvr.suspect_present import BUTTON, signal_taken, suspect_present_record
from rvr.victim import victim_page

# The same words for an unknown link and a closed one: a post tells nobody a link exists.
NOT_AVAILABLE = "This call is no longer available."
# Buckets of the sessions posted for lately, per process (a flood needs only to be slowed:
# each post does one lookup, and only the first changes anything); the oldest are dropped.
MOST_SESSIONS_TRACKED = 1000
_limits: OrderedDict[int, RateLimit] = OrderedDict()


@require_POST
@victim_page
def victim_later_view(request: HttpRequest, token: str) -> HttpResponse:
    session = session_for_token(token)
    if session is None:
        return _refused(request, "video_later_unknown_link", session_id=None)
    if not _later_allowed(session.pk):
        return _refused(request, "video_later_too_fast", session_id=session.pk, status=429)
    if not signal_taken(session, now=timezone.now()):
        return _refused(request, "video_later_closed", session_id=session.pk)
    her_browser = browser_matches(session, request.COOKIES.get(BROWSER_COOKIE, ""))
    # A second signal (the socket's came first) changes nothing.
    suspect_present_record(session_id=session.pk, trigger=BUTTON, her_browser=her_browser)
    return HttpResponse(status=204)


def _later_allowed(session_id: int) -> bool:
    limit = _limits.pop(session_id, None) or RateLimit(
        burst=settings.RVR_LATER_BURST, per_second=settings.RVR_LATER_PER_MINUTE / 60)
    _limits[session_id] = limit
    while len(_limits) > MOST_SESSIONS_TRACKED:
        _limits.popitem(last=False)
    return limit.allow()


def _refused(request: HttpRequest, kind: str, *, session_id: int | None,
             status: int = 403) -> HttpResponse:
    security_event_record(kind, request=request, detail={"session_id": session_id})
    return JsonResponse({"refusal": NOT_AVAILABLE}, status=status)
