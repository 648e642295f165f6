"""Officers on hand: availability and its changes, the expected wait, the offer with no officer
available, and the supervisor's figures."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.contrib.auth.signals import user_logged_out
from django.utils import timezone

from contact_hub.conversations.neutral import neutral_text_problems
from rvr.availability import (
    AvailabilityRefused,
    availability_figures,
    availability_of,
    availability_set,
    officers_on_hand,
    victim_wait_words,
)
from rvr.calls import outcome_record, video_call_end, video_check_record, video_session_accept
from rvr.connection_check import CheckResult
from rvr.eligibility import RvrRefused, rvr_check_record, rvr_consent_record, rvr_not_offered_record
from rvr.links import link_token, video_link_send, video_session_join
from rvr.models import AvailabilityChange, OfficerAvailability, RvrAssessment, VideoSession
from tests.factories import StaffFactory
from tests.rvr.conftest import ALL_YES, da_incident, log_kinds

pytestmark = pytest.mark.django_db
Status = OfficerAvailability.Status
GOOD = CheckResult(30.0, 0.0, 800.0, "good")


def another_officer(name: str):
    return StaffFactory(username=name, role="rvr_officer")


def waiting_victim(coordinator) -> VideoSession:
    """A victim who joined her link, passed the connection check and waits for an officer."""
    checked = rvr_check_record(incident=da_incident(coordinator), answers=ALL_YES,
                               actor=coordinator)
    assessment = rvr_consent_record(assessment=checked, consent=True, actor=coordinator,
                                    wait_told=True)
    session = video_link_send(assessment=assessment, actor=coordinator)
    video_session_join(token=link_token(session.link_nonce))
    return video_check_record(session_id=session.pk, result=GOOD)


def passed_check(coordinator) -> RvrAssessment:
    return rvr_check_record(incident=da_incident(coordinator), answers=ALL_YES,
                            actor=coordinator)


def ended_call(coordinator, officer, minutes: float) -> None:
    """A call of `minutes` that ended a moment ago (the history typical calls come from)."""
    session = waiting_victim(coordinator)
    now = timezone.now()
    video_session_accept(session=session, officer=officer, now=now - timedelta(minutes=minutes))
    video_call_end(session_id=session.pk, by="officer", now=now)


# Availability and its changes.

def test_an_officer_sets_themselves_available_and_the_change_is_logged(officer):
    availability_set(officer=officer, status="available")

    assert availability_of(officer).status == Status.AVAILABLE
    change = AvailabilityChange.objects.get()
    assert (change.officer, change.from_status, change.to_status, change.cause) == (
        officer, "off", "available", "chosen")
    assert change.at is not None


def test_an_officer_who_never_chose_is_off_and_not_counted(officer):
    assert availability_of(officer).status == Status.OFF
    assert officers_on_hand().available == 0


def test_only_rvr_officers_set_availability(coordinator):
    with pytest.raises(AvailabilityRefused, match="Only RVR officers"):
        availability_set(officer=coordinator, status="available")

    assert not OfficerAvailability.objects.exists()


def test_an_unknown_availability_is_refused_and_changes_nothing(officer):
    availability_set(officer=officer, status="available")

    with pytest.raises(AvailabilityRefused, match="available, busy or off"):
        availability_set(officer=officer, status="asleep")

    assert availability_of(officer).status == Status.AVAILABLE
    assert AvailabilityChange.objects.count() == 1


def test_choosing_the_same_again_logs_nothing_more(officer):
    availability_set(officer=officer, status="busy")
    availability_set(officer=officer, status="busy")

    assert AvailabilityChange.objects.count() == 1


def test_taking_a_call_makes_the_officer_busy_and_its_end_gives_back_their_choice(
        coordinator, officer):
    availability_set(officer=officer, status="available")
    session = waiting_victim(coordinator)

    video_session_accept(session=session, officer=officer)
    in_call = availability_of(officer)
    assert (in_call.status, in_call.session_id) == (Status.BUSY, session.pk)
    assert officers_on_hand().available == 0

    video_call_end(session_id=session.pk, by="victim")

    after = availability_of(officer)
    assert (after.status, after.session_id) == (Status.AVAILABLE, None)
    assert list(AvailabilityChange.objects.values_list("from_status", "to_status", "cause")) == [
        ("off", "available", "chosen"), ("available", "busy", "call_started"),
        ("busy", "available", "call_ended")]


def test_going_off_during_a_call_takes_effect_when_it_ends(coordinator, officer):
    availability_set(officer=officer, status="available")
    session = waiting_victim(coordinator)
    video_session_accept(session=session, officer=officer)

    availability_set(officer=officer, status="off")
    assert availability_of(officer).status == Status.BUSY

    video_call_end(session_id=session.pk, by="officer", actor=officer)
    assert availability_of(officer).status == Status.OFF


def test_the_outcome_ends_the_busy_spell(coordinator, officer):
    availability_set(officer=officer, status="available")
    session = video_session_accept(session=waiting_victim(coordinator), officer=officer)

    outcome_record(session=session, officer=officer, outcome="attendance",
                   reason="Needs an officer to attend in person")

    assert availability_of(officer).status == Status.AVAILABLE


def test_signing_out_is_going_off(officer, rf):
    availability_set(officer=officer, status="available")

    user_logged_out.send(sender=type(officer), request=rf.get("/"), user=officer)

    assert availability_of(officer).status == Status.OFF
    assert AvailabilityChange.objects.last().cause == "signed_out"


# The expected wait.

def test_with_nobody_on_hand_the_wait_is_not_known():
    on_hand = officers_on_hand()

    assert (on_hand.available, on_hand.in_call, on_hand.wait_minutes) == (0, 0, None)
    assert "not known" in on_hand.explanation


def test_with_an_officer_free_and_nobody_waiting_there_is_no_wait(officer):
    availability_set(officer=officer, status="available")

    on_hand = officers_on_hand()

    assert (on_hand.available, on_hand.wait_minutes) == (1, 0)


def test_victims_ahead_are_shared_among_the_officers_available(coordinator, officer, settings):
    settings.RVR_DEFAULT_CALL_MINUTES = 30
    for name in ("ola", "ben"):
        availability_set(officer=another_officer(name), status="available")
    for _ in range(3):
        waiting_victim(coordinator)

    on_hand = officers_on_hand()

    # Three ahead, two officers: one whole round of calls before her turn, a default call long.
    assert (on_hand.available, on_hand.ahead, on_hand.wait_minutes) == (2, 3, 30)
    assert on_hand.explanation == (
        "3 victims waiting ahead shared among 2 officers available; a call takes about 30 min "
        "(the hub's default: too few recent calls to say).")


def test_a_typical_call_is_the_median_of_recent_calls(coordinator, officer, settings):
    settings.RVR_CALL_HISTORY_MIN_CALLS = 3
    for minutes in (10, 12, 40):
        ended_call(coordinator, officer, minutes)
    availability_set(officer=officer, status="available")
    waiting_victim(coordinator)

    on_hand = officers_on_hand()

    assert (on_hand.call.minutes, on_hand.call.calls) == (12, 3)
    assert on_hand.wait_minutes == 15  # one victim ahead, one officer: 12 min, shown in fives
    assert "the median of the last 3 calls" in on_hand.explanation


def test_with_none_available_the_wait_is_until_an_officer_in_a_call_is_likely_free(
        coordinator, officer, settings):
    settings.RVR_DEFAULT_CALL_MINUTES = 30
    session = waiting_victim(coordinator)
    video_session_accept(session=session, officer=officer,
                         now=timezone.now() - timedelta(minutes=12))

    on_hand = officers_on_hand()

    assert (on_hand.available, on_hand.in_call, on_hand.earliest_free) == (0, 1, 20)
    assert on_hand.wait_minutes == 20
    assert "likely free in about 20 min" in on_hand.explanation


def test_the_victims_estimate_counts_only_those_who_joined_before_her(coordinator, officer,
                                                                       settings):
    settings.RVR_DEFAULT_CALL_MINUTES = 30
    availability_set(officer=officer, status="available")
    first = waiting_victim(coordinator)
    second = waiting_victim(coordinator)

    assert victim_wait_words(first) == "Usually within 5 minutes."
    assert victim_wait_words(second) == "Usually within 30 minutes."


def test_the_victims_estimate_is_neutral_and_empty_when_not_known(coordinator, officer):
    session = waiting_victim(coordinator)
    assert victim_wait_words(session) == ""

    availability_set(officer=officer, status="available")
    words = victim_wait_words(session)
    assert words and not neutral_text_problems(words)
    assert "officer" not in words.lower() and "police" not in words.lower()


# The offer.

def test_video_cannot_be_chosen_with_no_officer_available_unless_the_wait_was_told(
        coordinator):
    checked = passed_check(coordinator)

    with pytest.raises(RvrRefused, match=r"No officer is available now .*not known.*Tell the "
                                         r"victim the wait"):
        rvr_consent_record(assessment=checked, consent=True, actor=coordinator)

    checked.refresh_from_db()
    assert (checked.decision, checked.consent) == (RvrAssessment.Decision.PENDING, None)
    assert "rvr.consent_recorded" not in log_kinds(checked.incident)


def test_video_offered_with_the_wait_told_records_what_was_shown(coordinator, officer,
                                                                 settings):
    settings.RVR_DEFAULT_CALL_MINUTES = 30
    video_session_accept(session=waiting_victim(coordinator), officer=officer,
                         now=timezone.now() - timedelta(minutes=5))
    checked = passed_check(coordinator)

    decided = rvr_consent_record(assessment=checked, consent=True, actor=coordinator,
                                 wait_told=True)

    assert decided.decision == RvrAssessment.Decision.RVR
    assert (decided.officers_available, decided.wait_minutes, decided.wait_told) == (0, 25, True)
    entry = decided.incident.log.get(kind="rvr.consent_recorded")
    assert (entry.data["officers_available"], entry.data["wait_minutes"],
            entry.data["wait_told"]) == (0, 25, True)


def test_with_an_officer_available_no_confirmation_is_needed(coordinator, officer):
    availability_set(officer=officer, status="available")

    decided = rvr_consent_record(assessment=passed_check(coordinator), consent=True,
                                 actor=coordinator)

    assert (decided.decision, decided.officers_available, decided.wait_minutes) == (
        RvrAssessment.Decision.RVR, 1, 0)


def test_a_victim_may_decline_without_being_told_a_wait(coordinator):
    decided = rvr_consent_record(assessment=passed_check(coordinator), consent=False,
                                 actor=coordinator)

    assert decided.decision == RvrAssessment.Decision.IN_PERSON
    assert decided.officers_available == 0


def test_video_not_offered_for_want_of_an_officer_is_an_in_person_response(coordinator):
    checked = passed_check(coordinator)

    decided = rvr_not_offered_record(assessment=checked, actor=coordinator)

    assert (decided.decision, decided.no_officer, decided.consent) == (
        RvrAssessment.Decision.IN_PERSON, True, None)
    assert log_kinds(decided.incident)[-3:] == ["rvr.not_offered", "flag.added", "rvr.decided"]
    decided.incident.refresh_from_db()
    assert "in_person_response" in decided.incident.flags
    assert decided.incident.closed_at is None


def test_not_offering_is_refused_while_an_officer_is_available(coordinator, officer):
    availability_set(officer=officer, status="available")
    checked = passed_check(coordinator)

    with pytest.raises(RvrRefused, match="An officer is available"):
        rvr_not_offered_record(assessment=checked, actor=coordinator)

    checked.refresh_from_db()
    assert (checked.decision, checked.no_officer) == (RvrAssessment.Decision.PENDING, False)


def test_not_offering_is_refused_once_decided(coordinator):
    checked = passed_check(coordinator)
    rvr_consent_record(assessment=checked, consent=False, actor=coordinator)

    with pytest.raises(RvrRefused, match="already decided"):
        rvr_not_offered_record(assessment=checked, actor=coordinator)


# The supervisor's figures.

def test_figures_count_video_not_offered_and_offered_with_none_available(coordinator,
                                                                          officer):
    rvr_not_offered_record(assessment=passed_check(coordinator), actor=coordinator)
    rvr_consent_record(assessment=passed_check(coordinator), consent=True, actor=coordinator,
                       wait_told=True)
    availability_set(officer=officer, status="available")
    for consent in (True, False):
        rvr_consent_record(assessment=passed_check(coordinator), consent=consent,
                           actor=coordinator)
    now = timezone.now()

    figures = availability_figures(since=now - timedelta(days=1), until=now + timedelta(days=1))

    assert (figures.eligible, figures.not_offered, figures.offered_none_available) == (4, 1, 1)
    assert (figures.not_offered_pct, figures.offered_none_available_pct) == (25.0, 33.3)


def test_figures_leave_out_checks_decided_outside_the_period(coordinator):
    rvr_not_offered_record(assessment=passed_check(coordinator), actor=coordinator)
    now = timezone.now()

    figures = availability_figures(since=now + timedelta(hours=1), until=now + timedelta(days=1))

    assert (figures.eligible, figures.not_offered_pct) == (0, None)
