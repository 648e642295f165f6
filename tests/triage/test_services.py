"""Triage of contacts: flags from the rules, staff changes to flags, claims, grading into
incidents (with the domestic abuse prompt), linking, and misconduct referrals."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from contact_hub.conversations.models import Message, MessageExclusion
from contact_hub.conversations.tasks import messages_received
from contact_hub.followups.models import FollowUp
from contact_hub.incidents.models import Incident
from contact_hub.incidents.services import incident_open
from contact_hub.staff.models import AccessEvent, Role
from contact_hub.triage.markers import marker_set
from contact_hub.triage.models import ContactTriage, MisconductReferral, RiskFlag
from contact_hub.triage.queue import queue_items
from contact_hub.triage.services import (
    DomesticCodeQuestion,
    TriageRefused,
    contact_close,
    contact_grade,
    contact_link,
    contact_rules_apply,
    contact_triage,
    contacts_triage,
    flag_add,
    flag_remove,
    item_claim,
    item_release,
)
from tests.factories import StaffFactory, received_message, triaged_message

pytestmark = pytest.mark.django_db
DAYS_30 = timedelta(days=30)
DA_TEXT = "my partner took my phone and pushed me, i'm at my mums now"


def _flags(message) -> dict[str, list[str]]:
    return {f.kind: f.words for f in message.risk_flags.filter(removed_at__isnull=True)}


def test_a_message_is_flagged_and_queued_by_its_follow_up_work(
        django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        message = received_message(text=DA_TEXT)

    assert _flags(message) == {"domestic_abuse": ["my partner", "pushed me", "took my phone"],
                               "cannot_speak_freely": ["took my phone"]}
    triage = ContactTriage.objects.get(message=message)
    assert (triage.risk, triage.suggested_grade, triage.handled_at) == (70, "priority", None)


def test_many_contacts_are_triaged_together_in_a_fixed_number_of_queries(
        django_assert_num_queries):
    texts = [DA_TEXT, "my car was broken into overnight", "he said he'll kill me tonight",
             "loud party next door"]
    few = [received_message(text=text) for text in texts]
    many = [received_message(text=text) for text in texts * 4]
    with CaptureQueriesContext(connection) as counted:
        contacts_triage([m.pk for m in few])

    with django_assert_num_queries(len(counted.captured_queries)):  # four times the contacts
        triaged = contacts_triage([m.pk for m in many])

    alone = {m.pk: triaged_message(text=m.text) for m in many[:len(texts)]}
    for message in many[:len(texts)]:
        twin = ContactTriage.objects.get(message=alone[message.pk])
        assert (triaged[message.pk].risk, triaged[message.pk].suggested_grade) == (
            twin.risk, twin.suggested_grade)
        assert _flags(message) == _flags(alone[message.pk])


def test_triage_twice_changes_nothing(coordinator):
    message = triaged_message(text=DA_TEXT)

    messages_received.work([{"message_id": message.pk}])

    assert RiskFlag.objects.filter(message=message).count() == 2
    assert ContactTriage.objects.filter(message=message).count() == 1


def test_a_removed_flag_stays_removed_when_triage_runs_again(coordinator):
    message = triaged_message(text=DA_TEXT)

    flag_remove(message=message, kind="cannot_speak_freely", actor=coordinator,
                reason="she says she can talk on the phone")
    contact_triage(message.pk)

    assert set(_flags(message)) == {"domestic_abuse"}
    removed = RiskFlag.objects.get(kind="cannot_speak_freely")
    assert (removed.removed_by, removed.words) == (coordinator, ["took my phone"])


def test_adding_and_removing_a_flag_is_logged_and_changes_the_risk(coordinator):
    message = triaged_message(text="Can someone ring me about next door's fence")
    assert message.triage.risk == 0

    flag_add(message=message, kind="child_at_risk", actor=coordinator,
             reason="caller mentioned a toddler on the phone")

    message.triage.refresh_from_db()
    assert message.triage.risk == 70
    event = AccessEvent.objects.get(action="change")
    assert (event.what, event.why, event.person_id) == (
        "flag added: child_at_risk", "caller mentioned a toddler on the phone",
        message.conversation.person_id)


def test_a_flag_change_needs_a_reason_and_a_known_flag(coordinator):
    message = triaged_message(text=DA_TEXT)

    with pytest.raises(TriageRefused, match="why"):
        flag_remove(message=message, kind="domestic_abuse", actor=coordinator, reason=" ")
    with pytest.raises(TriageRefused, match="Unknown flag"):
        flag_add(message=message, kind="made_up", actor=coordinator, reason="because")


def test_a_flag_changed_on_a_linked_contact_is_written_to_the_incident_log(coordinator):
    message = triaged_message(text=DA_TEXT)
    incident = contact_grade(message=message, opening_code="DOMESTIC", grade="priority",
                             thrive={}, actor=coordinator)

    flag_add(message=message, kind="child_at_risk", actor=coordinator, reason="baby in the flat")

    incident.refresh_from_db()
    assert "child_at_risk" in incident.flags
    assert incident.log.last().kind == "flag.added"
    assert incident.log.last().data["reason"] == "baby in the flat"


def test_grading_opens_an_incident_with_the_flags_and_takes_it_off_the_queue(coordinator):
    message = triaged_message(text=DA_TEXT)
    item_claim(item_key=f"message:{message.pk}", actor=coordinator)

    incident = contact_grade(message=message, opening_code="DOMESTIC", grade="priority",
                             thrive={"threat": "partner returning"}, actor=coordinator)

    assert incident.flags == ["cannot_speak_freely", "domestic_abuse"]
    assert incident.threat == "partner returning"
    assert incident.contacts.get().message == message
    triage = ContactTriage.objects.get(message=message)
    assert (triage.outcome, triage.incident, triage.handled_by) == ("incident", incident,
                                                                    coordinator)
    assert not message.triage.__class__.objects.filter(handled_at__isnull=True).exists()


def test_a_non_domestic_code_on_domestic_words_prompts_the_coordinator(coordinator):
    message = triaged_message(text="my ex keeps banging on my door, don't know if it's him")

    with pytest.raises(DomesticCodeQuestion) as question:
        contact_grade(message=message, opening_code="SUSPICIOUS", grade="priority", thrive={},
                      actor=coordinator)

    assert "my ex" in str(question.value)
    assert not Incident.objects.exists()


def test_a_confirmed_non_domestic_code_is_allowed_and_the_override_logged(coordinator):
    message = triaged_message(text="my ex keeps ringing the doorbell")

    incident = contact_grade(message=message, opening_code="SUSPICIOUS", grade="priority",
                             thrive={}, actor=coordinator, confirm_not_domestic=True)

    override = incident.log.get(kind="domestic_prompt.overridden")
    assert override.data == {"opening_code": "SUSPICIOUS", "words": ["my ex"]}


def test_a_domestic_code_needs_no_confirmation(coordinator):
    message = triaged_message(text="my ex keeps ringing the doorbell")

    incident = contact_grade(message=message, opening_code="STALKING", grade="priority",
                             thrive={}, actor=coordinator)

    assert not incident.log.filter(kind="domestic_prompt.overridden").exists()


def test_a_later_contact_links_to_the_open_incident_with_its_flags(coordinator):
    first = triaged_message(sender="+447700900301", text="my ex is outside")
    incident = contact_grade(message=first, opening_code="DOMESTIC", grade="priority",
                             thrive={}, actor=coordinator)
    again = triaged_message(sender="+447700900301", text="he said he'll hurt the kids")

    contact_link(message=again, incident=incident, actor=coordinator)

    incident.refresh_from_db()
    assert incident.contacts.count() == 2
    assert "child_at_risk" in incident.flags
    assert ContactTriage.objects.get(message=again).outcome == "linked"


def test_closing_with_no_action_needs_a_reason(coordinator):
    message = triaged_message(text="thanks for your help yesterday")

    with pytest.raises(TriageRefused):
        contact_close(message=message, actor=coordinator, reason="")
    contact_close(message=message, actor=coordinator, reason="thank-you message")

    assert ContactTriage.objects.get(message=message).outcome == "no_action"


def test_an_item_claimed_by_one_coordinator_is_refused_to_another(coordinator):
    other = StaffFactory(username="chris", first_name="Chris", last_name="Other")
    message = triaged_message()
    item_claim(item_key=f"message:{message.pk}", actor=other)

    with pytest.raises(TriageRefused, match="Chris Other already has this item"):
        item_claim(item_key=f"message:{message.pk}", actor=coordinator)
    assert not item_release(item_key=f"message:{message.pk}", actor=coordinator)


def test_a_supervisor_can_release_anyones_claim(coordinator, supervisor):
    key = f"message:{triaged_message(text='hello').pk}"
    item_claim(item_key=key, actor=coordinator)

    assert item_release(item_key=key, actor=supervisor)


def test_an_officer_cannot_claim_triage_items(officer):
    with pytest.raises(TriageRefused):
        item_claim(item_key="message:1", actor=officer)


def test_a_misconduct_allegation_opens_a_restricted_referral_once():
    message = triaged_message(text="The officer who came last week keeps messaging me on here")
    contact_triage(message.pk)

    referral = MisconductReferral.objects.get()
    assert referral.message == message
    assert "officer who came last week keeps messaging" in referral.words[0]
    assert not MessageExclusion.objects.filter(basis=MessageExclusion.Basis.NAMED).exists()


def test_a_referral_names_the_member_of_staff_by_collar_number():
    named = StaffFactory(username="dave", role=Role.COORDINATOR, collar_number="4471")

    triaged_message(text="PC 4471 sent me pictures after he came round")

    exclusion = MessageExclusion.objects.get(message=MisconductReferral.objects.get().message)
    assert (exclusion.staff, exclusion.basis) == (named, MessageExclusion.Basis.NAMED)


def test_a_coordinator_adding_the_misconduct_flag_opens_a_referral(coordinator):
    message = triaged_message(text="the man from the control room rang my personal mobile")

    flag_add(message=message, kind="misconduct", actor=coordinator,
             reason="staff member contacting victim outside the platform")

    assert MisconductReferral.objects.get().opened_by == coordinator


def test_a_contact_graded_before_the_worker_ran_does_not_come_back_to_the_queue(coordinator):
    message = received_message(text="my ex is here")
    incident = contact_grade(message=message, opening_code="DOMESTIC", grade="priority",
                             thrive={}, actor=coordinator)

    triage = contact_triage(message.pk)

    assert (triage.outcome, triage.incident, triage.handled_by) == ("incident", incident,
                                                                    coordinator)
    assert triage.handled_at is not None


def test_a_contact_linked_before_it_was_queued_does_not_come_back_to_the_queue(coordinator):
    # An allegation is queued by the worker alone (contact_rules_apply leaves it to it).
    message = received_message(text="I want to report police misconduct")
    incident = incident_open(opening_code="MISCONDUCT", grade="standard", actor=coordinator,
                             message=message)

    triage = contact_triage(message.pk)

    assert (triage.outcome, triage.incident) == ("linked", incident)
    assert triage.handled_at is not None


# Intake's part of triage: the rules' flags and the queue at once, the rest from the worker.
# received_message() stores a text as intake does; its follow-up (the worker) has not run.

def _contact_keys(viewer) -> list[str]:
    return [item.key for item in queue_items(viewer=viewer) if item.kind == "message"]


def test_a_new_contact_is_in_the_queue_with_its_flags_before_the_worker_runs(coordinator):
    message = received_message(text=DA_TEXT)

    assert _flags(message) == {"domestic_abuse": ["my partner", "pushed me", "took my phone"],
                               "cannot_speak_freely": ["took my phone"]}
    triage = ContactTriage.objects.get(message=message)
    assert (triage.risk, triage.suggested_grade, triage.handled_at) == (70, "priority", None)
    [item] = queue_items(viewer=coordinator)
    assert item.key == f"message:{message.pk}"
    assert [flag.kind for flag in item.flags] == ["cannot_speak_freely", "domestic_abuse"]
    assert not FollowUp.objects.filter(done_at__isnull=False).exists()


def test_the_worker_adds_the_markers_to_the_same_row_and_the_order_follows(coordinator,
                                                                           officer):
    marked = received_message(sender="+447700900311", text="thanks").conversation.person
    marker_set(person=marked, kind="special_scheme", expires_at=timezone.now() + DAYS_30,
               officer=officer, actor=coordinator)
    older = received_message(sender="+447700900312", text="my ex is outside")
    newer = received_message(sender="+447700900311", text="my ex is outside again")
    queued = ContactTriage.objects.get(message=newer)
    # The rules alone: the same risk, so the older comes first.
    assert (queued.risk, queued.suggested_grade) == (60, "priority")
    assert _contact_keys(coordinator)[:2] == [f"message:{older.pk}", f"message:{newer.pk}"]

    contacts_triage([older.pk, newer.pk])

    triage = ContactTriage.objects.get(message=newer)
    assert triage.pk == queued.pk
    assert (triage.risk, triage.suggested_grade) == (70, "immediate")  # the special scheme
    assert _contact_keys(coordinator)[:2] == [f"message:{newer.pk}", f"message:{older.pk}"]


def test_an_allegation_waits_for_the_worker_to_keep_it_from_the_staff_it_names(coordinator):
    named = StaffFactory(username="cole", role=Role.COORDINATOR, collar_number="C9912")

    message = received_message(text="the call handler C9912 added me on instagram")

    assert not ContactTriage.objects.filter(message=message).exists()
    assert not RiskFlag.objects.filter(message=message).exists()
    assert _contact_keys(coordinator) == _contact_keys(named) == []

    contact_triage(message.pk)

    assert MessageExclusion.objects.get(message=message).staff == named
    assert _contact_keys(coordinator) == [f"message:{message.pk}"]
    assert _contact_keys(named) == []


def test_the_rules_run_on_the_text_alone_and_read_nothing(django_assert_num_queries):
    draft = Message(text="he has a knife and says he will kill me", created_at=timezone.now())

    with django_assert_num_queries(0):
        stored_with = contact_rules_apply(draft)

    triage, *flags = stored_with.rows
    assert (triage.risk, triage.suggested_grade) == (100, "immediate")
    assert {flag.kind for flag in flags} == {"immediate_danger"}
    assert stored_with.then is not None
