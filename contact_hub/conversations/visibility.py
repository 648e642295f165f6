"""The one rule of what a reader may see of victims' messages: a member of staff named in an
allegation (or a candidate for it, until cleared) never sees the message that carries it, nor
learns that it exists. Every selector that reads message text, media, flags or counts applies
it here, so a new page cannot forget it."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar

from django.db.models import Exists, OuterRef, Q, QuerySet
from django.dispatch import Signal

from contact_hub.conversations.models import Message, MessageExclusion
from contact_hub.fixed_reads import FixedRead
from contact_hub.staff.models import StaffUser

# A reader: the member of staff, or their id (for a read compiled once for every reader,
# contact_hub.fixed_reads, which the rule reads nothing else of).
Viewer = StaffUser | int

# Sent, in the transaction that made them, when members of staff are kept from a message
# (message_id=, staff_ids=): what they hold of her case that the rule now hides from them is
# taken from them by whoever holds it open (a video call's officer, rvr.kept_from).
staff_kept_from = Signal()


def _excluded_for(viewer: Viewer) -> QuerySet[MessageExclusion]:
    staff_id = viewer if isinstance(viewer, int) else viewer.pk
    return MessageExclusion.objects.filter(staff_id=staff_id, cleared_at__isnull=True)


def message_hidden_q(viewer: Viewer, *, field: str = "pk") -> Q:
    """A filter that is true for rows whose message (`field`, "pk" on Message itself, e.g.
    "message_id" on a row about a message) is hidden from the viewer. Use with ~ to keep
    only what they may see.

    Hidden: the message that carries an allegation about them, and every text sent to her
    since it, since a reply may speak of it ("we have passed this to professional
    standards")."""
    prefix = "" if field == "pk" else field.removesuffix("_id") + "__"
    excluded = _excluded_for(viewer)
    carries_it = Exists(excluded.filter(message_id=OuterRef(field)))
    sent_since = Q(**{f"{prefix}direction": Message.Direction.OUTBOUND}) & Q(Exists(
        excluded.filter(
            message__conversation__person_id=OuterRef(f"{prefix}conversation__person_id"),
            message__created_at__lte=OuterRef(f"{prefix}created_at"))))
    return Q(carries_it) | sent_since


def messages_visible_to(messages: QuerySet[Message], viewer: Viewer) -> QuerySet[Message]:
    return messages.filter(~message_hidden_q(viewer))


def message_visible_to(message: Message | int, viewer: StaffUser) -> bool:
    message_id = message if isinstance(message, int) else message.pk
    return not Message.objects.filter(message_hidden_q(viewer), pk=message_id).exists()


def person_confined_from(person_id: int, viewer: StaffUser) -> bool:
    """Whether the viewer is named in (or a candidate for) an allegation this person made:
    their looks at the person are flagged to professional standards."""
    return _excluded_for(viewer).filter(message__conversation__person_id=person_id).exists()


def hides_anything_from(viewer: StaffUser) -> bool:
    """Whether any message is kept from the viewer now. Nearly all staff are kept from
    nothing; for them every selector may skip the rule's subqueries, which on a long list
    cost more than the list."""
    known = _hides_known.get()
    if known is not None and known[0] == viewer.pk:
        return known[1]
    return _excluded_for(viewer).exists()


# Asked on every refresh of every dashboard: compiled once (fixed_reads).
_any_excluded_read = FixedRead(lambda *, staff_id: MessageExclusion.objects.filter(
    staff_id=staff_id, cleared_at__isnull=True).values_list("pk")[:1])

# Within one read, the answer for its reader (hides_anything_from_fixed).
_hides_known: ContextVar[tuple[int, bool] | None] = ContextVar("hides_known", default=None)


@contextmanager
def hides_anything_from_fixed(viewer: StaffUser) -> Iterator[None]:
    """For one read in one transaction (a page showing several lists): whether anything is
    kept from the viewer is asked once, not by every list."""
    token = _hides_known.set((viewer.pk, bool(_any_excluded_read(staff_id=viewer.pk))))
    try:
        yield
    finally:
        _hides_known.reset(token)
