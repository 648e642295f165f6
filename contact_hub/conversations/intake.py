"""The one intake function every channel adapter calls with a normalised inbound message."""

from __future__ import annotations

import functools
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime

from django.conf import settings
from django.db import IntegrityError, connection, transaction
from django.db.models import Model
from django.utils.module_loading import import_string

from contact_hub.conversations.models import (
    CHANNEL_IDENTITY_KIND,
    Conversation,
    DeliveryStatus,
    Message,
)
from contact_hub.conversations.tasks import messages_received
from contact_hub.followups.models import FollowUp
from contact_hub.followups.services import followup_queue, followups_send_on_commit
from contact_hub.insert_select import (
    ONE_STATEMENT_VENDORS,
    insert_params,
    insert_select_sql,
    select_list,
)
from contact_hub.people.identifiers import phone_parse
from contact_hub.people.models import Identity, Person
from contact_hub.prepared import prepared_cursor


@dataclass(frozen=True)
class MediaRef:
    url: str
    content_type: str = ""


@dataclass(frozen=True)
class InboundMessage:
    """What every adapter turns a provider's payload into."""

    channel: str
    provider: str
    provider_message_id: str
    sender: str
    text: str = ""
    media: tuple[MediaRef, ...] = field(default_factory=tuple)
    received_at: datetime | None = None


@dataclass(frozen=True)
class IntakeResult:
    message: Message
    created: bool


@dataclass(frozen=True)
class StoredWith:
    """What an app keeps with a new inbound message (settings.HUB_MESSAGE_INTAKE_HOOKS).

    `rows` are written in the statement (or transaction) that stores the message, so they
    commit with it or not at all: each has a `message` foreign key, and may have a `person`
    one, which intake fills in with the message and its sender's person. `then` runs once that
    has committed, with the message as stored (its conversation and identity loaded)."""

    rows: tuple[Model, ...] = ()
    then: Callable[[Message], None] | None = None


IntakeHook = Callable[[Message], StoredWith]


@functools.cache
def _intake_hooks(paths: tuple[str, ...]) -> tuple[IntakeHook, ...]:
    return tuple(import_string(path) for path in paths)


def _stored_with(message: Message) -> list[StoredWith]:
    """Each intake hook's rows for the message, decided from the message alone (its text,
    channel and time), never from the database, so they cost no round trip of their own."""
    hooks = _intake_hooks(tuple(settings.HUB_MESSAGE_INTAKE_HOOKS))
    return [hook(message) for hook in hooks]


def _rows_of(extras: list[StoredWith]) -> list[Model]:
    return [row for extra in extras for row in extra.rows]


def _then_on_commit(extras: list[StoredWith], message: Message) -> None:
    for extra in extras:
        if extra.then is not None:
            transaction.on_commit(functools.partial(extra.then, message))


def message_intake(inbound: InboundMessage) -> IntakeResult:
    """Store the message once, however often it is delivered, and queue its follow-up work.

    One path on every database: find the sender's conversation on this channel, open it on first
    contact (with the person and identity, if nobody has used the sender before), then store the
    message and its follow-up row. On a database that can write related rows in one statement
    (PostgreSQL), finding and storing are one round trip for a known sender; that statement
    writes the rows the steps would, so it changes only the cost (tests/conversations/
    test_intake_databases.py compares the rows on PostgreSQL and SQLite).

    Raises InvalidIdentifier if a phone channel's sender is not a possible number.
    """
    kind = CHANNEL_IDENTITY_KIND[inbound.channel]
    value = phone_parse(inbound.sender) if kind == Identity.Kind.PHONE else inbound.sender
    if connection.vendor in ONE_STATEMENT_VENDORS:
        stored = _store_from_known_sender(inbound, kind, value)
        if stored is not None:
            return stored
        # The statement looked and found no conversation: a first contact on this channel.
        conversation = None
    else:
        conversation = _conversation_of_sender(kind, value, inbound.channel)
    try:
        with transaction.atomic():
            if conversation is None:
                conversation = _conversation_open(kind, value, inbound.channel)
            return IntakeResult(_message_store(inbound, conversation), created=True)
    except IntegrityError:
        return _stored_before(inbound)


def _stored_before(inbound: InboundMessage) -> IntakeResult:
    # The same provider id was stored before, or by a concurrent delivery that committed first:
    # the unique key makes every repeat harmless.
    existing = Message.objects.filter(
        provider=inbound.provider, provider_message_id=inbound.provider_message_id).first()
    if existing is None:
        raise IntegrityError("message clashed with a row that is not there")
    return IntakeResult(existing, created=False)


def _new_message(inbound: InboundMessage, conversation: Conversation) -> Message:
    return Message(
        conversation=conversation,
        direction=Message.Direction.INBOUND,
        channel=inbound.channel,
        provider=inbound.provider,
        provider_message_id=inbound.provider_message_id,
        text=inbound.text,
        media=[{"url": m.url, "content_type": m.content_type} for m in inbound.media],
        status=DeliveryStatus.RECEIVED,
    )


def _conversation_of_sender(kind: str, value: str, channel: str) -> Conversation | None:
    return (Conversation.objects.select_related("identity")
            .filter(identity__kind=kind, identity__value=value, channel=channel).first())


def _conversation_open(kind: str, value: str, channel: str) -> Conversation:
    """First contact on this channel: the conversation, and the person and identity too if
    nobody has used the sender before."""
    identity, new = _identity_found_or_made(kind, value)
    if new:
        # Nobody else can see a new identity yet, so its conversation cannot exist or clash.
        return Conversation.objects.create(identity=identity, channel=channel,
                                           person_id=identity.person_id)
    return conversation_open_for(identity, channel)


def _message_store(inbound: InboundMessage, conversation: Conversation) -> Message:
    message = _new_message(inbound, conversation)
    message.save(force_insert=True)
    extras = _stored_with(message)
    rows = _rows_of(extras)
    for row in rows:
        row.message = message  # type: ignore[attr-defined]  # StoredWith's contract
        if _has_person(type(row)):
            row.person_id = conversation.person_id  # type: ignore[attr-defined]
    for model in dict.fromkeys(type(row) for row in rows):
        model._default_manager.bulk_create([row for row in rows if type(row) is model])
    # Before the follow-up is sent: where tasks run in-process, the follow-up's own live
    # update must come after what these hooks tell pages.
    _then_on_commit(extras, message)
    followup_queue(messages_received, message_id=message.pk)
    return message


@functools.cache
def _has_person(model: type[Model]) -> bool:
    return any(f.name == "person" and f.is_relation for f in model._meta.concrete_fields)


# The columns the one-statement path fills from earlier steps rather than from the instance.
MESSAGE_FROM_SENDER = {"conversation_id": "sender.c_id"}
FOLLOWUP_FROM_MESSAGE = {"payload": "jsonb_build_object('message_id', message.id)"}
ROW_FROM_MESSAGE = {"message_id": "message.id"}
ROW_FROM_MESSAGE_AND_SENDER = {"message_id": "message.id", "person_id": "sender.c_person_id"}


def _store_from_known_sender(inbound: InboundMessage, kind: str,
                             value: str) -> IntakeResult | None:
    """Nearly every text comes from someone the hub has heard from on that channel: find the
    conversation and store the message and its follow-up row in one statement, one round trip
    where the steps take five. None if the sender is new here (the steps open the conversation).

    The rows are the ones _message_store writes (the same model instances, their values prepared
    as save() would), and one statement is atomic on its own or inside the caller's transaction.
    """
    message = _new_message(inbound, Conversation())
    followup = FollowUp(task_name=messages_received.name)
    message_params = insert_params(message, expressions=MESSAGE_FROM_SENDER)
    # After insert_params: the message has its time, as save() would give it.
    extras = _stored_with(message)
    rows = _rows_of(extras)
    with prepared_cursor() as cursor:
        cursor.execute(_known_sender_sql(tuple(type(r) for r in rows)), [
            kind, value, inbound.channel, *message_params,
            *insert_params(followup, expressions=FOLLOWUP_FROM_MESSAGE),
            *[param for r in rows for param in insert_params(r, expressions=_row_from(type(r)))]])
        row = cursor.fetchone()
    if row is None:
        return None
    message_id, followup_id = row[-2:]
    if message_id is None:
        return _stored_before(inbound)
    message.conversation = _sender_from_row(row[:-2])
    message.pk = message_id
    message._state.adding, message._state.db = False, connection.alias
    for stored in rows:
        stored.message = message  # type: ignore[attr-defined]  # StoredWith's contract
        if _has_person(type(stored)):
            stored.person_id = message.conversation.person_id  # type: ignore[attr-defined]
    _then_on_commit(extras, message)
    followups_send_on_commit(messages_received, [followup_id])
    return IntakeResult(message, created=True)


def _row_from(model: type[Model]) -> dict[str, str]:
    return ROW_FROM_MESSAGE_AND_SENDER if _has_person(model) else ROW_FROM_MESSAGE


@functools.cache
def _known_sender_sql(row_models: tuple[type[Model], ...] = ()) -> str:
    """The statement, with one more step for each row the intake hooks keep with the message
    (`row_models`, in order): each takes its message and person from the steps before, so
    none is written if the message was stored before."""
    quote = connection.ops.quote_name
    conversation_columns = select_list(Conversation, "c", "c_")[0]
    identity_columns = select_list(Identity, "i", "i_")[0]
    insert_message = insert_select_sql(Message, source="sender", expressions=MESSAGE_FROM_SENDER)
    insert_followup = insert_select_sql(FollowUp, source="message",
                                        expressions=FOLLOWUP_FROM_MESSAGE)
    # A step nothing reads is still run, once, to completion (PostgreSQL's WITH).
    insert_rows = "".join(
        f",\n        row{n} AS ({sql})" for n, sql in enumerate(
            insert_select_sql(model, source="message, sender", expressions=_row_from(model))
            for model in row_models))
    # Built from model metadata and fixed text only; every value is a parameter.
    return f"""
        WITH sender AS (
            SELECT {conversation_columns}, {identity_columns}
            FROM {quote(Conversation._meta.db_table)} c
            JOIN {quote(Identity._meta.db_table)} i ON i.id = c.identity_id
            WHERE i.kind = %s AND i.value = %s AND c.channel = %s),
        message AS ({insert_message} ON CONFLICT DO NOTHING RETURNING id),
        followup AS ({insert_followup} RETURNING id){insert_rows}
        SELECT sender.*, (SELECT id FROM message), (SELECT id FROM followup) FROM sender"""  # noqa: S608


def _sender_from_row(row: tuple) -> Conversation:
    """The conversation, with its identity, from the sender columns of the statement's row."""
    conversation_names = select_list(Conversation, "c", "c_")[1]
    identity_names = select_list(Identity, "i", "i_")[1]
    split = len(conversation_names)
    conversation = Conversation.from_db(connection.alias, conversation_names, row[:split])
    conversation.identity = Identity.from_db(connection.alias, identity_names, row[split:])
    return conversation


def conversation_open_for(identity: Identity, channel: str) -> Conversation:
    """The conversation with this identity on this channel, started if there is none yet."""
    conversation, _ = Conversation.objects.get_or_create(
        identity=identity, channel=channel, defaults={"person_id": identity.person_id})
    return conversation


def identity_for(kind: str, value: str) -> Identity:
    """The identity, with a new person behind it if nobody has used it before."""
    return _identity_found_or_made(kind, value)[0]


def _identity_found_or_made(kind: str, value: str) -> tuple[Identity, bool]:
    identity = Identity.objects.filter(kind=kind, value=value).first()
    if identity is not None:
        return identity, False
    try:
        with transaction.atomic():
            person = Person.objects.create()
            return Identity.objects.create(person=person, kind=kind, value=value), True
    except IntegrityError:
        # Another delivery made it first; theirs is the one.
        return Identity.objects.get(kind=kind, value=value), False
