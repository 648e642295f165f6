"""Intake is one path on every database: PostgreSQL's one-statement store for a known sender is
an optimisation inside it, so the same inbound messages leave the same rows on PostgreSQL (this
process) and on SQLite (the embedded demo's database, in a `manage.py shell` beside it)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.intake_rows import INBOUND, intake_rows

ROOT = Path(__file__).resolve().parent.parent.parent


def _sqlite_intake_rows(data_dir: Path) -> dict:
    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "REDIS_URL")}
    env["HUB_DATA_DIR"] = str(data_dir)

    def manage(*args: str) -> str:
        return subprocess.run([sys.executable, "manage.py", *args], cwd=ROOT, env=env,
                              check=True, capture_output=True, text=True, timeout=180).stdout

    manage("migrate", "--noinput")
    out = manage("shell", "-c", "from tests.intake_rows import intake_rows_json; "
                                "print('ROWS', intake_rows_json())")
    return json.loads(out.rsplit("ROWS ", 1)[1])


@pytest.mark.postgres
@pytest.mark.django_db
def test_the_same_inbound_messages_store_the_same_rows_on_postgresql_and_sqlite(tmp_path):
    on_postgresql = intake_rows()
    on_sqlite = _sqlite_intake_rows(tmp_path)

    assert on_postgresql == on_sqlite
    # The comparison means something only if the cases happened: every message stored once,
    # the redeliveries answered with the stored message, and one follow-up row for each.
    rows = on_postgresql["rows"]
    assert [created for _, created, _ in on_postgresql["results"]] == [
        True, True, False, True, True, True, True, False]
    assert len(rows["conversations.Message"]) == len(INBOUND) - 2
    assert len(rows["followups.FollowUp"]) == len(INBOUND) - 2
    assert len(rows["people.Person"]) == 3
    assert len(rows["conversations.Conversation"]) == 4
