"""Looks at a victim's record: every read of her data goes through here and is written to the
access log in the reader's transaction, with the reason their current assignment gives. A
reader with none is asked why before anything is shown; that look, and any look by staff named
in an allegation she made, is flagged and reaches professional standards at once.

Apps add the reasons their queues give (a coordinator may open a contact waiting in the
triage queue, a supervisor an open incident) with `look_reason_register` in ready()."""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.db import connection, transaction
from django.utils import timezone

from contact_hub.conversations.visibility import person_confined_from
from contact_hub.insert_select import ONE_STATEMENT_VENDORS, insert_params, insert_select_sql
from contact_hub.live import CONDUCT_GROUP, LiveEvent, live_event_send
from contact_hub.prepared import prepared_cursor
from contact_hub.staff.assignments import assignment_start, assignments_current_for
from contact_hub.staff.audit import access_event_new, access_record
from contact_hub.staff.models import AccessEvent, AccessEventPerson, Assignment, StaffUser
from contact_hub.staff.reasons import REASON_MIN_CHARS, reason_too_short

# Given the reader and the person, a reason their work gives them to look now, or None.
LookReason = Callable[[StaffUser, int, datetime], str | None]

_reasons: list[LookReason] = []


def look_reason_register(reason: LookReason) -> None:
    """Add a reason an app's queue gives (called from AppConfig.ready())."""
    if reason not in _reasons:
        _reasons.append(reason)


class ReasonNeeded(Exception):
    """The reader has no assignment to this person: ask why before showing anything."""

    def __init__(self, person_id: int) -> None:
        super().__init__("Say why you need to open this record.")
        self.person_id = person_id


class LookRefused(ValueError):
    """The reason given will not do; the message is safe to show to staff."""


@dataclass(frozen=True)
class LookBasis:
    why: str
    flagged: bool


def look_basis(actor: StaffUser, person_id: int, *, now: datetime | None = None
               ) -> LookBasis | None:
    """Why the reader may look at the person now, and whether the look is flagged; None if
    they have no reason and must give one."""
    now = now or timezone.now()
    assignment = assignments_current_for(actor, person_id, now=now).first()
    if assignment is not None:
        why = assignment.why if assignment.kind == Assignment.Kind.BREAK_GLASS else (
            f"{assignment.get_kind_display()} ({assignment.subject})")
        flagged = assignment.kind == Assignment.Kind.BREAK_GLASS
    else:
        why = next((r for reason in _reasons if (r := reason(actor, person_id, now))), "")
        if not why:
            return None
        flagged = False
    if person_confined_from(person_id, actor):
        # Named in (or a candidate for) an allegation she made: professional standards see it.
        return LookBasis(why=why, flagged=True)
    return LookBasis(why=why, flagged=flagged)


def look_reason_required(actor: StaffUser, person_id: int | None) -> LookBasis | None:
    """The reader's reason to change anything of the person's (None when there is no person's
    record to have a reason about, as for a withheld number). Raises ReasonNeeded when they
    have none: a change needs a reason as much as a look does."""
    if person_id is None:
        return None
    basis = look_basis(actor, person_id)
    if basis is None:
        raise ReasonNeeded(person_id)
    return basis


def look_record(*, actor: StaffUser, person_id: int, what: str,
                action: str = AccessEvent.Action.VIEW, why: str | None = None,
                now: datetime | None = None) -> AccessEvent:
    """Record a look at the person's record, in the caller's transaction; raises
    ReasonNeeded when the reader has no reason to look. `why` is a reason the reader gave for
    this look on top (seeing full numbers), recorded instead of their work's."""
    basis = look_basis(actor, person_id, now=now)
    if basis is None:
        raise ReasonNeeded(person_id)
    event = access_record(actor=actor, action=action, what=what, why=why or basis.why,
                          person_id=person_id, flagged=basis.flagged)
    if event.flagged:
        live_event_send(LiveEvent.LOOK_FLAGGED, group=CONDUCT_GROUP, access_event_id=event.pk)
    return event


def break_glass_open(*, actor: StaffUser, person_id: int, reason: str, what: str,
                     now: datetime | None = None) -> AccessEvent:
    """A look with no assignment: the reason is kept as a short-lived assignment that covers
    the person's pages for the force's break-glass minutes, every look under it flagged."""
    reason = " ".join(reason.split())
    if reason_too_short(reason):
        raise LookRefused(f"Give a reason of at least {REASON_MIN_CHARS} characters.")
    now = now or timezone.now()
    minutes = settings.HUB_ACCESS["break_glass_minutes"]
    with transaction.atomic():
        assignment_start(staff=actor, person_id=person_id, kind=Assignment.Kind.BREAK_GLASS,
                         subject=f"person:{person_id}:{now.timestamp():.0f}", why=reason,
                         ends_at=now + timedelta(minutes=minutes), now=now)
        return look_record(actor=actor, person_id=person_id, what=what, now=now)


def list_look_record(*, actor: StaffUser, what: str, why: str,
                     person_ids: Iterable[int | None]) -> AccessEvent | None:
    """One access event for a list page, naming every person it shows (none if it shows
    nobody). A list shows what a queue holds for the reader's role, so its reason is the
    queue's; opening any one of them is a look of its own."""
    ids = sorted({pk for pk in person_ids if pk is not None})
    if not ids:
        return None
    # Within a page's own transaction, no savepoint of its own: a look that cannot be
    # recorded fails the read that made it.
    with transaction.atomic(savepoint=False):
        if connection.vendor in ONE_STATEMENT_VENDORS:
            return _list_look_in_one_statement(actor=actor, what=what, why=why, ids=ids)
        event = access_record(actor=actor, action=AccessEvent.Action.VIEW, what=what, why=why)
        AccessEventPerson.objects.bulk_create(
            [AccessEventPerson(event=event, person_id=pk) for pk in ids])
    return event


def _list_look_in_one_statement(*, actor: StaffUser, what: str, why: str,
                                ids: list[int]) -> AccessEvent:
    """The event and its people in one round trip (every dashboard refresh writes one): the
    rows access_record and bulk_create write, prepared as save() would prepare them."""
    event = access_event_new(actor=actor, action=AccessEvent.Action.VIEW, what=what, why=why)
    with prepared_cursor() as cursor:
        cursor.execute(_list_look_sql(), [*insert_params(event, expressions=()), ids])
        (event.pk,) = cursor.fetchone()
    event._state.adding, event._state.db = False, connection.alias
    return event


@functools.cache
def _list_look_sql() -> str:
    event = insert_select_sql(AccessEvent, source="(VALUES (1)) AS one (x)", expressions={})
    people = insert_select_sql(
        AccessEventPerson, source="event, unnest(%s::bigint[]) AS shown (person_id)",
        expressions={"event_id": "event.id", "person_id": "shown.person_id"})
    # Built from the models and fixed SQL only; every value is a parameter.
    return (f"WITH event AS ({event} RETURNING id), shown AS ({people}) "  # noqa: S608
            "SELECT id FROM event")
