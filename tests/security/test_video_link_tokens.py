"""The insider and the tamperer against a victim's video link: a coordinator (or anyone else on
staff) who reads every page, and someone reading every database row, never find the token, so
no one can open the link before her and have her refused as a "second browser". Only the
transport is handed the link; the demo's outbox, which stands for her phone, may show it."""

from __future__ import annotations

import logging
from collections.abc import Iterator

import pytest
from django.apps import apps
from django.contrib import admin
from django.test import Client
from django.urls import reverse

from contact_hub.conversations.models import Message, OutboxEntry
from contact_hub.followups.models import FollowUp
from contact_hub.followups.tasks import followups_sweep
from contact_hub.incidents.models import LogEntry
from contact_hub.log_redaction import RedactingFormatter
from contact_hub.staff.models import AccessEvent, Assignment, Role, SecurityEvent, StaffUser
from rvr.links import (
    LINK_SHOWN,
    link_text,
    link_token,
    link_url,
    video_link_send,
    video_page_opened,
    video_session_join,
)
from rvr.models import VideoSession
from tests.factories import StaffFactory, assigned
from tests.rvr.conftest import TOKEN, in_memory_channel_layer  # noqa: F401 - autouse
from tests.security.staff_urls import body_of, staff_url_patterns, url_with

pytestmark = pytest.mark.django_db
HUB_NUMBER = "+447700900000"
def fragments(token: str) -> list[str]:
    """The token, and enough of either end of it to count as leaked."""
    return [token, token[:12], token[-12:]]


def admin_pages() -> Iterator[str]:
    """Every list and every record the admin offers, for the administrator."""
    for model in admin.site._registry:
        meta = model._meta
        yield reverse(f"admin:{meta.app_label}_{meta.model_name}_changelist")
        for pk in model._default_manager.values_list("pk", flat=True):
            yield reverse(f"admin:{meta.app_label}_{meta.model_name}_change", args=[pk])


def concrete(pattern: str, session: VideoSession) -> str:
    """The pattern with her case's records in it: the link's own text wherever a message is
    asked for, and any other id as 1 (a page about something else shows nothing of hers)."""
    return url_with(pattern, {
        "person_id": session.incident.person_id, "message_id": session.message_id,
        "reference": session.incident.reference, "session_id": session.pk,
        "assessment_id": session.assessment_id, "index": 0}, default=1)


def read(client: Client, url: str) -> str:
    return body_of(client, url)[1]


def every_row() -> str:
    """Every row of every table, as someone with the database (but not the hub's secret key)
    reads it."""
    return "\n".join(str(list(model._base_manager.values()))
                     for model in apps.get_models(include_auto_created=True))


def printed_by_the_hub(records: list[logging.LogRecord]) -> str:
    """The log lines as the hub's handlers print them."""
    handler = next(handler for handler in logging.getLogger().handlers
                   if isinstance(handler.formatter, RedactingFormatter))
    return "\n".join(handler.format(record) for record in records)


@pytest.fixture
def staff_on_her_case(sent, coordinator, officer, supervisor, standards,
                      administrator) -> dict[str, StaffUser]:
    """Everyone who might read her record, each with work on it, so every page opens for
    them: the coordinator who sent the link, another coordinator, an officer, a supervisor,
    professional standards and an administrator."""
    session, _ = sent
    readers = {"the sender": coordinator, "another coordinator": StaffFactory(
        role=Role.COORDINATOR), "an officer": officer, "a supervisor": supervisor,
        "professional standards": standards, "an administrator": administrator}
    for reader in readers.values():
        assigned(reader, session.incident.person, kind=Assignment.Kind.INCIDENT,
                 subject=f"incident:{session.incident.reference}")
    return readers


@pytest.mark.parametrize("reader", ["the sender", "another coordinator", "an officer",
                                    "a supervisor", "professional standards",
                                    "an administrator"])
def test_no_staff_page_shows_the_token_and_she_can_still_join(reader, sent, staff_on_her_case,
                                                              staff_client):
    session, token = sent
    staff = staff_on_her_case[reader]
    client = staff_client(staff)
    pages = [concrete(pattern, session) for pattern in staff_url_patterns()]
    if staff.role == Role.ADMINISTRATOR:
        pages += list(admin_pages())

    shown = {url: read(client, url) for url in pages}

    for url, body in shown.items():
        for fragment in [*fragments(token), session.link_nonce]:
            assert fragment not in body, f"{url} shows the link to {reader}"
        assert not TOKEN.search(body), f"{url} shows a link to {reader}"
    assert video_session_join(token=token).refusal is None


def test_the_thread_shows_video_link_where_the_link_went(sent, coordinator, staff_client):
    session, token = sent

    page = read(staff_client(coordinator), f"/people/{session.incident.person_id}/thread/")

    assert link_text(LINK_SHOWN) in page.replace("\n", " ")
    assert token not in page


@pytest.fixture
def sms_via_twilio(settings, twilio):
    """Texts go out through Twilio's real SDK; only its HTTP layer is replaced."""
    settings.HUB_TEXT_BACKEND = ""
    settings.TWILIO_SMS_NUMBERS = [HUB_NUMBER]
    settings.HUB_FOLLOWUP_GRACE_SECONDS = 0  # the sweeper may re-send at once
    return twilio


def link_sent(assessment, coordinator, capture) -> VideoSession:
    with capture(execute=True):
        return video_link_send(assessment=assessment, actor=coordinator)


def token_in(body: str) -> str:
    return TOKEN.search(body).group(1)


def test_twilio_is_handed_the_real_link_while_the_stored_text_has_none(
        sms_via_twilio, assessment, coordinator, django_capture_on_commit_callbacks):
    session = link_sent(assessment, coordinator, django_capture_on_commit_callbacks)

    body = sms_via_twilio.requests[0].data["Body"]
    token = token_in(body)
    assert body == link_text(link_url(token)) == link_text(link_url(link_token(
        session.link_nonce)))
    assert Message.objects.get(pk=session.message_id).text == link_text(LINK_SHOWN)
    assert video_session_join(token=token).refusal is None


def test_a_retry_after_a_provider_failure_sends_the_same_working_link(
        sms_via_twilio, assessment, coordinator, django_capture_on_commit_callbacks):
    sms_via_twilio.replies.append((503, {"code": 20500, "message": "Service unavailable",
                                         "status": 503}))
    session = link_sent(assessment, coordinator, django_capture_on_commit_callbacks)
    assert Message.objects.get(pk=session.message_id).status == "queued"

    followups_sweep()

    failed, retried = (request.data["Body"] for request in sms_via_twilio.requests)
    assert retried == failed and LINK_SHOWN not in retried
    assert Message.objects.get(pk=session.message_id).status == "sent"
    assert video_session_join(token=token_in(retried)).refusal is None


def test_no_database_row_and_no_log_line_holds_the_token(
        sms_via_twilio, assessment, coordinator, staff_client, caplog,
        django_capture_on_commit_callbacks):
    """Her link's whole life: a provider failure and the sweeper's retry, the coordinator
    reading her pages, the victim opening and joining, a second browser refused. The hub's
    own code never logs the token; what frameworks log of the victim's requests (her link's
    path) is printed redacted."""
    caplog.set_level(logging.DEBUG)
    sms_via_twilio.replies.append((503, {"code": 20500, "message": "Service unavailable",
                                         "status": 503}))
    session = link_sent(assessment, coordinator, django_capture_on_commit_callbacks)
    followups_sweep()
    token = token_in(sms_via_twilio.requests[-1].data["Body"])
    assigned(coordinator, session.incident.person, kind=Assignment.Kind.INCIDENT,
             subject=f"incident:{session.incident.reference}")
    client = staff_client(coordinator)
    for page in (f"/people/{session.incident.person_id}/", f"/people/"
                 f"{session.incident.person_id}/thread/",
                 f"/incidents/{session.incident.reference}/",
                 f"/rvr/incidents/{session.incident.reference}/check/"):
        read(client, page)
    logged_by_the_hub = "\n".join(record.getMessage() + (record.exc_text or "")
                                  for record in caplog.records)
    video_page_opened(token=token)
    Client().post(f"/v/{token}/join/")
    Client().post(f"/v/{token}/join/")  # another browser: refused

    rows = every_row()

    printed = printed_by_the_hub(caplog.records)
    for fragment in fragments(token):
        assert fragment not in rows
        assert fragment not in logged_by_the_hub
        assert fragment not in printed
    # The records an insider would look in first were really written, and read above.
    assert LINK_SHOWN in rows
    assert FollowUp.objects.filter(task_name="followups.message_deliver").get().payload == {
        "message_id": session.message_id}
    assert LogEntry.objects.filter(kind="video.second_browser_refused").exists()
    assert SecurityEvent.objects.filter(kind="video_link_second_browser").exists()
    assert AccessEvent.objects.filter(actor=coordinator).count() >= 4
    assert not OutboxEntry.objects.exists()  # only the demo's backend writes an outbox


def test_the_demo_outbox_stands_for_her_phone_and_shows_the_link(
        settings, assessment, coordinator, staff_client, django_capture_on_commit_callbacks):
    settings.HUB_TEXT_BACKEND = "contact_hub.conversations.sending.OutboxBackend"
    session = link_sent(assessment, coordinator, django_capture_on_commit_callbacks)
    client = staff_client(coordinator)

    outbox = read(client, "/contacts/outbox/")
    thread = read(client, f"/people/{session.incident.person_id}/thread/")

    token = token_in(OutboxEntry.objects.get().body)
    assert link_url(token) in outbox
    assert token not in thread
    assert video_session_join(token=token).refusal is None


def test_the_outbox_shows_nothing_once_texts_go_through_a_real_provider(
        settings, sms_via_twilio, assessment, coordinator, staff_client,
        django_capture_on_commit_callbacks):
    settings.HUB_TEXT_BACKEND = "contact_hub.conversations.sending.OutboxBackend"
    link_sent(assessment, coordinator, django_capture_on_commit_callbacks)
    settings.HUB_TEXT_BACKEND = ""

    outbox = read(staff_client(coordinator), "/contacts/outbox/")

    token = token_in(OutboxEntry.objects.get().body)
    assert token not in outbox and "there is no demo outbox" in outbox


@pytest.mark.parametrize("role", [Role.RVR_OFFICER, Role.PROFESSIONAL_STANDARDS])
def test_roles_that_send_no_texts_cannot_open_the_demo_outbox(
        role, settings, assessment, coordinator, staff_client,
        django_capture_on_commit_callbacks):
    settings.HUB_TEXT_BACKEND = "contact_hub.conversations.sending.OutboxBackend"
    link_sent(assessment, coordinator, django_capture_on_commit_callbacks)

    response = staff_client(StaffFactory(role=role)).get("/contacts/outbox/")

    assert response.status_code == 403
    assert token_in(OutboxEntry.objects.get().body) not in response.content.decode()

