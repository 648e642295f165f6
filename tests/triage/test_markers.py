"""Markers: they raise the suggested grade while they last; before one lapses the officer
responsible is prompted; the decision is recorded; the victim is told through their channel."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from contact_hub.conversations.models import Message
from contact_hub.incidents.models import Alert
from contact_hub.triage.markers import MarkerRefused, marker_decide, marker_set, markers_sweep
from contact_hub.triage.models import ContactTriage, Marker
from tests.factories import triaged_message

pytestmark = pytest.mark.django_db
DAY = timedelta(days=1)


@pytest.fixture
def victim_message():
    return triaged_message(sender="+447700900610", text="Can someone call me about the fence")


@pytest.fixture
def marac(victim_message, coordinator, officer):
    return marker_set(person=victim_message.conversation.person, kind="marac",
                      expires_at=timezone.now() + 90 * DAY, officer=officer, actor=coordinator,
                      note="MARAC 12 Nov: high risk")


def _texts_to(person) -> list[str]:
    return list(Message.objects.filter(conversation__person=person, direction="out")
                .order_by("pk").values_list("text", flat=True))


def test_a_marker_raises_the_suggested_grade_of_waiting_contacts(victim_message, marac):
    triage = ContactTriage.objects.get(message=victim_message)

    assert triage.suggested_grade == "priority"
    assert triage.risk == 40


def test_a_special_scheme_raises_a_new_contact_to_immediate(victim_message, coordinator,
                                                             officer):
    person = victim_message.conversation.person
    marker_set(person=person, kind="special_scheme", expires_at=timezone.now() + 30 * DAY,
               officer=officer, actor=coordinator, address="Flat 2, 10 Elm Road")

    later = triaged_message(sender="+447700900610", text="someone is buzzing at my door")

    assert ContactTriage.objects.get(message=later).suggested_grade == "immediate"


def test_the_victim_is_told_when_a_marker_is_set_in_neutral_words(victim_message, marac):
    [text] = _texts_to(victim_message.conversation.person)

    assert "arrangement" in text and marac.expires_at.strftime("%B") in text
    assert "MARAC" not in text and "police" not in text.lower()


def test_a_warning_marker_is_not_sent_to_the_person(victim_message, coordinator, officer):
    marker_set(person=victim_message.conversation.person, kind="warning",
               expires_at=timezone.now() + 30 * DAY, officer=officer, actor=coordinator)

    assert _texts_to(victim_message.conversation.person) == []


def test_the_officer_is_prompted_once_when_the_review_falls_due(marac, officer):
    assert markers_sweep(now=marac.review_at - DAY) == {"prompted": 0, "lapsed": 0}

    assert markers_sweep(now=marac.review_at) == {"prompted": 1, "lapsed": 0}
    assert markers_sweep(now=marac.review_at + DAY) == {"prompted": 0, "lapsed": 0}
    alert = Alert.objects.get()
    assert (alert.kind, alert.for_user, alert.marker) == ("marker_review", officer, marac)
    assert marac.review_at == marac.expires_at - 14 * DAY


def test_extending_records_the_contact_and_tells_the_victim(marac, officer, victim_message):
    markers_sweep(now=marac.review_at)
    new_end = marac.expires_at + 60 * DAY

    marker_decide(marker=marac, extend_until=new_end, actor=officer,
                  note="Spoke to her on 3 Mar; still afraid, wants it kept")

    marac.refresh_from_db()
    assert (marac.status, marac.expires_at, marac.review_prompted_at) == ("active", new_end, None)
    assert "extended until" in _texts_to(victim_message.conversation.person)[-1]
    assert markers_sweep(now=new_end - 15 * DAY) == {"prompted": 0, "lapsed": 0}
    assert markers_sweep(now=new_end - 14 * DAY) == {"prompted": 1, "lapsed": 0}


def test_withdrawing_tells_the_victim_and_ends_the_raised_grade(marac, officer, victim_message):
    marker_decide(marker=marac, extend_until=None, actor=officer,
                  note="Three calls, no answer; text sent; risk reassessed as medium")

    marac.refresh_from_db()
    assert marac.status == "withdrawn"
    assert "ends on" in _texts_to(victim_message.conversation.person)[-1]
    later = triaged_message(sender="+447700900610", text="Can someone call me back")
    assert ContactTriage.objects.get(message=later).suggested_grade == ""


def test_a_decision_needs_the_contact_recorded_and_the_right_person(marac, coordinator,
                                                                     officer):
    with pytest.raises(MarkerRefused, match="officer responsible"):
        marker_decide(marker=marac, extend_until=None, actor=coordinator,
                      note="decided without asking")
    with pytest.raises(MarkerRefused, match="Record your contact"):
        marker_decide(marker=marac, extend_until=None, actor=officer, note="no")


def test_a_marker_nobody_decided_lapses_once_telling_victim_and_supervisors(marac,
                                                                            victim_message):
    markers_sweep(now=marac.review_at)

    assert markers_sweep(now=marac.expires_at) == {"prompted": 0, "lapsed": 1}
    assert markers_sweep(now=marac.expires_at + DAY) == {"prompted": 0, "lapsed": 0}

    marac.refresh_from_db()
    assert marac.status == Marker.Status.LAPSED
    assert "ends on" in _texts_to(victim_message.conversation.person)[-1]
    lapsed = Alert.objects.get(kind="marker_lapsed")
    assert lapsed.for_role == "supervisor"


def test_a_marker_must_end_within_a_year(victim_message, coordinator, officer):
    with pytest.raises(MarkerRefused):
        marker_set(person=victim_message.conversation.person, kind="marac",
                   expires_at=timezone.now() + 400 * DAY, officer=officer, actor=coordinator)
