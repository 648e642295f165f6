"""The default risk rules: every rule proves itself against its examples and phrases, and a
force can change them by editing the file, not code."""

from __future__ import annotations

import re

import pytest

from contact_hub.triage.rules import risk_rules, rules_match, rules_problems

DEFAULT_RULES = risk_rules()


def _kinds(text: str) -> set[str]:
    return {match.kind for match in rules_match(text)}


def test_the_default_file_covers_every_flag_the_issue_names():
    assert {rule.kind for rule in DEFAULT_RULES} == {
        "domestic_abuse", "immediate_danger", "self_harm", "child_at_risk",
        "cannot_speak_freely", "misconduct"}


def test_the_default_rules_have_no_problems():
    assert rules_problems(DEFAULT_RULES) == []


@pytest.mark.parametrize("kind, example", [(rule.kind, example) for rule in DEFAULT_RULES
                                           for example in rule.examples])
def test_each_example_raises_its_flag_and_shows_the_words(kind, example):
    match = next(m for m in rules_match(example) if m.kind == kind)

    assert match.words
    assert all(word.lower() in example.lower() for word in match.words)


@pytest.mark.parametrize("kind, phrase", [(rule.kind, phrase) for rule in DEFAULT_RULES
                                          for phrase in rule.phrases])
def test_every_phrase_raises_its_flag_inside_a_sentence(kind, phrase):
    match = next(m for m in rules_match(f"Hi. {phrase.upper()}, please.") if m.kind == kind)

    assert phrase.upper() in match.words


@pytest.mark.parametrize("kind, pattern", [(rule.kind, pattern) for rule in DEFAULT_RULES
                                           for pattern in rule.patterns])
def test_every_pattern_is_shown_by_one_of_its_examples(kind, pattern):
    rule = next(r for r in DEFAULT_RULES if r.kind == kind)

    assert any(re.search(pattern, example, re.IGNORECASE) for example in rule.examples)


@pytest.mark.parametrize("text", [
    "I want to report my car was broken into overnight on Elm Road, nothing urgent",
    "Loud party every night at number 12, been going on for weeks",
    "I have my exam tomorrow, can someone call about the parking?",
    "Can an officer ring me back about my bike?",
])
def test_everyday_contacts_raise_no_flag(text):
    assert _kinds(text) == set()


@pytest.mark.parametrize("text", [
    "My ex added me on Facebook again even though I blocked him",
    "He asked for a picture of the kids",
    "He asked me out and now he won't leave me alone",
    "The officer was really helpful. My ex messaged me on Instagram last night",
    "The officer arrested him. He has been texting me from prison",
    "He gave me his number at the party",
])
def test_a_personal_approach_by_someone_not_on_the_staff_is_not_misconduct(text):
    # Most often it is the abuser she tells us about; a misconduct flag would keep the staff
    # working her case from her messages.
    assert "misconduct" not in _kinds(text)


@pytest.mark.parametrize("text", [
    "The call handler gave me his personal number",
    "the man on the phone asked for a picture of me",
    "The officer who came round. She's since messaged me on Instagram",
    "He asked me out, the officer who took my statement",
])
def test_a_personal_approach_by_staff_raises_the_misconduct_flag(text):
    assert "misconduct" in _kinds(text)


def test_a_curly_apostrophe_from_a_phone_still_matches():
    assert "cannot_speak_freely" in _kinds("I can\u2019t talk, he\u2019s listening")


def test_one_contact_can_raise_several_flags():
    assert _kinds("He said if I leave he'll hurt the kids. He's here now") == {
        "domestic_abuse", "child_at_risk", "immediate_danger"}


def test_a_force_changes_the_rules_by_editing_the_file(tmp_path, settings):
    rules = tmp_path / "rules.toml"
    rules.write_text('[[flag]]\nkind = "hate_crime"\nlabel = "Hate crime"\nweight = 70\n'
                     'phrases = ["because of my religion"]\n'
                     'examples = ["they shouted at me because of my religion"]\n')
    settings.HUB_RISK_RULES_FILE = rules

    matches = rules_match("They spat at me because of my religion")

    assert [(m.kind, m.words) for m in matches] == [("hate_crime", ("because of my religion",))]
    assert rules_problems(risk_rules()) == []


def test_an_example_that_does_not_raise_its_flag_is_reported(tmp_path, settings):
    rules = tmp_path / "rules.toml"
    rules.write_text('[[flag]]\nkind = "x"\nphrases = ["alpha"]\nexamples = ["beta"]\n')

    assert rules_problems(risk_rules(rules)) == ["flag 'x': example does not raise it: 'beta'"]
