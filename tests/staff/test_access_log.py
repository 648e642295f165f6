"""The access log page for professional standards, and what the log may never hold."""

from __future__ import annotations

import logging

import pytest

from contact_hub.log_redaction import RedactFilter
from contact_hub.staff.models import AccessEvent, SecurityEvent
from tests.factories import received_message

pytestmark = pytest.mark.django_db

CANARY_NUMBER = "+447700900999"
CANARY_NATIONAL = "07700 900999"
CANARY_TEXT = "canary-message-text-5d1e"


def test_professional_standards_see_who_looked_at_whom_and_why(
        coordinator, standards, staff_client):
    person = received_message().conversation.person
    staff_client(coordinator).get(f"/people/{person.pk}/?why=triage")

    page = staff_client(standards).get("/staff/access-log/").content.decode()

    assert "casey (Coordinator)" in page
    assert "triage of a new contact" in page
    assert f"Person {person.pk}" in page


def test_the_access_log_is_empty_at_first(standards, staff_client):
    page = staff_client(standards).get("/staff/access-log/").content.decode()

    assert "No access has been recorded yet." in page


def test_a_victims_number_and_words_never_reach_logs_or_the_access_trail(
        caplog, coordinator, supervisor, staff_client, django_capture_on_commit_callbacks):
    caplog.set_level(logging.DEBUG)
    with django_capture_on_commit_callbacks(execute=True):
        person = received_message(sender=CANARY_NATIONAL,
                                  text=CANARY_TEXT).conversation.person
    coordinator_client = staff_client(coordinator)
    with django_capture_on_commit_callbacks(execute=True):
        coordinator_client.get(f"/people/{person.pk}/")
        coordinator_client.post(f"/people/{person.pk}/reply/", {"body": CANARY_TEXT})
        coordinator_client.post(f"/people/{person.pk}/reveal/", {"reason": "x" * 20})
        staff_client(supervisor).post(f"/people/{person.pk}/reveal/",
                                      {"reason": "referral to the local IDVA service"})
    logging.getLogger("contact_hub.test").info("about to call %s", CANARY_NUMBER)

    handler = _configured_handler()
    handler_output = "\n".join(handler.format(r) for r in caplog.records
                               if all(f.filter(r) for f in handler.filters))
    trail = [str(v) for e in AccessEvent.objects.all()
             for v in (e.what, e.why, e.person_id)]
    trail += [f"{e.path} {e.detail}" for e in SecurityEvent.objects.all()]
    everything = handler_output + "\n".join(trail)
    assert AccessEvent.objects.count() >= 3
    for canary in (CANARY_NUMBER, "7700900999", CANARY_NATIONAL, CANARY_TEXT):
        assert canary not in everything


def _configured_handler() -> logging.Handler:
    """The console handler from settings.LOGGING, whose filters run on every real log line."""
    return next(h for h in logging.getLogger().handlers
                if any(isinstance(f, RedactFilter) for f in h.filters))
