"""State changes on the callback queue: asking, merging, claiming, calling, and closing.

Every entry (101 call, web form, text keyword) becomes a `CallbackAsk` and goes through
`callback_request_create`, so the merge and flood rules are the same for all.
No entry proves who is asking (caller ID and SMS senders can be spoofed, the form is public),
so on a request that exists an entry may only make contact safer; anything else waits as a
`PreferenceChange` for the handler to confirm with the caller on the call.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone

from callback.attempts import attempt_latest, callback_attempt_record, callback_changed
from callback.limits import entry_count
from callback.look_reasons import (
    TAKING_THE_CALLBACK,
    callback_reason_required,
    callback_subject,
)
from callback.models import (
    ACTIVE_STATUSES,
    CallbackAttempt,
    CallbackEntry,
    CallbackRequest,
    PreferenceChange,
)
from callback.numbers import callback_number_check
from callback.selectors import QueuePlace, callback_due, callback_place
from callback.tasks import callback_call_place
from callback.windows import ANY_TIME, WINDOWS, window_for
from contact_hub.conversations.conduct import contact_after_assignment_flag
from contact_hub.conversations.intake import identity_for
from contact_hub.conversations.looks import LookBasis
from contact_hub.followups.services import followup_queue
from contact_hub.incidents.log import log_append
from contact_hub.incidents.models import Incident
from contact_hub.incidents.services import incident_open
from contact_hub.live import CONDUCT_GROUP, LiveEvent, live_event_send
from contact_hub.people.models import Identity
from contact_hub.staff.assignments import assignment_start, assignments_end, follow_up_period
from contact_hub.staff.audit import access_record, security_event_record
from contact_hub.staff.models import AccessEvent, Assignment, StaffUser
from contact_hub.staff.roles import MAY_SUPERVISE

Status = CallbackRequest.Status


class CallbackRefused(ValueError):
    """The change is not allowed; the reason is safe to show to staff or the caller."""


class CallbackFlood(CallbackRefused):
    """Too many entries from one number in the last hour."""


class CallbackNotYours(CallbackRefused):
    """Someone else's call: only its handler (or a supervisor) may say how it ended."""


@dataclass(frozen=True)
class CallbackAsk:
    """What every entry turns a caller's request into. None means 'not said this time'."""

    source: str
    number: str
    window: str | None = None
    voicemail_ok: bool | None = None
    texts_ok: bool | None = None
    call_sid: str | None = None
    message_id: int | None = None
    source_ip: str | None = None  # the web form's sender, for the security events it causes


@dataclass(frozen=True)
class CallbackPlaced:
    callback_request: CallbackRequest
    merged: bool
    place: QueuePlace


def callback_request_create(*, ask: CallbackAsk, now: datetime | None = None) -> CallbackPlaced:
    """Put the caller in the queue, or merge into the request their number already has (which
    keeps the place it joined at, and takes only the changes that make contact safer). A
    redelivered entry changes nothing.

    Raises NumberRefused if policy does not let us call the number, CallbackFlood if it has
    asked too often in the last hour."""
    now = now or timezone.now()
    existing = _entry_request(ask)
    if existing is not None:
        return CallbackPlaced(existing, True, callback_place(existing, now=now))
    ask = replace(ask, number=callback_number_check(ask.number))
    count = entry_count("number", ask.number, now=now)
    if count > settings.HUB_CALLBACK_NUMBER_LIMIT:
        if count == settings.HUB_CALLBACK_NUMBER_LIMIT + 1:  # one event per flood, not one each
            security_event_record("callback_flood", source_ip=ask.source_ip,
                                  detail={"source": ask.source, "by": "number"})
        _safer_only_apply(ask)
        raise CallbackFlood("We already have a callback request from this number.")
    identity = identity_for(Identity.Kind.PHONE, ask.number)
    try:
        callback_request, merged = _request_store(ask, identity, now)
    except IntegrityError:
        # Two entries from one number at once: the other made the request; merge into it.
        callback_request, merged = _request_store(ask, identity, now)
    # No confirmation text: every entry is unauthenticated, and a text arriving only when her
    # number had not asked before would tell whoever holds her phone that she had.
    return CallbackPlaced(callback_request, merged, callback_place(callback_request, now=now))


def _entry_request(ask: CallbackAsk) -> CallbackRequest | None:
    if ask.call_sid:
        entry = CallbackEntry.objects.filter(call_sid=ask.call_sid).first()
    elif ask.message_id:
        entry = CallbackEntry.objects.filter(message_id=ask.message_id).first()
    else:
        return None
    return entry.request if entry else None


@transaction.atomic
def _request_store(ask: CallbackAsk, identity: Identity,
                   now: datetime) -> tuple[CallbackRequest, bool]:
    callback_request = (CallbackRequest.objects.select_for_update()
                        .filter(identity=identity, status__in=ACTIVE_STATUSES).first())
    merged = callback_request is not None
    if callback_request is None:
        callback_request = CallbackRequest(person_id=identity.person_id, identity=identity,
                                           source=ask.source, joined_at=now)
        _preferences_apply(callback_request, ask)
        callback_request.save()
    else:
        _request_merge(callback_request, ask, now)
    CallbackEntry.objects.create(request=callback_request, source=ask.source, created_at=now,
                                 call_sid=ask.call_sid, message_id=ask.message_id)
    callback_changed(callback_request)
    return callback_request, merged


def _request_merge(callback_request: CallbackRequest, ask: CallbackAsk, now: datetime) -> None:
    if callback_request.status == Status.COORDINATOR:
        # They asked again after we could not reach them (or after a silent call): back in
        # the queue at their original place, with a fresh set of attempts.
        _queue_again(callback_request)
    held = _preferences_narrow(callback_request, ask)
    callback_request.save()
    if held:
        _change_hold(callback_request, ask, held, now)


@transaction.atomic
def _safer_only_apply(ask: CallbackAsk) -> None:
    """A flood on her number still takes her own safer choices (so flooding it cannot lock in
    his), though it makes no entry, holds no change and revives nothing."""
    callback_request = (CallbackRequest.objects.select_for_update()
                        .filter(identity__kind=Identity.Kind.PHONE, identity__value=ask.number,
                                status__in=ACTIVE_STATUSES).first())
    if callback_request is not None:
        _preferences_narrow(callback_request, ask)
        callback_request.save()


def _queue_again(callback_request: CallbackRequest) -> None:
    """At the caller's original place, with a fresh set of attempts."""
    callback_request.status, callback_request.attempts_made = Status.QUEUED, 0
    callback_request.next_attempt_at = None


def _preferences_apply(callback_request: CallbackRequest, ask: CallbackAsk) -> None:
    """A new request takes the caller's word on when and how we may contact them."""
    if ask.window is not None:
        window = WINDOWS.get(ask.window, ANY_TIME)
        callback_request.safe_from, callback_request.safe_until = window.start, window.end
    if ask.voicemail_ok is not None:
        callback_request.voicemail_ok = ask.voicemail_ok
    if ask.texts_ok is not None:
        callback_request.texts_ok = ask.texts_ok


def _preferences_narrow(callback_request: CallbackRequest, ask: CallbackAsk) -> dict[str, object]:
    """Apply what makes contact safer (voicemail or texts turned off); return the rest, which
    must not be applied without the caller's word on a call: the person asking may be the one
    she is hiding from. That includes any other safe window, narrower ones too: "evenings only"
    may be when he is home with her phone."""
    held: dict[str, object] = {}
    if ask.window is not None:
        window = WINDOWS.get(ask.window, ANY_TIME)
        if (window.start, window.end) != (callback_request.safe_from, callback_request.safe_until):
            held["window"] = window.code
    if ask.voicemail_ok is not None and ask.voicemail_ok != callback_request.voicemail_ok:
        if ask.voicemail_ok:
            held["allow_voicemail"] = True
        else:
            callback_request.voicemail_ok = False
    if ask.texts_ok is not None and ask.texts_ok != callback_request.texts_ok:
        if ask.texts_ok:
            held["allow_texts"] = True
        else:
            callback_request.texts_ok = False
    return held


def _change_hold(callback_request: CallbackRequest, ask: CallbackAsk, held: dict[str, object],
                 now: datetime) -> None:
    """Keep the less safe change for the handler; later asks add to the one change waiting."""
    change = (PreferenceChange.objects.select_for_update()
              .filter(request=callback_request, status=PreferenceChange.Status.PENDING).first()
              or PreferenceChange(request=callback_request))
    for field, value in held.items():
        setattr(change, field, value)
    change.source, change.asked_at = ask.source, now
    change.save()
    security_event_record("callback_change_held", source_ip=ask.source_ip, detail={
        "source": ask.source, "callback_request_id": callback_request.pk, "asked": sorted(held)})


def callback_welfare_create(*, call_sid: str, caller: Identity | None, flag: str,
                            now: datetime | None = None) -> CallbackRequest:
    """A 101 call that went silent or hung up in the menu: a coordinator checks on them.
    If their number is already in the queue, that request carries the flag instead."""
    now = now or timezone.now()
    entry = CallbackEntry.objects.filter(call_sid=call_sid).first()
    if entry is not None:
        return entry.request
    with transaction.atomic():
        callback_request = None
        if caller is not None:
            callback_request = (CallbackRequest.objects.select_for_update()
                                .filter(identity=caller, status__in=ACTIVE_STATUSES).first())
        if callback_request is None:
            callback_request = CallbackRequest.objects.create(
                person_id=caller.person_id if caller else None, identity=caller,
                source=CallbackRequest.Source.VOICE, status=Status.COORDINATOR, flag=flag,
                joined_at=now)
        elif not callback_request.flag:
            callback_request.flag = flag
            callback_request.save(update_fields=["flag"])
        CallbackEntry.objects.create(request=callback_request, source=CallbackRequest.Source.VOICE,
                                     created_at=now, call_sid=call_sid)
        callback_changed(callback_request)
    return callback_request


def callback_next_claim(*, handler: StaffUser,
                        now: datetime | None = None) -> CallbackRequest | None:
    """Give the handler exactly one request to call, and start ringing the caller.

    A handler with a callback still open gets that one back. Rows are locked with SKIP LOCKED
    and claimed with a conditional update, so two handlers pressing at once never share one.
    """
    now = now or timezone.now()
    current = CallbackRequest.objects.filter(status=Status.CALLING, claimed_by=handler).first()
    if current is not None:
        return current
    for _ in range(5):
        with transaction.atomic():
            callback_request = callback_due(now).select_for_update(skip_locked=True).first()
            if callback_request is None:
                return None
            if _claim(callback_request, handler, now):
                return callback_request
    return None


def _claim(callback_request: CallbackRequest, handler: StaffUser, now: datetime) -> bool:
    claimed = CallbackRequest.objects.filter(pk=callback_request.pk, status=Status.QUEUED).update(
        status=Status.CALLING, claimed_by=handler, claimed_at=now,
        attempts_made=callback_request.attempts_made + 1)
    if not claimed:
        return False
    callback_request.refresh_from_db()
    # Taking her callback is the handler's reason to open her record until it is finished.
    assignment_start(staff=handler, person_id=callback_request.person_id,
                     kind=Assignment.Kind.CALLBACK, subject=callback_subject(callback_request),
                     why=TAKING_THE_CALLBACK, now=now)
    attempt = CallbackAttempt.objects.create(request=callback_request, handler=handler,
                                             started_at=now)
    if callback_request.person_id is not None:
        # The call rings her: contact outside the handler's work with her is flagged.
        contact_after_assignment_flag(actor=handler, person_id=callback_request.person_id,
                                      what=f"callback call {attempt.pk}", now=now)
    followup_queue(callback_call_place, attempt_id=attempt.pk)
    callback_changed(callback_request)
    return True


def callback_attempt_result_record(*, callback_request: CallbackRequest, actor: StaffUser,
                                   result: str) -> CallbackAttempt:
    """The handler says how the call they placed ended. The first word on a call stands, so
    if the provider's came first nothing changes and nothing is recorded as changed.

    Raises CallbackNotYours for another handler's call, AttemptRefused for an unknown result."""
    with transaction.atomic():
        attempt = callback_request.attempts.filter(result="").order_by("-started_at").first()
        if attempt is None:
            raise CallbackRefused("There is no call waiting for a result.")
        if attempt.handler_id != actor.pk and not actor.has_role(*MAY_SUPERVISE):
            raise CallbackNotYours("Only the handler who placed this call can record it.")
        # Taken before the result is recorded: an unanswered call ends the handler's reason.
        basis = callback_reason_required(callback_request, actor)
        if callback_attempt_record(attempt=attempt, result=result, source="handler"):
            _change_access_record(callback_request, actor, basis,
                                  why="recording a call attempt")
    return attempt


def callback_close(*, callback_request: CallbackRequest, actor: StaffUser,
                   reason: str) -> CallbackRequest:
    reason = reason.strip()
    if not reason:
        raise CallbackRefused("Say why the callback request is being closed.")
    return _close(callback_request, actor, reason=reason, incident=None)


def callback_incident_link(*, callback_request: CallbackRequest, actor: StaffUser,
                           incident: Incident) -> CallbackRequest:
    if incident.closed_at is not None:
        raise CallbackRefused(f"{incident.reference} is closed.")
    return _close(callback_request, actor, reason=f"linked to {incident.reference}",
                  incident=incident)


def callback_incident_open(*, callback_request: CallbackRequest, actor: StaffUser,
                           opening_code: str, grade: str) -> CallbackRequest:
    if not opening_code.strip():
        raise CallbackRefused("Give the incident type.")
    callback_reason_required(callback_request, actor)  # before an incident is opened for her
    with transaction.atomic():
        incident = incident_open(opening_code=opening_code, grade=grade, actor=actor,
                                 person=callback_request.person)
        return callback_incident_link(callback_request=callback_request, actor=actor,
                                      incident=incident)


def _close(callback_request: CallbackRequest, actor: StaffUser, *, reason: str,
           incident: Incident | None) -> CallbackRequest:
    with transaction.atomic():
        callback_request = _locked_for_change(callback_request, actor)
        basis = callback_reason_required(callback_request, actor)
        callback_request.status, callback_request.closed_at = Status.CLOSED, timezone.now()
        callback_request.close_reason = reason[:300]
        callback_request.incident = incident
        callback_request.save()
        if incident is not None:
            log_append(incident, "callback.linked", {
                "callback_request_id": callback_request.pk, "source": callback_request.source,
                "attempts": callback_request.attempts.count(), "flag": callback_request.flag,
            }, actor=actor)
        _change_access_record(callback_request, actor, basis,
                              why="recording the callback outcome")
        # Finished: whoever took it keeps their reason for the follow-up period (a welfare
        # call, a question about what was said).
        assignments_end(kind=Assignment.Kind.CALLBACK, subject=callback_subject(callback_request),
                        at=callback_request.closed_at, keep=follow_up_period())
        callback_changed(callback_request)
    return callback_request


def callback_requeue(*, callback_request: CallbackRequest, actor: StaffUser) -> CallbackRequest:
    """Back to the caller's place in the queue with a fresh set of attempts."""
    with transaction.atomic():
        callback_request = _locked_for_change(callback_request, actor)
        if callback_request.identity_id is None:
            raise CallbackRefused("The number was withheld, so this caller cannot be called.")
        basis = callback_reason_required(callback_request, actor)
        _queue_again(callback_request)
        callback_request.claimed_by, callback_request.claimed_at = None, None
        callback_request.save()
        _change_access_record(callback_request, actor, basis, why="returned to the queue")
        # Released: nobody is taking her callback now, so the reason it gave ends at once.
        assignments_end(kind=Assignment.Kind.CALLBACK, subject=callback_subject(callback_request))
        callback_changed(callback_request)
    return callback_request


def callback_priority_set(*, callback_request: CallbackRequest, actor: StaffUser,
                          priority: int) -> CallbackRequest:
    if priority not in CallbackRequest.Priority.values:
        raise CallbackRefused("Unknown priority.")
    with transaction.atomic():
        callback_request = _locked_for_change(callback_request, actor)
        basis = callback_reason_required(callback_request, actor)
        callback_request.priority = priority
        callback_request.save(update_fields=["priority"])
        _change_access_record(callback_request, actor, basis,
                              why="setting the callback's priority")
        callback_changed(callback_request)
    return callback_request


def callback_preferences_confirm(*, callback_request: CallbackRequest, actor: StaffUser,
                                 now: datetime | None = None) -> CallbackRequest:
    """The handler checked the unconfirmed change with the caller on the call: apply it.

    Only the handler on an answered call may: the change was asked for by an entry that
    proves nothing about who sent it, and the call to her number is the one check we have."""
    now = now or timezone.now()
    with transaction.atomic():
        callback_request = _locked_for_change(callback_request, actor)
        change = _pending_change(callback_request)
        if not _on_answered_call(callback_request, actor):
            raise CallbackRefused("Only the handler on an answered call can confirm this, "
                                  "after checking it with the caller.")
        basis = callback_reason_required(callback_request, actor)
        if change.window:
            window = window_for(change.window)
            callback_request.safe_from, callback_request.safe_until = window.start, window.end
        callback_request.voicemail_ok = callback_request.voicemail_ok or change.allow_voicemail
        callback_request.texts_ok = callback_request.texts_ok or change.allow_texts
        callback_request.save()
        _change_decide(change, PreferenceChange.Status.CONFIRMED, callback_request, actor,
                       basis, now,
                       why="confirmed a change to contact preferences with the caller")
    return callback_request


def callback_preferences_discard(*, callback_request: CallbackRequest, actor: StaffUser,
                                 now: datetime | None = None) -> CallbackRequest:
    """Drop the unconfirmed change (the caller did not ask for it, or does not want it)."""
    now = now or timezone.now()
    with transaction.atomic():
        callback_request = _locked_for_change(callback_request, actor)
        change = _pending_change(callback_request)
        basis = callback_reason_required(callback_request, actor)
        _change_decide(change, PreferenceChange.Status.DISCARDED, callback_request, actor,
                       basis, now,
                       why="discarded an unconfirmed change to contact preferences")
    return callback_request


def _pending_change(callback_request: CallbackRequest) -> PreferenceChange:
    change = (PreferenceChange.objects.select_for_update()
              .filter(request=callback_request, status=PreferenceChange.Status.PENDING).first())
    if change is None:
        raise CallbackRefused("There is no unconfirmed change to contact preferences.")
    return change


def _on_answered_call(callback_request: CallbackRequest, actor: StaffUser) -> bool:
    if callback_request.status != Status.CALLING or callback_request.claimed_by_id != actor.pk:
        return False
    latest = attempt_latest(callback_request)
    return latest is not None and latest.result == CallbackAttempt.Result.ANSWERED


def _change_decide(change: PreferenceChange, status: str, callback_request: CallbackRequest,
                   actor: StaffUser, basis: LookBasis | None, now: datetime, *,
                   why: str) -> None:
    change.status, change.decided_by, change.decided_at = status, actor, now
    change.save(update_fields=["status", "decided_by", "decided_at"])
    _change_access_record(callback_request, actor, basis, why=why)
    callback_changed(callback_request)


def _change_access_record(callback_request: CallbackRequest, actor: StaffUser,
                          basis: LookBasis | None, *, why: str) -> None:
    """The change, in the access log with what it was; flagged (and professional standards
    told) if the actor's reason was one they gave (or she named them), as a look would be.
    `basis` is the reason taken before the change: the change may end it (a close, a call
    nobody answered)."""
    event = access_record(actor=actor, action=AccessEvent.Action.CHANGE,
                          what=f"callback request {callback_request.pk}", why=why,
                          person_id=callback_request.person_id,
                          flagged=basis is not None and basis.flagged)
    if event.flagged:
        live_event_send(LiveEvent.LOOK_FLAGGED, group=CONDUCT_GROUP, access_event_id=event.pk)


def _locked_for_change(callback_request: CallbackRequest,
                       actor: StaffUser) -> CallbackRequest:
    """The request, locked for the rest of the transaction, if `actor` may change it now.
    Each change then takes the actor's reason (`callback_reason_required`) after its own
    refusals and before it changes anything."""
    callback_request = CallbackRequest.objects.select_for_update().get(pk=callback_request.pk)
    if callback_request.status == Status.CLOSED:
        raise CallbackRefused("This callback request is already closed.")
    if (callback_request.status == Status.CALLING and callback_request.claimed_by_id != actor.pk
            and not actor.has_role(*MAY_SUPERVISE)):
        raise CallbackRefused("Another handler is calling this person back.")
    return callback_request
