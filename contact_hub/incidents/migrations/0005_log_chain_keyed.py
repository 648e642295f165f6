"""The incident log's chain is signed with HUB_LOG_CHAIN_KEY from here on.

Entries already written keep their plain SHA-256 hashes (chain version 1) and stay verifiable.
So that a chain rewritten later without the key cannot pass for one of these old chains, each
existing chain that verifies is sealed with one signed entry (`log.keyed`, chain version 2)
over its head: from then on verification requires every chain to end in a signed entry. A chain
that already fails is left as it is, for `incident_log_verify` to name.

The hashing is a frozen copy of contact_hub/incidents/log.py at this point, as a migration must
not change with the code after it; tests/incidents/test_log.py checks a sealed chain verifies.
"""

import hashlib
import hmac
import json
from datetime import UTC

from django.conf import settings
from django.db import migrations, models
from django.utils import timezone

GENESIS = "0" * 64
UNKEYED, KEYED = 1, 2
SEAL_KIND = "log.keyed"


def _canonical(value):
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()


def _fields(reference, seq, at, actor_label, kind, data, prev_hash):
    return {"incident": reference, "seq": seq,
            "at": at.astimezone(UTC).isoformat(timespec="microseconds"),
            "actor": actor_label, "kind": kind, "data": data, "prev": prev_hash}


def _unkeyed_hash(reference, entry):
    return hashlib.sha256(_canonical(_fields(
        reference, entry.seq, entry.at, entry.actor_label, entry.kind, entry.data,
        entry.prev_hash))).hexdigest()


def _keyed_hash(reference, seq, at, actor_id, actor_label, kind, data, prev_hash):
    key = hmac.new(settings.HUB_LOG_CHAIN_KEY.encode(), b"contact_hub.incidents.log.chain",
                   hashlib.sha256).digest()
    fields = _fields(reference, seq, at, actor_label, kind, data, prev_hash)
    fields |= {"actor_id": actor_id, "version": KEYED}
    return hmac.new(key, _canonical(fields), hashlib.sha256).hexdigest()


def _chain_holds(incident, entries):
    prev = GENESIS
    for expected_seq, entry in enumerate(entries, start=1):
        if (entry.seq != expected_seq or entry.prev_hash != prev
                or _unkeyed_hash(incident.reference, entry) != entry.hash):
            return False
        prev = entry.hash
    return len(entries) == incident.log_length and prev == (incident.log_head or GENESIS)


def seal_unkeyed_chains(apps, schema_editor):
    Incident = apps.get_model("incidents", "Incident")
    LogEntry = apps.get_model("incidents", "LogEntry")
    for incident in Incident.objects.filter(log_length__gt=0).order_by("pk").iterator():
        entries = list(LogEntry.objects.filter(incident_id=incident.pk).order_by("seq"))
        if any(e.chain_version != UNKEYED for e in entries) or not _chain_holds(incident,
                                                                                entries):
            continue
        seq, at, data = incident.log_length + 1, timezone.now(), {"entries": incident.log_length}
        digest = _keyed_hash(incident.reference, seq, at, None, "system", SEAL_KIND, data,
                             incident.log_head)
        LogEntry.objects.create(incident_id=incident.pk, seq=seq, at=at, actor=None,
                                actor_label="system", kind=SEAL_KIND, data=data,
                                prev_hash=incident.log_head, hash=digest, chain_version=KEYED)
        Incident.objects.filter(pk=incident.pk).update(log_length=seq, log_head=digest)


def unseal(apps, schema_editor):
    """Going back is possible only while the seals are all the signing there is."""
    Incident = apps.get_model("incidents", "Incident")
    LogEntry = apps.get_model("incidents", "LogEntry")
    signed = LogEntry.objects.filter(chain_version=KEYED)
    if signed.exclude(kind=SEAL_KIND).exists():
        raise RuntimeError("Signed log entries were written after the chain was keyed; the "
                           "code before it cannot verify them, so this cannot be undone.")
    for seal in signed.order_by("pk"):
        Incident.objects.filter(pk=seal.incident_id, log_length=seal.seq).update(
            log_length=seal.seq - 1, log_head=seal.prev_hash)
    signed.delete()


class Migration(migrations.Migration):

    dependencies = [
        ("incidents", "0004_alert_from_triage"),
    ]

    operations = [
        migrations.AddField(
            model_name="logentry",
            name="chain_version",
            field=models.PositiveSmallIntegerField(default=UNKEYED),
            preserve_default=False,
        ),
        migrations.RunPython(seal_unkeyed_chains, unseal),
    ]
