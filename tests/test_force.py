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


def test_the_risk_assessment_form_is_dash_unless_the_force_says_otherwise(tmp_path):
    path = tmp_path / "force.toml"
    path.write_text(DEFAULT_FORCE_FILE.read_text().replace(
        'form = "dash"\n# forms_dir = "risk_forms"', 'form = "dara"\nforms_dir = "our_forms"'))
    (tmp_path / "our_forms").mkdir()

    risk = force_config_load(path).risk_assessment

    assert force_config_load(DEFAULT_FORCE_FILE).risk_assessment == {
        "form": "dash", "forms_dir": None}
    # A relative folder is beside the force file.
    assert risk == {"form": "dara", "forms_dir": tmp_path / "our_forms"}
    assert force_config_problems(force_config_load(path)) == []


def test_a_risk_assessment_form_that_is_not_a_name_or_a_missing_folder_is_refused(tmp_path):
    path = tmp_path / "force.toml"
    path.write_text(DEFAULT_FORCE_FILE.read_text().replace(
        'form = "dash"\n# forms_dir = "risk_forms"', 'form = "../dash"\nforms_dir = "nowhere"'))

    problems = force_config_problems(force_config_load(path))

    assert problems == [
        'risk_assessment form must name a form: lower-case letters, digits and _, such as '
        '"dash" or "dara"',
        f"risk_assessment forms_dir '{tmp_path / 'nowhere'}' is not a folder"]


def test_a_force_file_without_a_recording_table_records_nothing(tmp_path):
    path = tmp_path / "force.toml"
    text = DEFAULT_FORCE_FILE.read_text()
    path.write_text(text[:text.index("[recording]")])

    config = force_config_load(path)

    assert config.recording == {"allowed": False, "retention_days": 90, "chunk_seconds": 5}
    assert force_config_problems(config) == []


def test_a_recording_table_that_does_not_hold_together_is_refused(tmp_path):
    path = tmp_path / "force.toml"
    path.write_text(DEFAULT_FORCE_FILE.read_text().replace(
        "allowed = true\nretention_days = 90\nchunk_seconds = 5",
        'allowed = "yes"\nretention_days = 0\nchunk_seconds = 5'))

    assert force_config_problems(force_config_load(path)) == [
        "recording allowed must be true or false",
        "recording retention_days must be a whole number from 1 to 3650"]
