"""The insider looking for a reason to open a record: nothing a coordinator can post turns a
record they have no part in into one they may read unasked."""

from __future__ import annotations

import pytest

from contact_hub.staff.models import AccessEvent, Assignment
from tests.factories import triaged_message

pytestmark = pytest.mark.django_db


@pytest.fixture
def dealt_with(supervisor, staff_client):
    """A contact another member of staff closed long ago."""
    message = triaged_message(text="noise from next door again")
    staff_client(supervisor).post(f"/triage/contacts/{message.pk}/close/",
                                  {"reason": "neighbour dispute, passed to the council"})
    return message


def test_claiming_a_contact_dealt_with_gives_no_reason_to_open_her_record(
        dealt_with, coordinator, staff_client):
    client = staff_client(coordinator)

    client.post("/triage/claim/", {"item": f"message:{dealt_with.pk}"})
    page = client.get(f"/people/{dealt_with.conversation.person_id}/")

    assert page.status_code == 403
    assert not Assignment.objects.filter(staff=coordinator).exists()


def test_claiming_any_id_is_refused(coordinator, staff_client):
    response = staff_client(coordinator).post("/triage/claim/", {"item": "message:999999"},
                                              follow=True)

    assert "not waiting in the queue" in response.content.decode()
    assert not Assignment.objects.exists()


def test_closing_a_contact_again_gives_no_reason(dealt_with, coordinator, staff_client):
    client = staff_client(coordinator)

    closed = client.post(f"/triage/contacts/{dealt_with.pk}/close/",
                         {"reason": "closing it once more"})
    page = client.get(f"/people/{dealt_with.conversation.person_id}/thread/")

    assert closed.status_code == 403 and page.status_code == 403
    assert not Assignment.objects.filter(staff=coordinator).exists()
    assert not AccessEvent.objects.filter(actor=coordinator).exists()
