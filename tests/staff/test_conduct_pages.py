"""Professional standards' pages: flagged looks as they happen (refetched when the websocket,
on the real Redis layer, says a look was flagged), and whom one member of staff looked at,
when, why and which looks were flagged. None of them shows a victim's words or number."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from asgiref.sync import sync_to_async
from channels.testing import WebsocketCommunicator
from django.conf import settings

from contact_hub.asgi import application
from contact_hub.conversations.looks import break_glass_open, list_look_record, look_record
from contact_hub.staff.models import AccessEvent, Role, SecurityEvent
from tests.factories import StaffFactory, assigned, received_message, triaged_message

FLAGGED = "/staff/conduct/flagged/"
FLAGGED_LIVE = "/staff/conduct/flagged/live/"
LOOKS = "/staff/conduct/looks/"
CANARY_NUMBER = "+447700900998"
CANARY_TEXT = "canary-words-77c1"


def _rows(page: str) -> list[str]:
    rows = re.findall(r"<tr(?: class=\"flagged\")?>\s*<td>(.*?)</tr>", page, re.S)
    return [" ".join(re.sub(r"<[^>]+>", " ", row).split()) for row in rows]


@pytest.mark.django_db
def test_the_flagged_looks_page_shows_only_flagged_looks_newest_first(
        coordinator, officer, standards, staff_client):
    her = received_message().conversation.person
    assigned(coordinator, her)
    look_record(actor=coordinator, person_id=her.pk, what="an assigned look")
    break_glass_open(actor=officer, person_id=her.pk, reason="curious about the neighbour",
                     what="person record")

    page = staff_client(standards).get(FLAGGED).content.decode()

    assert [("olu" in row and "curious about the neighbour" in row) for row in _rows(page)] == [
        True]
    assert f'data-live-url="{FLAGGED_LIVE}"' in page and "hub/live.js" in page


@pytest.mark.django_db
def test_the_live_region_is_the_table_alone(officer, standards, staff_client):
    her = received_message().conversation.person
    break_glass_open(actor=officer, person_id=her.pk, reason="curious about the neighbour",
                     what="person record")

    region = staff_client(standards).get(FLAGGED_LIVE,
                                         HTTP_X_HUB_BACKGROUND="1").content.decode()

    assert "<html" not in region and len(_rows(region)) == 1


@pytest.mark.django_db
def test_whom_one_member_of_staff_looked_at_when_why_and_what_was_flagged(
        coordinator, standards, staff_client):
    her, friend, stranger = (received_message().conversation.person for _ in range(3))
    assigned(coordinator, her, subject="message:4")
    look_record(actor=coordinator, person_id=her.pk, what="person record")
    look_record(actor=coordinator, person_id=her.pk, what="thread")
    break_glass_open(actor=coordinator, person_id=friend.pk, reason="looking up her friend",
                     what="person record")
    list_look_record(actor=coordinator, what="dashboard queue", why="triage queue",
                     person_ids=[stranger.pk])

    page = staff_client(standards).get(LOOKS, {"staff": coordinator.pk}).content.decode()

    summary = page.split("Every look, newest first", 1)[0]
    people = _rows(summary)
    assert people[0].startswith(f"Person {friend.pk} 1 1 flagged")
    assert "looking up her friend" in people[0]
    assert people[1].startswith(f"Person {her.pk} 2 0")
    assert "Handling the contact (message:4)" in people[1]
    looks = _rows(page.split("Every look, newest first", 1)[1])
    assert len(looks) == 4 and "dashboard queue" in looks[0] and "list page:" in looks[0]


@pytest.mark.django_db
def test_the_view_of_one_member_of_staff_takes_a_time_range(
        clock, coordinator, standards, staff_client):
    her = received_message().conversation.person
    assigned(coordinator, her)
    look_record(actor=coordinator, person_id=her.pk, what="last week's look")
    clock.advance(days=7)
    look_record(actor=coordinator, person_id=her.pk, what="this week's look")
    since = (clock.now - timedelta(days=1)).strftime("%Y-%m-%dT%H:%M")

    page = staff_client(standards).get(LOOKS, {"staff": coordinator.pk, "after": since})

    looks = _rows(page.content.decode().split("Every look, newest first", 1)[1])
    assert len(looks) == 1 and "this week" in looks[0]


@pytest.mark.django_db
def test_the_view_of_one_member_of_staff_starts_with_the_choice(standards, staff_client):
    page = staff_client(standards).get(LOOKS).content.decode()

    assert '<select name="staff"' in page and "Every look" not in page


@pytest.mark.django_db
def test_no_page_of_professional_standards_shows_a_victims_words_or_number(
        coordinator, officer, standards, staff_client):
    her = received_message(sender=CANARY_NUMBER, text=CANARY_TEXT).conversation.person
    assigned(coordinator, her)
    staff_client(coordinator).get(f"/people/{her.pk}/")
    staff_client(officer).post(f"/people/{her.pk}/look/",
                               {"reason": "checking on a neighbour's call"})
    client = staff_client(standards)

    pages = [client.get(url, params).content.decode() for url, params in (
        (FLAGGED, {}), (FLAGGED_LIVE, {}), (LOOKS, {"staff": coordinator.pk}),
        (LOOKS, {"staff": officer.pk}), ("/staff/access-log/", {}))]

    assert AccessEvent.objects.filter(flagged=True).exists()
    for page in pages:
        for canary in (CANARY_TEXT, CANARY_NUMBER, "7700900998", "07700 900998"):
            assert canary not in page


@pytest.mark.django_db
@pytest.mark.parametrize("persona", ["coordinator", "officer", "supervisor", "administrator"])
def test_other_roles_are_refused_professional_standards_pages(persona, request, staff_client):
    client = staff_client(request.getfixturevalue(persona))

    for url in (FLAGGED, FLAGGED_LIVE, LOOKS):
        assert client.get(url).status_code == 403
    assert {e.kind for e in SecurityEvent.objects.all()} == {"wrong_role"}


@pytest.mark.django_db
def test_a_reviewer_named_by_her_sees_none_of_the_looks_at_her(coordinator, staff_client):
    named = StaffFactory(username="pete", role=Role.PROFESSIONAL_STANDARDS, collar_number="5150")
    her = triaged_message(text="PC 5150 keeps messaging me").conversation.person
    break_glass_open(actor=coordinator, person_id=her.pk, reason="curious about her",
                     what="person record")
    client = staff_client(named)

    page = client.get(LOOKS, {"staff": coordinator.pk}).content.decode()

    assert _rows(client.get(FLAGGED).content.decode()) == []
    assert "Every look" in page and _rows(page) == []


# Live, over the real Redis channel layer.

def _socket(client) -> WebsocketCommunicator:
    cookie = f"{settings.SESSION_COOKIE_NAME}={client.cookies[settings.SESSION_COOKIE_NAME].value}"
    return WebsocketCommunicator(application, "/ws/hub/", headers=[
        (b"origin", b"http://127.0.0.1"), (b"host", b"127.0.0.1"), (b"cookie", cookie.encode())])


@pytest.mark.redis
@pytest.mark.django_db(transaction=True)
async def test_a_flagged_look_reaches_professional_standards_live_and_the_region_shows_it(
        close_thread_connections, officer, standards, staff_client):
    assert settings.CHANNEL_LAYERS["default"]["BACKEND"].startswith("channels_redis")
    her = await sync_to_async(lambda: received_message(text=CANARY_TEXT).conversation.person)()
    watcher = await sync_to_async(staff_client)(standards)
    socket = _socket(watcher)
    connected, _ = await socket.connect()
    assert connected
    assert await socket.receive_json_from(timeout=5) == {"kind": "resync"}
    snooper = await sync_to_async(staff_client)(officer)

    await sync_to_async(snooper.post)(f"/people/{her.pk}/look/",
                                      {"reason": "curious about the neighbour"})

    event = await socket.receive_json_from(timeout=5)
    look = await sync_to_async(AccessEvent.objects.get)(flagged=True)
    assert event == {"kind": "look.flagged", "access_event_id": look.pk}
    region = (await sync_to_async(watcher.get)(FLAGGED_LIVE,
                                               HTTP_X_HUB_BACKGROUND="1")).content.decode()
    assert "curious about the neighbour" in region and f"Person {her.pk}" in region
    assert CANARY_TEXT not in region
    await socket.disconnect()
