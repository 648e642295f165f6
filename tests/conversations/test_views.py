"""The conversation view: replies on a chosen channel, held texts and supervisor overrides."""

from __future__ import annotations

import pytest

from contact_hub.conversations.models import Message
from contact_hub.conversations.sending import MemoryBackend
from contact_hub.people.safe_contact import safe_contact_plan_save
from contact_hub.staff.models import AccessEvent
from tests.factories import received_message, safe_hours_away_from_now, triaged_message

pytestmark = pytest.mark.django_db


@pytest.fixture
def person():
    # Waiting in the triage queue: the coordinators' and supervisors' reason to open it.
    return triaged_message(channel="sms", sender="+447700900530",
                            text="can you text me").conversation.person


def test_the_reply_box_offers_the_last_used_channel_first(person, coordinator, staff_client):
    received_message(channel="whatsapp", sender="+447700900530", text="now on whatsapp")

    page = staff_client(coordinator).get(f"/people/{person.pk}/").content.decode()

    assert page.index('value="whatsapp"') < page.index('value="sms"')
    assert "WhatsApp (last used)" in page


def test_a_reply_is_queued_on_the_channel_last_used_and_recorded(
        person, coordinator, staff_client, django_capture_on_commit_callbacks):
    received_message(channel="whatsapp", sender="+447700900530", text="now on whatsapp")

    with django_capture_on_commit_callbacks(execute=True):
        response = staff_client(coordinator).post(
            f"/people/{person.pk}/reply/", {"body": "Is now a good time?"}, follow=True)

    assert "Reply queued on WhatsApp" in response.content.decode()
    reply = Message.objects.get(direction="out")
    assert (reply.channel, reply.status) == ("whatsapp", "sent")
    assert AccessEvent.objects.filter(action="change", what="reply sent").exists()


def test_an_empty_reply_is_refused_with_a_reason(person, coordinator, staff_client):
    response = staff_client(coordinator).post(f"/people/{person.pk}/reply/", {"body": " "},
                                              follow=True)

    assert "The message is empty." in response.content.decode()
    assert not Message.objects.filter(direction="out").exists()


def test_a_reply_can_go_on_another_channel_the_coordinator_picks(
        person, coordinator, staff_client, django_capture_on_commit_callbacks):
    received_message(channel="whatsapp", sender="+447700900530", text="now on whatsapp")

    with django_capture_on_commit_callbacks(execute=True):
        staff_client(coordinator).post(f"/people/{person.pk}/reply/",
                                       {"channel": "sms", "body": "Is now a good time?"})

    assert MemoryBackend.sent[0].channel == "sms"
    assert Message.objects.get(direction="out").channel == "sms"


def test_whatsapp_is_refused_where_the_person_never_wrote_on_it(person, coordinator,
                                                                 staff_client):
    response = staff_client(coordinator).post(
        f"/people/{person.pk}/reply/", {"channel": "whatsapp", "body": "hello"}, follow=True)

    assert "approved template" in response.content.decode()


def test_a_channel_the_person_cannot_be_reached_on_is_refused(person, coordinator,
                                                              staff_client):
    response = staff_client(coordinator).post(
        f"/people/{person.pk}/reply/", {"channel": "messenger", "body": "hello"}, follow=True)

    assert "cannot be reached on that channel" in response.content.decode()
    assert not Message.objects.filter(direction="out").exists()


@pytest.fixture
def night_only_plan(person, coordinator):
    safe_from, safe_until = safe_hours_away_from_now()
    return safe_contact_plan_save(person=person, actor=coordinator, channels=[],
                                  safe_from=safe_from, safe_until=safe_until, voicemail_ok=False)


def test_a_reply_outside_the_plan_is_held_and_shown_not_sent(
        person, night_only_plan, coordinator, staff_client, django_capture_on_commit_callbacks):
    client = staff_client(coordinator)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(f"/people/{person.pk}/reply/",
                               {"channel": "sms", "body": "Is now a good time?"}, follow=True)

    page = response.content.decode()
    assert "Held, not sent: Outside the safe hours" in page
    assert MemoryBackend.sent == []
    assert Message.objects.get(direction="out").status == "held"


def test_a_supervisor_can_send_a_held_text_with_a_logged_reason(
        person, night_only_plan, coordinator, supervisor, staff_client,
        django_capture_on_commit_callbacks):
    staff_client(coordinator).post(f"/people/{person.pk}/reply/", {"body": "Please call us"})
    held = Message.objects.get(direction="out")

    with django_capture_on_commit_callbacks(execute=True):
        staff_client(supervisor).post(f"/contacts/messages/{held.pk}/release/",
                                      {"reason": "risk to life; victim asked us to text now"})

    held.refresh_from_db()
    assert held.status == "sent"
    assert len(MemoryBackend.sent) == 1
    override = AccessEvent.objects.get(actor=supervisor, action="change")
    assert override.why == "risk to life; victim asked us to text now"


def test_a_coordinator_cannot_override_the_plan(person, night_only_plan, coordinator,
                                                staff_client):
    client = staff_client(coordinator)
    client.post(f"/people/{person.pk}/reply/", {"body": "Please call us"})
    held = Message.objects.get(direction="out")

    response = client.post(f"/contacts/messages/{held.pk}/release/",
                           {"reason": "I think it is fine to send"})

    assert response.status_code == 403
    held.refresh_from_db()
    assert held.status == "held"


def test_a_held_text_can_be_cancelled(person, night_only_plan, coordinator, staff_client):
    client = staff_client(coordinator)
    client.post(f"/people/{person.pk}/reply/", {"body": "Please call us"})
    held = Message.objects.get(direction="out")

    client.post(f"/contacts/messages/{held.pk}/cancel/")

    held.refresh_from_db()
    assert held.status == "cancelled"
    assert MemoryBackend.sent == []


def test_the_safe_contact_plan_is_recorded_from_the_page(person, coordinator, staff_client):
    response = staff_client(coordinator).post(
        f"/people/{person.pk}/safe-contact/",
        {"channels": ["whatsapp"], "safe_from": "09:00", "safe_until": "17:00",
         "voicemail_ok": "", "code_word": "bluebell"}, follow=True)

    page = response.content.decode()
    assert "Safe-contact plan saved." in page
    assert "09:00 to 17:00" in page
    assert "bluebell" not in page
    assert AccessEvent.objects.filter(what="safe-contact plan").exists()


def test_half_a_safe_window_is_refused(person, coordinator, staff_client):
    response = staff_client(coordinator).post(
        f"/people/{person.pk}/safe-contact/", {"safe_from": "09:00"}, follow=True)

    assert "Give both ends of the safe hours" in response.content.decode()


def test_the_code_word_check_says_only_whether_it_matches(person, coordinator, staff_client):
    client = staff_client(coordinator)
    client.post(f"/people/{person.pk}/safe-contact/", {"code_word": "bluebell"})

    right = client.post(f"/people/{person.pk}/code-word/", {"code_word": "Bluebell"},
                        follow=True)
    wrong = client.post(f"/people/{person.pk}/code-word/", {"code_word": "daisy"}, follow=True)

    assert "The code word matches." in right.content.decode()
    assert "does not match" in wrong.content.decode()


def test_the_thread_fragment_shows_delivery_status(person, coordinator, staff_client,
                                                   django_capture_on_commit_callbacks):
    client = staff_client(coordinator)
    with django_capture_on_commit_callbacks(execute=True):
        client.post(f"/people/{person.pk}/reply/", {"body": "Is now a good time?"})

    fragment = client.get(f"/people/{person.pk}/thread/").content.decode()

    assert "Is now a good time?" in fragment
    assert "status-sent" in fragment
