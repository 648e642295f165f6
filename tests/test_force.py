"""The force's configuration file: grades, opening codes, markers and notices come from it,
and a file that does not hold together is refused by the checks."""

from __future__ import annotations

from contact_hub.force import DEFAULT_FORCE_FILE, force_config_load, force_config_problems


def test_the_default_force_file_holds_together():
    config = force_config_load(DEFAULT_FORCE_FILE)

    assert force_config_problems(config) == []
    assert next(iter(config.grades)) == "immediate"
    assert config.opening_codes["DOMESTIC"]["domestic"] is True


def test_a_notice_that_is_not_neutral_is_refused(tmp_path):
    text = DEFAULT_FORCE_FILE.read_text().replace(
        'delay = "Sorry,', 'delay = "Police update: sorry,')
    path = tmp_path / "force.toml"
    path.write_text(text)

    problems = force_config_problems(force_config_load(path))

    assert problems == ["notice 'delay' is not neutral: it says 'police'"]


def test_a_marker_raising_to_an_unknown_grade_is_refused(tmp_path):
    path = tmp_path / "force.toml"
    path.write_text(DEFAULT_FORCE_FILE.read_text().replace(
        'raises_grade_to = "priority"', 'raises_grade_to = "urgent"'))

    assert "marker 'marac' raises to unknown grade 'urgent'" in force_config_problems(
        force_config_load(path))
