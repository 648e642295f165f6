"""The incident page: the whole log as a timeline, state, countdown, and the actions the
viewer's role allows."""

from __future__ import annotations

import pytest

from contact_hub.incidents.models import Incident
from contact_hub.staff.models import AccessEvent

pytestmark = pytest.mark.django_db


def _page(client, incident) -> str:
    return client.get(f"/incidents/{incident.reference}/").content.decode()


def test_the_page_shows_every_log_entry_in_order_with_the_countdown(incident, coordinator,
                                                                   staff_client):
    page = _page(staff_client(coordinator), incident)

    assert page.index("Incident opened") < page.index("Contact linked") < page.index(
        "victim asked for a call after 6pm") < page.index("called back, no answer")
    assert 'class="countdown"' in page
    assert "Log verified: 4 entries, unbroken." in page


def test_a_coordinator_assigns_and_diverts_and_the_supervisor_decides(
        incident, coordinator, supervisor, staff_client):
    coordinator_client = staff_client(coordinator)
    coordinator_client.post(f"/incidents/{incident.reference}/assign/", {"unit": "alpha-21"})
    coordinator_client.post(f"/incidents/{incident.reference}/divert/",
                            {"reason": "grade 1 RTC on the A2"})

    coordinator_page = _page(coordinator_client, incident)
    supervisor_page = _page(staff_client(supervisor), incident)

    assert "Diverted" in coordinator_page and "Record decision" not in coordinator_page
    assert "Record decision" in supervisor_page and "Re-assign to unit" in supervisor_page
    staff_client(supervisor).post(f"/incidents/{incident.reference}/diversion-review/",
                                  {"reason": "no units; BRAVO-3 when clear"})
    incident.refresh_from_db()
    assert incident.status == Incident.Status.OPEN
    assert "Diversion reviewed: not re-assigned" in _page(coordinator_client, incident)


def test_professional_standards_read_the_incident_but_have_no_actions(incident, standards,
                                                                      staff_client):
    client = staff_client(standards)
    client.post(f"/people/{incident.person_id}/look/", {"reason": "dip check of the log"})

    page = _page(client, incident)

    assert "Incident opened" in page and "<h2>Actions</h2>" not in page
    assert client.post(f"/incidents/{incident.reference}/close/",
                       {"reason": "nope"}).status_code == 403


def test_regrading_from_the_page_restarts_the_countdown(incident, coordinator, staff_client):
    old_target = incident.target_at

    staff_client(coordinator).post(f"/incidents/{incident.reference}/grade/",
                                   {"grade": "immediate", "reason": "he is back"})

    incident.refresh_from_db()
    assert incident.grade == "immediate" and incident.target_at < old_target


def test_the_open_incidents_list_records_one_look_naming_the_people_shown(
        incident, coordinator, staff_client):
    page = staff_client(coordinator).get("/incidents/").content.decode()

    assert incident.reference in page
    event = AccessEvent.objects.get(what="open incidents list")
    assert list(event.people.all()) == [incident.person]


def test_an_officer_with_no_part_in_the_incident_is_asked_why(incident, officer, staff_client):
    response = staff_client(officer).get(f"/incidents/{incident.reference}/")

    assert response.status_code == 403
    assert "Why are you opening this record?" in response.content.decode()
    assert "Incident opened" not in response.content.decode()
