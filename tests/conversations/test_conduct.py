"""The conduct rules: every rule proves itself against the texts it must hold and the
legitimate ones it must leave alone, and a force changes them by editing the file. Contact
with a victim after the work with her ended is flagged to professional standards."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.utils import timezone

from contact_hub.conversations.conduct import (
    CONTACT_AFTER_ASSIGNMENT,
    conduct_hold_reason,
    conduct_matches,
    conduct_rules,
    conduct_rules_check,
    conduct_rules_problems,
    contact_after_assignment_flag,
)
from contact_hub.staff.assignments import assignments_end
from contact_hub.staff.models import AccessEvent, Assignment
from tests.factories import assigned, received_message

DEFAULT_RULES = conduct_rules()


def _kinds(text: str) -> set[str]:
    return {match.kind for match in conduct_matches(text)}


def test_the_default_file_covers_every_boundary_the_issue_names():
    assert {rule.kind for rule in DEFAULT_RULES.rules} == {
        "meeting", "outside_work", "personal_contact", "photo", "appearance", "affection",
        "secrecy"}


def test_the_default_rules_have_no_problems():
    assert conduct_rules_problems(DEFAULT_RULES) == []


@pytest.mark.parametrize("kind, example", [(rule.kind, example) for rule in DEFAULT_RULES.rules
                                           for example in rule.examples])
def test_each_example_matches_its_rule_and_shows_the_words(kind, example):
    match = next(m for m in conduct_matches(example) if m.kind == kind)

    assert match.words
    assert all(word.lower() in example.lower() for word in match.words)


@pytest.mark.parametrize("kind, text", [(rule.kind, text) for rule in DEFAULT_RULES.rules
                                        for text in rule.not_examples])
def test_each_legitimate_text_is_held_by_no_rule(kind, text):
    assert _kinds(text) == set()


@pytest.mark.parametrize("kind, phrase", [(rule.kind, phrase) for rule in DEFAULT_RULES.rules
                                          for phrase in rule.phrases])
def test_every_phrase_matches_its_rule_inside_a_sentence(kind, phrase):
    match = next(m for m in conduct_matches(f"Hi. {phrase.upper()}, ok?") if m.kind == kind)

    assert phrase.upper() in match.words


@pytest.mark.parametrize("kind, pattern", [(rule.kind, pattern) for rule in DEFAULT_RULES.rules
                                           for pattern in rule.patterns])
def test_every_pattern_is_shown_by_one_of_its_examples(kind, pattern):
    rule = next(r for r in DEFAULT_RULES.rules if r.kind == kind)

    assert any(re.search(pattern, example, re.IGNORECASE) for example in rule.examples)


@pytest.mark.parametrize("text", [
    "Hi, is now a good time to talk? Reply YES or NO.",
    "We can send an officer to see you today at 2pm.",
    "PC 1234 Smith will call you tomorrow morning.",
    "Your reference is INC-20261123-000001.",
    "Please meet the officer at the front desk of the station.",
    "Join the video call here: https://meet.example.org/v/AbC_07700900123-x/",
])
def test_everyday_police_texts_are_not_held(text):
    assert _kinds(text) == set()


def test_the_hubs_own_numbers_may_be_given_out(settings):
    settings.TWILIO_SMS_NUMBERS = ["+447700900999"]
    settings.HUB_CALLBACK_FROM_NUMBER = "+441632960001"

    assert _kinds("Text us on 07700 900999 or we will ring from 01632 960001") == set()
    assert _kinds("Or text me on 07700 900998") == {"personal_contact"}


@pytest.mark.parametrize("written", ["07700 900999", "07700900999", "+44 7700 900999",
                                     "+44 (0)7700-900-999", "0044 7700 900999"])
def test_a_number_is_the_same_number_however_it_is_written(written, settings):
    settings.TWILIO_SMS_NUMBERS = ["+447700900999"]

    assert _kinds(f"Text us on {written}") == set()
    assert _kinds(f"Text me on {written[:-1]}8") == {"personal_contact"}


def test_a_curly_apostrophe_still_matches():
    assert "outside_work" in _kinds("Text me when I\u2019m off duty")


def test_the_hold_reason_names_the_rules_and_never_the_words():
    matches = conduct_matches("Fancy a coffee? My insta is @dave_k")

    reason = conduct_hold_reason(matches)

    assert reason == ("It matched the conduct rules 'Asking to meet socially', 'Personal "
                      "number, account or handle', so a supervisor reviews it first.")
    assert "@dave_k" not in reason and "coffee" not in reason


def test_a_force_changes_the_rules_by_editing_the_file(tmp_path, settings):
    rules = tmp_path / "conduct.toml"
    rules.write_text('[allowed]\nnumbers = ["0800 123 4567"]\n'
                     '[[rule]]\nkind = "gifts"\nlabel = "Offering gifts"\n'
                     'phrases = ["bought you a present"]\n'
                     'patterns = [\'\'\'(?<!\\d)0\\d{3} \\d{3} \\d{4}\'\'\']\n'
                     'examples = ["I bought you a present", "ring 0800 765 4321"]\n'
                     'not_examples = ["ring 0800 123 4567 for help"]\n')
    settings.HUB_CONDUCT_RULES_FILE = rules

    assert [(m.kind, m.words) for m in conduct_matches("I've bought you a present, x")] == [
        ("gifts", ("bought you a present",))]
    assert conduct_matches("Call 0800 123 4567") == []
    assert conduct_rules_check() == []


def test_an_example_that_does_not_match_its_rule_is_reported(tmp_path):
    rules = tmp_path / "conduct.toml"
    rules.write_text('[[rule]]\nkind = "x"\nphrases = ["alpha"]\nexamples = ["beta"]\n'
                     'not_examples = ["gamma"]\n')

    assert conduct_rules_problems(conduct_rules(rules)) == [
        "rule 'x': example does not match it: 'beta'"]


def test_a_legitimate_text_some_rule_would_hold_is_reported(tmp_path):
    rules = tmp_path / "conduct.toml"
    rules.write_text('[[rule]]\nkind = "x"\nphrases = ["meet"]\nexamples = ["meet me"]\n'
                     'not_examples = ["an officer can meet you at the station"]\n')

    assert conduct_rules_problems(conduct_rules(rules)) == [
        "rule 'x': legitimate text would be held by x: 'an officer can meet you at the "
        "station'"]


def test_a_rule_without_legitimate_texts_to_leave_alone_is_reported(tmp_path):
    rules = tmp_path / "conduct.toml"
    rules.write_text('[[rule]]\nkind = "x"\nphrases = ["alpha"]\nexamples = ["alpha"]\n')

    assert conduct_rules_problems(conduct_rules(rules)) == ["rule 'x' has no not_examples"]


def test_a_file_that_cannot_be_read_is_reported(tmp_path, settings):
    rules = tmp_path / "conduct.toml"
    rules.write_text('[[rule]]\nkind = "x"\npatterns = ["(unclosed"]\n')
    settings.HUB_CONDUCT_RULES_FILE = rules

    problems = conduct_rules_check()

    assert len(problems) == 1 and problems[0].startswith("cannot be read:")


# Contact after the work with her ended.


@pytest.fixture
def person(db):
    return received_message(text="can you call me").conversation.person


@pytest.mark.django_db
def test_contact_after_the_assignment_ended_is_flagged_and_reaches_professional_standards(
        person, coordinator, conduct_events, django_capture_on_commit_callbacks):
    assigned(coordinator, person, subject="message:1")
    assignments_end(kind=Assignment.Kind.CONTACT, subject="message:1",
                    at=timezone.now() - timedelta(days=2))

    with django_capture_on_commit_callbacks(execute=True):
        event = contact_after_assignment_flag(actor=coordinator, person_id=person.pk,
                                              what="text to the person")

    assert event is not None
    assert (event.action, event.why, event.flagged, event.person_id) == (
        AccessEvent.Action.CHANGE, CONTACT_AFTER_ASSIGNMENT, True, person.pk)
    assert conduct_events() == [{"type": "live.event", "kind": "look.flagged",
                                 "access_event_id": event.pk}]


@pytest.mark.django_db
def test_contact_as_part_of_current_work_is_not_flagged(person, coordinator):
    assigned(coordinator, person, subject="message:1")
    assignments_end(kind=Assignment.Kind.CONTACT, subject="message:1",
                    at=timezone.now() - timedelta(days=2))
    assigned(coordinator, person, kind=Assignment.Kind.INCIDENT, subject="incident:INC-2")

    assert contact_after_assignment_flag(actor=coordinator, person_id=person.pk,
                                         what="text to the person") is None
    assert not AccessEvent.objects.filter(flagged=True).exists()


@pytest.mark.django_db
def test_staff_who_never_worked_her_case_are_not_flagged_as_contact_after_it(
        person, coordinator):
    assert contact_after_assignment_flag(actor=coordinator, person_id=person.pk,
                                         what="text to the person") is None


@pytest.mark.django_db
def test_a_reason_given_to_look_is_not_work_that_covers_contact(person, coordinator):
    assigned(coordinator, person, subject="message:1")
    assignments_end(kind=Assignment.Kind.CONTACT, subject="message:1",
                    at=timezone.now() - timedelta(days=2))
    assigned(coordinator, person, kind=Assignment.Kind.BREAK_GLASS, subject="person:1",
             why="she asked for me by name")

    event = contact_after_assignment_flag(actor=coordinator, person_id=person.pk,
                                          what="text to the person")

    assert event is not None and event.flagged
