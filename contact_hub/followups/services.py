"""Queue follow-up work transactionally, claim it with a lease, and sweep up what never ran."""

from __future__ import annotations

import functools
import logging
import os
import time
from collections.abc import Callable
from datetime import timedelta
from typing import Any

import redis
from celery import Task, current_app, shared_task
from celery.exceptions import NotRegistered
from django.conf import settings
from django.db import connection, transaction
from django.db.models import Q
from django.utils import timezone

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

    A run claims its own row and the other fresh rows of the same task (up to `size` at a time,
    until none are left) and does them together, so under load one run does the work of many.
    Sending is coalesced too: while a run of the task waits to start, new rows send no task of
    their own, because that run will claim them. If a batch fails, its rows are tried one at a
    time, so one bad row cannot hold back the rest.
    """
    return _followup_runner(func, func, size=size)


def _followup_runner(func: Callable[..., Any], call: Callable[[list[dict[str, Any]]], Any], *,
                     size: int) -> Any:
    name = f"followups.{func.__name__}"

    @shared_task(name=name, ignore_result=True)
    def run(followup_id: int | None) -> None:
        if size > 1:
            # Before claiming: a row committed from now on sends a run of its own.
            _run_gathered(name)
        rows = followups_claim(followup_id, more_of=name, size=size)
        while rows:
            _rows_do(name, rows, call)
            # Rows whose sends were coalesced into this run were committed before it claimed,
            # so only a full batch can have left some behind.
            full = size > 1 and len(rows) >= size
            rows = followups_claim(None, more_of=name, size=size) if full else []

    # What the runner runs and how many rows it takes, for callers that must know.
    run.work = func  # type: ignore[attr-defined]
    run.batch_size = size  # type: ignore[attr-defined]
    return run


def _rows_do(name: str, rows: list[FollowUp], call: Callable[[list[dict[str, Any]]], Any]) -> None:
    error = _rows_run(name, rows, call)
    if error is None:
        return
    if len(rows) == 1:
        _row_release(rows[0], error)
        return
    for row in rows:
        if (error := _rows_run(name, [row], call)) is not None:
            _row_release(row, error)


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
    followups_send_on_commit(task, [followup.pk for followup in followups])
    return followups


def followups_send_on_commit(task: Any, followup_ids: list[int]) -> None:
    """Send the task for rows stored with the caller's transaction, once that commits."""

    def send() -> None:
        if getattr(task, "batch_size", 1) > 1:
            # One run claims every fresh row of its task, so one send covers them all.
            mark = _run_waiting_mark(task.name)
            if mark is not None and not followup_send(task.name, followup_ids[0]):
                _run_waiting_clear(task.name, mark)
            return
        for followup_id in followup_ids:
            followup_send(task.name, followup_id)

    transaction.on_commit(send)


def followups_claim(followup_id: int | None, *, more_of: str = "",
                    size: int = 1) -> list[FollowUp]:
    """Take a lease on this row (if any), unless it is done or another worker holds it, and on
    up to `size - 1` fresh pending rows of the task `more_of`.

    Rows that failed before are left for their own run (the sweeper sends them), so a bad row
    is retried alone. The lease is one conditional UPDATE returning the rows it leased, so two
    workers never share a row, with or without row locks, and a claim costs one statement.
    """
    now = timezone.now()
    lease_until = now + timedelta(seconds=settings.HUB_FOLLOWUP_LEASE_SECONDS)
    adapt = connection.ops.adapt_datetimefield_value
    claimed = FollowUp.objects.raw(_CLAIM_SQL, {
        "now": adapt(now), "lease_until": adapt(lease_until),
        "own": followup_id or 0,  # 0: no row (ids start at 1)
        "task_name": more_of,
        "more": size - (followup_id is not None) if more_of and size > 1 else 0})
    return sorted(claimed, key=lambda row: row.pk)


# followups_claim's UPDATE (PostgreSQL and SQLite). Under READ COMMITTED a row another worker
# leased meanwhile is checked again once its lock is free, and fails `claimed_until < now`.
_CLAIM_SQL = """
    UPDATE followups_followup SET claimed_until = %(lease_until)s, attempts = attempts + 1
    WHERE done_at IS NULL AND (claimed_until IS NULL OR claimed_until < %(now)s)
      AND (id = %(own)s OR id IN (
          SELECT id FROM followups_followup
          WHERE task_name = %(task_name)s AND attempts = 0 AND done_at IS NULL
            AND (claimed_until IS NULL OR claimed_until < %(now)s) AND id <> %(own)s
          ORDER BY id LIMIT %(more)s))
    RETURNING *"""


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


# How long a mark that a batch run is waiting to start lasts: if the run is slow to start or
# lost, the next row sends another after this (a spare run finds nothing and ends); the
# sweeper catches anything a lost run leaves.
RUN_WAITING_MS = 5000
# How long after its first row a batch run lets more gather before it claims them: a batch
# costs the worker barely more than one row (its queries are per batch), so rows arriving
# close together are far cheaper done together. A run that starts later (a busy worker) does
# not wait at all; one that starts at once delays its rows by this at most.
RUN_GATHER_MS = 60
# Until how long before a waiting run claims a process trusts, without asking Redis again,
# that the run will claim the rows it commits: the margin covers one process's clock running
# fast against Redis's over that span.
RUN_TRUSTED_MARGIN_MS = 15

# Per task, until when (time.monotonic()) this process knows a run of it is waiting and has
# not yet claimed: rows committed before then are claimed by that run, and send nothing.
_runs_known_waiting: dict[str, float] = {}


@functools.cache
def _redis() -> redis.Redis:
    return redis.Redis.from_url(settings.REDIS_URL, socket_timeout=2)


def _runs_are_sent() -> bool:
    """Runs go through the broker to workers (not in-process, as embedded), so sends can be
    coalesced with a mark in Redis."""
    return not current_app.conf.task_always_eager and bool(settings.REDIS_URL)


def _run_waiting_key(task_name: str) -> str:
    # v2: marks hold a token and age by their TTL (a worker of before reads a time from them).
    return f"hub:followups:run-waiting:v2:{task_name}"


# What a send made no mark for answers instead of a mark's token (runs are not coalesced, or
# Redis could not be asked); a mark's own token lets whoever clears it clear that mark only.
SENT_UNMARKED = "unmarked"
_CLEAR_IF_SAME = """
if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('del', KEYS[1]) end
return 0"""


def _run_waiting_mark(task_name: str) -> str | None:
    """Mark a run of this batch task as waiting to start: the mark's token if this row made
    it (send the run), None if a run is waiting already.

    A busy hub commits a row every few milliseconds: once Redis has said how old the waiting
    run's mark is, the process asks again only when that run may be about to claim (ages are
    Redis's own, so no two machines' clocks are compared). A run clears only the mark it
    waited for, so no mark a process trusts goes before its run has waited it out."""
    if not _runs_are_sent():
        return SENT_UNMARKED
    asked_at = time.monotonic()
    if _runs_known_waiting.get(task_name, 0.0) > asked_at:
        return None
    key, token = _run_waiting_key(task_name), os.urandom(8).hex()
    try:
        with _redis().pipeline(transaction=False) as pipe:
            pipe.set(key, token, nx=True, px=RUN_WAITING_MS)
            pipe.pttl(key)
            made, left_ms = pipe.execute()
    except redis.RedisError:
        return SENT_UNMARKED  # cannot tell: send, a spare run is harmless
    # The run claims no sooner than the end of its gathering.
    trusted_ms = _gathering_left_ms(left_ms) - RUN_TRUSTED_MARGIN_MS
    if trusted_ms > 0:
        _runs_known_waiting[task_name] = asked_at + trusted_ms / 1000
    return token if made else None


def _gathering_left_ms(left_ms: int) -> int:
    """How long the run of a mark with `left_ms` to live (PTTL: negative if there is none)
    still lets rows gather: RUN_GATHER_MS from when the mark was made."""
    if left_ms <= 0:
        return 0
    return min(RUN_GATHER_MS - (RUN_WAITING_MS - left_ms), RUN_GATHER_MS)


def _run_gathered(task_name: str) -> None:
    """Wait until the run's rows have had RUN_GATHER_MS since its mark was made (the sends of
    those arriving meanwhile are coalesced into it), then clear that mark (not one made
    since by a row this run may already have missed)."""
    if not _runs_are_sent():
        return
    key = _run_waiting_key(task_name)
    try:
        with _redis().pipeline(transaction=False) as pipe:
            pipe.get(key)
            pipe.pttl(key)
            token, left_ms = pipe.execute()
    except redis.RedisError:
        return  # cannot tell: claim at once; the mark lapses
    if token is None:
        return  # no run waits: nothing to clear
    wait_ms = _gathering_left_ms(left_ms)
    if wait_ms > 0:
        time.sleep(wait_ms / 1000)
    _run_waiting_clear(task_name, token.decode())


def _run_waiting_clear(task_name: str, token: str) -> None:
    _runs_known_waiting.pop(task_name, None)
    if token == SENT_UNMARKED:
        return
    try:
        _redis().eval(_CLEAR_IF_SAME, 1, _run_waiting_key(task_name), token)
    except redis.RedisError:
        log.warning("could not clear the waiting mark of %s; the next rows wait for it to lapse",
                    task_name)


def runs_waiting_forget() -> None:
    """Forget what this process knows of waiting runs, for whoever deletes their marks in
    Redis directly (tests between runs)."""
    _runs_known_waiting.clear()


def followup_send(task_name: str, followup_id: int) -> bool:
    """Send the row's task; False if the broker would not take it."""
    try:
        if current_app.conf.task_always_eager:
            registered_task(task_name).apply(args=(followup_id,))
        else:
            current_app.send_task(task_name, args=[followup_id], ignore_result=True)
    except Exception:
        # The broker is down: the row stays pending and the sweeper sends it later.
        log.warning("could not send follow-up %s #%s; the sweeper will retry", task_name,
                    followup_id)
        return False
    return True


def registered_task(name: str) -> Task:
    """A task by name in this process, for running it in-process (embedded mode, the scheduler).

    Celery registers apps' tasks lazily; the first lookup that misses imports them all, once.
    """
    try:
        return current_app.tasks[name]
    except NotRegistered:
        current_app.loader.import_default_modules()
        return current_app.tasks[name]
