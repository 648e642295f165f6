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
    return _followup_runner(func, lambda payloads: func(**payloads[0]), size=1)


def followup_batch_task(func: Callable[[list[dict[str, Any]]], Any], *,
                        size: int = 100) -> Any:
    """Like followup_task, for work that is far cheaper in bulk: `func` takes a list of payloads.

    A run claims its own row and the other fresh rows of the same task (up to `size`) and does
    them together, so under load one run does the work of many and the runs behind it find their
    rows done. If a batch fails, its rows are tried one at a time, so one bad row cannot hold
    back the rest.
    """
    return _followup_runner(func, func, size=size)


def _followup_runner(func: Callable[..., Any], call: Callable[[list[dict[str, Any]]], Any], *,
                     size: int) -> Any:
    name = f"followups.{func.__name__}"

    @shared_task(name=name, ignore_result=True)
    def run(followup_id: int) -> None:
        rows = followups_claim(followup_id, more_of=name, size=size)
        if not rows:
            return
        error = _rows_run(name, rows, call)
        if error is None:
            return
        if len(rows) == 1:
            _row_release(rows[0], error)
            return
        for row in rows:
            if (error := _rows_run(name, [row], call)) is not None:
                _row_release(row, error)

    run.work = func
    return run


def _rows_run(name: str, rows: list[FollowUp],
              call: Callable[[list[dict[str, Any]]], Any]) -> str | None:
    """Do the rows' work and mark them done; on failure, the error's kind."""
    try:
        call([row.payload for row in rows])
    except Exception as error:
        log.exception("follow-up %s %s failed", name, [row.pk for row in rows])
        return type(error).__name__[:200]
    FollowUp.objects.filter(pk__in=[row.pk for row in rows]).update(done_at=timezone.now())
    return None


def _row_release(row: FollowUp, error: str) -> None:
    """Give the row back for the sweeper to re-send, with what went wrong."""
    FollowUp.objects.filter(pk=row.pk).update(claimed_until=None, last_error=error)


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


def followups_claim(followup_id: int, *, more_of: str = "", size: int = 1) -> list[FollowUp]:
    """Take a lease on this row, unless it is done or another worker holds it, and on up to
    `size - 1` fresh pending rows of the task `more_of`.

    Rows that failed before are left for their own run (the sweeper sends them), so a bad row
    is retried alone. The lease is a conditional UPDATE, and the rows returned are those that
    carry this call's lease, so two workers never share a row, with or without row locks.
    """
    now = timezone.now()
    lease_until = now + timedelta(seconds=settings.HUB_FOLLOWUP_LEASE_SECONDS)
    free = Q(claimed_until__isnull=True) | Q(claimed_until__lt=now)
    ids = [followup_id]
    if more_of and size > 1:
        ids += (FollowUp.objects.filter(free, task_name=more_of, attempts=0,
                                        done_at__isnull=True)
                .exclude(pk=followup_id).order_by("pk").values_list("pk", flat=True)[:size - 1])
    FollowUp.objects.filter(free, pk__in=ids, done_at__isnull=True).update(
        claimed_until=lease_until, attempts=F("attempts") + 1)
    return list(FollowUp.objects.filter(pk__in=ids, claimed_until=lease_until).order_by("pk"))


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
            app.send_task(task_name, args=[followup_id], ignore_result=True)
    except Exception:
        # The broker is down: the row stays pending and the sweeper sends it later.
        log.warning("could not send follow-up %s #%s; the sweeper will retry", task_name,
                    followup_id)
