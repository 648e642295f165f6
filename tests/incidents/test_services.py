from __future__ import annotations

from datetime import timedelta

import pytest

from contact_hub.incidents.models import Incident
from contact_hub.incidents.services import (
    IncidentRefused,
    incident_assign,
    incident_close,
    incident_grade,
    incident_open,
    incident_video_call_accept,
)

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


def test_a_diverted_incident_keeps_its_place_and_alerts_a_supervisor(incident, coordinator):
    from contact_hub.incidents.models import Alert
    from contact_hub.incidents.services import incident_assign, incident_divert

    incident_assign(incident=incident, unit="alpha-21", actor=coordinator)
    incident_divert(incident=incident, actor=coordinator, reason="sent to a grade 1 RTC")

    incident.refresh_from_db()
    assert (incident.status, incident.assigned_unit) == ("diverted", "ALPHA-21")
    assert incident.target_at is not None and incident.closed_at is None
    assert incident.log.last().data == {"unit": "ALPHA-21", "reason": "sent to a grade 1 RTC"}
    assert Alert.objects.get().kind == "diverted"


def test_only_a_supervisor_clears_a_diversion(incident, coordinator, supervisor):
    from contact_hub.incidents.services import (
        incident_assign,
        incident_diversion_review,
        incident_divert,
    )

    incident_assign(incident=incident, unit="ALPHA-21", actor=coordinator)
    incident_divert(incident=incident, actor=coordinator, reason="higher graded call")

    with pytest.raises(IncidentRefused, match="supervisor"):
        incident_assign(incident=incident, unit="BRAVO-3", actor=coordinator)
    with pytest.raises(IncidentRefused, match="supervisor"):
        incident_diversion_review(incident=incident, actor=coordinator,
                                  reason="no units free right now")
    incident_assign(incident=incident, unit="BRAVO-3", actor=supervisor)

    assert incident.log.last().kind == "unit.reassigned"
    assert incident.status == "assigned"


def test_a_supervisor_records_why_a_diverted_incident_is_not_reassigned(incident, coordinator,
                                                                         supervisor):
    from contact_hub.incidents.services import (
        incident_assign,
        incident_diversion_review,
        incident_divert,
    )

    incident_assign(incident=incident, unit="ALPHA-21", actor=coordinator)
    incident_divert(incident=incident, actor=coordinator, reason="higher graded call")
    incident_diversion_review(incident=incident, actor=supervisor,
                              reason="no units free; BRAVO-3 takes it when clear")

    assert incident.status == "open"
    assert incident.log.last().data["not_reassigned_because"].startswith("no units free")


def test_an_unknown_opening_code_is_refused(coordinator):
    with pytest.raises(IncidentRefused, match="Unknown opening code"):
        incident_open(opening_code="NOT-A-CODE", grade="priority", actor=coordinator)


def test_flags_are_added_once_and_removed_with_a_reason(incident, coordinator):
    from contact_hub.incidents.services import incident_flag_add, incident_flag_remove

    assert incident_flag_add(incident=incident, kind="self_harm", actor=coordinator,
                             reason="said she took pills")
    assert not incident_flag_add(incident=incident, kind="self_harm", actor=coordinator)
    with pytest.raises(IncidentRefused):
        incident_flag_remove(incident=incident, kind="self_harm", actor=coordinator, reason="")
    assert incident_flag_remove(incident=incident, kind="self_harm", actor=coordinator,
                                reason="misread: it was her mother")

    incident.refresh_from_db()
    assert "self_harm" not in incident.flags
    assert [e.kind for e in incident.log.order_by("seq")][-2:] == ["flag.added", "flag.removed"]


def test_a_regrade_with_redispatch_puts_it_back_on_the_dispatch_list(incident, coordinator):
    incident_video_call_accept(incident=incident, officer=coordinator, session_id=1)

    incident_grade(incident=incident, grade="immediate", actor=None, reason="suspect back",
                   redispatch=True)

    incident.refresh_from_db()
    assert incident.grade == "immediate"
    assert incident.status == Incident.Status.OPEN and incident.assigned_to is None
    entry = incident.log.get(kind="incident.graded")
    assert entry.actor is None and entry.data["next"] == "back on the dispatch list"


def test_a_regrade_with_redispatch_keeps_a_unit_already_on_its_way(incident, coordinator):
    incident_assign(incident=incident, unit="ALPHA-21", actor=coordinator, officer=coordinator)

    incident_grade(incident=incident, grade="immediate", actor=None, reason="suspect back",
                   redispatch=True)

    incident.refresh_from_db()
    assert incident.grade == "immediate" and incident.status == Incident.Status.ASSIGNED
    assert incident.assigned_unit == "ALPHA-21" and incident.assigned_to == coordinator
    entry = incident.log.get(kind="incident.graded")
    assert entry.data["next"] == "unit ALPHA-21 stays assigned"


def test_a_regrade_alone_leaves_whoever_holds_it(incident, coordinator):
    incident_assign(incident=incident, unit="ALPHA-21", actor=coordinator)

    incident_grade(incident=incident, grade="immediate", actor=coordinator)

    incident.refresh_from_db()
    assert incident.status == Incident.Status.ASSIGNED
    assert "next" not in incident.log.get(kind="incident.graded").data
