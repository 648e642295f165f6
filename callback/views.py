"""Pages and webhooks of the callback queue: thin, each parses, checks, calls one service."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import UTC, timedelta
from email.utils import parsedate_to_datetime
from functools import wraps
from typing import Any

from django.conf import settings
from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST
from twilio.twiml.voice_response import VoiceResponse

from callback.attempts import AttemptRefused, callback_attempt_record
from callback.entries import callback_web_ask_queue
from callback.forms import CallbackWebForm, form_token
from callback.limits import entry_count
from callback.models import CallbackAttempt, CallbackRequest
from callback.selectors import (
    callback_calling,
    callback_needing_coordinator,
    callback_place,
    callback_queue_places,
    callbacks_per_minute,
)
from callback.services import (
    CallbackRefused,
    callback_close,
    callback_incident_link,
    callback_incident_open,
    callback_next_claim,
    callback_preferences_confirm,
    callback_preferences_discard,
    callback_priority_set,
    callback_requeue,
)
from callback.voice import (
    voice_attempt_answer,
    voice_attempt_status,
    voice_call_ended,
    voice_call_start,
    voice_silence,
    voice_step,
)
from callback.windows import WINDOWS
from contact_hub.incidents.models import Incident
from contact_hub.staff.access import public_view, role_required
from contact_hub.staff.audit import access_record, security_event_record
from contact_hub.staff.models import AccessEvent, Role
from contact_hub.twilio_provider import twilio_webhook

CALLBACK_ROLES = (Role.COORDINATOR, Role.SUPERVISOR)
CALL_SID = re.compile(r"CA[0-9a-fA-F]{32}")


# The public web form.

@public_view
@never_cache
def web_request_view(request: HttpRequest) -> HttpResponse:
    """Anyone may post any number here, her abuser included, so every valid request gets the
    same page, built only from what was submitted, after the same work: the request is acted
    on in a follow-up (see callback.entries). The page never says whether the number had asked
    before, where it is in the queue or what it chose then, and a flood from one number is
    dropped there, silently. Only the sender's own address limit is answered differently."""
    if request.method != "POST":
        return _web_page(request, CallbackWebForm())
    address = request.META.get("REMOTE_ADDR", "")
    count = entry_count("address", address)
    if count > settings.HUB_CALLBACK_ADDRESS_LIMIT:
        if count == settings.HUB_CALLBACK_ADDRESS_LIMIT + 1:  # one event per flood, not one each
            security_event_record("callback_flood", request=request,
                                  detail={"source": "web", "by": "address"})
        return _web_page(request, None, status=429, refusal="Too many requests have been sent "
                         "from here. Please try again later, or phone 101.")
    form = CallbackWebForm(request.POST)
    if form.looks_automated():
        security_event_record("callback_spam", request=request, detail={"source": "web"})
        return _web_page(request, None, status=400, refusal="Sorry, we couldn't take that "
                         "request. Please reload the page and try again.")
    if not form.is_valid():
        security_event_record("callback_form_refused", request=request,
                              detail={"source": "web", "fields": sorted(form.errors)})
        return _web_page(request, form, status=400)
    data = form.cleaned_data
    callback_web_ask_queue(number=data["number"], window=data["window"],
                           voicemail_ok=data["voicemail_ok"] == "yes",
                           texts_ok=data["texts_ok"] == "yes", source_ip=address)
    return _web_page(request, None, asked_window=WINDOWS[data["window"]])


def _web_page(request: HttpRequest, form: CallbackWebForm | None, *, status: int = 200,
              **context: object) -> HttpResponse:
    response = render(request, "callback/web_request.html",
                      {"form": form, "started": form_token(), **context}, status=status)
    response["Referrer-Policy"] = "no-referrer"
    return response


# Twilio's webhooks for the 101 line and for calls placed to callers.

def _twiml(response: VoiceResponse) -> HttpResponse:
    return HttpResponse(str(response), content_type="text/xml")


def _call_sid_checked(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """The CallSid names the call in our tables and in Twilio's URLs: anything but Twilio's
    own format is refused before it reaches either."""

    @wraps(view)
    def checked(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if not CALL_SID.fullmatch(request.POST.get("CallSid", "")):
            security_event_record("malformed_payload", request=request,
                                  detail={"provider": "twilio", "reason": "call sid"})
            return HttpResponse("CallSid is missing or malformed.", status=400)
        return view(request, *args, **kwargs)

    return checked


def _call_sid(request: HttpRequest) -> str:
    return request.POST["CallSid"]


@twilio_webhook
@_call_sid_checked
def voice_incoming_view(request: HttpRequest) -> HttpResponse:
    return _twiml(voice_call_start(call_sid=_call_sid(request),
                                   caller=request.POST.get("From", "")))


@twilio_webhook
@_call_sid_checked
def voice_step_view(request: HttpRequest, stage: str) -> HttpResponse:
    return _twiml(voice_step(call_sid=_call_sid(request), stage=stage,
                             digits=request.POST.get("Digits", "")[:20],
                             speech=request.POST.get("SpeechResult", "")[:200]))


@twilio_webhook
@_call_sid_checked
def voice_silence_view(request: HttpRequest, stage: str) -> HttpResponse:
    return _twiml(voice_silence(call_sid=_call_sid(request), stage=stage))


@twilio_webhook
@_call_sid_checked
def voice_status_view(request: HttpRequest) -> HttpResponse:
    # Unknown calls are answered 200 too, so Twilio does not retry something we cannot use.
    voice_call_ended(call_sid=_call_sid(request), status=request.POST.get("CallStatus", ""))
    return HttpResponse(status=204)


@twilio_webhook
def voice_attempt_answer_view(request: HttpRequest, attempt_id: int) -> HttpResponse:
    return _twiml(voice_attempt_answer(attempt_id=attempt_id,
                                       answered_by=request.POST.get("AnsweredBy", "")))


@twilio_webhook
@_call_sid_checked
def voice_attempt_status_view(request: HttpRequest, attempt_id: int) -> HttpResponse:
    if _replayed(request):
        security_event_record("replayed_callback", request=request,
                              detail={"provider": "twilio", "attempt_id": attempt_id})
        return HttpResponse("Stale status callback.", status=403)
    voice_attempt_status(attempt_id=attempt_id, call_sid=_call_sid(request),
                         status=request.POST.get("CallStatus", ""),
                         answered_by=request.POST.get("AnsweredBy", ""))
    return HttpResponse(status=204)


def _replayed(request: HttpRequest) -> bool:
    """A correctly signed status callback from long ago is a captured request sent again:
    Twilio's own retries come within minutes."""
    stamp = request.POST.get("Timestamp", "")
    if not stamp:
        return False
    try:
        sent_at = parsedate_to_datetime(stamp)
    except (TypeError, ValueError):
        return True
    if sent_at.tzinfo is None:  # RFC 2822's "-0000": UTC, source unknown
        sent_at = sent_at.replace(tzinfo=UTC)
    return timezone.now() - sent_at > timedelta(minutes=settings.HUB_TWILIO_REPLAY_MINUTES)


# The call handlers' and coordinators' pages.

@role_required(*CALLBACK_ROLES)
def queue_view(request: HttpRequest) -> HttpResponse:
    return render(request, "callback/queue.html", _queue_context(request))


@role_required(*CALLBACK_ROLES)
def queue_list_view(request: HttpRequest) -> HttpResponse:
    """The queue alone, re-fetched by the page whenever the websocket says something changed."""
    return render(request, "callback/_queue.html", _queue_context(request))


def _queue_context(request: HttpRequest) -> dict[str, object]:
    now = timezone.now()
    calling = list(callback_calling())
    return {
        "queue": callback_queue_places(now),
        "calling": calling,
        "coordinator_items": callback_needing_coordinator(),
        "mine": next((r for r in calling if r.claimed_by_id == request.user.pk), None),
        "per_hour": round(callbacks_per_minute(now) * 60),
        "now": now,
    }


@require_POST
@role_required(*CALLBACK_ROLES)
def next_view(request: HttpRequest) -> HttpResponse:
    claimed = callback_next_claim(handler=request.user)
    if claimed is None:
        messages.info(request, "Nobody is waiting to be called back right now.")
        return redirect("callback:queue")
    return redirect("callback:detail", request_id=claimed.pk)


@role_required(*CALLBACK_ROLES)
def detail_view(request: HttpRequest, request_id: int) -> HttpResponse:
    callback = get_object_or_404(CallbackRequest.objects.select_related(
        "identity", "claimed_by", "incident"), pk=request_id)
    access_record(actor=request.user, action=AccessEvent.Action.VIEW,
                  what=f"callback request {callback.pk}", why="calling back or welfare check",
                  person_id=callback.person_id)
    attempts = list(callback.attempts.select_related("handler").order_by("-started_at"))
    pending = next((a for a in attempts if not a.result), None)
    return render(request, "callback/detail.html", {
        "callback": callback,
        "attempts": attempts,
        "pending": pending,
        "results": [c for c in CallbackAttempt.Result.choices if c[0]],
        "entries": callback.entries.order_by("created_at"),
        "pending_change": callback.pending_change,
        "place": callback_place(callback) if callback.status == "queued" else None,
        "is_mine": callback.claimed_by_id == request.user.pk,
        "grades": settings.HUB_GRADES,
        "priorities": CallbackRequest.Priority.choices,
    })


@require_POST
@role_required(*CALLBACK_ROLES)
def attempt_result_view(request: HttpRequest, request_id: int) -> HttpResponse:
    callback = get_object_or_404(CallbackRequest, pk=request_id)
    attempt = callback.attempts.filter(result="").order_by("-started_at").first()
    if attempt is None:
        messages.error(request, "There is no call waiting for a result.")
    elif attempt.handler_id != request.user.pk and not request.user.has_role(Role.SUPERVISOR):
        security_event_record("callback_not_yours", request=request,
                              detail={"callback_request_id": callback.pk})
        messages.error(request, "Only the handler who placed this call can record it.")
    else:
        try:
            callback_attempt_record(attempt=attempt, result=request.POST.get("result", ""),
                                    source="handler")
        except AttemptRefused as refusal:
            messages.error(request, str(refusal))
    access_record(actor=request.user, action=AccessEvent.Action.CHANGE,
                  what=f"callback request {callback.pk}", why="recording a call attempt",
                  person_id=callback.person_id)
    return redirect("callback:detail", request_id=callback.pk)


@require_POST
@role_required(*CALLBACK_ROLES)
def outcome_view(request: HttpRequest, request_id: int) -> HttpResponse:
    callback = get_object_or_404(CallbackRequest, pk=request_id)
    action = request.POST.get("action", "")
    try:
        if action == "link":
            incident = Incident.objects.filter(
                reference=request.POST.get("reference", "").strip()).first()
            if incident is None:
                raise CallbackRefused("No incident has that reference.")
            callback_incident_link(request=callback, actor=request.user, incident=incident)
        elif action == "open":
            callback_incident_open(request=callback, actor=request.user,
                                   opening_code=request.POST.get("opening_code", ""),
                                   grade=request.POST.get("grade", ""))
        else:
            callback_close(request=callback, actor=request.user,
                           reason=request.POST.get("reason", ""))
    except (CallbackRefused, ValueError) as refusal:
        messages.error(request, str(refusal))
        return redirect("callback:detail", request_id=callback.pk)
    access_record(actor=request.user, action=AccessEvent.Action.CHANGE,
                  what=f"callback request {callback.pk}", why="recording the callback outcome",
                  person_id=callback.person_id)
    messages.success(request, "Outcome recorded.")
    return redirect("callback:queue")


@require_POST
@role_required(*CALLBACK_ROLES)
def requeue_view(request: HttpRequest, request_id: int) -> HttpResponse:
    callback = get_object_or_404(CallbackRequest, pk=request_id)
    try:
        callback_requeue(request=callback, actor=request.user)
    except CallbackRefused as refusal:
        messages.error(request, str(refusal))
        return redirect("callback:detail", request_id=callback.pk)
    access_record(actor=request.user, action=AccessEvent.Action.CHANGE,
                  what=f"callback request {callback.pk}", why="returned to the queue",
                  person_id=callback.person_id)
    messages.success(request, "Back in the queue at the caller's place.")
    return redirect("callback:queue")


@require_POST
@role_required(*CALLBACK_ROLES)
def priority_view(request: HttpRequest, request_id: int) -> HttpResponse:
    callback = get_object_or_404(CallbackRequest, pk=request_id)
    try:
        callback_priority_set(request=callback, actor=request.user,
                              priority=int(request.POST.get("priority", "0") or 0))
    except (CallbackRefused, ValueError) as refusal:
        messages.error(request, str(refusal))
    return redirect("callback:detail", request_id=callback.pk)


@require_POST
@role_required(*CALLBACK_ROLES)
def preferences_view(request: HttpRequest, request_id: int) -> HttpResponse:
    """Confirm (with the caller, on the call) or discard an unconfirmed change an entry asked
    for; the service records the access."""
    callback = get_object_or_404(CallbackRequest, pk=request_id)
    confirm = request.POST.get("action") == "confirm"
    try:
        if confirm:
            callback_preferences_confirm(request=callback, actor=request.user)
        else:
            callback_preferences_discard(request=callback, actor=request.user)
    except CallbackRefused as refusal:
        messages.error(request, str(refusal))
        return redirect("callback:detail", request_id=callback.pk)
    messages.success(request, "Change confirmed and applied." if confirm else
                     "Change discarded; nothing was applied.")
    return redirect("callback:detail", request_id=callback.pk)
