"""The management command that checks incident logs: `manage.py incident_log_verify`, alone
and `--against` the log heads `incident_log_heads_export` wrote."""

from __future__ import annotations

import json
import re
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command
from django.utils import timezone

from tests.tampering import chain_recompute, tamper

pytestmark = pytest.mark.django_db


def _verify(*args: str) -> tuple[str, str]:
    out, err = StringIO(), StringIO()
    call_command("incident_log_verify", *args, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


def _verify_failing(*args: str) -> tuple[str, str]:
    err = StringIO()
    with pytest.raises(CommandError) as failure:
        call_command("incident_log_verify", *args, stdout=StringIO(), stderr=err)
    return str(failure.value), err.getvalue()


def _export(tmp_path: Path, name: str = "heads.json") -> str:
    path = tmp_path / name
    call_command("incident_log_heads_export", "--date", timezone.localdate().isoformat(),
                 "--out", str(path), stdout=StringIO())
    return str(path)


def test_it_passes_every_intact_log(incident):
    out, _ = _verify()

    assert "OK: 1 incident log(s) verified" in out


def test_it_names_the_first_broken_entry_and_fails(incident):
    tamper("UPDATE incidents_logentry SET kind = 'tampered' WHERE incident_id = %s AND seq = 2",
           incident.pk)

    failure, err = _verify_failing()

    assert "1 of 1 incident log" in failure
    assert f"BROKEN {incident.reference}: entry 2" in err


def test_it_checks_only_the_incidents_named(incident):
    out, _ = _verify(incident.reference)

    assert "OK: 1 incident log(s)" in out


def test_it_refuses_an_unknown_reference(incident):
    with pytest.raises(CommandError, match="No such incident: INC-NOPE"):
        _verify("INC-NOPE")


def test_it_passes_against_an_export_when_nothing_changed_since(incident, tmp_path):
    export = _export(tmp_path)

    out, _ = _verify("--against", export)

    assert "OK: 1 incident log(s) verified; they match 1 export(s)" in out


def test_entries_added_after_the_export_are_no_difference(incident, tmp_path, coordinator):
    from contact_hub.incidents.log import log_append

    export = _export(tmp_path)
    log_append(incident, "note.added", {"note": "called again"}, actor=coordinator)

    out, _ = _verify("--against", export)

    assert "OK" in out


def test_it_names_a_chain_recomputed_with_the_key_against_the_export(incident, tmp_path):
    export = _export(tmp_path)
    tamper("UPDATE incidents_logentry SET data = %s WHERE incident_id = %s AND seq = 3",
           '{"note": "victim declined help"}', incident.pk)
    chain_recompute(incident, with_key=True)
    assert "OK" in _verify()[0]

    failure, err = _verify_failing("--against", export)

    assert f"CHANGED SINCE {export}: {incident.reference}: entry 4 is not the head " in err
    assert "the log was rewritten" in err
    assert "1 difference(s) from 1 export(s)" in failure


def test_it_names_a_log_cut_shorter_than_exported(incident, tmp_path):
    export = _export(tmp_path)
    tamper("DELETE FROM incidents_logentry WHERE incident_id = %s AND seq > 2", incident.pk)
    chain_recompute(incident, with_key=True)

    _, err = _verify_failing("--against", export)

    assert f"{incident.reference}: the log is shorter than it was: 4 entries were exported" in err


def test_it_checks_several_exports(incident, tmp_path):
    first, second = _export(tmp_path, "one.json"), _export(tmp_path, "two.json")
    tamper("UPDATE incidents_logentry SET data = '{}' WHERE incident_id = %s AND seq = 4",
           incident.pk)
    chain_recompute(incident, with_key=True)

    failure, err = _verify_failing("--against", first, "--against", second)

    assert f"CHANGED SINCE {first}" in err
    assert f"CHANGED SINCE {second}" in err
    assert "2 difference(s) from 2 export(s)" in failure


def test_it_refuses_an_export_that_was_changed(incident, tmp_path):
    path = Path(_export(tmp_path))
    export = json.loads(path.read_text())
    export["incidents"][0]["log_length"] = 2
    path.write_text(json.dumps(export))

    _, err = _verify_failing("--against", str(path))

    assert "does not carry a valid signature" in err


@pytest.mark.parametrize("content, message", [
    (None, "Cannot read the export"),
    ("not json", "is not a log heads export (not JSON)"),
    ("[1, 2]", "is not a log heads export"),
])
def test_it_refuses_a_file_that_is_not_an_export(tmp_path, content, message):
    path = tmp_path / "heads.json"
    if content is not None:
        path.write_text(content)

    with pytest.raises(CommandError, match=re.escape(message)):
        _verify("--against", str(path))
