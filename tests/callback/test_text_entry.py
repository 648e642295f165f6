from __future__ import annotations

import pytest

from callback.models import CallbackRequest
from callback.text_entry import keyword_window
from contact_hub.conversations.models import Message
from contact_hub.staff.models import SecurityEvent
from tests.factories import received_message

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("text, window", [
    ("CALLBACK", "any"), ("  call back ", "any"), ("Callback evening", "evening"),
    ("call  back MORNING", "morning"),
])
def test_the_keyword_with_an_optional_safe_time_is_recognised(text, window):
    assert keyword_window(text) == window


@pytest.mark.parametrize("text", ["can you call back later?", "callback tomorrow", "hello"])
def test_ordinary_texts_are_not_the_keyword(text):
    assert keyword_window(text) is None


def test_texting_the_keyword_joins_the_queue_as_the_same_person(
        django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        message = received_message(sender="07700900601", text="CALLBACK EVENING")

    request = CallbackRequest.objects.get()
    assert request.person == message.conversation.person
    assert (request.source, request.safe_window_label, request.texts_ok) == (
        "text", "17:00 to 21:00", True)
    assert request.entries.get().message == message


def test_a_keyword_text_delivered_twice_is_one_entry(django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        received_message(sender="07700900602", text="CALLBACK", provider_message_id="SMk")
        received_message(sender="07700900602", text="CALLBACK", provider_message_id="SMk")

    assert CallbackRequest.objects.get().entries.count() == 1


def test_an_ordinary_text_does_not_join_the_queue(django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        received_message(text="Please can someone call me back after 6")

    assert not CallbackRequest.objects.exists()


def test_the_keyword_from_a_foreign_number_is_left_for_a_coordinator_to_read(
        django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        received_message(sender="+12025550123", text="CALLBACK")

    assert not CallbackRequest.objects.exists()
    event = SecurityEvent.objects.get(kind="callback_number_refused")
    assert event.detail == {"source": "text"}


def test_a_keyword_text_cannot_loosen_her_settings(ask_callback,
                                                   django_capture_on_commit_callbacks):
    """The sender of a text can be spoofed: CALLBACK from her number may not be from her."""
    hers = ask_callback("07700900604", window="evening", voicemail_ok=False, texts_ok=False)

    with django_capture_on_commit_callbacks(execute=True):
        received_message(sender="07700900604", text="CALLBACK")

    hers.refresh_from_db()
    assert (hers.safe_window_label, hers.voicemail_ok, hers.texts_ok) == (
        "17:00 to 21:00", False, False)
    assert (hers.pending_change.window, hers.pending_change.allow_texts) == ("any", True)
    assert not Message.objects.filter(direction="out").exists()
    assert SecurityEvent.objects.get(kind="callback_change_held").detail["source"] == "text"


def test_a_keyword_text_naming_another_window_waits_for_her_word(
        ask_callback, django_capture_on_commit_callbacks):
    hers = ask_callback("07700900605", window="any", texts_ok=True)

    with django_capture_on_commit_callbacks(execute=True):
        received_message(sender="07700900605", text="CALLBACK MORNING")

    hers.refresh_from_db()
    assert (hers.safe_window_label, hers.texts_ok) == ("any time", True)
    assert hers.pending_change.window == "morning"


def test_a_keyword_flood_from_one_number_makes_one_request(
        settings, django_capture_on_commit_callbacks):
    settings.HUB_CALLBACK_NUMBER_LIMIT = 2
    with django_capture_on_commit_callbacks(execute=True):
        for _ in range(5):
            received_message(sender="07700900603", text="CALLBACK")

    assert CallbackRequest.objects.get().entries.count() == 2
    assert SecurityEvent.objects.get(kind="callback_flood").count == 1
