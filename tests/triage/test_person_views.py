"""The person page: every channel in one thread, masked identifiers, and the access trail."""

from __future__ import annotations

import pytest

from contact_hub.conversations.models import Message
from contact_hub.staff.models import AccessEvent, SecurityEvent
from tests.factories import received_message

pytestmark = pytest.mark.django_db
NUMBER = "+447700900481"


@pytest.fixture
def person():
    received_message(channel="sms", sender=NUMBER, text="first, by text")
    return received_message(channel="whatsapp", sender=NUMBER,
                            text="then on whatsapp").conversation.person


def test_the_thread_shows_every_channel_newest_first_with_the_number_masked(
        person, coordinator, staff_client):
    page = staff_client(coordinator).get(f"/people/{person.pk}/").content.decode()

    assert page.index("then on whatsapp") < page.index("first, by text")
    assert "WhatsApp" in page and "SMS" in page
    assert "+44 •••• ••481" in page
    assert NUMBER not in page


def test_viewing_a_person_is_recorded_with_who_and_why(person, coordinator, staff_client):
    staff_client(coordinator).get(f"/people/{person.pk}/?why=triage")

    event = AccessEvent.objects.get()
    assert (event.actor, event.action, event.person, event.why) == (
        coordinator, "view", person, "triage of a new contact")


def test_a_supervisor_sees_full_numbers_only_with_a_recorded_reason(
        person, supervisor, staff_client):
    client = staff_client(supervisor)

    refused = client.post(f"/people/{person.pk}/reveal/", {"reason": "why"}, follow=True)
    shown = client.post(f"/people/{person.pk}/reveal/",
                        {"reason": "safeguarding referral to the local IDVA service"})

    assert NUMBER not in refused.content.decode()
    assert NUMBER in shown.content.decode()
    disclosure = AccessEvent.objects.get(action="disclose")
    assert disclosure.why == "safeguarding referral to the local IDVA service"


def test_a_coordinator_cannot_reveal_a_number(person, coordinator, staff_client):
    response = staff_client(coordinator).post(
        f"/people/{person.pk}/reveal/", {"reason": "I would like to call them myself"},
        follow=True)

    assert NUMBER not in response.content.decode()
    assert not AccessEvent.objects.filter(action="disclose").exists()
    assert SecurityEvent.objects.get().kind == "reveal_refused"


def test_professional_standards_can_review_but_not_reply(person, standards, staff_client):
    client = staff_client(standards)

    assert client.get(f"/people/{person.pk}/?why=review").status_code == 200
    assert client.post(f"/people/{person.pk}/reply/", {"body": "hi"}).status_code == 403
    assert not Message.objects.filter(direction=Message.Direction.OUTBOUND).exists()
    assert SecurityEvent.objects.get().kind == "wrong_role"


def test_an_unknown_person_is_not_found(coordinator, staff_client):
    assert staff_client(coordinator).get("/people/999999/").status_code == 404
