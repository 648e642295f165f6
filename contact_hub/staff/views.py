from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

import django_otp
from django.contrib.auth import authenticate, login, logout
from django.contrib.auth.signals import user_login_failed
from django.core.paginator import Paginator
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_POST
from django_otp.plugins.otp_totp.models import TOTPDevice

from contact_hub.staff.access import StaffRequest, public_view, role_required
from contact_hub.staff.conduct import (
    access_events_about,
    access_events_for,
    flagged_looks,
    people_looked_at,
)
from contact_hub.staff.forms import (
    AccessLogFilterForm,
    SecurityEventFilterForm,
    StaffLoginForm,
    StaffLooksForm,
)
from contact_hub.staff.models import AccessEvent, SecurityEvent, StaffUser
from contact_hub.staff.roles import MAY_REVIEW_CONDUCT
from contact_hub.staff.sessions import staff_session_started

SIGN_IN_FAILED = "Those details are not right. Check your username, password and code."
SECURITY_EVENTS_PAGE_SIZE = 50
ACCESS_EVENTS_PAGE_SIZE = 50


@public_view
def login_view(request: HttpRequest) -> HttpResponse:
    form = StaffLoginForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        user = authenticate(request, username=form.cleaned_data["username"],
                            password=form.cleaned_data["password"])
        if getattr(request, "axes_locked_out", False):
            return locked_out(request)
        if user is not None:
            device = _totp_device_matching(user, form.cleaned_data["code"])
            if device is not None:
                login(request, user)
                django_otp.login(request, device)
                staff_session_started(request.session)
                return redirect(_safe_next(request))
            # A wrong code counts towards lockout exactly like a wrong password.
            user_login_failed.send(sender=__name__, request=request,
                                   credentials={"username": user.get_username()})
            if getattr(request, "axes_locked_out", False):
                return locked_out(request)
        form.add_error(None, SIGN_IN_FAILED)
    return render(request, "staff/login.html", {"form": form})


def _totp_device_matching(user: Any, code: str) -> TOTPDevice | None:
    for device in TOTPDevice.objects.devices_for_user(user, confirmed=True):
        if device.verify_token(code):
            return device
    return None


def _safe_next(request: HttpRequest) -> str:
    target = request.GET.get("next", "/")
    if url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()},
                                       require_https=request.is_secure()):
        return target
    return "/"


def locked_out(request: HttpRequest, credentials: Any = None, *args: Any,
               **kwargs: Any) -> HttpResponse:
    return render(request, "staff/locked_out.html", status=429)


@require_POST
def logout_view(request: HttpRequest) -> HttpResponse:
    logout(request)
    return redirect("staff:login")


def _in_range(events: QuerySet[AccessEvent], wanted: dict) -> QuerySet[AccessEvent]:
    if wanted.get("after"):
        events = events.filter(at__gte=wanted["after"])
    if wanted.get("before"):
        events = events.filter(at__lt=_minute_end(wanted["before"]))
    return events


def _minute_end(until: datetime) -> datetime:
    # The fields have minute precision: "to 10:00" takes in the events of 10:00 itself.
    return until.replace(second=0, microsecond=0) + timedelta(minutes=1)


def _access_events_matching(reviewer: StaffUser,
                            form: AccessLogFilterForm) -> QuerySet[AccessEvent]:
    # A field that does not parse is shown with its error and left out of the filter.
    form.is_valid()
    wanted = form.cleaned_data
    events = _in_range(access_events_for(reviewer), wanted)
    if wanted.get("actor"):
        events = events.filter(actor=wanted["actor"])
    if wanted.get("person"):
        events = access_events_about(events, wanted["person"])
    if wanted.get("action"):
        events = events.filter(action=wanted["action"])
    if wanted.get("flagged"):
        events = events.filter(flagged=True)
    return events


@role_required(*MAY_REVIEW_CONDUCT)
def access_log_view(request: StaffRequest) -> HttpResponse:
    """Every look, with filters, a page at a time; and the security events below."""
    access_filter = AccessLogFilterForm(request.GET)
    events = Paginator(_access_events_matching(request.user, access_filter),
                       ACCESS_EVENTS_PAGE_SIZE).get_page(request.GET.get("log_page"))
    kinds = SecurityEvent.objects.order_by("kind").values_list("kind", flat=True).distinct()
    security_filter = SecurityEventFilterForm(request.GET, kinds=list(kinds))
    security_events = Paginator(_security_events_matching(security_filter),
                                SECURITY_EVENTS_PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "staff/access_log.html", {
        "events": events,
        "access_filter": access_filter,
        "security_filter": security_filter,
        "security_events": security_events,
    })


@role_required(*MAY_REVIEW_CONDUCT)
def flagged_looks_view(request: StaffRequest) -> HttpResponse:
    """Flagged looks as they happen: the region refreshes whenever one is flagged."""
    return render(request, "staff/flagged_looks.html", {"looks": flagged_looks(request.user)})


@role_required(*MAY_REVIEW_CONDUCT)
def flagged_looks_live_view(request: StaffRequest) -> HttpResponse:
    return render(request, "staff/_flagged_looks.html", {"looks": flagged_looks(request.user)})


@role_required(*MAY_REVIEW_CONDUCT)
def staff_looks_view(request: StaffRequest) -> HttpResponse:
    """Whom one member of staff looked at, when, why, and which looks were flagged."""
    form = StaffLooksForm(request.GET or None)
    context: dict[str, Any] = {"form": form}
    if form.is_valid():
        staff = form.cleaned_data["staff"]
        events = _in_range(access_events_for(request.user).filter(actor=staff),
                           form.cleaned_data)
        context.update(staff=staff, people=people_looked_at(events),
                       events=Paginator(events, ACCESS_EVENTS_PAGE_SIZE).get_page(
                           request.GET.get("page")))
    return render(request, "staff/staff_looks.html", context)


def _security_events_matching(form: SecurityEventFilterForm) -> QuerySet[SecurityEvent]:
    # A field that does not parse is shown with its error and left out of the filter.
    form.is_valid()
    wanted = form.cleaned_data
    events = SecurityEvent.objects.select_related("actor")
    if wanted.get("kind"):
        events = events.filter(kind=wanted["kind"])
    if wanted.get("since"):
        events = events.filter(at__gte=wanted["since"])
    if wanted.get("until"):
        events = events.filter(at__lt=_minute_end(wanted["until"]))
    return events
