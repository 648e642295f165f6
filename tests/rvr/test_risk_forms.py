"""Risk assessment forms are data files: DASH scores exactly as the hub always has, DARA holds
what has been published about it with its sources (and no made-up question), a force's own
file replaces a built-in one, and `manage.py check` refuses an unknown, malformed or unfinished
form."""

from __future__ import annotations

import itertools
import random
import tomllib

import pytest

from rvr.checks import risk_form_holds_together
from rvr.risk_forms import (
    BUILT_IN,
    JUDGEMENT,
    RiskFormUnusable,
    risk_form_current,
    risk_form_load,
    risk_form_read,
    risk_forms_problems,
)
from tests.rvr.risk_form_files import DARA_VERSION, dara_completed, dash_edited


def test_dash_is_the_default_form_and_holds_together():
    form = risk_form_current()

    assert (form.key, form.version, form.title) == ("dash", "1", "DASH risk checklist")
    assert risk_form_read(BUILT_IN / "dash.toml")[1] == []
    assert risk_forms_problems("dash", None) == []


def test_dash_asks_the_24_questions_it_always_asked():
    form = risk_form_load("dash")

    assert len(form.questions) == 24
    assert [q.key for q in form.questions] == [str(n) for n in range(1, 25)]
    assert form.questions[0].text == "Has the current incident resulted in injury?"
    assert form.questions[14].text == ("Have they ever attempted to strangle, choke, suffocate "
                                       "or drown you?")
    assert form.questions[23].text == ("Do you know if they have ever been in trouble with the "
                                       "police or have a criminal history?")
    assert all([c.value for c in q.choices] == ["yes", "no", "not_known"]
               for q in form.questions)


def _the_old_rule(answers: dict[str, str]) -> tuple[int, str]:
    """rvr.risk_assessment.dash_score before forms were data: the number of "yes", and high
    risk at 14 or more, else standard."""
    yes = sum(1 for n in range(1, 25) if answers.get(str(n)) == "yes")
    return yes, "high" if yes >= 14 else "standard"


def test_dash_scores_every_count_of_yes_exactly_as_the_old_rule():
    form = risk_form_load("dash")
    for yes, filler in itertools.product(range(25), ("no", "not_known")):
        answers = {str(n): "yes" if n <= yes else filler for n in range(1, 25)}

        score = form.score(answers)

        assert (score, form.score_level(score)) == _the_old_rule(answers)


def test_dash_scores_any_mix_of_answers_exactly_as_the_old_rule():
    form = risk_form_load("dash")
    draw = random.Random(14)  # fixed, so a failure can be run again
    for _ in range(2000):
        answers = {str(n): draw.choice(["yes", "no", "not_known"]) for n in range(1, 25)}

        score = form.score(answers)

        assert (score, form.score_level(score)) == _the_old_rule(answers)


def test_dash_high_risk_flags_the_incident_for_marac():
    high_risk = risk_form_load("dash").high_risk

    assert (high_risk.flag, high_risk.needs) == ("marac_referral", "a MARAC referral")
    assert high_risk.prompt == "MARAC referral needed: make the referral."


def test_dara_holds_its_sources_and_no_made_up_question():
    form, problems = risk_form_read(BUILT_IN / "dara.toml")

    assert problems == []
    assert (form.key, form.title) == ("dara", "Domestic Abuse Risk Assessment (DARA)")
    assert form.complete is False and form.questions == ()
    assert "wording was not found" in form.missing
    titles = [source.title for source in form.sources]
    assert any("Piloting a new approach to domestic abuse frontline risk assessment" in t
               and "Wire" in t and "Myhill" in t for t in titles)
    assert any("College of Policing, 26 November 2022" in t for t in titles)
    assert all(source.url.startswith(("http://", "https://")) for source in form.sources)


def test_dara_is_graded_by_the_officer_as_its_sources_describe():
    form = risk_form_load("dara")

    assert form.scoring == JUDGEMENT and form.levels == ()
    assert form.high_risk.flag == "marac_referral"


def test_check_refuses_dara_until_its_questions_are_in(settings):
    settings.HUB_RISK_FORM = "dara"

    errors = risk_form_holds_together(None)

    assert [e.id for e in errors] == ["rvr.E002"]
    assert "risk_assessment form 'dara' is not complete" in errors[0].msg
    assert "Copy them from the College's DARA form" in errors[0].msg


def test_a_force_finished_dara_in_its_own_folder_is_used(settings, tmp_path):
    dara_completed(tmp_path / "forms")
    settings.HUB_RISK_FORM, settings.HUB_RISK_FORMS_DIR = "dara", tmp_path / "forms"

    form = risk_form_current()

    assert risk_form_holds_together(None) == []
    assert (form.key, form.version, form.complete) == ("dara", DARA_VERSION, True)
    assert form.path == tmp_path / "forms" / "dara.toml"
    assert len(form.questions) == 5


def test_a_force_copy_of_dash_replaces_the_built_in_one(settings, tmp_path):
    dash_edited(tmp_path, '{ from = 0, level = "standard" },',
                '{ from = 0, level = "standard" },\n  { from = 10, level = "medium" },')
    settings.HUB_RISK_FORMS_DIR = tmp_path

    form = risk_form_current()

    assert [(b.score, b.level) for b in form.levels] == [
        (0, "standard"), (10, "medium"), (14, "high")]
    assert form.score_level(11) == "medium"
    assert form.sha256 != risk_form_load("dash").sha256


def test_a_running_hub_keeps_the_form_it_read_until_it_restarts(tmp_path):
    path = dash_edited(tmp_path, 'version = "1"', 'version = "2"')
    assert risk_form_load("dash", tmp_path).version == "2"

    path.write_text(path.read_text().replace('version = "2"', 'version = "3"'))

    assert risk_form_load("dash", tmp_path).version == "2"


def test_the_digest_follows_content_not_comments(tmp_path):
    dash_edited(tmp_path, "# The DASH risk checklist", "# Our copy of the DASH risk checklist")

    assert risk_form_load("dash", tmp_path).sha256 == risk_form_load("dash").sha256


def test_check_refuses_an_unknown_form(settings):
    settings.HUB_RISK_FORM = "caada"

    errors = risk_form_holds_together(None)

    assert [e.msg for e in errors] == [
        "risk_assessment form 'caada' is not a known form: choose one of dara, dash"]


def test_loading_an_unknown_form_is_refused():
    with pytest.raises(RiskFormUnusable, match="not a known form"):
        risk_form_load("caada")


@pytest.mark.parametrize(("old", "new", "problem"), [
    ('key = "dash"', 'key = "dash2"', "its key 'dash2' is not its file's name (dash)"),
    ('version = "1"\n', "", "version is missing"),
    ('kind = "sum"', 'kind = "points"', '[scoring] kind must be "sum" or "judgement"'),
    ('{ from = 14, level = "high" }', '{ from = 14, level = "severe" }',
     "[scoring] a level must be one of standard, medium, high"),
    ('{ from = 14, level = "high" }', '{ from = 25, level = "high" }',
     "[scoring] level 'high' needs a score of 25, but the answers add up to 24 at most"),
    ('{ from = 0, level = "standard" },', '{ from = 0, level = "high" },',
     "[scoring] levels must rise: higher scores, higher levels"),
    ('{ from = 0, level = "standard" },', '{ from = 2, level = "standard" },',
     "[scoring] levels must start from 0"),
    ('{ value = "no", label = "No", score = 0 }', '{ value = "no", label = "No" }',
     "question '1': answer 'no' needs a score (the form is scored)"),
    ('{ value = "no", label = "No", score = 0 }', '{ value = "No!", label = "No", score = 0 }',
     "question '1': answer value 'No!' must be lower-case letters, digits or _"),
    ('{ value = "no", label = "No", score = 0 }', '{ value = "no", label = "No", score = -1 }',
     "question '1': answer 'no' score must be a whole number from 0"),
    ('key = "2"', 'key = "1"', "question '1': the key is used twice"),
    ('key = "3"\ntext = "What are you afraid of? Is it further injury or violence?"\n'
     'answers = "yes_no_not_known"',
     'key = "3"\ntext = "What are you afraid of? Is it further injury or violence?"\n'
     'answers = "yes_no"', "question '3': answers 'yes_no' is not an [answer_set]"),
    ('flag = "marac_referral"', 'flag = "MARAC referral"',
     "[high_risk] flag must be the incident flag it adds, e.g. marac_referral"),
    ('prompt = "MARAC referral needed: make the referral."\n', "", "[high_risk] prompt is missing"),
    ('score_label = "yes"\n', "", '[scoring] score_label is missing (what the score counts, '
     'e.g. "yes")'),
])
def test_check_refuses_a_malformed_form(settings, tmp_path, old, new, problem):
    path = dash_edited(tmp_path, old, new)
    settings.HUB_RISK_FORMS_DIR = tmp_path

    errors = risk_form_holds_together(None)

    assert f"{path}: {problem}" in [e.msg for e in errors]
    with pytest.raises(RiskFormUnusable, match=r"dash\.toml"):
        risk_form_current()


def test_a_form_without_sources_is_refused(tmp_path):
    text = (BUILT_IN / "dash.toml").read_text()
    start, end = text.index("[[source]]"), text.index("[answer_set]")
    (tmp_path / "dash.toml").write_text(text[:start] + text[end:])

    problems = risk_form_read(tmp_path / "dash.toml")[1]

    assert problems == ["a form needs at least one [[source]] saying where it comes from"]


def test_a_complete_form_needs_questions(tmp_path):
    text = (BUILT_IN / "dash.toml").read_text()
    (tmp_path / "dash.toml").write_text(text[:text.index("[[question]]")])

    problems = risk_form_read(tmp_path / "dash.toml")[1]

    assert problems == ["a complete form needs at least one [[question]]"]


def test_a_graded_form_takes_no_thresholds(tmp_path):
    path = dara_completed(tmp_path)
    path.write_text(path.read_text().replace(
        'kind = "judgement"', 'kind = "judgement"\nlevels = [{ from = 0, level = "standard" }]'))

    problems = risk_form_read(path)[1]

    assert problems == ["[scoring] levels are for a scored form; the officer grades this one"]


def test_an_unfinished_form_must_say_what_is_missing(tmp_path):
    path = tmp_path / "dara.toml"
    path.write_text((BUILT_IN / "dara.toml").read_text().replace("\nmissing = ", "\nnot_said = "))

    assert "a form that is not complete must say what is missing (missing = ...)" in (
        risk_form_read(path)[1])


def test_a_file_that_is_not_toml_is_refused_by_check(settings, tmp_path):
    (tmp_path / "stalking.toml").write_text("key = \n")
    settings.HUB_RISK_FORMS_DIR = tmp_path

    errors = risk_form_holds_together(None)

    assert len(errors) == 1
    assert errors[0].msg.startswith(f"{tmp_path / 'stalking.toml'}: it is not valid TOML")


def test_every_built_in_form_file_parses_as_toml():
    for path in BUILT_IN.glob("*.toml"):
        with open(path, "rb") as file:
            assert tomllib.load(file)["key"] == path.stem
