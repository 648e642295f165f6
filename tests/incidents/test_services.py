from __future__ import annotations

from datetime import timedelta

import pytest

from contact_hub.incidents.services import IncidentRefused, incident_close, incident_open

pytestmark = pytest.mark.django_db


def test_opening_sets_reference_target_and_first_log_entry(coordinator):
    incident = incident_open(opening_code="domestic", grade="priority", actor=coordinator,
                             thrive={"risk": "high", "not_a_field": "ignored"})

    assert incident.reference.startswith("INC-")
    assert incident.opening_code == "DOMESTIC"
    assert incident.target_at - incident.created_at == pytest.approx(timedelta(minutes=60),
                                                                     abs=timedelta(seconds=2))
    assert incident.risk == "high"
    opened = incident.log.get()
    assert opened.kind == "incident.opened"
    assert opened.data["thrive"] == {"risk": "high"}


def test_a_grade_without_deployment_has_no_target(coordinator):
    incident = incident_open(opening_code="ASB", grade="resolved", actor=coordinator)

    assert incident.target_at is None


def test_an_unknown_grade_is_refused(coordinator):
    with pytest.raises(IncidentRefused, match="Unknown grade"):
        incident_open(opening_code="ASB", grade="whenever", actor=coordinator)


def test_linking_a_contact_twice_logs_it_once(incident, coordinator):
    from contact_hub.incidents.services import incident_contact_link

    message = incident.contacts.get().message
    incident_contact_link(incident=incident, message=message, actor=coordinator)

    assert incident.log.filter(kind="contact.linked").count() == 1


def test_closing_needs_a_reason_and_is_logged(incident, supervisor):
    with pytest.raises(IncidentRefused, match="why"):
        incident_close(incident=incident, reason=" ", actor=supervisor)

    incident_close(incident=incident, reason="resolved by video call", actor=supervisor)

    assert incident.status == "closed"
    assert incident.log.last().data == {"reason": "resolved by video call"}
    with pytest.raises(IncidentRefused, match="already closed"):
        incident_close(incident=incident, reason="again please", actor=supervisor)
