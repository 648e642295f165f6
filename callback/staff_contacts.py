"""Callback calls as staff contact with victims, for supervisors' dip samples: registered
with conversations.conduct from CallbackConfig.ready()."""

from __future__ import annotations

from datetime import datetime

from django.urls import reverse

from callback.models import CallbackAttempt
from contact_hub.conversations.conduct import ContactSource, StaffContact


def callback_calls_placed(since: datetime, until: datetime, excluding_staff_id: int
                          ) -> list[StaffContact]:
    """The calls handlers placed to callers with a record in the period."""
    rows = (CallbackAttempt.objects
            .filter(started_at__gte=since, started_at__lt=until, placed_at__isnull=False,
                    request__person__isnull=False)
            .exclude(handler_id=excluding_staff_id)
            .values_list("pk", "handler_id", "request__person_id", "started_at"))
    return [StaffContact("callback", pk, handler_id, person_id, at)
            for pk, handler_id, person_id, at in rows]


def callback_call_page(attempt_id: int, person_id: int) -> str:
    request_id = (CallbackAttempt.objects.filter(pk=attempt_id)
                  .values_list("request_id", flat=True).first())
    if request_id is None:
        return reverse("people:detail", args=[person_id])
    return reverse("callback:detail", args=[request_id])


CALLBACK_CALLS = ContactSource(kind="callback", label="Callback call",
                               contacts=callback_calls_placed, link=callback_call_page)
