"""Reads of the callback queue that services and pages share: order, position, estimated wait,
and the handlers' pages, each written to the access log in the same transaction."""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.db import transaction
from django.db.models import F, Prefetch, Q, QuerySet
from django.utils import timezone

from callback.look_reasons import CALLBACK_QUEUE
from callback.models import CallbackAttempt, CallbackRequest, PreferenceChange
from callback.windows import window_next_open
from contact_hub.conversations.looks import list_look_record, look_record
from contact_hub.staff.audit import access_record
from contact_hub.staff.models import AccessEvent, StaffUser

QUEUE_ORDER = ("priority", "joined_at", "pk")


@dataclass(frozen=True)
class QueuePlace:
    position: int
    wait_minutes: int | None  # None: no recent throughput to estimate from


def callback_queue() -> QuerySet[CallbackRequest]:
    """Everyone waiting to be called back, in the order they will be called."""
    return (CallbackRequest.objects.filter(status=CallbackRequest.Status.QUEUED,
                                           identity__isnull=False)
            .select_related("identity").order_by(*QUEUE_ORDER))


def callback_due(now: datetime) -> QuerySet[CallbackRequest]:
    """The queue as a handler may take from it now: not waiting for a retry, inside the safe
    window. The others keep their place and are called when their time comes."""
    local = timezone.localtime(now).time().replace(microsecond=0)
    no_window = Q(safe_from__isnull=True) | Q(safe_until__isnull=True)
    same_day = Q(safe_from__lte=F("safe_until")) & Q(safe_from__lte=local, safe_until__gt=local)
    past_midnight = Q(safe_from__gt=F("safe_until")) & (Q(safe_from__lte=local)
                                                        | Q(safe_until__gt=local))
    return (callback_queue()
            .filter(Q(next_attempt_at__isnull=True) | Q(next_attempt_at__lte=now))
            .filter(no_window | same_day | past_midnight))


def with_pending_change(callback_requests: QuerySet[CallbackRequest]) -> QuerySet[CallbackRequest]:
    """Each request's unconfirmed change (`pending_change`) in one more query for the list."""
    return callback_requests.prefetch_related(Prefetch(
        "preference_changes", to_attr="pending_changes",
        queryset=PreferenceChange.objects.filter(status=PreferenceChange.Status.PENDING)))


def callback_request_read(*, callback_request_id: int, actor: StaffUser) -> CallbackRequest:
    """One request for the handler's page, its reading recorded with it. Raises
    CallbackRequest.DoesNotExist, and ReasonNeeded when the reader has no reason to look at
    the caller (they did not take her callback and she is not in the queue)."""
    with transaction.atomic():
        callback_request = CallbackRequest.objects.select_related(
            "identity", "claimed_by", "incident").get(pk=callback_request_id)
        what = f"callback request {callback_request.pk}"
        if callback_request.person_id is None:
            # A withheld number's welfare item: nobody's record, only the call's facts.
            access_record(actor=actor, action=AccessEvent.Action.VIEW, what=what,
                          why=CALLBACK_QUEUE)
        else:
            look_record(actor=actor, person_id=callback_request.person_id, what=what)
    return callback_request


@dataclass(frozen=True)
class CallbackQueueRead:
    queue: list[tuple[CallbackRequest, QueuePlace]]
    calling: list[CallbackRequest]
    coordinator_items: list[CallbackRequest]
    per_hour: int


def callback_queue_read(*, actor: StaffUser, now: datetime | None = None) -> CallbackQueueRead:
    """The queue page as a handler sees it (waiting, being called, needing a coordinator),
    with one access event naming every caller it shows (their masked numbers and times)."""
    now = now or timezone.now()
    with transaction.atomic():
        read = CallbackQueueRead(queue=callback_queue_places(now),
                                 calling=list(callback_calling()),
                                 coordinator_items=list(callback_needing_coordinator()),
                                 per_hour=round(callbacks_per_minute(now) * 60))
        shown = [r for r, _ in read.queue] + read.calling + read.coordinator_items
        list_look_record(actor=actor, what=CALLBACK_QUEUE, why=CALLBACK_QUEUE,
                         person_ids=[r.person_id for r in shown])
    return read


def callback_needing_coordinator() -> QuerySet[CallbackRequest]:
    return with_pending_change(
        CallbackRequest.objects.filter(status=CallbackRequest.Status.COORDINATOR)
        .select_related("identity").order_by("joined_at"))


def callback_calling() -> QuerySet[CallbackRequest]:
    return (CallbackRequest.objects.filter(status=CallbackRequest.Status.CALLING)
            .select_related("identity", "claimed_by").order_by("claimed_at"))


def callback_position(callback_request: CallbackRequest) -> int:
    """1 for the next to be called; everyone ahead by priority, then by when they joined."""
    p, joined = callback_request.priority, callback_request.joined_at
    ahead = callback_queue().filter(
        Q(priority__lt=p) | Q(priority=p, joined_at__lt=joined)
        | Q(priority=p, joined_at=joined, pk__lt=callback_request.pk)).count()
    return ahead + 1


def callbacks_per_minute(now: datetime) -> float:
    """How many callbacks handlers started per minute, over the recent past."""
    minutes = settings.HUB_CALLBACK_THROUGHPUT_MINUTES
    started = CallbackAttempt.objects.filter(started_at__gt=now - timedelta(minutes=minutes),
                                             started_at__lte=now).count()
    return started / minutes


def callback_place(callback_request: CallbackRequest, *, now: datetime | None = None) -> QueuePlace:
    """The caller's position and an honest estimate: the queue ahead of them at the rate
    handlers have recently worked it, and never before their safe window or next retry."""
    now = now or timezone.now()
    return _estimate(callback_request, callback_position(callback_request),
                     callbacks_per_minute(now), now)


def callback_queue_places(now: datetime, limit: int = 200) -> list[tuple[CallbackRequest,
                                                                          QueuePlace]]:
    """The queue with each caller's place and unconfirmed change, in three queries however long
    it is."""
    rate = callbacks_per_minute(now)
    queue = with_pending_change(callback_queue())[:limit]
    return [(callback_request, _estimate(callback_request, position, rate, now))
            for position, callback_request in enumerate(queue, start=1)]


def _estimate(callback_request: CallbackRequest, position: int, rate: float,
              now: datetime) -> QueuePlace:
    if rate == 0:
        return QueuePlace(position, None)
    earliest = now + timedelta(minutes=position / rate)
    if callback_request.next_attempt_at and callback_request.next_attempt_at > earliest:
        earliest = callback_request.next_attempt_at
    earliest = window_next_open(callback_request.safe_from, callback_request.safe_until, earliest)
    minutes = (earliest - now).total_seconds() / 60
    return QueuePlace(position, max(5, 5 * math.ceil(minutes / 5)))
