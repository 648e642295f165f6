"""The victim's "Later" by HTTP: /v/<token>/later/, posted by her page (static/rvr/later.js)
beside the socket message, with keepalive, so the signal still reaches the hub when the socket
is not open at that moment (reconnecting, or not yet up) and survives her page leaving.
Admitted only from the browser that joined (its cookie), as the socket is."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.views.decorators.http import require_POST

from contact_hub.staff.audit import security_event_record
from rvr.links import BROWSER_COOKIE, browser_matches, session_for_token
from rvr.suspect_present import BUTTON, suspect_present_record
from rvr.victim import victim_page

# The same words for an unknown link and another browser: a post tells nobody a link exists.
NOT_AVAILABLE = "This call is no longer available."


@require_POST
@victim_page
def victim_later_view(request: HttpRequest, token: str) -> HttpResponse:
    session = session_for_token(token)
    if session is None or not browser_matches(session, request.COOKIES.get(BROWSER_COOKIE, "")):
        security_event_record("video_later_wrong_browser", request=request,
                              detail={"session_id": session.pk if session else None})
        return JsonResponse({"refusal": NOT_AVAILABLE}, status=403)
    # A second signal (the socket's came first), or one after the call ended, changes nothing.
    suspect_present_record(session_id=session.pk, trigger=BUTTON)
    return HttpResponse(status=204)
