""""He's back": the key word, and what the victim's signal does to the incident and the call."""

from __future__ import annotations

import logging
from datetime import timedelta

import pytest
from asgiref.sync import sync_to_async
from django.conf import settings
from django.conf import settings as django_settings
from django.db import connection
from django.utils import timezone

from contact_hub.incidents.models import Alert, EscalationTimer, Incident
from contact_hub.incidents.services import incident_assign
from contact_hub.people.safe_contact import secret_word_hash
from contact_hub.staff.models import Role
from rvr.calls import outcome_record, video_call_end, video_check_record, video_session_accept
from rvr.connection_check import CheckResult
from rvr.eligibility import RvrRefused, rvr_check_record
from rvr.links import video_session_join
from rvr.models import SAFETY_CHECKS, CallMessage, RvrAssessment, VideoSession
from rvr.suspect_present import (
    BUTTON,
    KEY_WORD,
    key_word_candidates,
    key_word_heard,
    key_word_normalised,
    key_word_set,
    refused_chat_text,
    suspect_present_recent,
    suspect_present_record,
)
from tests.factories import StaffFactory
from tests.rvr.conftest import log_kinds
from tests.rvr.peers import socket_for, victim_cookie

pytestmark = pytest.mark.django_db
WORD = "Blue Umbrella"


def _open_timers(incident: Incident) -> list[EscalationTimer]:
    return list(EscalationTimer.objects.filter(incident=incident, fired_at__isnull=True,
                                               cancelled_at__isnull=True))


@pytest.fixture
def waiting_session(sent) -> VideoSession:
    session, token = sent
    video_session_join(token=token)
    return video_check_record(session_id=session.pk,
                              result=CheckResult(30.0, 0.0, 800.0, "good"))


# The key word.

def test_the_key_word_is_kept_only_as_a_hash_and_the_log_says_only_that_it_was_set(
        assessment, coordinator):
    key_word_set(assessment=assessment, key_word=WORD, actor=coordinator)

    assessment.refresh_from_db()
    assert assessment.key_word_hash and "umbrella" not in assessment.key_word_hash.lower()
    entry = assessment.incident.log.get(kind="rvr.key_word_set")
    assert entry.data == {"assessment_id": assessment.pk, "replaced": False}


def test_setting_it_again_replaces_it(assessment, coordinator):
    key_word_set(assessment=assessment, key_word=WORD, actor=coordinator)
    key_word_set(assessment=assessment, key_word="pizza", actor=coordinator)

    assessment.refresh_from_db()
    assert key_word_heard("pizza", assessment.key_word_hash)
    assert not key_word_heard(WORD, assessment.key_word_hash)
    assert assessment.incident.log.filter(kind="rvr.key_word_set").last().data["replaced"]


@pytest.mark.parametrize("word", ["", "  ", "ab", "one two three four", "x" * 41])
def test_a_key_word_too_short_long_or_many_words_is_refused(assessment, coordinator, word):
    with pytest.raises(RvrRefused, match="A key word is one to 3 words"):
        key_word_set(assessment=assessment, key_word=word, actor=coordinator)

    assessment.refresh_from_db()
    assert assessment.key_word_hash == ""
    assert not assessment.incident.log.filter(kind="rvr.key_word_set").exists()


def test_no_key_word_for_a_check_that_decided_in_person(incident, coordinator):
    failed = rvr_check_record(incident=incident, answers={**dict.fromkeys(SAFETY_CHECKS, True),
                                                          "offender_absent": False},
                              actor=coordinator)

    with pytest.raises(RvrRefused, match="in-person response"):
        key_word_set(assessment=failed, key_word=WORD, actor=coordinator)


def test_the_key_word_is_a_salted_hmac_under_a_key_not_in_the_database(
        assessment, coordinator, settings):
    key_word_set(assessment=assessment, key_word=WORD, actor=coordinator)
    encoded = RvrAssessment.objects.get(pk=assessment.pk).key_word_hash

    assert encoded.startswith("hmac_sha256$")
    assert key_word_heard("Blue umbrella!", encoded)
    assert not key_word_heard("red umbrella", encoded)
    settings.SECRET_KEY = "another-deployment-" + "y" * 40
    assert not key_word_heard("blue umbrella", encoded)  # the row alone cannot test a guess


def test_the_same_word_is_salted_differently_each_time(assessment, coordinator):
    key_word_set(assessment=assessment, key_word=WORD, actor=coordinator)
    first = RvrAssessment.objects.get(pk=assessment.pk).key_word_hash
    key_word_set(assessment=assessment, key_word=WORD, actor=coordinator)

    assert RvrAssessment.objects.get(pk=assessment.pk).key_word_hash != first


def test_a_key_word_set_before_secret_key_was_rotated_is_still_heard(
        assessment, coordinator, settings):
    key_word_set(assessment=assessment, key_word=WORD, actor=coordinator)
    encoded = RvrAssessment.objects.get(pk=assessment.pk).key_word_hash

    settings.SECRET_KEY_FALLBACKS = [settings.SECRET_KEY]
    settings.SECRET_KEY = "the-new-secret-" + "z" * 40

    assert key_word_heard("blue umbrella", encoded)


def test_a_value_of_another_scheme_never_matches():
    legacy = secret_word_hash("blue umbrella")  # a password hash, the code word's scheme

    assert not key_word_heard("blue umbrella", legacy)
    assert not key_word_heard("blue umbrella", "hmac_sha256$not$hex")


def test_case_spaces_and_punctuation_do_not_matter():
    assert key_word_normalised("  BLUE,   umbrella!! ") == "blue umbrella"
    assert key_word_normalised("blue-umbrella") == "blue umbrella"


def test_the_line_the_words_and_the_phrases_are_candidates():
    candidates = key_word_candidates("Oh, my blue umbrella is wet")

    assert "blue umbrella" in candidates and "umbrella" in candidates
    assert "my blue umbrella" in candidates
    assert "blue umbrella" in key_word_candidates("Blue umbrella!")


def test_every_phrase_of_a_long_line_is_a_candidate_however_long():
    filler = " ".join(f"w{i}x" for i in range(300))

    candidates = key_word_candidates(filler + " blue umbrella now")

    assert "blue umbrella now" in candidates and "umbrella now" in candidates
    assert len(candidates) == 3 * 303 - 3  # every run of one, two and three words


def test_the_key_word_at_the_end_of_a_long_line_is_heard(assessment, coordinator):
    key_word_set(assessment=assessment, key_word="blue umbrella now", actor=coordinator)
    encoded = RvrAssessment.objects.get(pk=assessment.pk).key_word_hash
    line = " ".join(f"w{i}x" for i in range(100)) + " blue umbrella now"

    assert len(line) <= 1000 and key_word_heard(line, encoded)
    assert key_word_heard(" ".join(["word"] * 2000) + " Blue Umbrella now", encoded)


def test_the_text_of_a_refused_chat_line_is_read_for_the_key_word_only():
    assert refused_chat_text('{"type": "chat", "text": "' + "a" * 1200 + '"}') == "a" * 1200
    assert refused_chat_text('{"type": "offer", "text": "blue umbrella"}') == ""
    assert refused_chat_text("not json") == ""
    assert refused_chat_text(None) == ""


def test_the_key_word_is_heard_inside_a_line_and_only_whole(assessment, coordinator):
    key_word_set(assessment=assessment, key_word=WORD, actor=coordinator)
    assessment.refresh_from_db()
    encoded = assessment.key_word_hash

    assert key_word_heard("blue umbrella", encoded)
    assert key_word_heard("I left my BLUE  umbrella, sorry.", encoded)
    assert not key_word_heard("blue", encoded)
    assert not key_word_heard("blueumbrella", encoded)
    assert not key_word_heard("anything", "")


# The signal.

def test_the_signal_regrades_to_immediate_with_a_new_target_and_timers(
        in_call_session, django_capture_on_commit_callbacks):
    incident = in_call_session.incident
    before = timezone.now()
    old_timers = {t.pk for t in _open_timers(incident)}

    with django_capture_on_commit_callbacks(execute=True):
        assert suspect_present_record(session_id=in_call_session.pk, trigger=BUTTON)

    incident.refresh_from_db()
    assert incident.grade == "immediate"
    minutes = settings.HUB_GRADES["immediate"]["target_minutes"]
    assert before + timedelta(minutes=minutes) <= incident.target_at
    timers = _open_timers(incident)
    assert timers and not old_timers & {t.pk for t in timers}
    assert {t.target_at for t in timers} == {incident.target_at}


def test_the_signal_puts_the_incident_back_on_the_dispatch_list(in_call_session):
    suspect_present_record(session_id=in_call_session.pk, trigger=BUTTON)

    incident = Incident.objects.get(pk=in_call_session.incident_id)
    assert incident.status == Incident.Status.OPEN and incident.assigned_to is None
    graded = incident.log.get(kind="incident.graded")
    assert graded.actor is None and graded.data["next"] == "back on the dispatch list"


def test_a_unit_already_sent_stays_assigned_and_the_alert_names_it(in_call_session,
                                                                   coordinator):
    incident_assign(incident=in_call_session.incident, unit="alpha-21", actor=coordinator)
    before = _open_timers(in_call_session.incident)

    suspect_present_record(session_id=in_call_session.pk, trigger=BUTTON)

    incident = Incident.objects.get(pk=in_call_session.incident_id)
    assert incident.status == Incident.Status.ASSIGNED and incident.assigned_unit == "ALPHA-21"
    assert incident.grade == "immediate"
    assert {t.pk for t in _open_timers(incident)}.isdisjoint({t.pk for t in before})
    graded = incident.log.get(kind="incident.graded")
    assert graded.data["next"] == "unit ALPHA-21 stays assigned"
    alert = Alert.objects.get(kind=Alert.Kind.SUSPECT_PRESENT)
    assert alert.detail == {"session_id": in_call_session.pk, "trigger": BUTTON,
                            "unit": "ALPHA-21"}


def test_the_signal_is_logged_with_its_trigger_and_ends_the_call_on_her_side(
        in_call_session):
    suspect_present_record(session_id=in_call_session.pk, trigger=KEY_WORD)

    session = VideoSession.objects.get(pk=in_call_session.pk)
    assert session.status == VideoSession.Status.ENDED and session.ended_by == "victim"
    assert session.suspect_present_by == KEY_WORD and session.suspect_present_at
    kinds = log_kinds(session.incident)
    assert kinds.index("video.suspect_present") < kinds.index("video.call_ended")
    entry = session.incident.log.get(kind="video.suspect_present")
    assert entry.data["trigger"] == KEY_WORD and entry.data["officer_on_call"] is True


def test_supervisors_are_alerted_live(in_call_session, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks() as callbacks:
        suspect_present_record(session_id=in_call_session.pk, trigger=BUTTON)

    alert = Alert.objects.get(kind=Alert.Kind.SUSPECT_PRESENT)
    assert alert.for_role == Role.SUPERVISOR and alert.incident_id == in_call_session.incident_id
    assert alert.detail == {"session_id": in_call_session.pk, "trigger": BUTTON}
    assert callbacks  # the alert, the officer's socket and the pages are told after commit


def test_a_second_signal_changes_nothing(in_call_session):
    assert suspect_present_record(session_id=in_call_session.pk, trigger=BUTTON)
    count = in_call_session.incident.log.count()

    assert not suspect_present_record(session_id=in_call_session.pk, trigger=KEY_WORD)

    assert in_call_session.incident.log.count() == count
    assert Alert.objects.filter(kind=Alert.Kind.SUSPECT_PRESENT).count() == 1
    assert VideoSession.objects.get(pk=in_call_session.pk).suspect_present_by == BUTTON


def test_it_works_while_she_waits_with_no_officer(waiting_session):
    assert suspect_present_record(session_id=waiting_session.pk, trigger=BUTTON)

    session = VideoSession.objects.get(pk=waiting_session.pk)
    assert session.status == VideoSession.Status.ENDED
    assert session.incident.grade == "immediate"
    assert session.incident.log.get(kind="video.suspect_present").data[
        "officer_on_call"] is False
    shown = suspect_present_recent(viewer=StaffFactory(role=Role.RVR_OFFICER))
    assert [(s.session_id, s.had_officer) for s in shown] == [(session.pk, False)]


def test_a_session_that_ended_long_ago_takes_no_signal(in_call_session, settings):
    ended = timezone.now() - timedelta(seconds=settings.RVR_LATER_GRACE_SECONDS + 1)
    VideoSession.objects.filter(pk=in_call_session.pk).update(
        status=VideoSession.Status.ENDED, ended_at=ended)

    assert not suspect_present_record(session_id=in_call_session.pk, trigger=BUTTON)
    assert not Alert.objects.filter(kind=Alert.Kind.SUSPECT_PRESENT).exists()


def test_a_signal_just_after_the_call_ended_still_counts(in_call_session, officer):
    video_call_end(session_id=in_call_session.pk, by="officer", actor=officer)

    assert suspect_present_record(session_id=in_call_session.pk, trigger=BUTTON)

    session = _session(in_call_session.pk)
    assert session.incident.grade == "immediate" and session.ended_by == "officer"
    entry = session.incident.log.get(kind="video.suspect_present")
    assert entry.data["after_call_ended"] is True and entry.data["officer_on_call"] is False
    assert Alert.objects.filter(kind=Alert.Kind.SUSPECT_PRESENT).count() == 1
    assert log_kinds(session.incident).count("video.call_ended") == 1


def test_a_signal_before_her_join_ends_the_link(sent):
    session, token = sent

    assert suspect_present_record(session_id=session.pk, trigger=BUTTON, her_browser=False)

    session = _session(session.pk)
    assert session.status == VideoSession.Status.ENDED and session.incident.grade == "immediate"
    assert session.incident.log.get(kind="video.suspect_present").data["her_browser"] is False
    assert video_session_join(token=token).refusal == "ended"


def test_an_expired_link_takes_no_signal(sent):
    session, _ = sent
    VideoSession.objects.filter(pk=session.pk).update(
        expires_at=timezone.now() - timedelta(seconds=1))

    assert not suspect_present_record(session_id=session.pk, trigger=BUTTON)


def test_after_the_signal_the_officer_may_record_attendance_but_not_resolve(
        in_call_session, officer):
    suspect_present_record(session_id=in_call_session.pk, trigger=BUTTON)
    session = VideoSession.objects.get(pk=in_call_session.pk)

    with pytest.raises(RvrRefused, match="attendance is still needed"):
        outcome_record(session=session, officer=officer, outcome=VideoSession.Outcome.RESOLVED)
    outcome_record(session=session, officer=officer, outcome=VideoSession.Outcome.ATTENDANCE,
                   reason="Suspect back at the address, unit sent")

    incident = Incident.objects.get(pk=in_call_session.incident_id)
    assert incident.is_open and incident.grade == "immediate"
    assert incident.status == Incident.Status.OPEN


def test_the_key_word_is_stored_nowhere_as_text(in_call_session, coordinator, caplog):
    secret = "Zanzibar Pelican"
    caplog.set_level(logging.DEBUG)
    key_word_set(assessment=in_call_session.assessment, key_word=secret, actor=coordinator)
    suspect_present_record(session_id=in_call_session.pk, trigger=KEY_WORD)

    assert _tables_holding("zanzibar", "pelican") == []
    assert "zanzibar" not in caplog.text.lower()


def _tables_holding(*words: str) -> list[str]:
    """Every table with a row that holds any of the words, in any column."""
    found = []
    with connection.cursor() as cursor:
        for table in connection.introspection.table_names():
            cursor.execute(f'SELECT * FROM "{table}"')
            text = repr(cursor.fetchall()).lower()
            if any(word in text for word in words):
                found.append(table)
    return found


# The session's websocket: the victim's button and her key word in the chat.

def socket_test(test):
    test = pytest.mark.usefixtures("close_thread_connections")(test)
    return pytest.mark.django_db(transaction=True)(test)


@pytest.fixture
def call_sockets(sent, officer, staff_client, coordinator):
    """A call the officer accepted, with the key word agreed: (session, victim's cookie,
    officer's cookie)."""
    session, token = sent
    key_word_set(assessment=session.assessment, key_word=WORD, actor=coordinator)
    secret = video_session_join(token=token).browser_secret
    video_check_record(session_id=session.pk, result=CheckResult(30.0, 0.0, 800.0, "good"))
    video_session_accept(session=session, officer=officer)
    client = staff_client(officer)
    name = django_settings.SESSION_COOKIE_NAME
    return session, victim_cookie(secret), f"{name}={client.cookies[name].value}"


async def _connected(session_id: int, side: str, cookie: str):
    socket = socket_for(session_id, side, cookie=cookie)
    assert (await socket.connect())[0]
    assert (await socket.receive_json_from())["type"] == "welcome"
    return socket


async def _both(call_sockets):
    session, victim_cookie_value, officer_cookie = call_sockets
    victim = await _connected(session.pk, "victim", victim_cookie_value)
    officer_socket = await _connected(session.pk, "officer", officer_cookie)
    assert (await victim.receive_json_from())["type"] == "peer.joined"
    return victim, officer_socket


async def _until(socket, kind: str) -> list[str]:
    """The types the socket receives, up to and including `kind`."""
    seen = []
    while not seen or seen[-1] != kind:
        seen.append((await socket.receive_json_from(timeout=5))["type"])
    return seen


def _session(pk: int) -> VideoSession:
    return VideoSession.objects.select_related("incident").get(pk=pk)


@socket_test
async def test_the_button_tells_the_officer_at_once_and_ends_the_call(call_sockets):
    victim, officer_socket = await _both(call_sockets)

    await victim.send_json_to({"type": "later"})

    seen = await _until(officer_socket, "video.ended")
    assert seen.index("video.suspect_present") < seen.index("video.ended")
    session = await sync_to_async(_session)(call_sockets[0].pk)
    assert session.suspect_present_by == BUTTON and session.status == VideoSession.Status.ENDED
    assert session.incident.grade == "immediate"
    await officer_socket.disconnect()
    await victim.disconnect()


@socket_test
async def test_the_key_word_in_the_chat_sends_her_page_away_and_goes_nowhere(call_sockets):
    victim, officer_socket = await _both(call_sockets)

    await victim.send_json_to({"type": "chat", "text": "ok. BLUE umbrella!"})

    assert await victim.receive_json_from(timeout=5) == {"type": "exit"}
    seen = await _until(officer_socket, "video.ended")
    assert "chat" not in seen and "video.suspect_present" in seen
    session = await sync_to_async(_session)(call_sockets[0].pk)
    assert session.suspect_present_by == KEY_WORD
    assert not await sync_to_async(CallMessage.objects.filter(session=session).exists)()
    assert "video.chat_message" not in await sync_to_async(log_kinds)(session.incident)
    assert await sync_to_async(_tables_holding)("umbrella") == []
    await officer_socket.disconnect()
    await victim.disconnect()


@socket_test
async def test_the_key_word_in_a_line_too_long_for_the_chat_still_counts(call_sockets):
    victim, officer_socket = await _both(call_sockets)

    await victim.send_json_to({"type": "chat", "text": "x " * 600 + "blue umbrella"})

    assert await victim.receive_json_from(timeout=5) == {"type": "exit"}
    assert "video.suspect_present" in await _until(officer_socket, "video.ended")
    session = await sync_to_async(_session)(call_sockets[0].pk)
    assert session.suspect_present_by == KEY_WORD
    await officer_socket.disconnect()
    await victim.disconnect()


@socket_test
async def test_a_line_too_long_without_the_key_word_is_refused_as_ever(call_sockets):
    victim, officer_socket = await _both(call_sockets)

    await victim.send_json_to({"type": "chat", "text": "x " * 600})

    reply = await victim.receive_json_from(timeout=5)
    assert reply["type"] == "error" and "1 to 1000 characters" in reply["reason"]
    session = await sync_to_async(_session)(call_sockets[0].pk)
    assert session.suspect_present_at is None
    await officer_socket.disconnect()
    await victim.disconnect()


@socket_test
async def test_a_line_without_the_key_word_is_chat_as_ever(call_sockets):
    victim, officer_socket = await _both(call_sockets)

    await victim.send_json_to({"type": "chat", "text": "my blue coat is by the umbrella"})

    relayed = await officer_socket.receive_json_from(timeout=5)
    assert relayed["type"] == "chat" and relayed["text"] == "my blue coat is by the umbrella"
    assert (await victim.receive_json_from(timeout=5))["type"] == "chat"
    session = await sync_to_async(_session)(call_sockets[0].pk)
    assert session.suspect_present_at is None and session.incident.grade == "priority"
    await officer_socket.disconnect()
    await victim.disconnect()


@socket_test
async def test_the_button_works_while_she_waits(sent):
    session, token = sent
    secret = await sync_to_async(lambda: video_session_join(token=token).browser_secret)()
    victim = await _connected(session.pk, "victim", victim_cookie(secret))

    await victim.send_json_to({"type": "later"})

    assert "video.ended" in await _until(victim, "video.ended")
    session = await sync_to_async(_session)(session.pk)
    assert session.suspect_present_by == BUTTON and session.incident.grade == "immediate"
    assert await sync_to_async(
        Alert.objects.filter(kind=Alert.Kind.SUSPECT_PRESENT).count)() == 1


# Her page's request beside the socket message (rvr/suspect_present_views.py).

def test_her_browser_may_send_it_by_http_too_once(sent, client):
    session, token = sent
    assert client.post(f"/v/{token}/join/").status_code == 200  # binds this browser

    first = client.post(f"/v/{token}/later/")
    second = client.post(f"/v/{token}/later/")

    assert (first.status_code, second.status_code) == (204, 204)
    session.refresh_from_db()
    assert session.suspect_present_by == BUTTON and session.status == VideoSession.Status.ENDED
    assert Alert.objects.filter(kind=Alert.Kind.SUSPECT_PRESENT).count() == 1


def test_a_press_before_her_join_answered_still_counts(sent, client):
    session, token = sent  # no join yet: no cookie to show

    assert client.post(f"/v/{token}/later/").status_code == 204

    session.refresh_from_db()
    assert session.suspect_present_by == BUTTON and session.status == VideoSession.Status.ENDED


def test_a_press_as_the_call_ends_still_logs_regrades_and_alerts(sent, client, officer):
    session, token = sent
    client.post(f"/v/{token}/join/")
    video_check_record(session_id=session.pk, result=CheckResult(30.0, 0.0, 800.0, "good"))
    video_session_accept(session=session, officer=officer)
    video_call_end(session_id=session.pk, by="officer", actor=officer)

    assert client.post(f"/v/{token}/later/").status_code == 204

    session = _session(session.pk)
    assert session.suspect_present_by == BUTTON and session.incident.grade == "immediate"
    assert Alert.objects.filter(kind=Alert.Kind.SUSPECT_PRESENT).count() == 1
