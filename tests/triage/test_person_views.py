"""The person page: every channel in one thread, masked identifiers, and the access trail."""

from __future__ import annotations

import pytest

from contact_hub.conversations.models import Message
from contact_hub.staff.models import AccessEvent, Assignment, SecurityEvent
from tests.factories import assigned, received_message

pytestmark = pytest.mark.django_db
NUMBER = "+447700900481"


@pytest.fixture
def person():
    received_message(channel="sms", sender=NUMBER, text="first, by text")
    return received_message(channel="whatsapp", sender=NUMBER,
                            text="then on whatsapp").conversation.person


def test_the_thread_shows_every_channel_newest_first_with_the_number_masked(
        person, coordinator, staff_client):
    assigned(coordinator, person)
    page = staff_client(coordinator).get(f"/people/{person.pk}/").content.decode()

    assert page.index("then on whatsapp") < page.index("first, by text")
    assert "WhatsApp" in page and "SMS" in page
    assert "+44 •••• ••481" in page
    assert NUMBER not in page


def test_viewing_a_person_is_recorded_with_who_and_the_reason_their_work_gives(
        person, coordinator, staff_client):
    assigned(coordinator, person, kind=Assignment.Kind.INCIDENT, subject="incident:INC-1")

    staff_client(coordinator).get(f"/people/{person.pk}/")

    event = AccessEvent.objects.get()
    assert (event.actor, event.action, event.person, event.why, event.flagged) == (
        coordinator, "view", person, "Holding the incident (incident:INC-1)", False)


def test_the_page_shows_who_is_working_the_person_now(person, coordinator, officer,
                                                      staff_client):
    assigned(coordinator, person, kind=Assignment.Kind.INCIDENT, subject="incident:INC-7")
    coordinator.first_name, coordinator.last_name = "Casey", "Jones"
    coordinator.save()

    page = staff_client(officer).get(f"/people/{person.pk}/")

    assert page.status_code == 403  # the officer has no part in it: asked why first
    page = staff_client(coordinator).get(f"/people/{person.pk}/").content.decode()
    assert "Casey Jones: holding the incident, incident:INC-7" in page


def test_a_reader_with_no_part_in_the_case_is_asked_why_before_anything_is_shown(
        person, officer, staff_client):
    page = staff_client(officer).get(f"/people/{person.pk}/")

    assert page.status_code == 403
    assert "Why are you opening this record?" in page.content.decode()
    assert "then on whatsapp" not in page.content.decode()
    assert "481" not in page.content.decode()
    assert not AccessEvent.objects.exists()


def test_a_look_with_a_reason_given_is_flagged_and_covers_the_persons_pages(
        person, officer, staff_client):
    client = staff_client(officer)

    given = client.post(f"/people/{person.pk}/look/", {
        "reason": "caller says she is the sister of my victim", "next": f"/people/{person.pk}/"})
    page = client.get(f"/people/{person.pk}/")
    thread = client.get(f"/people/{person.pk}/thread/")

    assert given.status_code == 302 and given["Location"] == f"/people/{person.pk}/"
    assert page.status_code == 200 and "then on whatsapp" in page.content.decode()
    assert thread.status_code == 200
    looks = list(AccessEvent.objects.filter(person=person).order_by("at"))
    assert [e.flagged for e in looks] == [True, True]
    assert {e.why for e in looks} == {"caller says she is the sister of my victim"}


def test_a_short_reason_is_refused_and_nothing_is_shown(person, officer, staff_client):
    refused = staff_client(officer).post(f"/people/{person.pk}/look/", {"reason": "just"})

    assert refused.status_code == 400
    assert "at least 10 characters" in refused.content.decode()
    assert "then on whatsapp" not in refused.content.decode()
    assert not AccessEvent.objects.exists()
    assert not Assignment.objects.exists()


def test_a_look_elsewhere_than_the_hub_is_not_a_redirect_target(person, officer,
                                                                 staff_client):
    given = staff_client(officer).post(f"/people/{person.pk}/look/", {
        "reason": "caller says she is the sister of my victim", "next": "//evil.example/"})

    assert given["Location"] == f"/people/{person.pk}/"


def test_a_supervisor_sees_full_numbers_only_with_a_recorded_reason(
        person, supervisor, staff_client):
    assigned(supervisor, person)
    client = staff_client(supervisor)

    refused = client.post(f"/people/{person.pk}/reveal/", {"reason": "why"}, follow=True)
    shown = client.post(f"/people/{person.pk}/reveal/",
                        {"reason": "safeguarding referral to the local IDVA service"})

    assert NUMBER not in refused.content.decode()
    assert NUMBER in shown.content.decode()
    disclosure = AccessEvent.objects.get(action="disclose")
    assert disclosure.why == "safeguarding referral to the local IDVA service"


def test_a_coordinator_cannot_reveal_a_number(person, coordinator, staff_client):
    assigned(coordinator, person)
    response = staff_client(coordinator).post(
        f"/people/{person.pk}/reveal/", {"reason": "I would like to call them myself"},
        follow=True)

    assert NUMBER not in response.content.decode()
    assert not AccessEvent.objects.filter(action="disclose").exists()
    assert SecurityEvent.objects.get().kind == "reveal_refused"


def test_professional_standards_can_review_but_not_reply(person, standards, staff_client):
    client = staff_client(standards)
    client.post(f"/people/{person.pk}/look/", {"reason": "quality review of the contact"})

    assert client.get(f"/people/{person.pk}/").status_code == 200
    assert client.post(f"/people/{person.pk}/reply/", {"body": "hi"}).status_code == 403
    assert not Message.objects.filter(direction=Message.Direction.OUTBOUND).exists()
    assert SecurityEvent.objects.get().kind == "wrong_role"


def test_an_unknown_person_is_not_found(coordinator, staff_client):
    assert staff_client(coordinator).get("/people/999999/").status_code == 404
