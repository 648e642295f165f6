"""The insider named in an allegation, on the dashboard: an alert about the incident opened from
it (its reference, its target) would tell them it exists, so they are never shown one, nor
allowed to acknowledge it by id."""

from __future__ import annotations

import pytest

from contact_hub.conversations.models import MessageExclusion
from contact_hub.incidents.alerts import alert_raise
from contact_hub.incidents.models import Alert
from contact_hub.incidents.services import incident_open
from contact_hub.staff.models import Role
from tests.factories import StaffFactory, received_message

pytestmark = pytest.mark.django_db


@pytest.fixture
def alert_on_her_incident(coordinator) -> Alert:
    message = received_message(text="The officer who came round keeps texting me")
    incident = incident_open(opening_code="DOMESTIC", grade="priority", actor=coordinator,
                             message=message)
    return alert_raise(kind=Alert.Kind.ESCALATION, for_role=Role.SUPERVISOR,
                       incident_id=incident.pk, detail={"point": "half"})


def _named_in(alert: Alert):
    named = StaffFactory(role=Role.SUPERVISOR)
    MessageExclusion.objects.create(message=alert.incident.contacts.get().message, staff=named,
                                    basis=MessageExclusion.Basis.NAMED, how="named in the text")
    return named


def test_a_supervisor_named_in_the_allegation_is_not_shown_its_incident_s_alert(
        alert_on_her_incident, staff_client):
    named = _named_in(alert_on_her_incident)
    colleague = StaffFactory(role=Role.SUPERVISOR)
    reference = alert_on_her_incident.incident.reference

    theirs = staff_client(named).get("/triage/queue/").content.decode()
    others = staff_client(colleague).get("/triage/queue/").content.decode()

    assert reference not in theirs
    assert f'data-alert-id="{alert_on_her_incident.pk}"' not in theirs
    assert reference in others


def test_they_cannot_acknowledge_it_by_id_and_are_answered_as_for_one_that_is_not_there(
        alert_on_her_incident, staff_client):
    client = staff_client(_named_in(alert_on_her_incident))

    hidden = client.post(f"/triage/alerts/{alert_on_her_incident.pk}/acknowledge/")
    missing = client.post("/triage/alerts/999999/acknowledge/")

    assert hidden.status_code == missing.status_code == 404
    alert_on_her_incident.refresh_from_db()
    assert alert_on_her_incident.acknowledged_at is None
