"""Queue follow-up work transactionally, claim it with a lease, and sweep up what never ran."""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import timedelta
from typing import Any

from celery import shared_task
from django.conf import settings
from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone

from contact_hub.celery import app, registered_task
from contact_hub.followups.models import FollowUp

log = logging.getLogger(__name__)


def followup_task(func: Callable[..., Any]) -> Any:
    """Make `func(**payload)` a Celery task running one FollowUp row, one worker at a time.

    The task takes only the row's id; the payload lives in the database, committed with the data.
    """
    name = f"followups.{func.__name__}"

    @shared_task(name=name, ignore_result=True)
    def run(followup_id: int) -> None:
        followup = followup_claim(followup_id)
        if followup is None:
            return
        try:
            func(**followup.payload)
        except Exception as error:
            log.exception("follow-up %s #%s failed", name, followup_id)
            FollowUp.objects.filter(pk=followup_id).update(
                claimed_until=None, last_error=type(error).__name__[:200]
            )
            return
        FollowUp.objects.filter(pk=followup_id).update(done_at=timezone.now())

    run.work = func
    return run


def followup_queue(task: Any, **payload: Any) -> FollowUp:
    """Store the work with the caller's transaction and send the task once that commits."""
    return followups_queue(task, [payload])[0]


def followups_queue(task: Any, payloads: list[dict[str, Any]]) -> list[FollowUp]:
    """Many runs of one task, stored in one query with the caller's transaction."""
    followups = FollowUp.objects.bulk_create(
        [FollowUp(task_name=task.name, payload=payload) for payload in payloads])

    def send() -> None:
        for followup in followups:
            followup_send(task.name, followup.pk)

    transaction.on_commit(send)
    return followups


def followup_claim(followup_id: int) -> FollowUp | None:
    """Take a lease on the row, or return None if it is done or another worker holds it."""
    now = timezone.now()
    lease_until = now + timedelta(seconds=settings.HUB_FOLLOWUP_LEASE_SECONDS)
    claimed = (
        FollowUp.objects.filter(pk=followup_id, done_at__isnull=True)
        .filter(Q(claimed_until__isnull=True) | Q(claimed_until__lt=now))
        .update(claimed_until=lease_until, attempts=F("attempts") + 1)
    )
    if not claimed:
        return None
    return FollowUp.objects.get(pk=followup_id)


def followups_pending() -> Any:
    """Rows that should have run by now and that nobody holds."""
    now = timezone.now()
    older_than = now - timedelta(seconds=settings.HUB_FOLLOWUP_GRACE_SECONDS)
    return (
        FollowUp.objects.filter(done_at__isnull=True, created_at__lt=older_than,
                                attempts__lt=settings.HUB_FOLLOWUP_MAX_ATTEMPTS)
        .filter(Q(claimed_until__isnull=True) | Q(claimed_until__lt=now))
        .order_by("created_at")
    )


def followup_send(task_name: str, followup_id: int) -> None:
    try:
        if app.conf.task_always_eager:
            registered_task(task_name).apply(args=[followup_id])
        else:
            app.send_task(task_name, args=[followup_id])
    except Exception:
        # The broker is down: the row stays pending and the sweeper sends it later.
        log.warning("could not send follow-up %s #%s; the sweeper will retry", task_name,
                    followup_id)
