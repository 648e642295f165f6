from __future__ import annotations

import time
from datetime import timedelta

import pytest
from django.utils import timezone

from contact_hub.celery import app as celery_app
from contact_hub.followups import services
from contact_hub.followups.models import FollowUp
from contact_hub.followups.services import (
    followup_batch_task,
    followup_queue,
    followup_task,
    followups_claim,
)
from contact_hub.followups.tasks import followups_sweep

pytestmark = pytest.mark.django_db

CALLS: list[dict] = []


@followup_task
def record_call(**payload: object) -> None:
    CALLS.append(payload)


@followup_task
def always_fails(**payload: object) -> None:
    raise RuntimeError("provider down")


@pytest.fixture(autouse=True)
def no_calls():
    CALLS.clear()


def _age(followup: FollowUp, seconds: int = 300) -> None:
    FollowUp.objects.filter(pk=followup.pk).update(
        created_at=timezone.now() - timedelta(seconds=seconds))


def test_queued_work_runs_once_the_transaction_commits(django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        followup = followup_queue(record_call, message_id=7)
        assert CALLS == []

    assert CALLS == [{"message_id": 7}]
    followup.refresh_from_db()
    assert followup.done_at is not None
    assert followup.attempts == 1


def test_work_whose_task_never_ran_is_swept_up():
    followup = followup_queue(record_call, message_id=8)  # commit hook never fires: a lost task
    _age(followup)

    assert followups_sweep() == 1

    assert CALLS == [{"message_id": 8}]
    followup.refresh_from_db()
    assert followup.done_at is not None


def test_recent_work_is_left_for_its_own_task():
    followup_queue(record_call, message_id=9)

    assert followups_sweep() == 0
    assert CALLS == []


def test_done_work_is_never_run_again():
    followup = followup_queue(record_call, message_id=10)
    record_call(followup.pk)
    _age(followup)

    assert followups_sweep() == 0
    record_call(followup.pk)
    assert CALLS == [{"message_id": 10}]


def test_a_leased_row_cannot_be_claimed_by_a_second_worker():
    followup = followup_queue(record_call, message_id=11)

    assert followups_claim(followup.pk) == [followup]
    assert followups_claim(followup.pk) == []


def test_an_expired_lease_is_claimable_again():
    followup = followup_queue(record_call, message_id=12)
    followups_claim(followup.pk)
    FollowUp.objects.filter(pk=followup.pk).update(
        claimed_until=timezone.now() - timedelta(seconds=1))

    assert followups_claim(followup.pk)[0].attempts == 2


def test_failed_work_is_released_for_the_sweeper_with_the_error_kind():
    followup = followup_queue(always_fails, note="x")
    always_fails(followup.pk)

    followup.refresh_from_db()
    assert followup.done_at is None
    assert followup.claimed_until is None
    assert followup.last_error == "RuntimeError"


def test_the_sweeper_gives_up_after_the_attempt_limit(settings):
    settings.HUB_FOLLOWUP_MAX_ATTEMPTS = 2
    followup = followup_queue(always_fails, note="x")
    _age(followup)

    assert followups_sweep() == 1
    assert followups_sweep() == 1
    assert followups_sweep() == 0


BATCHES: list[list[int]] = []


@followup_batch_task
def record_batch(payloads: list[dict]) -> None:
    if any(p["message_id"] == 13 for p in payloads):
        raise RuntimeError("this one cannot be read")
    BATCHES.append([p["message_id"] for p in payloads])


def _record_pair(payloads: list[dict]) -> None:
    BATCHES.append([p["message_id"] for p in payloads])


record_pairs = followup_batch_task(_record_pair, size=2)


@pytest.fixture(autouse=True)
def no_batches():
    BATCHES.clear()


def test_a_batch_run_does_every_fresh_row_of_its_task_and_the_rest_find_theirs_done():
    rows = [followup_queue(record_batch, message_id=n) for n in (1, 2, 3)]
    other = followup_queue(record_call, message_id=4)

    for row in rows:
        record_batch.apply(args=[row.pk])

    assert BATCHES == [[1, 2, 3]]
    assert FollowUp.objects.filter(pk__in=[r.pk for r in rows], done_at__isnull=False).count() == 3
    assert FollowUp.objects.get(pk=other.pk).done_at is None  # another task's row is left alone


def test_a_batch_leaves_rows_another_worker_holds():
    first, held = followup_queue(record_batch, message_id=1), followup_queue(record_batch,
                                                                            message_id=2)
    FollowUp.objects.filter(pk=held.pk).update(
        claimed_until=timezone.now() + timedelta(minutes=1))

    record_batch.apply(args=[first.pk])

    assert BATCHES == [[1]]
    assert FollowUp.objects.get(pk=held.pk).done_at is None


def test_one_bad_row_does_not_hold_back_the_rest_of_its_batch():
    rows = [followup_queue(record_batch, message_id=n) for n in (12, 13, 14)]

    record_batch.apply(args=[rows[0].pk])

    assert BATCHES == [[12], [14]]  # the batch failed, so each was tried alone
    bad = FollowUp.objects.get(pk=rows[1].pk)
    assert (bad.done_at, bad.claimed_until, bad.last_error) == (None, None, "RuntimeError")


def test_a_row_that_failed_before_is_retried_alone_not_swept_into_other_batches():
    bad = followup_queue(record_batch, message_id=13)
    record_batch.apply(args=[bad.pk])
    fresh = followup_queue(record_batch, message_id=15)

    record_batch.apply(args=[fresh.pk])

    assert BATCHES == [[15]]
    assert FollowUp.objects.get(pk=bad.pk).attempts == 1


def test_a_run_works_through_every_waiting_row_a_batch_at_a_time():
    """Sends are coalesced while a run waits, so one run may owe more than one batch."""
    rows = [followup_queue(record_pairs, message_id=n) for n in range(1, 6)]

    record_pairs.apply(args=[rows[0].pk])

    assert BATCHES == [[1, 2], [3, 4], [5]]
    assert not FollowUp.objects.filter(done_at__isnull=True).exists()


def test_a_claim_leases_its_row_and_the_fresh_rows_of_its_task_in_one_statement(
        django_assert_num_queries):
    rows = [followup_queue(record_batch, message_id=n) for n in (21, 22, 23)]
    other = followup_queue(record_call, message_id=24)

    with django_assert_num_queries(1):
        claimed = followups_claim(rows[1].pk, more_of=record_batch.name, size=100)

    assert [row.pk for row in claimed] == [row.pk for row in rows]
    assert all(row.claimed_until is not None and row.attempts == 1 for row in claimed)
    assert FollowUp.objects.get(pk=other.pk).claimed_until is None


def test_a_batch_with_room_to_spare_does_not_look_for_more(django_assert_num_queries):
    """Rows committed while the run starts are claimed with it; later ones send their own."""
    rows = [followup_queue(record_batch, message_id=n) for n in (31, 32)]

    with django_assert_num_queries(2):  # the claim, and marking the batch done
        record_batch.apply(args=[rows[0].pk])

    assert BATCHES == [[31, 32]]


def _tasks_sent() -> int:
    with celery_app.connection_for_write() as conn:
        return conn.default_channel.client.llen(celery_app.conf.task_default_queue)


def _run_sent(seconds_ago: float) -> None:
    """As the first row's send does: mark that a run is on its way (nothing is sent, so no
    later test's worker gets it), the mark as old as given (Redis tells its age)."""
    _mark_set("another process's", seconds_ago=seconds_ago)


def _mark_set(token: str, *, seconds_ago: float = 0) -> None:
    with celery_app.connection_for_write() as conn:
        conn.default_channel.client.set(
            services._run_waiting_key(record_batch.name), token,
            px=services.RUN_WAITING_MS - int(seconds_ago * 1000))


def _mark() -> bytes | None:
    with celery_app.connection_for_write() as conn:
        return conn.default_channel.client.get(services._run_waiting_key(record_batch.name))


@pytest.fixture
def redis_asked(monkeypatch) -> list[int]:
    """How many times the process asked Redis about a waiting run (the real client, counted)."""
    asked: list[int] = []
    client = services._redis()
    pipeline = client.pipeline

    def counted(*args, **kwargs):
        asked.append(1)
        return pipeline(*args, **kwargs)

    monkeypatch.setattr(client, "pipeline", counted)
    return asked


@pytest.fixture
def runs_sent(monkeypatch) -> list[int]:
    """The rows whose sends went to the broker, kept here instead (a task sent for real
    would fix Celery's routes for the whole test run before test_worker sets its own)."""
    sent: list[int] = []
    monkeypatch.setattr(services, "followup_send",
                        lambda task_name, followup_id: sent.append(followup_id) or True)
    return sent


def test_rows_arriving_just_after_the_first_are_gathered_into_its_run(
        worker_stopped, monkeypatch, django_capture_on_commit_callbacks):
    first = followup_queue(record_batch, message_id=41)
    _run_sent(seconds_ago=0)
    sent_before = _tasks_sent()
    waited: list[float] = []

    def arrivals_meanwhile(seconds: float) -> None:
        waited.append(seconds)
        with django_capture_on_commit_callbacks(execute=True):
            followup_queue(record_batch, message_id=42)

    monkeypatch.setattr(services.time, "sleep", arrivals_meanwhile)
    record_batch.apply(args=[first.pk])

    assert BATCHES == [[41, 42]]
    assert 0 < waited[0] <= services.RUN_GATHER_MS / 1000
    assert _tasks_sent() == sent_before  # the second row's send was coalesced into the run


def test_a_run_that_starts_late_claims_at_once(worker_stopped, monkeypatch):
    first = followup_queue(record_batch, message_id=51)
    _run_sent(seconds_ago=1)  # the worker was busy
    waited: list[float] = []
    monkeypatch.setattr(services.time, "sleep", waited.append)

    record_batch.apply(args=[first.pk])

    assert BATCHES == [[51]]
    assert waited == []


def test_rows_committed_while_a_run_cannot_yet_have_claimed_ask_redis_once(
        worker_stopped, redis_asked, runs_sent, django_capture_on_commit_callbacks):
    rows = []
    for n in (61, 62, 63):
        with django_capture_on_commit_callbacks(execute=True):
            rows.append(followup_queue(record_batch, message_id=n))

    assert len(redis_asked) == 1  # the first row marked the run; the others knew of it
    assert runs_sent == [rows[0].pk]


def test_once_the_waiting_run_may_have_claimed_the_next_row_asks_again_and_sends_its_own(
        worker_stopped, redis_asked, runs_sent, monkeypatch, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        first = followup_queue(record_batch, message_id=71)
    # The run starts and claims (its mark goes); this process's clock has moved on meanwhile.
    with celery_app.connection_for_write() as conn:
        conn.default_channel.client.delete(services._run_waiting_key(record_batch.name))
    later = time.monotonic() + services.RUN_GATHER_MS / 1000
    monkeypatch.setattr(services.time, "monotonic", lambda: later)

    with django_capture_on_commit_callbacks(execute=True):
        second = followup_queue(record_batch, message_id=72)

    assert len(redis_asked) == 2
    assert runs_sent == [first.pk, second.pk]


def test_a_mark_another_process_made_is_trusted_only_for_what_is_left_of_its_gathering(
        worker_stopped, redis_asked, runs_sent, django_capture_on_commit_callbacks):
    _run_sent(seconds_ago=(services.RUN_GATHER_MS - services.RUN_TRUSTED_MARGIN_MS) / 1000)

    for n in (81, 82):
        with django_capture_on_commit_callbacks(execute=True):
            followup_queue(record_batch, message_id=n)

    # That run may claim at any moment: each row asked, and none sent a run of its own.
    assert len(redis_asked) == 2
    assert runs_sent == []


def test_a_run_clears_only_the_mark_it_waited_for(worker_stopped, monkeypatch):
    """A mark made while the run waited (its own lapsed, say) is another run's, which rows
    committed since are trusting: it stays."""
    first = followup_queue(record_batch, message_id=91)
    _mark_set("the run's")
    monkeypatch.setattr(services.time, "sleep", lambda seconds: _mark_set("a newer one"))

    record_batch.apply(args=[first.pk])

    assert BATCHES == [[91]]
    assert _mark() == b"a newer one"


def test_a_run_that_finds_no_mark_clears_none_made_after_it_looked(worker_stopped, monkeypatch):
    """A spare run (the sweeper's, say) that looked and found no run waiting leaves alone the
    mark another process makes just after: rows committed since are trusting it."""
    first = followup_queue(record_batch, message_id=92)
    client = services._redis()
    pipeline = client.pipeline

    def looked_then_marked(*args, **kwargs):
        pipe = pipeline(*args, **kwargs)
        execute = pipe.execute

        def then_marked():
            answers = execute()
            _mark_set("made after the run looked")
            return answers

        pipe.execute = then_marked
        return pipe

    monkeypatch.setattr(client, "pipeline", looked_then_marked)
    record_batch.apply(args=[first.pk])

    assert BATCHES == [[92]]
    assert _mark() == b"made after the run looked"
