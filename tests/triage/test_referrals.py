"""Misconduct referrals: who an allegation names (several staff, by collar number, name or
handle), the candidates for one that names nobody, found from who held her work, with their
looks at her and at the people linked to her incidents; their exclusion until cleared; the
steps of a referral's life with actor and reason; and the countdown to assessment."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from contact_hub.celery import app as celery_app
from contact_hub.conversations.looks import (
    ReasonNeeded,
    break_glass_open,
    list_look_record,
    look_record,
)
from contact_hub.conversations.models import MessageExclusion
from contact_hub.conversations.visibility import (
    message_visible_to,
    person_confined_from,
    staff_kept_from,
)
from contact_hub.followups.services import registered_task
from contact_hub.incidents.models import Alert
from contact_hub.incidents.services import incident_contact_link, incident_open
from contact_hub.staff.assignments import assignment_start, assignments_end, follow_up_period
from contact_hub.staff.models import AccessEvent, Assignment, Role
from contact_hub.triage.models import MisconductReferral, ReferralStage, ReferralTimer
from contact_hub.triage.referrals import (
    LOOK_REASON,
    ReferralHidden,
    ReferralRefused,
    candidate_clear,
    people_linked,
    referral_alerts_open_for,
    referral_assess,
    referral_close,
    referral_open,
    referral_read,
    referral_refer_on,
    referrals_sweep,
    staff_named_in,
    unnamed_staff_problems,
    unnamed_staff_rule,
    unnamed_words_find,
)
from contact_hub.triage.services import flag_add
from tests.factories import StaffFactory, drama_number, received_message, triaged_message
from tests.staff.conftest import clock  # noqa: F401 - fixture

pytestmark = pytest.mark.django_db


def _open(text: str, *, sender: str | None = None, actor=None, now=None) -> MisconductReferral:
    message = received_message(text=text, sender=sender or drama_number())
    return referral_open(message=message, words=["(test)"], actor=actor, now=now)


def _kept_from(referral: MisconductReferral, basis: str | None = None) -> dict[str, str]:
    exclusions = MessageExclusion.objects.filter(message=referral.message)
    if basis:
        exclusions = exclusions.filter(basis=basis)
    return {x.staff.username: x.how for x in exclusions}


def _held(staff, person_id: int, kind: str, subject: str, *, started, ended=None) -> None:
    assignment_start(staff=staff, person_id=person_id, kind=kind, subject=subject,
                     why="test work", now=started)
    if ended is not None:
        assignments_end(kind=kind, subject=subject, staff=staff, at=ended)


# Named staff.

def test_an_allegation_naming_several_staff_excludes_each_and_says_how():
    StaffFactory(username="dave", collar_number="4471")
    StaffFactory(username="pete", role=Role.RVR_OFFICER, first_name="Pete", last_name="Named")
    StaffFactory(username="kay", handles=["@kay_on_insta"])
    StaffFactory(username="bystander", collar_number="9999", first_name="Ann", last_name="Other")

    referral = _open("PC 4471 and pete  named keep messaging me, and kay_on_insta sent me "
                     "pictures")

    assert _kept_from(referral, MessageExclusion.Basis.NAMED) == {
        "dave": "collar number 4471", "pete": "name", "kay": "handle @kay_on_insta"}
    for username in ("dave", "pete", "kay"):
        assert not message_visible_to(referral.message,
                                      MessageExclusion.objects.get(staff__username=username).staff)


def test_the_staff_an_allegation_keeps_from_it_are_announced_with_it():
    dave = StaffFactory(username="dave", collar_number="4471")
    heard = []

    def hear(**kwargs):
        heard.append((kwargs["message_id"], kwargs["staff_ids"]))

    staff_kept_from.connect(hear, dispatch_uid="test.heard")
    try:
        referral = _open("PC 4471 keeps messaging me")
    finally:
        staff_kept_from.disconnect(dispatch_uid="test.heard")

    assert heard == [(referral.message_id, [dave.pk])]


def test_a_collar_number_or_handle_inside_another_word_names_nobody():
    StaffFactory(username="dave", collar_number="4471", handles=["@dave_k"])

    assert staff_named_in("call 444712 or email dave_kelly@example.com") == []
    assert [n.how for n in staff_named_in("it was @dave_k on snapchat")] == ["handle @dave_k"]


def test_a_handle_with_the_at_sign_matches_with_or_without_it():
    StaffFactory(username="dave", handles=["@dave_k", "dave.k.99"])

    assert [n.how for n in staff_named_in("he is dave_k on tiktok")] == ["handle @dave_k"]
    assert [n.how for n in staff_named_in("added me as @dave.k.99")] == ["handle @dave.k.99"]


def test_opening_the_referral_twice_keeps_one_of_everything():
    StaffFactory(username="dave", collar_number="4471")
    message = received_message(text="PC 4471 keeps texting me")

    first = referral_open(message=message, words=["PC 4471 keeps texting"], actor=None)
    again = referral_open(message=message, words=[], actor=None)

    assert first.pk == again.pk
    assert MessageExclusion.objects.count() == 1
    assert first.steps.count() == 1 and ReferralTimer.objects.count() == 2


def test_the_risk_rules_open_the_referral_with_its_receipt_and_exclusions(standards):
    named = StaffFactory(username="cole", role=Role.COORDINATOR, collar_number="C9912")

    message = triaged_message(text="the call handler C9912 added me on instagram")

    referral = MisconductReferral.objects.get(message=message)
    step = referral.steps.get()
    assert (step.step, step.actor, referral.stage) == (ReferralStage.RECEIVED, None,
                                                       ReferralStage.RECEIVED)
    assert step.reason.startswith("raised by the risk rules: ")
    assert _kept_from(referral, MessageExclusion.Basis.NAMED) == {"cole": "collar number C9912"}
    assert not message_visible_to(message, named)


# Words for staff she cannot name.

@pytest.mark.parametrize("example", unnamed_staff_rule().examples)
def test_every_example_of_unnamed_staff_in_the_rules_file_matches(example):
    assert unnamed_words_find(example)


def test_the_unnamed_staff_words_prove_themselves():
    assert unnamed_staff_problems() == []


@pytest.mark.parametrize("text", [
    "PC 4471 keeps messaging me",
    "my ex keeps messaging me",
    "Pete Named asked me out",
])
def test_words_that_name_someone_or_no_one_in_the_police_are_not_unnamed_staff(text):
    assert unnamed_words_find(text) == []


# Candidates.

@pytest.fixture
def her_case(clock, coordinator, officer, supervisor):  # noqa: F811 - the clock fixture
    """Her history before the allegation: a coordinator handled her text ten days ago, an
    officer attended her incident, another officer's video call with her was 40 days ago, and
    a supervisor looked with a reason given. Her friend's contact is linked to her incident."""
    now = clock.now
    number = drama_number()
    first = received_message(text="he came back last night", sender=number)
    her = first.conversation.person
    incident = incident_open(opening_code="DOMESTIC", grade="priority", actor=None,
                             message=first)
    friend_contact = received_message(text="my friend needs help")
    incident_contact_link(incident=incident, message=friend_contact, actor=None)
    friend = friend_contact.conversation.person
    stranger = received_message(text="noise next door").conversation.person
    _held(coordinator, her.pk, Assignment.Kind.CONTACT, f"message:{first.pk}",
          started=now - timedelta(days=10), ended=now - timedelta(days=10, hours=-1))
    _held(officer, her.pk, Assignment.Kind.INCIDENT, f"incident:{incident.reference}",
          started=now - timedelta(days=9))
    earlier = StaffFactory(username="vic", role=Role.RVR_OFFICER)
    _held(earlier, her.pk, Assignment.Kind.VIDEO, "video:1", started=now - timedelta(days=40),
          ended=now - timedelta(days=39))
    return {"her": her, "number": number, "incident": incident, "friend": friend,
            "stranger": stranger, "earlier": earlier, "now": now}


def test_an_unnamed_allegation_lists_who_held_her_work_in_the_look_back_period(
        her_case, coordinator, officer, supervisor):
    clock_now = her_case["now"]
    break_glass_open(actor=supervisor, person_id=her_case["her"].pk,
                     reason="checking the call log for the shift report", what="person record",
                     now=clock_now - timedelta(days=2))

    referral = _open("The officer who came last week keeps messaging me on here",
                     sender=her_case["number"])

    candidates = _kept_from(referral, MessageExclusion.Basis.CANDIDATE)
    assert set(candidates) == {coordinator.username, officer.username}
    assert candidates[officer.username].startswith(
        f"Holding the incident (incident:{her_case['incident'].reference}) from ")
    assert referral.unnamed_words == ["The officer who came"]


def test_the_look_back_period_is_the_forces(her_case, settings, coordinator, officer):
    settings.HUB_ACCESS = {**settings.HUB_ACCESS, "candidate_look_back_days": 45}

    referral = _open("the man on the phone asked me for a photo", sender=her_case["number"])

    assert set(_kept_from(referral)) == {coordinator.username, officer.username, "vic"}


def test_an_allegation_naming_nobody_at_all_still_has_candidates(her_case, officer):
    referral = _open("I want to report police misconduct", sender=her_case["number"])

    assert officer.username in _kept_from(referral, MessageExclusion.Basis.CANDIDATE)


def test_a_named_allegation_without_unnamed_words_has_no_candidates(her_case, officer):
    StaffFactory(username="dave", collar_number="4471")

    referral = _open("PC 4471 keeps messaging me", sender=her_case["number"])

    assert _kept_from(referral) == {"dave": "collar number 4471"}


def test_whoever_raises_it_and_whoever_holds_the_contact_are_not_candidates(
        her_case, coordinator, officer, supervisor):
    message = triaged_message(text="the woman who answered was rude", sender=her_case["number"])
    _held(supervisor, her_case["her"].pk, Assignment.Kind.CONTACT, f"message:{message.pk}",
          started=her_case["now"] - timedelta(hours=1))

    flag_add(message=message, kind="misconduct", actor=coordinator,
             reason="caller describes a call handler pursuing her")

    referral = MisconductReferral.objects.get(message=message)
    assert set(_kept_from(referral)) == {officer.username}
    assert message_visible_to(message, coordinator) and message_visible_to(message, supervisor)


def test_a_candidate_is_kept_from_it_and_flagged_until_professional_standards_clear_them(
        her_case, officer, standards):
    referral = _open("a PC has been texting me since he came round", sender=her_case["number"])
    exclusion = MessageExclusion.objects.get(message=referral.message, staff=officer)
    assert not message_visible_to(referral.message, officer)
    assert person_confined_from(her_case["her"].pk, officer)

    with pytest.raises(ReferralRefused):
        candidate_clear(referral=referral, exclusion_id=exclusion.pk, actor=standards,
                        reason="no")
    cleared = candidate_clear(referral=referral, exclusion_id=exclusion.pk, actor=standards,
                              reason="was on leave that week, duty rota checked")

    assert (cleared.cleared_by, cleared.cleared_reason) == (
        standards, "was on leave that week, duty rota checked")
    assert cleared.cleared_at is not None
    assert message_visible_to(referral.message, officer)
    assert not look_record(actor=officer, person_id=her_case["her"].pk,
                           what="person record").flagged


def test_named_staff_cannot_be_cleared(standards):
    StaffFactory(username="dave", collar_number="4471")
    referral = _open("PC 4471 keeps texting me")
    named = MessageExclusion.objects.get(message=referral.message)

    with pytest.raises(ReferralRefused, match="Only a candidate"):
        candidate_clear(referral=referral, exclusion_id=named.pk, actor=standards,
                        reason="he says it was not him")

    assert MessageExclusion.objects.get(pk=named.pk).cleared_at is None


def test_each_candidates_looks_at_her_and_the_people_linked_to_her_incidents_are_shown(
        her_case, clock, officer, standards):  # noqa: F811
    her, friend = her_case["her"], her_case["friend"]
    clock.set(her_case["now"] - timedelta(days=35))
    break_glass_open(actor=officer, person_id=her.pk, reason="before the look-back period",
                     what="person record")
    clock.set(her_case["now"] - timedelta(days=5))
    look_record(actor=officer, person_id=her.pk, what="person record")
    clock.advance(hours=1)
    break_glass_open(actor=officer, person_id=friend.pk, reason="checking on the friend",
                     what="person record")
    clock.advance(hours=1)
    list_look_record(actor=officer, what="dashboard queue", why="triage queue",
                     person_ids=[friend.pk, her_case["stranger"].pk])
    break_glass_open(actor=officer, person_id=her_case["stranger"].pk,
                     reason="someone unconnected", what="person record")
    clock.set(her_case["now"])
    referral = _open("the officer who came round asked me out", sender=her_case["number"])

    page = referral_read(actor=standards, referral_id=referral.pk)

    looks = next(s for s in page.candidates if s.exclusion.staff == officer)
    shown = [(e.what, e.whose, e.flagged) for e in looks.events]
    reference = her_case["incident"].reference
    assert shown == [
        ("dashboard queue", f"a list page showing Person {friend.pk} (linked through "
                            f"{reference})", False),
        ("person record", f"Person {friend.pk} (linked through {reference})", True),
        ("person record", f"Person {her.pk} (who made the allegation)", False),
    ]
    assert page.linked == {her.pk: [], friend.pk: [reference]}


def test_people_linked_through_a_contact_triaged_into_her_incident(her_case):
    other = triaged_message(text="I saw what happened to my neighbour")
    from contact_hub.triage.models import ContactTriage

    ContactTriage.objects.filter(message=other).update(incident=her_case["incident"])

    linked = people_linked(her_case["her"].pk)

    assert linked[other.conversation.person_id] == [her_case["incident"].reference]


# Reading a referral.

def test_reading_a_referral_is_a_look_with_professional_standards_reason(standards):
    referral = _open("PC 1234 keeps messaging me")

    page = referral_read(actor=standards, referral_id=referral.pk)

    event = AccessEvent.objects.get(actor=standards)
    assert (event.what, event.why, event.person_id, event.flagged) == (
        f"misconduct referral {referral.pk}", LOOK_REASON, referral.person_id, False)
    assert [s.step for s in page.steps] == [ReferralStage.RECEIVED]
    assert page.next_steps == [(ReferralStage.ASSESSED, "Assessed")]


def test_a_referral_about_the_reader_is_hidden_from_them(standards):
    standards.collar_number = "5150"
    standards.save()
    referral = _open("PC 5150 keeps messaging me")

    with pytest.raises(ReferralHidden):
        referral_read(actor=standards, referral_id=referral.pk)
    with pytest.raises(ReasonNeeded):
        look_record(actor=standards, person_id=referral.person_id, what="person record")
    assert not AccessEvent.objects.exists()


def test_an_ended_referral_gives_no_reason_to_someone_who_never_worked_it(standards):
    colleague = StaffFactory(username="ann", role=Role.PROFESSIONAL_STANDARDS)
    referral = _open("PC 1234 keeps messaging me")
    referral_assess(referral=referral, actor=colleague, reason="serious: abuse of position")
    referral_close(referral=referral, actor=colleague, reason="no further action, advice given")

    with pytest.raises(ReasonNeeded):
        referral_read(actor=standards, referral_id=referral.pk)
    assert referral_read(actor=colleague, referral_id=referral.pk).referral.is_open is False


def test_staff_outside_professional_standards_get_no_reason_from_a_referral(coordinator):
    referral = _open("PC 1234 keeps messaging me")

    with pytest.raises(ReasonNeeded):
        look_record(actor=coordinator, person_id=referral.person_id, what="person record")


# Steps.

def test_each_step_is_recorded_with_its_actor_and_reason(standards):
    referral = _open("PC 1234 keeps messaging me")

    referral_assess(referral=referral, actor=standards, reason="credible, abuse of position")
    referral_refer_on(referral=referral, to=ReferralStage.REFERRED_IOPC, actor=standards,
                      reason="mandatory referral: sexual misconduct")

    referral.refresh_from_db()
    assert [(s.step, s.actor, s.reason) for s in referral.steps.all()][1:] == [
        (ReferralStage.ASSESSED, standards, "credible, abuse of position"),
        (ReferralStage.REFERRED_IOPC, standards, "mandatory referral: sexual misconduct")]
    assert referral.stage == ReferralStage.REFERRED_IOPC
    assert referral.assessed_at is not None and referral.closed_at is not None


@pytest.mark.parametrize("reason", ["", "   ", "ok"])
def test_a_step_without_a_reason_is_refused_and_nothing_is_recorded(reason, standards):
    referral = _open("PC 1234 keeps messaging me")

    with pytest.raises(ReferralRefused, match="reason"):
        referral_assess(referral=referral, actor=standards, reason=reason)

    referral.refresh_from_db()
    assert referral.stage == ReferralStage.RECEIVED and referral.steps.count() == 1
    assert not Assignment.objects.filter(kind=Assignment.Kind.REFERRAL).exists()


def test_a_referral_is_assessed_before_it_is_referred_on_or_closed(standards):
    referral = _open("PC 1234 keeps messaging me")

    with pytest.raises(ReferralRefused, match="cannot be closed"):
        referral_close(referral=referral, actor=standards, reason="nothing in it at all")
    with pytest.raises(ReferralRefused, match="cannot be referred"):
        referral_refer_on(referral=referral, to=ReferralStage.REFERRED_ANTI_CORRUPTION,
                          actor=standards, reason="looks like corruption")


def test_an_ended_referral_takes_no_more_steps(standards):
    referral = _open("PC 1234 keeps messaging me")
    referral_assess(referral=referral, actor=standards, reason="credible, abuse of position")
    referral_close(referral=referral, actor=standards, reason="words of advice given")

    with pytest.raises(ReferralRefused):
        referral_refer_on(referral=referral, to=ReferralStage.REFERRED_IOPC, actor=standards,
                          reason="changed our minds")


def test_it_is_referred_on_only_to_anti_corruption_or_the_iopc(standards):
    referral = _open("PC 1234 keeps messaging me")
    referral_assess(referral=referral, actor=standards, reason="credible, abuse of position")

    with pytest.raises(ReferralRefused, match="anti-corruption or the IOPC"):
        referral_refer_on(referral=referral, to=ReferralStage.CLOSED, actor=standards,
                          reason="wrong destination")


def test_only_professional_standards_take_steps(supervisor):
    referral = _open("PC 1234 keeps messaging me")

    with pytest.raises(ReferralRefused, match="professional standards"):
        referral_assess(referral=referral, actor=supervisor, reason="I had a look at it")


def test_a_member_of_professional_standards_it_names_cannot_take_a_step(standards):
    standards.collar_number = "5150"
    standards.save()
    referral = _open("PC 5150 keeps messaging me")

    with pytest.raises(ReferralHidden):
        referral_assess(referral=referral, actor=standards, reason="nothing to see here")

    assert referral.steps.count() == 1


def test_working_a_referral_is_an_assignment_that_ends_a_follow_up_period_after_it(standards):
    referral = _open("PC 1234 keeps messaging me")

    referral_assess(referral=referral, actor=standards, reason="credible, abuse of position")
    assignment = Assignment.objects.get(staff=standards, kind=Assignment.Kind.REFERRAL)
    assert (assignment.subject, assignment.person_id, assignment.ends_at) == (
        f"referral:{referral.pk}", referral.person_id, None)
    referral_close(referral=referral, actor=standards, reason="words of advice given")

    assignment.refresh_from_db()
    referral.refresh_from_db()
    assert assignment.ends_at == referral.closed_at + follow_up_period()
    changes = AccessEvent.objects.filter(actor=standards, action=AccessEvent.Action.CHANGE)
    assert [e.what for e in changes.order_by("at", "pk")] == [
        f"misconduct referral {referral.pk}: assessed",
        f"misconduct referral {referral.pk}: closed"]


# The countdown to assessment.

def test_the_countdown_alerts_part_way_and_when_due_each_once(clock):  # noqa: F811
    opened = clock.now
    referral = _open("PC 1234 keeps messaging me", now=opened)
    assert referral.assessment_due_at == opened + timedelta(hours=24)

    assert referrals_sweep(now=opened + timedelta(hours=11, minutes=59)) == []
    assert len(referrals_sweep(now=opened + timedelta(hours=12))) == 1
    assert referrals_sweep(now=opened + timedelta(hours=13)) == []
    assert len(referrals_sweep(now=opened + timedelta(hours=24))) == 1

    alerts = Alert.objects.filter(kind=Alert.Kind.REFERRAL_ASSESSMENT).order_by("pk")
    assert [(a.for_role, a.detail["referral_id"], a.detail["point"], a.detail["missed"])
            for a in alerts] == [
        (Role.PROFESSIONAL_STANDARDS, referral.pk, "50%", False),
        (Role.PROFESSIONAL_STANDARDS, referral.pk, "100%", True)]


def test_the_assessment_time_is_the_forces(settings, clock):  # noqa: F811
    settings.HUB_ACCESS = {**settings.HUB_ACCESS, "referral_assessment_hours": 4}

    referral = _open("PC 1234 keeps messaging me", now=clock.now)

    assert referral.assessment_due_at == clock.now + timedelta(hours=4)
    assert sorted(ReferralTimer.objects.values_list("due_at", flat=True)) == [
        clock.now + timedelta(hours=2), clock.now + timedelta(hours=4)]


def test_assessing_it_stops_the_countdown_and_closes_its_alerts(clock, standards):  # noqa: F811
    referral = _open("PC 1234 keeps messaging me", now=clock.now)
    referrals_sweep(now=clock.now + timedelta(hours=12))
    assert len(referral_alerts_open_for(standards)) == 1

    referral_assess(referral=referral, actor=standards, reason="credible, abuse of position")

    assert referrals_sweep(now=clock.now + timedelta(hours=48)) == []
    assert referral_alerts_open_for(standards) == []
    assert Alert.objects.get().acknowledged_by == standards


def test_alerts_of_a_referral_about_the_reader_are_not_shown_to_them(clock, standards):  # noqa: F811
    colleague = StaffFactory(username="ann", role=Role.PROFESSIONAL_STANDARDS,
                             collar_number="5150")
    _open("PC 5150 keeps messaging me", now=clock.now)
    referrals_sweep(now=clock.now + timedelta(hours=24))

    assert len(referral_alerts_open_for(standards)) == 2
    assert referral_alerts_open_for(colleague) == []


def test_the_countdown_sweep_is_on_the_beat_schedule_and_fires_due_alerts():
    referral = _open("PC 1234 keeps messaging me",
                     now=timezone.now() - timedelta(hours=25))
    entry = next(e for e in celery_app.conf.beat_schedule.values()
                 if e["task"] == "triage.referrals_sweep")

    registered_task(entry["task"]).apply()

    assert sorted(Alert.objects.values_list("detail__point", flat=True)) == ["100%", "50%"]
    assert {a.detail["referral_id"] for a in Alert.objects.all()} == {referral.pk}
