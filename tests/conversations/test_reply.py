"""Replying to a person: a staff text that crosses a professional boundary is held for a
supervisor who did not write it, professional standards are told which words matched, and
writing to someone whose case the writer no longer works is flagged."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from contact_hub.conversations.models import ConductHold, DeliveryStatus, Message, MessageTemplate
from contact_hub.conversations.reply import reply_send
from contact_hub.conversations.sending import MemoryBackend
from contact_hub.conversations.services import (
    MessageRefused,
    conduct_hold_decide,
    message_cancel,
    message_release,
)
from contact_hub.incidents.models import Alert
from contact_hub.people.safe_contact import safe_contact_plan_save
from contact_hub.staff.assignments import assignments_end
from contact_hub.staff.models import AccessEvent, Assignment, Role
from tests.factories import StaffFactory, assigned, received_message, safe_hours_away_from_now

pytestmark = pytest.mark.django_db
CROSSING = "Fancy a coffee after my shift? My insta is @dave_k"
REASON = "checked with the officer in the case"


@pytest.fixture
def person():
    return received_message(channel="sms", sender="+447700900610",
                            text="can you text me").conversation.person



@pytest.fixture
def held(person, coordinator, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        return reply_send(person=person, channel="sms", body=CROSSING, actor=coordinator)


def test_a_reply_that_crosses_a_boundary_is_held_not_sent(held, coordinator):
    assert MemoryBackend.sent == []
    assert held.status == DeliveryStatus.HELD
    assert held.hold_reason == (
        "It matched the conduct rules 'Asking to meet socially', 'Contact outside work', "
        "'Personal number, account or handle', so a supervisor reviews it first.")
    hold = held.conduct_hold
    assert (hold.source, hold.author, hold.person_id, hold.decision) == (
        "text", coordinator, held.conversation.person_id, "")
    assert hold.words == ["Fancy a coffee", "after my shift", "My insta", "@dave_k"]


def test_the_held_words_are_in_no_access_or_security_record(held):
    recorded = " ".join(f"{e.what} {e.why}" for e in AccessEvent.objects.all())

    for word in ("coffee", "shift", "insta", "@dave_k"):
        assert word not in recorded


def test_supervisors_and_professional_standards_are_alerted_with_the_words(
        person, coordinator, conduct_events, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        message = reply_send(person=person, channel="sms", body="You're so pretty",
                             actor=coordinator)

    hold = message.conduct_hold
    supervisors = Alert.objects.get(for_role=Role.SUPERVISOR)
    standards = Alert.objects.get(for_role=Role.PROFESSIONAL_STANDARDS)
    assert supervisors.kind == standards.kind == Alert.Kind.CONDUCT_HOLD
    assert supervisors.detail == {"conduct_hold_id": hold.pk, "source": "text",
                                  "author": coordinator.username, "person_id": person.pk,
                                  "rules": ["Remarks about appearance"]}
    assert standards.detail == {**supervisors.detail, "words": ["You're so pretty"]}
    assert conduct_events() == [{"type": "live.event", "kind": "conduct.held",
                                 "conduct_hold_id": hold.pk}]


def test_a_professional_reply_is_sent(person, coordinator, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        message = reply_send(person=person, channel="sms", body="Is now a good time to talk?",
                             actor=coordinator)

    message.refresh_from_db()
    assert message.status == DeliveryStatus.SENT
    assert not ConductHold.objects.exists()
    assert [text.body for text in MemoryBackend.sent] == ["Is now a good time to talk?"]


def test_an_approved_template_is_the_forces_words_and_is_not_held(
        person, coordinator, django_capture_on_commit_callbacks):
    template = MessageTemplate.objects.create(
        name="helpline", body="You can call the helpline free on 0808 2000 247 any time.")

    with django_capture_on_commit_callbacks(execute=True):
        message = reply_send(person=person, channel="sms", body="", actor=coordinator,
                             template=template)

    assert message.status == DeliveryStatus.QUEUED
    assert len(MemoryBackend.sent) == 1


def test_a_supervisor_sends_it_anyway_with_a_reason_on_record(
        held, supervisor, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        hold = conduct_hold_decide(hold=held.conduct_hold, actor=supervisor, send=True,
                                   reason=REASON)

    held.refresh_from_db()
    assert held.status == DeliveryStatus.SENT
    assert [text.body for text in MemoryBackend.sent] == [CROSSING]
    assert (hold.decision, hold.decided_by, hold.decision_reason) == ("send", supervisor,
                                                                      REASON)
    event = AccessEvent.objects.get(actor=supervisor)
    assert (event.what, event.why) == ("held staff text to the person sent after review",
                                       REASON)


def test_a_refused_text_is_never_sent(held, supervisor, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        hold = conduct_hold_decide(hold=held.conduct_hold, actor=supervisor, send=False,
                                   reason="not a professional message")

    held.refresh_from_db()
    assert held.status == DeliveryStatus.CANCELLED
    assert hold.decision == "refuse"
    with pytest.raises(MessageRefused, match="no longer held"):
        message_release(message=held, actor=supervisor, reason="send it after all please")
    assert MemoryBackend.sent == []


def test_sent_anyway_outside_the_plan_it_waits_for_the_plan(
        person, coordinator, supervisor, django_capture_on_commit_callbacks):
    safe_from, safe_until = safe_hours_away_from_now()
    safe_contact_plan_save(person=person, actor=coordinator, channels=[],
                           safe_from=safe_from, safe_until=safe_until, voicemail_ok=False)
    message = reply_send(person=person, channel="sms", body="Speak soon x", actor=coordinator)
    assert "so a supervisor reviews it first" in message.hold_reason

    conduct_hold_decide(hold=message.conduct_hold, actor=supervisor, send=True, reason=REASON)

    message.refresh_from_db()
    assert message.status == DeliveryStatus.HELD
    assert message.hold_reason.startswith("Outside the safe hours")
    with django_capture_on_commit_callbacks(execute=True):
        message_release(message=message, actor=supervisor, reason="risk to life, call now")
    assert len(MemoryBackend.sent) == 1


def test_the_safe_contact_release_cannot_send_a_text_held_for_what_it_says(held, supervisor):
    with pytest.raises(MessageRefused, match="held for a supervisor's review"):
        message_release(message=held, actor=supervisor, reason="looks fine to me honestly")

    held.refresh_from_db()
    assert held.status == DeliveryStatus.HELD


def test_the_author_cannot_withdraw_a_text_held_for_what_it_says(held, coordinator):
    with pytest.raises(MessageRefused, match="only that review"):
        message_cancel(message=held, actor=coordinator)

    held.refresh_from_db()
    assert held.status == DeliveryStatus.HELD


def test_a_supervisor_cannot_decide_on_their_own_text(person, supervisor):
    message = reply_send(person=person, channel="sms", body="Fancy a drink tonight?",
                         actor=supervisor)

    with pytest.raises(MessageRefused, match="another supervisor"):
        conduct_hold_decide(hold=message.conduct_hold, actor=supervisor, send=True,
                            reason="it was a joke between colleagues")

    message.refresh_from_db()
    assert message.status == DeliveryStatus.HELD
    assert message.conduct_hold.decided_at is None


@pytest.mark.parametrize("role", [Role.COORDINATOR, Role.RVR_OFFICER,
                                  Role.PROFESSIONAL_STANDARDS])
def test_only_a_supervisor_decides(held, role):
    other = StaffFactory(role=role)

    with pytest.raises(MessageRefused, match="Only a supervisor"):
        conduct_hold_decide(hold=held.conduct_hold, actor=other, send=True, reason=REASON)

    assert ConductHold.objects.get().decided_at is None


def test_a_decision_needs_a_reason(held, supervisor):
    with pytest.raises(MessageRefused, match="at least 10 characters"):
        conduct_hold_decide(hold=held.conduct_hold, actor=supervisor, send=False, reason="no")


def test_the_first_decision_stands(held, supervisor):
    conduct_hold_decide(hold=held.conduct_hold, actor=supervisor, send=False,
                        reason="not a professional message")
    other = StaffFactory(role=Role.SUPERVISOR)

    with pytest.raises(MessageRefused, match="already been decided"):
        conduct_hold_decide(hold=held.conduct_hold, actor=other, send=True, reason=REASON)

    assert Message.objects.get(pk=held.pk).status == DeliveryStatus.CANCELLED


def test_writing_to_her_after_the_work_ended_is_flagged(
        person, coordinator, conduct_events, django_capture_on_commit_callbacks):
    assigned(coordinator, person, subject="message:1")
    assignments_end(kind=Assignment.Kind.CONTACT, subject="message:1",
                    at=timezone.now() - timedelta(days=3))

    with django_capture_on_commit_callbacks(execute=True):
        message = reply_send(person=person, channel="sms", body="How are you doing?",
                             actor=coordinator)

    flagged = AccessEvent.objects.get(flagged=True)
    assert (flagged.actor, flagged.person_id, flagged.why) == (
        coordinator, person.pk, "contact after assignment ended")
    assert message.status != DeliveryStatus.HELD
    assert {"type": "live.event", "kind": "look.flagged",
            "access_event_id": flagged.pk} in conduct_events()


def test_writing_to_her_as_part_of_current_work_is_not_flagged(person, coordinator):
    assigned(coordinator, person, subject="message:2")

    reply_send(person=person, channel="sms", body="How are you doing?", actor=coordinator)

    assert not AccessEvent.objects.filter(flagged=True).exists()
