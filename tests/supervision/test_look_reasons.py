"""The reasons supervision gives to open a victim's record: a supervisor's dip sample for the
shift, a held staff text they decide on, and professional standards' review of staff conduct."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from contact_hub.conversations.looks import ReasonNeeded, look_record
from contact_hub.supervision.models import DipSampleItem
from contact_hub.supervision.services import dip_sample_current, dip_verdict_record
from tests.factories import StaffFactory
from tests.supervision.conftest import staff_text

pytestmark = pytest.mark.django_db


@pytest.fixture
def sampled(coordinator, supervisor) -> DipSampleItem:
    staff_text(coordinator)
    return dip_sample_current(supervisor=supervisor).items.get()


def test_a_supervisor_opens_the_people_in_their_sample_for_dip_sampling(sampled, supervisor):
    event = look_record(actor=supervisor, person_id=sampled.person_id, what="person record")

    assert (event.why, event.flagged) == ("dip sampling", False)


def test_the_sample_is_no_reason_once_its_shift_is_over(sampled, supervisor):
    with pytest.raises(ReasonNeeded):
        look_record(actor=supervisor, person_id=sampled.person_id, what="person record",
                    now=timezone.now() + timedelta(hours=11))


def test_another_supervisors_sample_is_no_reason(sampled):
    other = StaffFactory(role="supervisor")

    with pytest.raises(ReasonNeeded):
        look_record(actor=other, person_id=sampled.person_id, what="person record")


def test_a_supervisor_opens_her_record_to_decide_on_held_staff_words(coordinator):
    held = staff_text(coordinator, body="You looked lovely yesterday")
    other = StaffFactory(role="supervisor")

    event = look_record(actor=other, person_id=held.conversation.person_id,
                        what="person record")

    assert event.why == "deciding on held staff words"


def test_held_words_give_their_author_no_reason_to_look(supervisor):
    held = staff_text(supervisor, body="You looked lovely yesterday")

    with pytest.raises(ReasonNeeded):
        look_record(actor=supervisor, person_id=held.conversation.person_id,
                    what="person record")


def test_professional_standards_review_staff_conduct_towards_her(coordinator, standards):
    held = staff_text(coordinator, body="Send me a selfie")

    event = look_record(actor=standards, person_id=held.conversation.person_id,
                        what="person record")

    assert event.why == "reviewing staff conduct towards the person"


def test_professional_standards_review_contact_a_supervisor_referred(sampled, supervisor,
                                                                      standards):
    dip_verdict_record(item=sampled, actor=supervisor, verdict="refer",
                       notes="Overfamiliar tone throughout the thread")

    event = look_record(actor=standards, person_id=sampled.person_id, what="person record")

    assert event.why == "reviewing staff conduct towards the person"


def test_professional_standards_have_no_standing_reason_for_anyone_else(sampled, standards):
    with pytest.raises(ReasonNeeded):
        look_record(actor=standards, person_id=sampled.person_id, what="person record")
