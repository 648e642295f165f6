"""The same inbound messages through intake on whichever database is configured, and the rows
they leave with ids and times normalised, so a PostgreSQL run and a SQLite run can be compared.

Used by tests/conversations/test_intake_databases.py in the test process and, on SQLite, in a
`manage.py shell` beside it: `print(intake_rows_json())`.
"""

from __future__ import annotations

import json
from typing import Any

from django.db import models, transaction

from contact_hub.conversations.intake import InboundMessage, MediaRef, message_intake
from contact_hub.conversations.models import Conversation, Message
from contact_hub.followups.models import FollowUp
from contact_hub.people.models import Identity, Person

PHOTO = (MediaRef(url="https://api.twilio.com/m/1", content_type="image/jpeg"),)
# Every case the two databases could store differently: first contact, a known sender (the
# one-statement case on PostgreSQL), redeliveries of each, a known person on a new channel, a
# platform id, and one provider id from two providers.
INBOUND = (
    InboundMessage("sms", "twilio", "SMdb1", "07700 900471", "He's outside again"),
    InboundMessage("sms", "twilio", "SMdb2", "+447700900471", "photo of the car", media=PHOTO),
    InboundMessage("sms", "twilio", "SMdb2", "+447700900471", "photo of the car", media=PHOTO),
    InboundMessage("whatsapp", "meta", "wamid.db1", "+447700900471", "on whatsapp now"),
    InboundMessage("whatsapp", "meta", "wamid.db2", "07700900471", "are you there"),
    InboundMessage("messenger", "meta", "SMdb1", "2718281828459045", "hello"),
    InboundMessage("sms", "twilio", "SMdb3", "07700900472", "first time"),
    InboundMessage("sms", "twilio", "SMdb3", "07700900472", "first time"),
)
MODELS: tuple[type[models.Model], ...] = (Person, Identity, Conversation, Message, FollowUp)


def intake_rows() -> dict[str, Any]:
    """Run INBOUND through intake and return what each call said and the rows stored.

    All inside one transaction that is rolled back: follow-up work, sent after commit, never
    runs (so only intake's own rows are compared), and the database is left as it was found.
    """
    with transaction.atomic():
        results = [message_intake(inbound) for inbound in INBOUND]
        ids = {model: {pk: n for n, pk in enumerate(
            model.objects.order_by("pk").values_list("pk", flat=True))} for model in MODELS}
        dump = {
            "results": [(ids[Message][r.message.pk], r.created,
                         ids[Conversation][r.message.conversation.pk]) for r in results],
            "rows": {model._meta.label: [_row(model, row, ids) for row in
                                         model.objects.order_by("pk").values()]
                     for model in MODELS},
        }
        transaction.set_rollback(True)
    # Through JSON so both runs compare as the same plain types.
    return json.loads(json.dumps(dump))


def intake_rows_json() -> str:
    return json.dumps(intake_rows())


def _row(model: type[models.Model], row: dict[str, Any],
         ids: dict[type[models.Model], dict[Any, int]]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for field in model._meta.concrete_fields:
        value = row[field.attname]
        if field.primary_key:
            value = ids[model][value]
        elif field.is_relation and value is not None:
            value = ids[field.related_model][value] if field.related_model in ids else value
        elif isinstance(field, models.DateTimeField):
            # Times differ between runs; whether one was set must not.
            value = value is not None
        out[field.attname] = value
    if model is FollowUp and "message_id" in out["payload"]:
        out["payload"] = {**out["payload"],
                          "message_id": ids[Message][out["payload"]["message_id"]]}
    return out
