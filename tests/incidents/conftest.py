from __future__ import annotations

import pytest

from contact_hub.incidents.log import log_append
from contact_hub.incidents.models import Incident
from contact_hub.incidents.services import incident_open
from contact_hub.staff.models import StaffUser
from tests.factories import received_message


@pytest.fixture
def incident(coordinator: StaffUser) -> Incident:
    """A domestic abuse incident with four log entries: opened, contact linked, two notes."""
    incident = incident_open(opening_code="domestic", grade="priority", actor=coordinator,
                             message=received_message(text="he came back"),
                             thrive={"threat": "ex-partner at the door"})
    log_append(incident, "note.added", {"note": "victim asked for a call after 6pm"},
               actor=coordinator)
    log_append(incident, "note.added", {"note": "called back, no answer"}, actor=coordinator)
    return incident
