"""Video links: a neutral text by the safe channel, an unguessable token stored only as a hash,
and a text stored without it (the transport alone is handed the link, rebuilt at each attempt);
revocable, re-issuable, expiring, consumed once by one browser."""

from __future__ import annotations

import importlib
import secrets
from datetime import timedelta

import pytest
from django.apps import apps
from django.utils import timezone

from contact_hub.conversations.models import DeliveryStatus, Message
from contact_hub.conversations.neutral import neutral_text_problems
from contact_hub.conversations.sending import MemoryBackend
from contact_hub.conversations.services import message_release, message_send
from contact_hub.people.models import SafeContactPlan
from contact_hub.staff.models import AccessEvent, Role
from rvr.eligibility import RvrRefused, rvr_check_record
from rvr.links import (
    LINK_SHOWN,
    link_text,
    link_token,
    link_url,
    secret_hash,
    video_link_revoke,
    video_link_send,
    video_links_expire,
    video_page_opened,
    video_session_join,
)
from rvr.models import VideoSession
from tests.factories import StaffFactory, safe_hours_away_from_now
from tests.rvr.conftest import ALL_YES, log_kinds, sent_token

pytestmark = pytest.mark.django_db


def test_the_text_is_neutral_and_carries_the_link(sent):
    session, token = sent
    text = MemoryBackend.sent[-1]

    assert link_url(token) in text.body
    assert neutral_text_problems(text.body.replace(link_url(token), "")) == []
    assert "police" not in text.body.lower() and session.incident.reference not in text.body
    assert text.channel == "sms"


def test_the_token_has_at_least_128_bits_and_only_its_hash_is_stored(sent):
    session, token = sent

    assert len(token) >= 43  # 32 random bytes, base64
    session.refresh_from_db()
    assert session.token_hash == secret_hash(token)
    stored = str(list(VideoSession.objects.values().get(pk=session.pk).values()))
    assert token not in stored
    assert token not in str(list(session.incident.log.values_list("data", flat=True)))


def test_the_stored_text_reads_video_link_where_the_link_went(sent):
    session, token = sent

    message = Message.objects.get(pk=session.message_id)
    assert message.text == link_text(LINK_SHOWN)
    assert "[video link]" in message.text and "/v/" not in message.text
    assert MemoryBackend.sent[-1].body == link_text(link_url(token))


def test_the_token_is_derived_from_the_sessions_nonce_with_the_secret_key(sent, settings):
    session, token = sent

    assert session.link_nonce and session.link_nonce != token
    assert token == link_token(session.link_nonce)
    assert link_token(session.link_nonce, key="another hub's key") != token


def test_a_link_queued_before_the_key_was_rotated_still_reaches_her_working(
        assessment, coordinator, settings, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks() as queued:
        session = video_link_send(assessment=assessment, actor=coordinator)
    settings.SECRET_KEY_FALLBACKS = [settings.SECRET_KEY]
    settings.SECRET_KEY = "the key after rotation " + "k" * 30

    for send in queued:
        send()

    assert video_session_join(token=sent_token()).session == session


def test_a_link_that_can_no_longer_be_rebuilt_fails_rather_than_send_words_without_it(
        assessment, coordinator, settings, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks() as queued:
        session = video_link_send(assessment=assessment, actor=coordinator)
    settings.SECRET_KEY = "a key the link was never made with " + "k" * 20

    for send in queued:
        send()

    message = Message.objects.get(pk=session.message_id)
    assert (message.status, message.error_code) == (DeliveryStatus.FAILED,
                                                     "video link cannot be rebuilt")
    assert MemoryBackend.sent == []


def test_a_staff_text_that_names_a_video_link_is_sent_as_written(
        assessment, coordinator, django_capture_on_commit_callbacks):
    conversation = assessment.incident.person.conversations.get()

    with django_capture_on_commit_callbacks(execute=True):
        message_send(conversation=conversation, actor=coordinator,
                     body=f"Did the {LINK_SHOWN} arrive?")

    assert MemoryBackend.sent[-1].body == "Did the [video link] arrive?"


def _sent_the_old_way(assessment, coordinator, *, status: str) -> tuple[Message, str]:
    """A link from before tokens were derived: a random token, and the link in the text."""
    token = secrets.token_urlsafe(32)
    conversation = assessment.incident.person.conversations.get()
    message = Message.objects.create(
        conversation=conversation, direction=Message.Direction.OUTBOUND, channel="sms",
        provider="pending", text=link_text(link_url(token)), status=status, sent_by=coordinator)
    VideoSession.objects.create(
        incident=assessment.incident, assessment=assessment, token_hash=secret_hash(token),
        expires_at=timezone.now() + timedelta(minutes=30), channel="sms", sent_by=coordinator,
        link_sent_at=timezone.now(), message=message)
    return message, token


def _old_links_hidden() -> None:
    migration = importlib.import_module("rvr.migrations.0002_video_link_nonce")
    migration.links_hidden(apps, None)


def test_the_migration_takes_the_tokens_out_of_links_already_sent(assessment, coordinator):
    message, token = _sent_the_old_way(assessment, coordinator, status=DeliveryStatus.SENT)

    _old_links_hidden()

    message.refresh_from_db()
    assert message.text == link_text(LINK_SHOWN) and token not in message.text


def test_an_old_link_still_waiting_to_be_sent_keeps_its_link_and_is_sent_working(
        assessment, coordinator, django_capture_on_commit_callbacks):
    message, token = _sent_the_old_way(assessment, coordinator, status=DeliveryStatus.HELD)
    _old_links_hidden()

    with django_capture_on_commit_callbacks(execute=True):
        message_release(message=message, actor=StaffFactory(role=Role.SUPERVISOR),
                        reason="she asked for the link now, on the phone")

    assert sent_token() == token
    assert video_session_join(token=token).refusal is None


def test_the_link_send_is_logged_with_its_expiry(sent, settings):
    session, _ = sent

    entry = session.incident.log.get(kind="video.link_sent")
    assert entry.data["session_id"] == session.pk and entry.data["channel"] == "sms"
    assert session.expires_at - session.link_sent_at == timedelta(
        minutes=settings.RVR_LINK_MINUTES)


def test_sending_a_link_is_in_the_access_log(sent, coordinator):
    session, _ = sent

    access = AccessEvent.objects.get()
    assert (access.actor, access.action, access.what, access.person_id) == (
        coordinator, AccessEvent.Action.CHANGE, f"video link {session.pk}",
        session.incident.person_id)


def test_a_link_is_refused_before_the_victim_chose_rvr(incident, coordinator):
    checked = rvr_check_record(incident=incident, answers=ALL_YES, actor=coordinator)

    with pytest.raises(RvrRefused, match="chosen RVR"):
        video_link_send(assessment=checked, actor=coordinator)
    assert MemoryBackend.sent == []
    assert not AccessEvent.objects.exists()


def test_a_link_the_safe_contact_plan_refuses_leaves_no_access_record(assessment,
                                                                      coordinator):
    SafeContactPlan.objects.create(person=assessment.incident.person, channels=["whatsapp"])

    with pytest.raises(RvrRefused):
        video_link_send(assessment=assessment, actor=coordinator, channel="sms")
    assert not AccessEvent.objects.exists() and not VideoSession.objects.exists()


def test_the_link_goes_by_a_channel_the_safe_contact_plan_allows(assessment, coordinator):
    person = assessment.incident.person
    SafeContactPlan.objects.create(person=person, channels=["whatsapp"])

    with pytest.raises(RvrRefused, match="does not allow sms"):
        video_link_send(assessment=assessment, actor=coordinator, channel="sms")


def test_no_link_is_sent_outside_the_safe_hours(assessment, coordinator):
    now = timezone.now()
    safe_from, safe_until = safe_hours_away_from_now()
    SafeContactPlan.objects.create(person=assessment.incident.person, safe_from=safe_from,
                                   safe_until=safe_until)

    with pytest.raises(RvrRefused, match="Outside the safe hours"):
        video_link_send(assessment=assessment, actor=coordinator, now=now)
    assert not VideoSession.objects.exists()


def test_a_link_text_that_is_not_neutral_is_refused(assessment, coordinator, settings):
    settings.RVR_LINK_TEXT = "Police video call: {link}"

    with pytest.raises(RvrRefused, match="not neutral"):
        video_link_send(assessment=assessment, actor=coordinator)


def test_a_new_link_revokes_the_earlier_one(sent, assessment, coordinator,
                                            django_capture_on_commit_callbacks):
    first, first_token = sent
    with django_capture_on_commit_callbacks(execute=True):
        second = video_link_send(assessment=assessment, actor=coordinator)

    first.refresh_from_db()
    assert first.status == VideoSession.Status.REVOKED
    assert video_session_join(token=first_token).refusal == "revoked"
    assert video_session_join(token=sent_token()).session == second


def test_a_revoked_link_cannot_be_joined(sent, coordinator):
    session, token = sent

    video_link_revoke(session=session, actor=coordinator)

    assert video_session_join(token=token).refusal == "revoked"
    assert "video.link_revoked" in log_kinds(session.incident)


def test_an_expired_link_cannot_be_joined(sent):
    session, token = sent

    result = video_session_join(token=token, now=session.expires_at + timedelta(seconds=1))

    assert result.refusal == "expired"
    session.refresh_from_db()
    assert session.status == VideoSession.Status.EXPIRED
    assert "video.link_expired" in log_kinds(session.incident)


def test_the_sweep_expires_links_nobody_joined(sent):
    session, _ = sent

    assert video_links_expire(now=session.expires_at - timedelta(seconds=1)) == 0
    assert video_links_expire(now=session.expires_at + timedelta(seconds=1)) == 1
    session.refresh_from_db()
    assert session.status == VideoSession.Status.EXPIRED


def test_an_unknown_token_is_refused():
    assert video_session_join(token="not-a-real-token-" + "x" * 30).refusal == "unknown"


def test_joining_binds_the_session_to_the_browser(sent):
    session, token = sent

    joined = video_session_join(token=token)

    session.refresh_from_db()
    assert joined.browser_secret and session.browser_hash == secret_hash(joined.browser_secret)
    assert session.status == VideoSession.Status.JOINED and session.joined_at is not None
    assert "video.session_joined" in log_kinds(session.incident)


def test_the_same_browser_may_join_again(sent):
    _, token = sent
    first = video_session_join(token=token)

    again = video_session_join(token=token, browser_secret=first.browser_secret)

    assert again.refusal is None and again.browser_secret == ""


def test_a_second_browser_is_refused_and_logged(sent):
    session, token = sent
    video_session_join(token=token)

    second = video_session_join(token=token, browser_secret="someone-elses-cookie")

    assert second.refusal == "second_browser"
    assert "video.second_browser_refused" in log_kinds(session.incident)


def test_opening_is_recorded_once_and_consumes_nothing(sent):
    session, token = sent

    video_page_opened(token=token)
    video_page_opened(token=token)

    session.refresh_from_db()
    assert session.opened_at is not None and session.status == VideoSession.Status.LINK_SENT
    assert log_kinds(session.incident).count("video.page_opened") == 1
