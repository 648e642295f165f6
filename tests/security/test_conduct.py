"""An insider using the hub to pursue a victim: boundary-crossing words are held whatever route
the writer tries, nobody but another supervisor can let them through, an officer's chat line
never reaches her, and dip-sample verdicts cannot be recorded by anyone else or without
notes."""

from __future__ import annotations

import json

import pytest
from asgiref.sync import sync_to_async
from django.conf import settings

from contact_hub.conversations.conduct import conduct_chat_hold, conduct_matches
from contact_hub.conversations.models import ConductHold, DeliveryStatus
from contact_hub.conversations.reply import reply_send
from contact_hub.conversations.sending import MemoryBackend
from contact_hub.conversations.services import MessageRefused, conduct_hold_decide
from contact_hub.incidents.models import Alert
from contact_hub.staff.models import AccessEvent, Role, SecurityEvent
from contact_hub.supervision.models import DipSampleItem
from contact_hub.supervision.services import dip_sample_current
from rvr.calls import video_call_end, video_check_record, video_session_accept
from rvr.connection_check import CheckResult
from rvr.links import video_session_join
from rvr.models import CallMessage
from tests.factories import StaffFactory, received_message
from tests.rvr.conftest import rvr_settings  # noqa: F401 - fixture
from tests.rvr.peers import socket_for, victim_cookie

CROSSING = "We should meet up after my shift, my number is 07700 900321"
REASON = "checked with the officer in the case"


@pytest.fixture
def person(db):
    return received_message(channel="sms", sender="+447700900640",
                            text="please text me").conversation.person


def _held_by(author, person):
    message = reply_send(person=person, channel="sms", body=CROSSING, actor=author)
    assert message.status == DeliveryStatus.HELD
    return message


def _still_held(message) -> None:
    message.refresh_from_db()
    assert message.status == DeliveryStatus.HELD
    assert message.conduct_hold.decided_at is None
    assert MemoryBackend.sent == []


@pytest.mark.django_db
def test_the_author_cannot_send_their_held_text_with_the_safe_contact_override(
        person, coordinator, staff_client):
    held = _held_by(coordinator, person)

    response = staff_client(coordinator).post(f"/contacts/messages/{held.pk}/release/",
                                              {"reason": "it is fine, I know her"})

    assert response.status_code == 403
    assert SecurityEvent.objects.get().kind == "wrong_role"
    _still_held(held)


@pytest.mark.django_db
def test_a_supervisor_cannot_send_their_own_held_text_by_any_route(person, supervisor,
                                                                  staff_client):
    held = _held_by(supervisor, person)
    client = staff_client(supervisor)

    release = client.post(f"/contacts/messages/{held.pk}/release/",
                          {"reason": "it is fine, I know her"}, follow=True)
    decide = client.post(f"/supervision/held/{held.conduct_hold.pk}/decide/",
                         {"decision": "send", "reason": "it is fine, I know her"},
                         follow=True)

    assert "only that review can send or refuse it" in release.content.decode()
    assert "another supervisor must decide on it" in decide.content.decode()
    _still_held(held)


@pytest.mark.django_db
def test_the_author_cannot_withdraw_their_held_text_before_it_is_reviewed(
        person, coordinator, staff_client):
    held = _held_by(coordinator, person)

    response = staff_client(coordinator).post(f"/contacts/messages/{held.pk}/cancel/",
                                              follow=True)

    assert "only that review can send or refuse it" in response.content.decode()
    _still_held(held)


@pytest.mark.django_db
@pytest.mark.parametrize("role", [Role.COORDINATOR, Role.RVR_OFFICER,
                                  Role.PROFESSIONAL_STANDARDS])
def test_only_a_supervisor_may_post_a_decision(person, coordinator, staff_client, role):
    held = _held_by(coordinator, person)

    response = staff_client(StaffFactory(role=role)).post(
        f"/supervision/held/{held.conduct_hold.pk}/decide/",
        {"decision": "send", "reason": REASON})

    assert response.status_code == 403
    assert SecurityEvent.objects.get().kind == "wrong_role"
    _still_held(held)


@pytest.mark.django_db
def test_a_refused_text_cannot_be_revived(person, coordinator, supervisor, staff_client,
                                          django_capture_on_commit_callbacks):
    held = _held_by(coordinator, person)
    conduct_hold_decide(hold=held.conduct_hold, actor=supervisor, send=False,
                        reason="not a professional message")
    other = staff_client(StaffFactory(role=Role.SUPERVISOR))

    with django_capture_on_commit_callbacks(execute=True):
        other.post(f"/supervision/held/{held.conduct_hold.pk}/decide/",
                   {"decision": "send", "reason": REASON})
        other.post(f"/contacts/messages/{held.pk}/release/", {"reason": REASON})

    held.refresh_from_db()
    assert held.status == DeliveryStatus.CANCELLED
    assert MemoryBackend.sent == []


@pytest.mark.django_db
def test_the_words_never_reach_a_security_or_access_record(person, coordinator, supervisor,
                                                           staff_client):
    held = _held_by(coordinator, person)
    staff_client(supervisor).post(f"/supervision/held/{held.conduct_hold.pk}/decide/",
                                  {"decision": "refuse", "reason": "not professional"})
    staff_client(coordinator).post(f"/contacts/messages/{held.pk}/release/",
                                   {"reason": "x"})

    records = [json.dumps(e.detail) + e.path for e in SecurityEvent.objects.all()]
    records += [f"{e.what} {e.why}" for e in AccessEvent.objects.all()]
    for words in ("meet up", "after my shift", "07700 900321", "my number"):
        assert not any(words in record for record in records)


@pytest.mark.django_db
def test_a_supervisor_cannot_record_a_verdict_on_another_supervisors_sample(
        person, coordinator, supervisor, staff_client):
    reply_send(person=person, channel="sms", body="Is now a good time?", actor=coordinator)
    item = dip_sample_current(supervisor=supervisor).items.get()

    response = staff_client(StaffFactory(role=Role.SUPERVISOR)).post(
        f"/supervision/sample/{item.pk}/verdict/", {"verdict": "fine", "notes": ""})

    assert response.status_code == 404
    assert DipSampleItem.objects.get().verdict == ""


@pytest.mark.django_db
def test_a_referral_without_notes_is_refused_and_alerts_nobody(person, coordinator, supervisor,
                                                                staff_client):
    reply_send(person=person, channel="sms", body="Is now a good time?", actor=coordinator)
    item = dip_sample_current(supervisor=supervisor).items.get()

    staff_client(supervisor).post(f"/supervision/sample/{item.pk}/verdict/",
                                  {"verdict": "refer", "notes": "   "})

    assert DipSampleItem.objects.get().verdict == ""
    assert not Alert.objects.filter(kind=Alert.Kind.DIP_REFERRAL).exists()


@pytest.mark.django_db
@pytest.mark.parametrize("role", [Role.COORDINATOR, Role.RVR_OFFICER,
                                  Role.PROFESSIONAL_STANDARDS])
def test_only_a_supervisor_records_verdicts(person, coordinator, supervisor, staff_client,
                                            role):
    reply_send(person=person, channel="sms", body="Is now a good time?", actor=coordinator)
    item = dip_sample_current(supervisor=supervisor).items.get()

    response = staff_client(StaffFactory(role=role)).post(
        f"/supervision/sample/{item.pk}/verdict/", {"verdict": "fine", "notes": ""})

    assert response.status_code == 403
    assert DipSampleItem.objects.get().verdict == ""


# In-call chat: the officer's words reach the victim's screen only through the hub.

@pytest.fixture
def in_call(sent, officer):
    session, token = sent
    secret = video_session_join(token=token).browser_secret
    video_check_record(session_id=session.pk, result=CheckResult(30.0, 0.0, 800.0, "good"))
    video_session_accept(session=session, officer=officer)
    return session, victim_cookie(secret)


async def _both(in_call, officer, staff_client):
    session, cookie = in_call
    client = await sync_to_async(staff_client)(officer)
    name = settings.SESSION_COOKIE_NAME
    staff_cookie = f"{name}={client.cookies[name].value}"
    victim = socket_for(session.pk, "victim", cookie=cookie)
    officer_socket = socket_for(session.pk, "officer", cookie=staff_cookie)
    assert (await victim.connect())[0]
    assert (await victim.receive_json_from())["type"] == "welcome"
    assert (await officer_socket.connect())[0]
    assert (await officer_socket.receive_json_from())["type"] == "welcome"
    assert (await victim.receive_json_from())["type"] == "peer.joined"
    return victim, officer_socket


@pytest.mark.django_db(transaction=True)
async def test_an_officers_boundary_crossing_chat_line_never_reaches_the_victim(
        in_call, officer, staff_client, close_thread_connections):
    victim, officer_socket = await _both(in_call, officer, staff_client)

    await officer_socket.send_json_to({"type": "chat", "text": "You looked lovely today x"})

    assert await officer_socket.receive_json_from() == {
        "type": "chat.held", "reason": "Held for review: that line was not sent."}
    assert await victim.receive_nothing(timeout=0.3)
    hold = await sync_to_async(ConductHold.objects.get)()
    assert (hold.source, hold.author_id, hold.video_session_id, hold.chat_text) == (
        "chat", officer.pk, in_call[0].pk, "You looked lovely today x")
    assert await sync_to_async(CallMessage.objects.count)() == 0
    kinds = await sync_to_async(list)(in_call[0].incident.log.values_list("kind", flat=True))
    assert "video.chat_message" not in kinds
    alerts = await sync_to_async(list)(Alert.objects.values_list("for_role", "kind"))
    assert sorted(alerts) == [(Role.PROFESSIONAL_STANDARDS, "conduct_hold"),
                              (Role.SUPERVISOR, "conduct_hold")]
    await officer_socket.send_json_to({"type": "chat", "text": "Can you tell me what happened?"})
    for socket in (victim, officer_socket):
        assert (await socket.receive_json_from())["text"] == "Can you tell me what happened?"
    await victim.disconnect()
    await officer_socket.disconnect()


@pytest.mark.django_db(transaction=True)
async def test_the_victims_own_words_are_never_held(in_call, officer, staff_client,
                                                    close_thread_connections):
    victim, officer_socket = await _both(in_call, officer, staff_client)

    await victim.send_json_to({"type": "chat", "text": "He said it was our secret x"})

    assert (await officer_socket.receive_json_from())["text"] == "He said it was our secret x"
    assert not await sync_to_async(ConductHold.objects.exists)()
    await victim.disconnect()
    await officer_socket.disconnect()


@pytest.mark.django_db(transaction=True)
async def test_a_held_line_another_supervisor_lets_through_reaches_the_call(
        in_call, officer, staff_client, close_thread_connections):
    victim, officer_socket = await _both(in_call, officer, staff_client)
    await officer_socket.send_json_to({"type": "chat", "text": "Is there a safe number, "
                                       "or call me on 07700 900777"})
    assert (await officer_socket.receive_json_from())["type"] == "chat.held"
    hold = await sync_to_async(ConductHold.objects.get)()
    supervisor = await sync_to_async(StaffFactory)(role=Role.SUPERVISOR)

    await sync_to_async(conduct_hold_decide)(hold=hold, actor=supervisor, send=True,
                                             reason="the officer's work phone for the case")

    for socket in (victim, officer_socket):
        line = await socket.receive_json_from()
        assert (line["type"], line["from"]) == ("chat", "officer")
    assert await sync_to_async(CallMessage.objects.count)() == 1
    await victim.disconnect()
    await officer_socket.disconnect()


@pytest.mark.django_db
def test_a_held_line_cannot_be_sent_once_the_call_has_ended(in_call, officer, supervisor):
    session = in_call[0]
    hold = conduct_chat_hold(video_session_id=session.pk, person_id=session.incident.person_id,
                             author=officer, text="Send me a selfie",
                             matches=conduct_matches("Send me a selfie"))
    video_call_end(session_id=session.pk, by="officer", actor=officer)

    with pytest.raises(MessageRefused, match="call has ended"):
        conduct_hold_decide(hold=hold, actor=supervisor, send=True, reason=REASON)

    hold.refresh_from_db()
    assert hold.decided_at is None
    assert not CallMessage.objects.exists()
