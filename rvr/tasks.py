"""Periodic work for RVR. Idempotent: two copies running at once expire each link once."""

from __future__ import annotations

from celery import shared_task

from rvr.links import video_links_expire
from rvr.recording import recordings_expire


@shared_task(name="rvr.sweep", ignore_result=True)
def rvr_sweep() -> int:
    """Mark links nobody joined in time as expired, so pages and figures say so."""
    return video_links_expire()


@shared_task(name="rvr.recordings_sweep", ignore_result=True)
def rvr_recordings_sweep() -> int:
    """Delete recordings past the force's retention period, each deletion logged."""
    return recordings_expire()
