from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from contact_hub.followups.models import FollowUp
from contact_hub.followups.services import followup_claim, followup_queue, followup_task
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

    assert followup_claim(followup.pk) is not None
    assert followup_claim(followup.pk) is None


def test_an_expired_lease_is_claimable_again():
    followup = followup_queue(record_call, message_id=12)
    followup_claim(followup.pk)
    FollowUp.objects.filter(pk=followup.pk).update(
        claimed_until=timezone.now() - timedelta(seconds=1))

    assert followup_claim(followup.pk).attempts == 2


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
