"""An administrator's reads of victims' data through an admin (VictimDataAdmin) are in the
access log like anyone's: flagged, why "administration", and sent to professional standards
live. The hub's own admin registers no such model (tests/security/test_admin.py); these tests
use an admin site of their own that does."""

from __future__ import annotations

import pytest
from asgiref.sync import async_to_sync

from contact_hub.conversations.models import OutboxEntry
from contact_hub.live import CONDUCT_GROUP
from contact_hub.staff.models import AccessEvent, AccessEventPerson
from tests.factories import received_message

pytestmark = [pytest.mark.django_db, pytest.mark.urls("tests.conversations.admin_urls")]

ADMIN = "/victim-admin/"


@pytest.fixture
def conduct_listener(in_memory_layers):
    layer = in_memory_layers
    channel = async_to_sync(layer.new_channel)()
    async_to_sync(layer.group_add)(CONDUCT_GROUP, channel)
    return layer, channel


@pytest.fixture
def admin_client(administrator, staff_client):
    return staff_client(administrator)


def test_opening_a_record_is_a_flagged_look_at_its_person(admin_client, administrator):
    message = received_message(text="he said he would come back")
    person_id = message.conversation.person_id

    response = admin_client.get(f"{ADMIN}conversations/message/{message.pk}/change/")

    assert response.status_code == 200
    event = AccessEvent.objects.get()
    assert (event.actor, event.action, event.person_id, event.why, event.flagged) == (
        administrator, "view", person_id, "administration", True)
    assert event.what == f"admin: conversations.Message {message.pk}"


def test_a_list_page_is_one_flagged_event_naming_everyone_it_shows(admin_client):
    people = sorted({received_message().conversation.person_id for _ in range(3)})

    admin_client.get(f"{ADMIN}conversations/message/")

    event = AccessEvent.objects.get()
    assert (event.person_id, event.flagged, event.what) == (
        None, True, "admin: conversations.Message list")
    assert sorted(AccessEventPerson.objects.filter(event=event)
                  .values_list("person_id", flat=True)) == people


def test_the_person_admin_names_the_person_itself(admin_client):
    person = received_message().conversation.person

    admin_client.get(f"{ADMIN}people/person/{person.pk}/change/")
    admin_client.get(f"{ADMIN}people/person/{person.pk}/history/")
    admin_client.get(f"{ADMIN}people/person/{person.pk}/delete/")

    assert list(AccessEvent.objects.values_list("person_id", flat=True)) == [person.pk] * 3


def test_records_tied_to_nobody_are_still_in_the_access_log(admin_client):
    entry = OutboxEntry.objects.create(channel="sms", to="+447700900123", body="hello")

    admin_client.get(f"{ADMIN}conversations/outboxentry/{entry.pk}/change/")

    event = AccessEvent.objects.get()
    assert (event.person_id, event.flagged) == (None, True)
    assert "+447700900123" not in f"{event.what} {event.why}"


def test_a_change_saved_through_the_admin_is_a_change_event(admin_client):
    person = received_message().conversation.person

    admin_client.post(f"{ADMIN}people/person/{person.pk}/change/", {})

    assert list(AccessEvent.objects.order_by("pk").values_list("action", "person_id")) == [
        ("view", person.pk), ("change", person.pk)]


def test_professional_standards_are_told_live(admin_client, conduct_listener,
                                             django_capture_on_commit_callbacks):
    layer, channel = conduct_listener
    message = received_message()

    with django_capture_on_commit_callbacks(execute=True):
        admin_client.get(f"{ADMIN}conversations/message/{message.pk}/change/")

    event = async_to_sync(layer.receive)(channel)
    assert event == {"type": "live.event", "kind": "look.flagged",
                     "access_event_id": AccessEvent.objects.get().pk, "group": CONDUCT_GROUP}


def test_an_empty_list_is_still_an_event(admin_client):
    admin_client.get(f"{ADMIN}conversations/message/")

    assert AccessEvent.objects.get().what == "admin: conversations.Message list"
