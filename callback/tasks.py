"""Background work for the callback queue. Every function here is idempotent."""

from __future__ import annotations

from datetime import timedelta

from celery import shared_task
from django.conf import settings
from django.urls import reverse
from django.utils import timezone

from callback.attempts import attempts_overdue_fail, call_status_advance, callback_attempt_record
from callback.calling import OutboundCall, call_backend
from callback.limits import entry_counts_purge
from callback.models import CallbackAttempt, WebFormAsk
from contact_hub.conversations.sending import TransportError
from contact_hub.followups.services import followup_task
from contact_hub.live import LiveEvent, live_event_send


def _public(name: str, attempt_id: int) -> str:
    return settings.PUBLIC_BASE_URL.rstrip("/") + reverse(name, args=[attempt_id])


@followup_task
def callback_call_place(attempt_id: int) -> None:
    """Ring the caller, at most once per attempt.

    The attempt is claimed placing → dialing before the provider is called. If a worker dies
    mid-call it stays 'dialing', and the sweep records it as failed and retries the caller
    later, rather than ringing a victim twice in a row.
    """
    claimed = CallbackAttempt.objects.filter(pk=attempt_id, call_status="placing").update(
        call_status="dialing")
    if not claimed:
        return
    attempt = CallbackAttempt.objects.select_related("request__identity").get(pk=attempt_id)
    identity = attempt.request.identity
    assert identity is not None  # only a request with a number to call has attempts
    call = OutboundCall(to=identity.value, attempt_id=attempt.pk,
                        answer_url=_public("callback:voice_attempt_answer", attempt.pk),
                        status_url=_public("callback:voice_attempt_status", attempt.pk))
    backend = call_backend()
    try:
        receipt = backend.place(call)
    except TransportError as error:
        if error.permanent:
            callback_attempt_record(attempt=attempt, result=CallbackAttempt.Result.FAILED,
                                    source="provider", permanent=True)
            return
        CallbackAttempt.objects.filter(pk=attempt_id).update(call_status="placing")
        raise
    CallbackAttempt.objects.filter(pk=attempt_id, call_sid__isnull=True).update(
        provider=receipt.provider, call_sid=receipt.call_sid, placed_at=timezone.now())
    call_status_advance(attempt, receipt.status)
    live_event_send(LiveEvent.CALLBACK_CHANGED, callback_request_id=attempt.request_id)


# A form request its follow-up has not taken by then never will be (the follow-up gave up);
# the number should not stay behind in it.
WEB_FORM_ASK_KEPT = timedelta(days=1)


@shared_task(name="callback.sweep", ignore_result=True)
def callback_sweep() -> int:
    """Fail calls that never reported back (so they are retried), and forget old flood counts
    and form requests that were never taken."""
    entry_counts_purge()
    WebFormAsk.objects.filter(created_at__lt=timezone.now() - WEB_FORM_ASK_KEPT).delete()
    return attempts_overdue_fail()
