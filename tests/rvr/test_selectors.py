"""The supervisor's figures: contact-to-officer time and the uptake of RVR."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from contact_hub.incidents.models import IncidentContact
from rvr.eligibility import rvr_check_record, rvr_consent_record
from rvr.models import VideoSession
from rvr.selectors import rvr_figures
from tests.rvr.conftest import ALL_YES, da_incident

pytestmark = pytest.mark.django_db
NOON = datetime(2026, 11, 23, 12, 0, tzinfo=UTC)


def _connected_after(coordinator, minutes: float) -> None:
    """A call whose officer connected `minutes` after the victim's first contact."""
    incident = da_incident(coordinator)
    contact = IncidentContact.objects.get(incident=incident).message
    type(contact).objects.filter(pk=contact.pk).update(created_at=NOON)
    checked = rvr_check_record(incident=incident, answers=ALL_YES, actor=coordinator)
    VideoSession.objects.create(
        incident=incident, assessment=checked, token_hash=f"{incident.pk:064d}",
        expires_at=NOON, channel="sms", sent_by=coordinator, link_sent_at=NOON,
        officer_connected_at=NOON + timedelta(minutes=minutes))


def test_median_and_90th_percentile_of_contact_to_officer(coordinator):
    for minutes in [2, 3, 3, 4, 5, 6, 8, 10, 30, 45]:
        _connected_after(coordinator, minutes)

    figures = rvr_figures(since=NOON - timedelta(days=1), until=NOON + timedelta(days=1))

    assert (figures.calls, figures.median_minutes, figures.p90_minutes) == (10, 5.5, 30.0)


def test_uptake_is_the_share_of_eligible_victims_who_chose_rvr(coordinator):
    for consent in (True, True, False):
        incident = da_incident(coordinator)
        checked = rvr_check_record(incident=incident, answers=ALL_YES, actor=coordinator)
        rvr_consent_record(assessment=checked, consent=consent, actor=coordinator)
    rvr_check_record(incident=da_incident(coordinator), answers=ALL_YES | {"device": False},
                     actor=coordinator)
    now = datetime.now(tz=UTC)

    figures = rvr_figures(since=now - timedelta(days=1), until=now + timedelta(days=1))

    assert (figures.eligible, figures.took_up, figures.uptake_pct) == (3, 2, 66.7)
