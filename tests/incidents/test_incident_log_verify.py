"""The management command that checks incident logs: `manage.py incident_log_verify`."""

from __future__ import annotations

from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.db import connection

pytestmark = pytest.mark.django_db


def _verify(*references: str) -> tuple[str, str]:
    out, err = StringIO(), StringIO()
    call_command("incident_log_verify", *references, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


def test_it_passes_every_intact_log(incident):
    out, _ = _verify()

    assert "OK: 1 incident log(s) verified" in out


def test_it_names_the_first_broken_entry_and_fails(incident):
    with connection.cursor() as cursor:
        cursor.execute("UPDATE incidents_logentry SET kind = 'tampered' WHERE incident_id = %s "
                       "AND seq = 2", [incident.pk])
    err = StringIO()

    with pytest.raises(CommandError, match="1 of 1 incident log"):
        call_command("incident_log_verify", stderr=err)

    assert f"BROKEN {incident.reference}: entry 2" in err.getvalue()


def test_it_checks_only_the_incidents_named(incident):
    out, _ = _verify(incident.reference)

    assert "OK: 1 incident log(s)" in out


def test_it_refuses_an_unknown_reference(incident):
    with pytest.raises(CommandError, match="No such incident: INC-NOPE"):
        _verify("INC-NOPE")
