"""Call handlers' reasons to open a caller's record: taking her callback (an assignment the
services start and end, named by `callback_subject`), or her waiting in the 101 callback
queue (registered with `conversations.looks` when the app is ready). Changes to a request need
the same reason a look does (`callback_reason_required`)."""

from __future__ import annotations

from datetime import datetime

from callback.models import ACTIVE_STATUSES, CallbackRequest
from contact_hub.conversations.looks import (
    LookBasis,
    look_reason_register,
    look_reason_required,
)
from contact_hub.staff.models import StaffUser
from contact_hub.staff.roles import MAY_SUPERVISE, MAY_WORK_CALLBACKS

CALLBACK_QUEUE = "101 callback queue"
SUPERVISING_CALLBACKS = "supervising the 101 callback queue"
TAKING_THE_CALLBACK = "taking the 101 callback"


def callback_subject(callback_request: CallbackRequest) -> str:
    """What a handler's assignment to the callback names (Assignment.Kind.CALLBACK)."""
    return f"callback:{callback_request.pk}"


def callback_waiting(actor: StaffUser, person_id: int, now: datetime) -> str | None:
    """A caller waiting to be called back, or one a coordinator must check on (a silent call,
    a hang-up, a caller we could not reach), is on every call handler's queue."""
    if actor.has_role(*MAY_WORK_CALLBACKS) and CallbackRequest.objects.filter(
            person_id=person_id, status__in=[CallbackRequest.Status.QUEUED,
                                             CallbackRequest.Status.COORDINATOR]).exists():
        return CALLBACK_QUEUE
    return None


def callback_supervising(actor: StaffUser, person_id: int, now: datetime) -> str | None:
    """A supervisor on shift oversees every callback not yet finished, those being called
    too (they may record a call's result for its handler)."""
    if actor.has_role(*MAY_SUPERVISE) and CallbackRequest.objects.filter(
            person_id=person_id, status__in=ACTIVE_STATUSES).exists():
        return SUPERVISING_CALLBACKS
    return None


def callback_reason_required(callback_request: CallbackRequest, actor: StaffUser
                             ) -> LookBasis | None:
    """The actor's reason to change the caller's request (None for a withheld number: there
    is nobody's record to have a reason about). Raises ReasonNeeded when they have none."""
    return look_reason_required(actor, callback_request.person_id)


def callback_look_reasons_register() -> None:
    look_reason_register(callback_waiting)
    look_reason_register(callback_supervising)
