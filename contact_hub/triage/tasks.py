"""The periodic marker and referral sweeps. Safe to run on any number of workers at once."""

from __future__ import annotations

import logging

from celery import shared_task

from contact_hub.triage.markers import markers_sweep
from contact_hub.triage.referrals import referrals_sweep

log = logging.getLogger(__name__)


@shared_task(name="triage.markers_sweep", ignore_result=True)
def markers_sweep_task() -> dict[str, int]:
    counts = markers_sweep()
    if any(counts.values()):
        log.info("marker sweep: %(prompted)d prompted, %(lapsed)d lapsed", counts)
    return counts


@shared_task(name="triage.referrals_sweep", ignore_result=True)
def referrals_sweep_task() -> int:
    """Alert professional standards of misconduct referrals whose assessment is (nearly) due."""
    fired = referrals_sweep()
    if fired:
        log.info("referral sweep fired %d alert(s)", len(fired))
    return len(fired)
