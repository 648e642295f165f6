from __future__ import annotations

from django.db import models


class FollowUp(models.Model):
    """Work queued in the same transaction as the data it follows up.

    The row is the promise that the work will run: a Celery task is sent after commit, and the
    sweeper re-sends any row left undone (a killed worker, a broker outage). Follow-up tasks are
    idempotent, so running one twice is harmless; a lease stops two workers running it at once.
    """

    task_name = models.CharField(max_length=100)
    payload = models.JSONField(default=dict)
    created_at = models.DateTimeField(auto_now_add=True)
    claimed_until = models.DateTimeField(null=True, blank=True)
    attempts = models.PositiveIntegerField(default=0)
    done_at = models.DateTimeField(null=True, blank=True)
    last_error = models.CharField(max_length=200, blank=True)

    class Meta:
        indexes = [
            models.Index(fields=["created_at"], condition=models.Q(done_at__isnull=True),
                         name="followup_pending_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.task_name} #{self.pk}"
