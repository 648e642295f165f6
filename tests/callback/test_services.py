from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from callback.attempts import AttemptRefused, callback_attempt_record
from callback.models import CallbackAttempt, CallbackEntry, CallbackRequest, PreferenceChange
from callback.numbers import NumberRefused
from callback.selectors import (
    callback_place,
    callback_position,
    callback_queue,
    callback_queue_places,
)
from callback.services import (
    CallbackAsk,
    CallbackFlood,
    CallbackNotYours,
    CallbackRefused,
    callback_attempt_result_record,
    callback_close,
    callback_incident_link,
    callback_incident_open,
    callback_next_claim,
    callback_preferences_confirm,
    callback_preferences_discard,
    callback_priority_set,
    callback_request_create,
    callback_requeue,
    callback_welfare_create,
)
from callback.windows import WINDOWS
from contact_hub.conversations.looks import ReasonNeeded, break_glass_open, look_basis
from contact_hub.conversations.models import Message
from contact_hub.conversations.sending import MemoryBackend
from contact_hub.incidents.log import log_verify
from contact_hub.incidents.services import incident_open
from contact_hub.people.models import Identity, Person
from contact_hub.staff.assignments import follow_up_period
from contact_hub.staff.models import AccessEvent, Assignment, Role, SecurityEvent
from tests.callback.conftest import local
from tests.concurrency import all_at_once
from tests.factories import StaffFactory, drama_number, received_message

pytestmark = pytest.mark.django_db
NOON = local(2026, 1, 5, 12, 0)


def test_a_request_joins_the_queue_linked_to_the_same_person_as_their_texts(ask_callback):
    text = received_message(sender="07700900301")

    request = ask_callback("07700 900301", now=NOON)

    assert request.status == "queued"
    assert request.person == text.conversation.person
    assert request.identity.value == "+447700900301"
    assert request.joined_at == NOON
    assert Person.objects.count() == 1


def test_the_queue_is_ordered_by_priority_then_by_when_each_caller_joined(ask_callback,
                                                                          coordinator):
    first = ask_callback(now=NOON)
    second = ask_callback(now=NOON + timedelta(minutes=1))
    urgent_late = ask_callback(now=NOON + timedelta(minutes=2))
    urgent_late = callback_priority_set(callback_request=urgent_late, actor=coordinator,
                                        priority=CallbackRequest.Priority.URGENT)

    assert list(callback_queue()) == [urgent_late, first, second]
    assert [callback_position(r) for r in (urgent_late, first, second)] == [1, 2, 3]


def test_a_second_request_from_one_number_merges_and_keeps_the_first_place(ask_callback):
    first = ask_callback("07700900302", now=NOON, window="any")
    ask_callback(now=NOON + timedelta(minutes=1))
    again = callback_request_create(ask=CallbackAsk(
        source="voice", number="+447700900302", window="evening", voicemail_ok=True),
        now=NOON + timedelta(minutes=5))

    assert again.merged
    assert again.callback_request.pk == first.pk
    assert again.place.position == 1
    merged = CallbackRequest.objects.get(pk=first.pk)
    assert merged.joined_at == NOON
    assert merged.safe_window_label == "any time"  # another window waits for her word
    assert not merged.voicemail_ok  # turning voicemail on waits for the caller's word
    assert merged.pending_change.allow_voicemail
    assert merged.pending_change.window == "evening"
    assert sorted(merged.entries.values_list("source", flat=True)) == ["voice", "web"]
    assert CallbackRequest.objects.count() == 2


@pytest.mark.parametrize("source", ["web", "voice", "text"])
def test_no_entry_can_make_an_existing_request_less_safe(ask_callback, source):
    """Caller ID, the SMS sender and the form all say nothing about who is really asking."""
    hers = ask_callback("07700900311", window="evening", voicemail_ok=False, texts_ok=False)

    callback_request_create(ask=CallbackAsk(source=source, number="+447700900311",
                                            window="any", voicemail_ok=True, texts_ok=True))

    hers.refresh_from_db()
    assert (hers.safe_window_label, hers.voicemail_ok, hers.texts_ok) == (
        "17:00 to 21:00", False, False)
    change = hers.pending_change
    assert (change.window, change.allow_voicemail, change.allow_texts, change.source) == (
        "any", True, True, source)
    assert change.asked_for == ("change the safe time to any time and allow voicemail and "
                                "allow texts")
    event = SecurityEvent.objects.get(kind="callback_change_held")
    assert event.detail == {"source": source, "callback_request_id": hers.pk,
                            "asked": ["allow_texts", "allow_voicemail", "window"]}


@pytest.mark.parametrize("stored, asked", [("morning", "evening"), ("evening", "afternoon")])
def test_moving_the_safe_window_is_held_like_widening_it(ask_callback, stored, asked):
    hers = ask_callback("07700900312", window=stored)

    ask_callback("07700900312", window=asked)

    hers.refresh_from_db()
    assert hers.safe_from == WINDOWS[stored].start
    assert hers.pending_change.window == asked


def test_a_safer_change_from_any_entry_is_applied_at_once(ask_callback):
    hers = ask_callback("07700900313", window="any", voicemail_ok=True, texts_ok=True)

    ask_callback("07700900313", source="voice", voicemail_ok=False, texts_ok=False)

    hers.refresh_from_db()
    assert (hers.safe_window_label, hers.voicemail_ok, hers.texts_ok) == (
        "any time", False, False)
    assert hers.pending_change is None
    assert not SecurityEvent.objects.exists()


def test_even_a_narrower_window_waits_for_her_word(ask_callback):
    """She chose "any time" (he is at work all day); he asks "evenings", when he is home."""
    hers = ask_callback("07700900315", window="any")

    ask_callback("07700900315", source="web", window="evening")

    hers.refresh_from_db()
    assert hers.safe_window_label == "any time"
    assert hers.pending_change.window == "evening"


def test_a_flood_on_her_number_still_takes_her_safer_choices(ask_callback, settings):
    settings.HUB_CALLBACK_NUMBER_LIMIT = 2
    his = ask_callback("07700900316", window="any", voicemail_ok=True, texts_ok=True)
    with pytest.raises(CallbackFlood):  # he asks until her number is flooded
        for _ in range(settings.HUB_CALLBACK_NUMBER_LIMIT + 1):
            ask_callback("07700900316")

    with pytest.raises(CallbackFlood):
        ask_callback("07700900316", voicemail_ok=False, texts_ok=False)

    his.refresh_from_db()
    assert (his.voicemail_ok, his.texts_ok) == (False, False)


def test_saying_nothing_or_the_same_again_changes_nothing(ask_callback):
    hers = ask_callback("07700900314", window="evening", voicemail_ok=True)

    ask_callback("07700900314", window=None, voicemail_ok=True, texts_ok=None)

    hers.refresh_from_db()
    assert (hers.safe_window_label, hers.voicemail_ok, hers.texts_ok) == (
        "17:00 to 21:00", True, False)
    assert hers.pending_change is None


def test_later_less_safe_asks_add_to_the_one_change_waiting(ask_callback):
    hers = ask_callback("07700900315", window="evening")
    ask_callback("07700900315", window=None, voicemail_ok=True, texts_ok=None)

    ask_callback("07700900315", source="text", window="any", voicemail_ok=None, texts_ok=True)

    change = PreferenceChange.objects.get(request=hers)
    assert (change.window, change.allow_voicemail, change.allow_texts, change.source) == (
        "any", True, True, "text")


def _on_answered_call(request, handler):
    callback_next_claim(handler=handler, now=local(2026, 1, 5, 18, 0))
    callback_attempt_record(attempt=request.attempts.get(), result="answered", source="handler")


def test_the_handler_on_the_answered_call_confirms_the_change(ask_callback, coordinator):
    hers = ask_callback("07700900316", window="evening")
    ask_callback("07700900316", window="any", voicemail_ok=True)
    _on_answered_call(hers, coordinator)

    confirmed = callback_preferences_confirm(callback_request=hers, actor=coordinator)

    assert (confirmed.safe_window_label, confirmed.voicemail_ok) == ("any time", True)
    change = PreferenceChange.objects.get()
    assert (change.status, change.decided_by) == ("confirmed", coordinator)
    assert change.decided_at is not None
    assert confirmed.pending_change is None


@pytest.mark.parametrize("when", ["queued", "ringing", "someone else's call"])
def test_a_change_cannot_be_confirmed_without_the_caller_on_the_line(ask_callback, coordinator,
                                                                     when):
    hers = ask_callback("07700900317", window="evening")
    ask_callback("07700900317", window="any")
    actor = coordinator
    if when != "queued":
        callback_next_claim(handler=coordinator, now=local(2026, 1, 5, 18, 0))
    if when == "someone else's call":
        callback_attempt_record(attempt=hers.attempts.get(), result="answered",
                                source="handler")
        actor = StaffFactory(role=Role.SUPERVISOR)

    with pytest.raises(CallbackRefused, match="Only the handler on an answered call"):
        callback_preferences_confirm(callback_request=hers, actor=actor)

    hers.refresh_from_db()
    assert hers.safe_window_label == "17:00 to 21:00"
    assert hers.pending_change is not None


def test_a_change_can_be_discarded_and_nothing_is_applied(ask_callback, coordinator):
    hers = ask_callback("07700900318", window="evening")
    ask_callback("07700900318", window="any")

    callback_preferences_discard(callback_request=hers, actor=coordinator)

    hers.refresh_from_db()
    assert hers.safe_window_label == "17:00 to 21:00"
    assert PreferenceChange.objects.get().status == "discarded"
    with pytest.raises(CallbackRefused, match="no unconfirmed change"):
        callback_preferences_discard(callback_request=hers, actor=coordinator)


def test_asking_again_after_we_could_not_reach_them_goes_back_to_the_original_place(
        ask_callback, coordinator):
    first = ask_callback("07700900303", now=NOON)
    CallbackRequest.objects.filter(pk=first.pk).update(
        status="coordinator", flag="unable_to_contact", attempts_made=3)
    ask_callback(now=NOON + timedelta(minutes=1))

    again = ask_callback("07700900303", now=NOON + timedelta(hours=1))

    assert again.pk == first.pk
    assert (again.status, again.attempts_made) == ("queued", 0)
    assert callback_position(again) == 1


def test_a_closed_request_does_not_stop_the_number_asking_again(ask_callback, coordinator):
    first = ask_callback("07700900304", now=NOON)
    callback_close(callback_request=first, actor=coordinator, reason="advice given")

    again = ask_callback("07700900304", now=NOON + timedelta(days=1))

    assert again.pk != first.pk
    assert again.status == "queued"


def test_a_redelivered_entry_changes_nothing(ask_callback):
    ask = CallbackAsk(source="voice", number="+447700900305", window="any", call_sid="CAonce")

    callback_request_create(ask=ask, now=NOON)
    again = callback_request_create(ask=ask, now=NOON + timedelta(minutes=1))

    assert again.merged
    assert CallbackEntry.objects.count() == 1


def test_a_number_policy_refusal_stores_nothing():
    with pytest.raises(NumberRefused):
        callback_request_create(ask=CallbackAsk(source="web", number="09098 790000"))

    assert not CallbackRequest.objects.exists()
    assert not Identity.objects.exists()


def test_a_flood_from_one_number_is_refused_and_recorded_without_the_number(ask_callback,
                                                                            settings):
    settings.HUB_CALLBACK_NUMBER_LIMIT = 3
    for minute in range(3):
        ask_callback("07700900306", now=NOON + timedelta(minutes=minute))

    for minute in (4, 5, 6):
        with pytest.raises(CallbackFlood):
            ask_callback("07700900306", now=NOON + timedelta(minutes=minute))

    assert CallbackRequest.objects.count() == 1
    assert CallbackEntry.objects.count() == 3
    event = SecurityEvent.objects.get(kind="callback_flood")
    assert event.count == 1  # one event per flood, however long it goes on
    assert "900306" not in str(event.detail)
    ask_callback("07700900306", now=NOON + timedelta(hours=1, minutes=1))  # a new hour


def test_no_entry_sends_a_confirmation_text_even_when_texts_are_allowed(
        ask_callback, django_capture_on_commit_callbacks):
    """A text arriving only when her number had not asked would tell whoever holds her phone
    that she had; no entry proves who is asking, so none is confirmed by text."""
    with django_capture_on_commit_callbacks(execute=True):
        ask_callback("07700900307", texts_ok=True, window="evening", now=NOON)

    assert not Message.objects.filter(direction="out").exists()
    assert MemoryBackend.sent == []


def test_no_text_is_sent_without_agreement(ask_callback):
    ask_callback(texts_ok=False)

    assert not Message.objects.exists()
    assert MemoryBackend.sent == []


def _throughput(count: int, *, at) -> None:
    """`count` callbacks started by handlers at `at`."""
    handler = StaffFactory()
    for _ in range(count):
        request = callback_request_create(
            ask=CallbackAsk(source="web", number=drama_number(), window="any"),
            now=at - timedelta(minutes=1)).callback_request
        CallbackAttempt.objects.create(request=request, handler=handler, started_at=at,
                                       result="answered")
        CallbackRequest.objects.filter(pk=request.pk).update(status="closed")


def test_the_estimate_is_the_queue_ahead_at_the_recent_handler_rate(ask_callback):
    _throughput(6, at=NOON - timedelta(minutes=30))  # six an hour: one every ten minutes
    ask_callback(now=NOON)
    ask_callback(now=NOON)
    third = ask_callback(now=NOON)

    place = callback_place(third, now=NOON)

    assert place.position == 3
    assert place.wait_minutes == 30
    assert [p.wait_minutes for _, p in callback_queue_places(NOON)] == [10, 20, 30]


def test_callbacks_outside_the_recent_period_do_not_count(ask_callback, settings):
    settings.HUB_CALLBACK_THROUGHPUT_MINUTES = 60
    _throughput(6, at=NOON - timedelta(minutes=90))

    assert callback_place(ask_callback(now=NOON), now=NOON).wait_minutes is None


def test_without_recent_throughput_there_is_no_made_up_estimate(ask_callback):
    assert callback_place(ask_callback(now=NOON), now=NOON).wait_minutes is None


def test_the_estimate_never_comes_before_the_safe_window(ask_callback):
    _throughput(60, at=NOON - timedelta(minutes=10))
    request = ask_callback(window="evening", now=NOON)

    assert callback_place(request, now=NOON).wait_minutes == 5 * 60


def test_next_callback_gives_the_first_caller_whose_safe_time_is_now(ask_callback, coordinator):
    evening_only = ask_callback(window="evening", now=NOON - timedelta(minutes=5))
    any_time = ask_callback(now=NOON)

    claimed = callback_next_claim(handler=coordinator, now=NOON)

    assert claimed == any_time
    assert claimed.status == "calling"
    assert claimed.claimed_by == coordinator
    assert CallbackRequest.objects.get(pk=evening_only.pk).status == "queued"
    assert callback_next_claim(handler=StaffFactory(), now=NOON) is None
    assert callback_next_claim(handler=StaffFactory(),
                               now=local(2026, 1, 5, 17, 0)) == evening_only


def test_a_handler_with_an_open_callback_gets_that_one_again(ask_callback, coordinator):
    first = ask_callback(now=NOON)
    ask_callback(now=NOON)
    callback_next_claim(handler=coordinator, now=NOON)

    assert callback_next_claim(handler=coordinator, now=NOON) == first
    assert CallbackAttempt.objects.count() == 1


def test_withheld_welfare_items_are_never_handed_out_to_call(coordinator):
    callback_welfare_create(call_sid="CAsilent", caller=None, flag="silent_call")

    assert callback_next_claim(handler=coordinator) is None


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_concurrent_next_callback_presses_never_hand_out_one_request_twice(twilio):
    for n in range(4):
        callback_request_create(ask=CallbackAsk(source="web", number=f"+44770090041{n}",
                                                window="any"))
    handlers = [StaffFactory(role=Role.COORDINATOR) for _ in range(8)]
    requests = all_at_once([lambda h=h: callback_next_claim(handler=h) for h in handlers])

    claimed = [request.pk if request else None for request in requests]
    handed_out = [pk for pk in claimed if pk is not None]
    assert len(claimed) == 8
    assert len(handed_out) == 4
    assert len(set(handed_out)) == 4
    assert CallbackAttempt.objects.count() == 4
    assert len({a.handler_id for a in CallbackAttempt.objects.all()}) == 4
    assert len([r for r in twilio.requests if r.url.endswith("/Calls.json")]) == 4


def test_a_silent_call_from_a_known_number_is_a_welfare_item_for_a_coordinator():
    caller = Identity.objects.create(person=Person.objects.create(), kind="phone",
                                     value="+447700900309")

    item = callback_welfare_create(call_sid="CAquiet", caller=caller, flag="silent_call")

    assert (item.status, item.flag, item.person_id) == ("coordinator", "silent_call",
                                                        caller.person_id)


def test_a_silent_call_from_someone_already_queued_flags_their_request(ask_callback):
    queued = ask_callback("07700900310")

    item = callback_welfare_create(call_sid="CAquiet2", caller=queued.identity,
                                   flag="silent_call")

    assert item.pk == queued.pk
    assert (item.status, item.flag) == ("queued", "silent_call")


def _answered(request, handler):
    attempt = request.attempts.get()
    callback_attempt_record(attempt=attempt, result="answered", source="handler")
    return attempt


def test_the_outcome_can_open_an_incident_written_to_its_log(ask_callback, coordinator):
    request = ask_callback(now=NOON)
    callback_next_claim(handler=coordinator, now=NOON)
    _answered(request, coordinator)

    closed = callback_incident_open(callback_request=request, actor=coordinator,
                                    opening_code="domestic", grade="priority")

    assert closed.status == "closed"
    assert closed.incident.person == request.person
    assert list(closed.incident.log.values_list("kind", flat=True)) == [
        "incident.opened", "callback.linked"]
    assert closed.incident.log.last().data["callback_request_id"] == request.pk
    assert log_verify(closed.incident) is None


def test_the_outcome_can_link_an_existing_incident(ask_callback, coordinator):
    incident = incident_open(opening_code="DOMESTIC", grade="priority", actor=coordinator)
    request = ask_callback(now=NOON)
    callback_next_claim(handler=coordinator, now=NOON)

    closed = callback_incident_link(callback_request=request, actor=coordinator,
                                    incident=incident)

    assert closed.incident == incident
    assert closed.close_reason == f"linked to {incident.reference}"


def test_closing_needs_a_reason(ask_callback, coordinator):
    with pytest.raises(CallbackRefused, match="Say why"):
        callback_close(callback_request=ask_callback(), actor=coordinator, reason="  ")


def test_another_handlers_callback_cannot_be_closed(ask_callback, coordinator):
    request = ask_callback(now=NOON)
    callback_next_claim(handler=coordinator, now=NOON)

    with pytest.raises(CallbackRefused, match="Another handler"):
        callback_close(callback_request=request, actor=StaffFactory(), reason="not mine")


def test_a_coordinator_can_put_an_unreachable_caller_back_at_their_place(ask_callback,
                                                                        coordinator):
    first = ask_callback(now=NOON)
    ask_callback(now=NOON + timedelta(minutes=1))
    CallbackRequest.objects.filter(pk=first.pk).update(status="coordinator",
                                                       flag="unable_to_contact",
                                                       attempts_made=3)

    requeued = callback_requeue(callback_request=first, actor=coordinator)

    assert (requeued.status, requeued.attempts_made) == ("queued", 0)
    assert callback_position(requeued) == 1


def test_a_withheld_welfare_item_cannot_be_put_in_the_call_queue(coordinator):
    item = callback_welfare_create(call_sid="CAwithheld", caller=None, flag="hung_up")

    with pytest.raises(CallbackRefused, match="withheld"):
        callback_requeue(callback_request=item, actor=coordinator)


# Each change a handler makes records their access to the caller's request with it, and a
# refused change records nothing.

def _accesses(callback_request: CallbackRequest) -> list[tuple[str, str]]:
    return list(AccessEvent.objects.filter(person_id=callback_request.person_id)
                .values_list("action", "why"))


def test_closing_records_the_handlers_access_with_the_outcome(ask_callback, coordinator):
    callback_request = ask_callback()

    callback_close(callback_request=callback_request, actor=coordinator, reason="advice given")

    assert _accesses(callback_request) == [("change", "recording the callback outcome")]
    assert AccessEvent.objects.get().actor == coordinator


def test_a_refused_close_records_no_access(ask_callback, coordinator):
    callback_request = ask_callback(now=NOON)
    callback_next_claim(handler=coordinator, now=NOON)

    with pytest.raises(CallbackRefused):
        callback_close(callback_request=callback_request, actor=StaffFactory(),
                       reason="not mine")

    assert not AccessEvent.objects.exists()


def test_putting_a_caller_back_in_the_queue_records_the_access(ask_callback, coordinator):
    callback_request = ask_callback()
    CallbackRequest.objects.filter(pk=callback_request.pk).update(status="coordinator")

    callback_requeue(callback_request=callback_request, actor=coordinator)

    assert _accesses(callback_request) == [("change", "returned to the queue")]


def test_a_refused_requeue_records_no_access(coordinator):
    item = callback_welfare_create(call_sid="CAwithheld2", caller=None, flag="hung_up")

    with pytest.raises(CallbackRefused):
        callback_requeue(callback_request=item, actor=coordinator)

    assert not AccessEvent.objects.exists()


def test_the_handler_records_how_their_call_ended_with_their_access(ask_callback, coordinator):
    callback_request = ask_callback(now=NOON)
    callback_next_claim(handler=coordinator, now=NOON)

    attempt = callback_attempt_result_record(callback_request=callback_request,
                                             actor=coordinator, result="busy")

    attempt.refresh_from_db()
    assert (attempt.result, attempt.result_source) == ("busy", "handler")
    assert _accesses(callback_request) == [("change", "recording a call attempt")]


def test_another_handlers_call_result_is_refused_and_records_no_access(ask_callback,
                                                                      coordinator):
    callback_request = ask_callback(now=NOON)
    callback_next_claim(handler=coordinator, now=NOON)

    with pytest.raises(CallbackNotYours):
        callback_attempt_result_record(callback_request=callback_request,
                                       actor=StaffFactory(), result="busy")

    assert callback_request.attempts.get().result == ""
    assert not AccessEvent.objects.exists()


def test_an_unknown_call_result_is_refused_and_records_no_access(ask_callback, coordinator):
    callback_request = ask_callback(now=NOON)
    callback_next_claim(handler=coordinator, now=NOON)

    with pytest.raises(AttemptRefused):
        callback_attempt_result_record(callback_request=callback_request, actor=coordinator,
                                       result="exploded")

    assert not AccessEvent.objects.exists()


def test_a_result_the_provider_gave_first_stands_and_records_no_change(ask_callback,
                                                                       coordinator):
    callback_request = ask_callback(now=NOON)
    callback_next_claim(handler=coordinator, now=NOON)
    _answered(callback_request, coordinator)

    with pytest.raises(CallbackRefused, match="no call waiting"):
        callback_attempt_result_record(callback_request=callback_request, actor=coordinator,
                                       result="busy")

    assert callback_request.attempts.get().result == "answered"
    assert not AccessEvent.objects.exists()


# Taking a callback is the handler's reason to open the caller's record, until it is finished
# (and for the follow-up period after), or at once when it goes back to the queue. A change
# needs a reason like a look.

def _callback_assignments(callback_request: CallbackRequest) -> list[Assignment]:
    return list(Assignment.objects.filter(kind=Assignment.Kind.CALLBACK,
                                          subject=f"callback:{callback_request.pk}"))


def test_taking_a_callback_starts_the_handlers_assignment(ask_callback, coordinator):
    callback_request = ask_callback(now=NOON)

    callback_next_claim(handler=coordinator, now=NOON)

    [assignment] = _callback_assignments(callback_request)
    assert (assignment.staff, assignment.person_id, assignment.why) == (
        coordinator, callback_request.person_id, "taking the 101 callback")
    assert (assignment.started_at, assignment.ends_at) == (NOON, None)
    basis = look_basis(coordinator, callback_request.person_id)
    assert (basis.why, basis.flagged) == (f"Taking the callback (callback:{callback_request.pk})",
                                          False)


def test_the_outcome_ends_the_assignment_after_the_follow_up_period(ask_callback, coordinator):
    callback_request = ask_callback(now=NOON)
    callback_next_claim(handler=coordinator, now=NOON)
    _answered(callback_request, coordinator)

    closed = callback_close(callback_request=callback_request, actor=coordinator,
                            reason="advice given")

    [assignment] = _callback_assignments(callback_request)
    assert assignment.ends_at == closed.closed_at + follow_up_period()
    assert look_basis(coordinator, callback_request.person_id) is not None
    assert look_basis(coordinator, callback_request.person_id,
                      now=assignment.ends_at + timedelta(seconds=1)) is None


def test_back_in_the_queue_ends_the_assignment_at_once(ask_callback, coordinator):
    callback_request = ask_callback(now=NOON)
    callback_next_claim(handler=coordinator, now=NOON)
    _answered(callback_request, coordinator)

    callback_requeue(callback_request=callback_request, actor=coordinator)

    [assignment] = _callback_assignments(callback_request)
    assert assignment.ends_at is not None and assignment.ends_at <= timezone.now()
    # She is waiting again, so the queue is every handler's reason, the taker's as any other's.
    assert look_basis(coordinator, callback_request.person_id).why == "101 callback queue"


def test_a_change_by_staff_with_no_reason_is_refused_and_changes_nothing(ask_callback,
                                                                         officer):
    callback_request = ask_callback()

    with pytest.raises(ReasonNeeded):
        callback_priority_set(callback_request=callback_request, actor=officer, priority=1)

    assert CallbackRequest.objects.get().priority == CallbackRequest.Priority.NORMAL
    assert not AccessEvent.objects.exists()


def test_setting_the_priority_is_in_the_access_log(ask_callback, coordinator):
    callback_request = ask_callback()

    callback_priority_set(callback_request=callback_request, actor=coordinator, priority=1)

    assert _accesses(callback_request) == [("change", "setting the callback's priority")]


def test_a_change_under_a_reason_given_is_flagged_and_professional_standards_told(
        ask_callback, coordinator, conduct_events, django_capture_on_commit_callbacks):
    callback_request = ask_callback()
    with django_capture_on_commit_callbacks(execute=True):
        break_glass_open(actor=coordinator, person_id=callback_request.person_id,
                         reason="caller rang 101 asking about her callback", what="person")
    conduct_events()  # the look the reason was given for

    with django_capture_on_commit_callbacks(execute=True):
        callback_priority_set(callback_request=callback_request, actor=coordinator, priority=1)

    change = AccessEvent.objects.get(actor=coordinator, action="change")
    assert (change.why, change.flagged) == ("setting the callback's priority", True)
    assert conduct_events() == [{"type": "live.event", "kind": "look.flagged",
                                 "access_event_id": change.pk}]
