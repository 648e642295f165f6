"""The insider an allegation is about, seen from the referral's side: every member of staff it
names (by collar number, name or handle), and every candidate for one it does not name until
professional standards clear them, is kept from it; a reviewer it is about learns nothing of
it from professional standards' own pages; and no live event tells the front line it exists."""

from __future__ import annotations

import pytest
from asgiref.sync import sync_to_async
from channels.testing import WebsocketCommunicator
from django.conf import settings

from contact_hub.asgi import application
from contact_hub.conversations.looks import break_glass_open
from contact_hub.conversations.models import MessageExclusion
from contact_hub.staff.models import AccessEvent, Assignment, Role, SecurityEvent
from contact_hub.triage.models import MisconductReferral
from contact_hub.triage.referrals import referrals_sweep
from tests.factories import StaffFactory, assigned, drama_number, received_message, triaged_message

SECRET = "zanzibar"


@pytest.mark.django_db
def test_every_member_of_staff_an_allegation_names_is_refused_it(staff_client):
    by_collar = StaffFactory(username="cole", role=Role.COORDINATOR, collar_number="C9912")
    by_name = StaffFactory(username="sue", role=Role.SUPERVISOR, first_name="Sue",
                           last_name="Barker")
    by_handle = StaffFactory(username="pat2", role=Role.PROFESSIONAL_STANDARDS,
                             handles=["@pat_on_insta"])
    colleague = StaffFactory(username="ann", role=Role.PROFESSIONAL_STANDARDS)
    message = triaged_message(text=f"The call handler C9912 and Sue Barker keep messaging me, "
                                   f"and pat_on_insta added me on instagram. {SECRET}")
    referral = MisconductReferral.objects.get(message=message)

    for named in (by_collar, by_name):
        response = staff_client(named).get(f"/triage/contacts/{message.pk}/")
        assert response.status_code == 404 and SECRET.encode() not in response.content
    hidden = staff_client(by_handle)
    assert hidden.get(f"/triage/referrals/{referral.pk}/").status_code == 404
    assert SECRET not in hidden.get("/triage/referrals/").content.decode()
    assert {e.kind for e in SecurityEvent.objects.all()} == {"named_staff_refused",
                                                            "referral_refused"}
    assert SECRET in staff_client(colleague).get(f"/triage/referrals/{referral.pk}/"
                                                 ).content.decode()


@pytest.mark.django_db
def test_a_candidate_is_kept_from_the_allegation_until_cleared_and_not_after(
        officer, standards, staff_client):
    number = drama_number()
    her = received_message(text="he came back last night", sender=number).conversation.person
    assigned(officer, her, kind=Assignment.Kind.INCIDENT, subject="incident:INC-7")
    message = triaged_message(text=f"the officer who came round sent me pictures. {SECRET}",
                              sender=number)
    referral = MisconductReferral.objects.get(message=message)
    candidate = MessageExclusion.objects.get(message=message, staff=officer)
    client = staff_client(officer)

    before = client.get(f"/people/{her.pk}/")
    assert before.status_code == 200 and SECRET.encode() not in before.content
    assert AccessEvent.objects.filter(actor=officer, person=her).latest("pk").flagged

    staff_client(standards).post(f"/triage/referrals/{referral.pk}/clear/", {
        "candidate": candidate.pk, "reason": "duty rota: he was not on shift that week"})

    after = client.get(f"/people/{her.pk}/")
    assert SECRET.encode() in after.content
    assert not AccessEvent.objects.filter(actor=officer, person=her).latest("pk").flagged


@pytest.mark.django_db
def test_a_reviewer_an_allegation_names_learns_nothing_of_it_from_their_own_pages(
        coordinator, staff_client):
    named = StaffFactory(username="pete", role=Role.PROFESSIONAL_STANDARDS, collar_number="5150")
    message = triaged_message(text=f"PC 5150 keeps messaging me. {SECRET}")
    her = message.conversation.person
    referral = MisconductReferral.objects.get(message=message)
    referrals_sweep(now=referral.assessment_due_at)
    break_glass_open(actor=coordinator, person_id=her.pk, reason="curious about her case",
                     what="person record")
    client = staff_client(named)

    for url in ("/triage/referrals/", "/triage/referrals/live/", "/staff/access-log/",
                "/staff/conduct/flagged/", "/staff/conduct/flagged/live/",
                f"/staff/conduct/looks/?staff={coordinator.pk}",
                f"/staff/access-log/?person={her.pk}"):
        page = client.get(url).content.decode()
        assert SECRET not in page and "5150" not in page, url
        assert f"Person {her.pk}<" not in page and f"Referral {referral.pk}<" not in page, url
        assert "assessment overdue" not in page, url
    for url, data in ((f"/triage/referrals/{referral.pk}/steps/",
                       {"step": "assessed", "reason": "nothing in it, close it down"}),
                      (f"/triage/referrals/{referral.pk}/clear/",
                       {"candidate": "1", "reason": "nothing in it, clear them all"})):
        assert client.post(url, data).status_code == 404
    assert referral.steps.count() == 1
    assert not Assignment.objects.filter(staff=named).exists()


# Live events.

def _socket(client) -> WebsocketCommunicator:
    cookie = f"{settings.SESSION_COOKIE_NAME}={client.cookies[settings.SESSION_COOKIE_NAME].value}"
    return WebsocketCommunicator(application, "/ws/hub/", headers=[
        (b"origin", b"http://127.0.0.1"), (b"host", b"127.0.0.1"), (b"cookie", cookie.encode())])


async def _events(socket: WebsocketCommunicator, quiet_seconds: float) -> list[dict]:
    """Everything the page is sent until it has been quiet this long (a timed-out receive
    would end the consumer, so this asks whether anything is waiting first)."""
    events = []
    while not await socket.receive_nothing(timeout=quiet_seconds):
        events.append(await socket.receive_json_from())
    return events


@pytest.mark.redis
@pytest.mark.django_db(transaction=True)
async def test_a_new_referral_is_announced_to_professional_standards_only(
        close_thread_connections, coordinator, standards, staff_client):
    front_line = _socket(await sync_to_async(staff_client)(coordinator))
    conduct = _socket(await sync_to_async(staff_client)(standards))
    for socket in (front_line, conduct):
        assert (await socket.connect())[0]
        assert await socket.receive_json_from(timeout=5) == {"kind": "resync"}

    message = await sync_to_async(triaged_message)(text=f"PC 5150 sent me pictures {SECRET}")

    referral = await sync_to_async(MisconductReferral.objects.get)(message=message)
    assert await conduct.receive_json_from(timeout=5) == {"kind": "referral.opened",
                                                          "referral_id": referral.pk}
    heard = await _events(front_line, 1.0)
    assert not any(e["kind"].startswith("referral") for e in heard)
    for socket in (front_line, conduct):
        await socket.disconnect()
