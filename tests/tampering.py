"""Changing the log tables behind the application's back, as the tamperer of THREATS.md does.

On PostgreSQL the tables refuse UPDATE and DELETE (a trigger); a tamperer with the rights to
get past it (a superuser, here by switching triggers off for the statement) still can, and the
keyed chain and the exported heads must then name what they did.
"""

from __future__ import annotations

from django.db import connection

from contact_hub.incidents.log import GENESIS, KEYED, UNKEYED, entry_hash
from contact_hub.incidents.models import Incident, LogEntry


def raw(sql: str, *params: object) -> None:
    """Run SQL as the application's own database user would, with the triggers in force."""
    with connection.cursor() as cursor:
        cursor.execute(sql, params)


def tamper(sql: str, *params: object) -> None:
    """Run SQL past the append-only triggers, as a database superuser can."""
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SET session_replication_role = replica")
        try:
            cursor.execute(sql, params)
        finally:
            if connection.vendor == "postgresql":
                cursor.execute("SET session_replication_role = DEFAULT")


def chain_recompute(incident: Incident, *, with_key: bool) -> None:
    """Rewrite every entry's hash from its (possibly edited) content, and the incident's head,
    as someone would who wants an edited log to verify: signed as the application signs, when
    they hold HUB_LOG_CHAIN_KEY, or else with plain SHA-256, marked as an old unkeyed chain."""
    version = KEYED if with_key else UNKEYED
    prev = GENESIS
    entries = list(LogEntry.objects.filter(incident=incident).order_by("seq"))
    for entry in entries:
        digest = entry_hash(version=version, incident_reference=incident.reference,
                            seq=entry.seq, at=entry.at, actor_id=entry.actor_id,
                            actor_label=entry.actor_label, kind=entry.kind, data=entry.data,
                            prev_hash=prev)
        tamper("UPDATE incidents_logentry SET prev_hash = %s, hash = %s, chain_version = %s "
               "WHERE id = %s", prev, digest, version, entry.pk)
        prev = digest
    tamper("UPDATE incidents_incident SET log_length = %s, log_head = %s WHERE id = %s",
           len(entries), prev, incident.pk)
