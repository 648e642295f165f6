from __future__ import annotations

from datetime import datetime, time
from zoneinfo import ZoneInfo

import pytest

from contact_hub.people.safe_contact import (
    code_word_matches,
    safe_contact_plan_save,
    safe_contact_refusal,
    within_window,
)
from tests.factories import received_message

pytestmark = pytest.mark.django_db
LONDON = ZoneInfo("Europe/London")


@pytest.fixture
def person():
    return received_message(sender="+447700900520").conversation.person


def at(hour: int, minute: int = 0) -> datetime:
    return datetime(2026, 11, 23, hour, minute, tzinfo=LONDON)


def test_without_a_plan_any_time_and_channel_is_safe(person):
    assert safe_contact_refusal(person, "sms", now=at(3)) is None


def test_a_channel_outside_the_plan_is_refused(person, coordinator):
    safe_contact_plan_save(person=person, actor=coordinator, channels=["whatsapp"],
                           safe_from=None, safe_until=None, voicemail_ok=False)

    assert safe_contact_refusal(person, "sms", now=at(12)) == \
        "The safe-contact plan does not allow sms."
    assert safe_contact_refusal(person, "whatsapp", now=at(12)) is None


def test_texts_outside_the_safe_hours_are_refused(person, coordinator):
    safe_contact_plan_save(person=person, actor=coordinator, channels=[],
                           safe_from=time(9), safe_until=time(17), voicemail_ok=False)

    assert safe_contact_refusal(person, "sms", now=at(10, 30)) is None
    assert "Outside the safe hours (09:00 to 17:00)" in safe_contact_refusal(
        person, "sms", now=at(18))


@pytest.mark.parametrize("moment, inside", [(time(22), True), (time(2), True), (time(12), False)])
def test_a_window_may_pass_midnight(moment, inside):
    assert within_window(moment, time(21), time(6)) is inside


def test_the_code_word_is_kept_only_as_a_hash_and_checked_loosely(person, coordinator):
    plan = safe_contact_plan_save(person=person, actor=coordinator, channels=[],
                                  safe_from=None, safe_until=None, voicemail_ok=True,
                                  code_word="Bluebell")

    assert "bluebell" not in plan.code_word_hash.lower()
    assert code_word_matches(person, " bluebell ")
    assert not code_word_matches(person, "daisy")
