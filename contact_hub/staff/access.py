"""Who may see what: the second-factor gate, role checks and the public-view marker."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import TYPE_CHECKING, Any, TypeVar

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.csrf import csrf_exempt

from contact_hub.staff.audit import security_event_record

if TYPE_CHECKING:
    from contact_hub.staff.models import StaffUser

ViewFunc = Callable[..., HttpResponse]
AnyView = TypeVar("AnyView", bound=Callable[..., Any])


class StaffRequest(HttpRequest):
    """The request of a staff page, for annotations only: StaffSecondFactorMiddleware lets no
    view without @public_view run unless its user is verified staff, so `user` is a StaffUser
    there, never AnonymousUser. Django still builds plain HttpRequests."""

    user: StaffUser


def public_view(view: AnyView) -> AnyView:
    """Mark a view as open without staff login (webhooks, the victim's pages, the login page)."""
    view.hub_public = True  # type: ignore[attr-defined]
    return view


def public_form(view: ViewFunc) -> ViewFunc:
    """A public page that takes posts from people who must leave no trace (the victim's video
    page, the callback form): no CSRF cookie, which would outlive the visit on a phone the
    abuser may see by a year. Nothing a forged post could do needs the visitor's browser (there
    is no session to ride), and a post a browser marks as coming from another site is refused."""

    @wraps(view)
    def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if request.method == "POST" and not _posted_from_this_site(request):
            security_event_record("cross_origin_post", request=request)
            return HttpResponse("Refused.", status=403, content_type="text/plain")
        return view(request, *args, **kwargs)

    return public_view(csrf_exempt(wrapped))


def _posted_from_this_site(request: HttpRequest) -> bool:
    """The pages post with no referrer, so their Origin is "null" (Fetch spec); a browser marks
    a cross-site post with Sec-Fetch-Site or a foreign Origin."""
    if request.headers.get("Sec-Fetch-Site", "same-origin") not in ("same-origin", "none"):
        return False
    origin = request.headers.get("Origin", "null")
    return origin in ("null", f"{request.scheme}://{request.get_host()}")


def csrf_refused(request: HttpRequest, reason: str = "") -> HttpResponse:
    """Django's CSRF failure page, in the hub's words and under its policy, with its event."""
    security_event_record("csrf_refused", request=request)
    return render(request, "staff/refused.html",
                  {"reason": "That form had expired. Go back, reload the page and try again."},
                  status=403)


def is_verified_staff(user: Any) -> bool:
    return bool(user.is_authenticated and user.is_active and user.is_verified())


def role_required(*roles: str) -> Callable[[ViewFunc], ViewFunc]:
    """Refuse, with a security event, staff whose role does not need this page."""

    def decorator(view: ViewFunc) -> ViewFunc:
        @wraps(view)
        def wrapped(request: StaffRequest, *args: Any, **kwargs: Any) -> HttpResponse:
            if not request.user.has_role(*roles):
                security_event_record("wrong_role", request=request,
                                      detail={"role": request.user.role, "needs": list(roles)})
                return render(request, "staff/refused.html",
                              {"reason": "Your role does not give access to this page."},
                              status=403)
            return view(request, *args, **kwargs)

        return wrapped

    return decorator
