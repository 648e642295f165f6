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
from django.http import Http404, HttpRequest, HttpResponse, QueryDict
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from callback.attempts import AttemptRefused
from callback.entries import callback_web_ask_queue
from callback.forms import CallbackWebForm, form_token
from callback.limits import entry_count
from callback.models import CallbackAttempt, CallbackRequest
from callback.selectors import callback_place, callback_queue_read, callback_request_read
from callback.services import (
    CallbackNotYours,
    CallbackRefused,
    callback_attempt_result_record,
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
from contact_hub.conversations.look_views import reason_asked
from contact_hub.conversations.looks import ReasonNeeded
from contact_hub.incidents.models import Incident
from contact_hub.incidents.visibility import incidents_visible_to
from contact_hub.sms.twilio import PROVIDER, twilio_webhook, twiml_response
from contact_hub.staff.access import StaffRequest, public_form, role_required
from contact_hub.staff.audit import security_event_record
from contact_hub.staff.roles import MAY_WORK_CALLBACKS
from contact_hub.webhooks import webhook_malformed

CALL_SID = re.compile(r"CA[0-9a-fA-F]{32}")


# The public web form.

@public_form
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

def _call_sid_checked(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """The CallSid names the call in our tables and in Twilio's URLs: anything but Twilio's
    own format is refused before it reaches either."""

    @wraps(view)
    def checked(request: HttpRequest, form: QueryDict, *args: Any, **kwargs: Any
                ) -> HttpResponse:
        if not CALL_SID.fullmatch(_call_sid(form)):
            return webhook_malformed(request, PROVIDER, reason="call sid",
                                     answer="CallSid is missing or malformed.")
        return view(request, form, *args, **kwargs)

    return checked


def _call_sid(form: QueryDict) -> str:
    return form.get("CallSid", "")


@twilio_webhook
@_call_sid_checked
def voice_incoming_view(request: HttpRequest, form: QueryDict) -> HttpResponse:
    return twiml_response(voice_call_start(call_sid=_call_sid(form),
                                           caller=form.get("From", "")))


@twilio_webhook
@_call_sid_checked
def voice_step_view(request: HttpRequest, form: QueryDict, stage: str) -> HttpResponse:
    return twiml_response(voice_step(call_sid=_call_sid(form), stage=stage,
                                     digits=form.get("Digits", "")[:20],
                                     speech=form.get("SpeechResult", "")[:200]))


@twilio_webhook
@_call_sid_checked
def voice_silence_view(request: HttpRequest, form: QueryDict, stage: str) -> HttpResponse:
    return twiml_response(voice_silence(call_sid=_call_sid(form), stage=stage))


@twilio_webhook
@_call_sid_checked
def voice_status_view(request: HttpRequest, form: QueryDict) -> HttpResponse:
    # Unknown calls are answered 200 too, so Twilio does not retry something we cannot use.
    voice_call_ended(call_sid=_call_sid(form), status=form.get("CallStatus", ""))
    return HttpResponse(status=204)


@twilio_webhook
def voice_attempt_answer_view(request: HttpRequest, form: QueryDict,
                              attempt_id: int) -> HttpResponse:
    return twiml_response(voice_attempt_answer(attempt_id=attempt_id,
                                               answered_by=form.get("AnsweredBy", "")))


@twilio_webhook
@_call_sid_checked
def voice_attempt_status_view(request: HttpRequest, form: QueryDict,
                              attempt_id: int) -> HttpResponse:
    if _replayed(form):
        security_event_record("replayed_callback", request=request,
                              detail={"provider": PROVIDER, "attempt_id": attempt_id})
        return HttpResponse("Stale status callback.", status=403)
    voice_attempt_status(attempt_id=attempt_id, call_sid=_call_sid(form),
                         status=form.get("CallStatus", ""),
                         answered_by=form.get("AnsweredBy", ""))
    return HttpResponse(status=204)


def _replayed(form: QueryDict) -> bool:
    """A correctly signed status callback from long ago is a captured request sent again:
    Twilio's own retries come within minutes."""
    stamp = form.get("Timestamp", "")
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

@role_required(*MAY_WORK_CALLBACKS)
def queue_view(request: StaffRequest) -> HttpResponse:
    return render(request, "callback/queue.html", _queue_context(request))


@role_required(*MAY_WORK_CALLBACKS)
def queue_list_view(request: StaffRequest) -> HttpResponse:
    """The queue alone, re-fetched by the page whenever the websocket says something changed."""
    return render(request, "callback/_queue.html", _queue_context(request))


def _queue_context(request: StaffRequest) -> dict[str, object]:
    now = timezone.now()
    read = callback_queue_read(actor=request.user, now=now)
    return {
        "queue": read.queue,
        "calling": read.calling,
        "coordinator_items": read.coordinator_items,
        "mine": next((r for r in read.calling if r.claimed_by_id == request.user.pk), None),
        "per_hour": read.per_hour,
        "now": now,
    }


@require_POST
@role_required(*MAY_WORK_CALLBACKS)
def next_view(request: StaffRequest) -> HttpResponse:
    claimed = callback_next_claim(handler=request.user)
    if claimed is None:
        messages.info(request, "Nobody is waiting to be called back right now.")
        return redirect("callback:queue")
    return redirect("callback:detail", callback_request_id=claimed.pk)


@role_required(*MAY_WORK_CALLBACKS)
def detail_view(request: StaffRequest, callback_request_id: int) -> HttpResponse:
    try:
        callback_request = callback_request_read(callback_request_id=callback_request_id,
                                                 actor=request.user)
    except CallbackRequest.DoesNotExist:
        raise Http404 from None
    except ReasonNeeded as needed:
        return reason_asked(request, needed)
    attempts = list(callback_request.attempts.select_related("handler").order_by("-started_at"))
    return render(request, "callback/detail.html", {
        "callback": callback_request,
        "attempts": attempts,
        "pending": next((a for a in attempts if not a.result), None),
        "results": [c for c in CallbackAttempt.Result.choices if c[0]],
        "entries": callback_request.entries.order_by("created_at"),
        "pending_change": callback_request.pending_change,
        "place": (callback_place(callback_request)
                  if callback_request.status == CallbackRequest.Status.QUEUED else None),
        "is_mine": callback_request.claimed_by_id == request.user.pk,
        "grades": settings.HUB_GRADES,
        "priorities": CallbackRequest.Priority.choices,
    })


@require_POST
@role_required(*MAY_WORK_CALLBACKS)
def attempt_result_view(request: StaffRequest, callback_request_id: int) -> HttpResponse:
    callback_request = get_object_or_404(CallbackRequest, pk=callback_request_id)
    try:
        callback_attempt_result_record(callback_request=callback_request, actor=request.user,
                                       result=request.POST.get("result", ""))
    except CallbackNotYours as refusal:
        security_event_record("callback_not_yours", request=request,
                              detail={"callback_request_id": callback_request.pk})
        messages.error(request, str(refusal))
    except (CallbackRefused, AttemptRefused) as refusal:
        messages.error(request, str(refusal))
    except ReasonNeeded as needed:
        return reason_asked(request, needed)
    return redirect("callback:detail", callback_request_id=callback_request.pk)


@require_POST
@role_required(*MAY_WORK_CALLBACKS)
def outcome_view(request: StaffRequest, callback_request_id: int) -> HttpResponse:
    callback_request = get_object_or_404(CallbackRequest, pk=callback_request_id)
    try:
        _outcome_record(request, callback_request)
    except ReasonNeeded as needed:
        return reason_asked(request, needed)
    except (CallbackRefused, ValueError) as refusal:
        messages.error(request, str(refusal))
        return redirect("callback:detail", callback_request_id=callback_request.pk)
    messages.success(request, "Outcome recorded.")
    return redirect("callback:queue")


def _outcome_record(request: StaffRequest, callback_request: CallbackRequest) -> None:
    action = request.POST.get("action", "")
    if action == "link":
        incident = incidents_visible_to(Incident.objects.all(), request.user).filter(
            reference=request.POST.get("reference", "").strip()).first()
        if incident is None:
            raise CallbackRefused("No incident has that reference.")
        callback_incident_link(callback_request=callback_request, actor=request.user,
                               incident=incident)
    elif action == "open":
        callback_incident_open(callback_request=callback_request, actor=request.user,
                               opening_code=request.POST.get("opening_code", ""),
                               grade=request.POST.get("grade", ""))
    else:
        callback_close(callback_request=callback_request, actor=request.user,
                       reason=request.POST.get("reason", ""))


@require_POST
@role_required(*MAY_WORK_CALLBACKS)
def requeue_view(request: StaffRequest, callback_request_id: int) -> HttpResponse:
    callback_request = get_object_or_404(CallbackRequest, pk=callback_request_id)
    try:
        callback_requeue(callback_request=callback_request, actor=request.user)
    except ReasonNeeded as needed:
        return reason_asked(request, needed)
    except CallbackRefused as refusal:
        messages.error(request, str(refusal))
        return redirect("callback:detail", callback_request_id=callback_request.pk)
    messages.success(request, "Back in the queue at the caller's place.")
    return redirect("callback:queue")


@require_POST
@role_required(*MAY_WORK_CALLBACKS)
def priority_view(request: StaffRequest, callback_request_id: int) -> HttpResponse:
    callback_request = get_object_or_404(CallbackRequest, pk=callback_request_id)
    try:
        callback_priority_set(callback_request=callback_request, actor=request.user,
                              priority=int(request.POST.get("priority", "0") or 0))
    except ReasonNeeded as needed:
        return reason_asked(request, needed)
    except (CallbackRefused, ValueError) as refusal:
        messages.error(request, str(refusal))
    return redirect("callback:detail", callback_request_id=callback_request.pk)


@require_POST
@role_required(*MAY_WORK_CALLBACKS)
def preferences_view(request: StaffRequest, callback_request_id: int) -> HttpResponse:
    """Confirm (with the caller, on the call) or discard an unconfirmed change an entry asked
    for."""
    callback_request = get_object_or_404(CallbackRequest, pk=callback_request_id)
    confirm = request.POST.get("action") == "confirm"
    try:
        if confirm:
            callback_preferences_confirm(callback_request=callback_request, actor=request.user)
        else:
            callback_preferences_discard(callback_request=callback_request, actor=request.user)
    except ReasonNeeded as needed:
        return reason_asked(request, needed)
    except CallbackRefused as refusal:
        messages.error(request, str(refusal))
        return redirect("callback:detail", callback_request_id=callback_request.pk)
    messages.success(request, "Change confirmed and applied." if confirm else
                     "Change discarded; nothing was applied.")
    return redirect("callback:detail", callback_request_id=callback_request.pk)
