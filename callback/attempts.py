"""Recording what happened to each call placed to a caller, and what that means for their place
in the queue. Called by the handler's page, Twilio's status callbacks and the sweep."""

from __future__ import annotations

from datetime import datetime, timedelta

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from callback.look_reasons import callback_subject
from callback.models import CallbackAttempt, CallbackRequest
from callback.windows import window_next_open
from contact_hub.live import LiveEvent, live_event_send
from contact_hub.staff.assignments import assignments_end
from contact_hub.staff.models import Assignment

Status, Flag, Result = CallbackRequest.Status, CallbackRequest.Flag, CallbackAttempt.Result
UNANSWERED = {Result.BUSY, Result.NO_ANSWER, Result.VOICEMAIL, Result.FAILED}

# Twilio's call statuses in the order a call moves through them; an event may only replace a
# status of lower rank, so late, repeated or out-of-order callbacks never move a call back.
CALL_STATUS_RANK = {
    "placing": 0, "dialing": 1, "queued": 2, "initiated": 3, "ringing": 4, "in-progress": 5,
    "completed": 6, "busy": 6, "no-answer": 6, "failed": 6, "canceled": 6,
}
FINAL_RESULT = {"busy": Result.BUSY, "no-answer": Result.NO_ANSWER, "failed": Result.FAILED,
                "canceled": Result.FAILED}


class AttemptRefused(ValueError):
    """The result cannot be recorded; the reason is safe to show to staff."""


def answered_by_machine(answered_by: str) -> bool:
    return answered_by.startswith(("machine", "fax"))


def call_status_advance(attempt: CallbackAttempt, status: str) -> bool:
    """Move the attempt's provider status forward; returns False for a stale or unknown one."""
    rank = CALL_STATUS_RANK.get(status)
    if rank is None:
        return False
    lower = [s for s, r in CALL_STATUS_RANK.items() if r < rank]
    return bool(CallbackAttempt.objects.filter(pk=attempt.pk, call_status__in=lower)
                .update(call_status=status))


def provider_result(status: str, answered_by: str) -> str | None:
    """What a final call status means for the caller; None while the call is still going."""
    if status == "completed":
        return Result.VOICEMAIL if answered_by_machine(answered_by) else Result.ANSWERED
    return FINAL_RESULT.get(status)


def callback_attempt_record(*, attempt: CallbackAttempt, result: str, source: str,
                            permanent: bool = False, now: datetime | None = None) -> bool:
    """Record how an attempt ended; the first word wins (the provider's or the handler's), so
    a late or repeated report changes nothing. Returns whether this call recorded it.

    Unanswered: the caller goes back to their place, not to be rung again before the retry
    interval has passed and their safe window is open; after the last attempt (or a number
    that can never be called) a coordinator is asked to decide."""
    now = now or timezone.now()
    if result not in Result.values or result == Result.PENDING:
        raise AttemptRefused("Unknown call result.")
    with transaction.atomic():
        callback_request = CallbackRequest.objects.select_for_update().get(pk=attempt.request_id)
        recorded = CallbackAttempt.objects.filter(pk=attempt.pk, result="").update(
            result=result, result_at=now, result_source=source)
        if not recorded:
            return False
        if (result in UNANSWERED and callback_request.status == Status.CALLING
                and attempt_latest(callback_request) == attempt):
            _unanswered(callback_request, now, permanent=permanent)
        callback_changed(callback_request)
    return True


def attempt_latest(callback_request: CallbackRequest) -> CallbackAttempt | None:
    """The request's most recent call attempt, the only one whose result moves the request."""
    return callback_request.attempts.order_by("-started_at", "-pk").first()


def _unanswered(callback_request: CallbackRequest, now: datetime, *, permanent: bool) -> None:
    callback_request.claimed_by, callback_request.claimed_at = None, None
    # Released: the handler's reason to open her record ends with the call.
    assignments_end(kind=Assignment.Kind.CALLBACK, subject=callback_subject(callback_request),
                    at=now)
    if permanent or callback_request.attempts_made >= settings.HUB_CALLBACK_MAX_ATTEMPTS:
        callback_request.status, callback_request.flag = Status.COORDINATOR, Flag.UNABLE_TO_CONTACT
        callback_request.next_attempt_at = None
    else:
        retry_at = now + timedelta(minutes=settings.HUB_CALLBACK_RETRY_MINUTES)
        callback_request.status = Status.QUEUED
        callback_request.next_attempt_at = window_next_open(
            callback_request.safe_from, callback_request.safe_until, retry_at)
    callback_request.save()


def attempts_overdue_fail(*, now: datetime | None = None) -> int:
    """Calls with no result long after they were placed (a lost status callback, a handler who
    walked away) count as failed, so the caller is retried rather than forgotten."""
    now = now or timezone.now()
    cutoff = now - timedelta(minutes=settings.HUB_CALLBACK_ATTEMPT_TIMEOUT_MINUTES)
    overdue = CallbackAttempt.objects.filter(result="", started_at__lt=cutoff)
    return sum(callback_attempt_record(attempt=attempt, result=Result.FAILED, source="sweep",
                                       now=now) for attempt in overdue[:500])


def callback_changed(callback_request: CallbackRequest) -> None:
    """Tell live pages after commit; they fetch the queue themselves."""
    callback_request_id = callback_request.pk
    live_event_send(LiveEvent.CALLBACK_CHANGED, callback_request_id=callback_request_id)
