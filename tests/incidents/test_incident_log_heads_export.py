"""The management command that writes the day's log heads: `manage.py
incident_log_heads_export --date YYYY-MM-DD --out FILE`."""

from __future__ import annotations

import json
from datetime import timedelta
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.utils import timezone

pytestmark = pytest.mark.django_db


def _export(*args: str) -> str:
    out = StringIO()
    call_command("incident_log_heads_export", *args, stdout=out)
    return out.getvalue()


def test_it_writes_the_days_heads_to_the_file(incident, tmp_path):
    path = tmp_path / "heads.json"
    today = timezone.localdate().isoformat()

    out = _export("--date", today, "--out", str(path))

    export = json.loads(path.read_text())
    assert f"Exported the log heads of {today} to {path}" in out
    assert export["date"] == today
    assert [i["reference"] for i in export["incidents"]] == [incident.reference]
    assert {"count", "first_id", "last_id", "high_water_id", "digest"} <= set(
        export["access_events"])
    assert len(export["signature"]) == 64


def test_it_exports_yesterday_by_default(incident):
    export = json.loads(_export("--out", "-"))

    assert export["date"] == (timezone.localdate() - timedelta(days=1)).isoformat()
    assert export["incidents"] == []


def test_it_never_overwrites_an_export(incident, tmp_path):
    path = tmp_path / "heads.json"
    path.write_text("yesterday's")

    with pytest.raises(CommandError, match="never overwritten"):
        _export("--out", str(path))

    assert path.read_text() == "yesterday's"


def test_it_refuses_a_day_that_has_not_happened(tmp_path):
    tomorrow = (timezone.localdate() + timedelta(days=1)).isoformat()

    with pytest.raises(CommandError, match="has not happened yet"):
        _export("--date", tomorrow, "--out", str(tmp_path / "heads.json"))


def test_its_help_says_what_it_exports_and_how_to_check_it():
    command = "incident_log_heads_export"
    from django.core.management import load_command_class

    parser = load_command_class("contact_hub.incidents", command).create_parser("manage.py",
                                                                                 command)
    text = parser.format_help()

    assert "--date YYYY-MM-DD" in text
    assert "--out FILE" in text
    assert "incident_log_verify --against FILE" in " ".join(text.split())
