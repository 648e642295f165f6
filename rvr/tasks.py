"""Periodic work for RVR. Idempotent: two copies running at once expire each link once."""

from __future__ import annotations

from celery import shared_task

from rvr.links import video_links_expire


@shared_task(name="rvr.sweep", ignore_result=True)
def rvr_sweep() -> int:
    """Mark links nobody joined in time as expired, so pages and figures say so."""
    return video_links_expire()
