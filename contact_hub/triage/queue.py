"""The dashboard's one queue of everything that needs a person, ordered by risk, then age.

Each source is a function returning QueueItems. Triage's own are new messages and incidents
near or past their target (or diverted, or without a unit); the apps above it add theirs with
`queue_source_register` from their AppConfig.ready() (callback: 101 callback requests and
silent-call welfare items; rvr: victims waiting for a video call). Each item names the template
that renders its row, so an app's rows live with its templates.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any, TypeGuard

from django.conf import settings
from django.db.models import Count, Max, Q, QuerySet, Value
from django.utils import timezone

from contact_hub.conversations.visibility import hides_anything_from, message_hidden_q
from contact_hub.fixed_reads import FixedRead, related_set
from contact_hub.incidents.grades import grade_rank
from contact_hub.incidents.models import Incident
from contact_hub.incidents.visibility import incidents_visible_to
from contact_hub.people.identifiers import identifier_mask
from contact_hub.staff.models import StaffUser
from contact_hub.triage.models import Claim, ContactTriage, RiskFlag
from contact_hub.triage.rules import flag_label, flag_weight
from contact_hub.triage.selectors import PersonHistory, person_histories

# A coordinator works the top of the queue; the page says how many more wait. Rendering more
# rows costs every live refresh (about 1 ms a row).
QUEUE_LIMIT = 50
# Incident risk, on the same 0-100 scale as the risk rules' weights.
RISK_DIVERTED = 95
RISK_MISSED = 90
RISK_NEAR = 75
RISK_BY_GRADE_RANK = (85, 65, 40, 30)
# The pages' bands on the same scale, held here so no template or stylesheet carries a number.
# A waiting contact's row stands out from the weight of a domestic-abuse flag, so no such
# message hides among the routine ones; other rows only once they are near their target.
RISK_AMBER_FROM = 60
RISK_RED_FROM = 90
ROW_FLAGGED_FROM = RISK_NEAR
CONTACT_ROW_FLAGGED_FROM = 60


def risk_band(risk: int) -> str:
    """The badge colour class for a risk: "red", "amber" or "" (hub.css styles the first two)."""
    if risk >= RISK_RED_FROM:
        return "red"
    return "amber" if risk >= RISK_AMBER_FROM else ""


@dataclass
class QueueItem:
    key: str
    kind: str
    risk: int
    since: datetime
    subject: Any
    person_id: int | None
    # The row's template, kept by the app whose source made the item (a waiting contact's
    # row, the most rendered, is built by triage/rows.py instead).
    template: str
    claim: Claim | None = None
    history: PersonHistory | None = None
    flags: list[Any] = field(default_factory=list)
    flagged_from: int = ROW_FLAGGED_FROM

    @property
    def flagged(self) -> bool:
        return self.risk >= self.flagged_from

    @property
    def band(self) -> str:
        return risk_band(self.risk)

    @property
    def order(self) -> str:
        """The item's place as text that sorts the way the queue does (most at risk, then
        oldest), so a page can put a row fetched on its own where it belongs."""
        return queue_order(self.risk, self.since)


EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


def queue_order(risk: int, since: datetime) -> str:
    micros = (since - EPOCH) // timedelta(microseconds=1)
    return f"{100 - risk:03d}-{micros // 1_000_000:010d}.{micros % 1_000_000:06d}"


def queue_order_parse(order: str) -> tuple[int, datetime]:
    """The risk and time of a queue_order; ValueError if it is not one."""
    inverse, dash, stamp = order.partition("-")
    if not (dash and len(inverse) == 3 and inverse.isdigit() and len(stamp) <= 17
            and stamp.replace(".", "", 1).isdigit()):
        raise ValueError("not a queue order")
    micros = int(Decimal(stamp) * 1_000_000)
    return 100 - int(inverse), EPOCH + timedelta(microseconds=micros)


QueueSource = Callable[[StaffUser, datetime], list[QueueItem]]


@dataclass(frozen=True)
class FlagShown:
    kind: str
    label: str
    words: tuple[str, ...]


@dataclass(frozen=True)
class ContactWaiting:
    """What a waiting contact's row shows of it, as plain values: read in one query, and a key
    for the row's rendering (contact_hub.triage.rows)."""

    message_id: int
    person_id: int
    received_at: datetime
    risk: int
    suggested_grade: str
    channel: str
    text: str
    attachments: int
    masked: str
    flags: tuple[FlagShown, ...]


def contacts_waiting(viewer: StaffUser | None, now: datetime, *,
                     message_ids: list[int] | None = None,
                     above: tuple[int, datetime] | None = None) -> list[QueueItem]:
    """Messages nobody has dealt with yet (of `message_ids` only, and sorting above the place
    `above` (risk, since) only, if given). A contact the viewer may not see (an allegation
    naming them) is not shown to them; `viewer` None is the hub itself, rendering rows once
    for every page (live_rows.py keeps each row from whoever may not see it)."""
    if message_ids is not None and not message_ids:
        return []
    rows = _contacts_read(kept_from=kept_from(viewer),
                          message_ids=message_ids, above_risk=above[0] if above else None,
                          above_since=above[1] if above else None)
    flags = flags_shown([row[0] for row in rows])
    return [contact_item(ContactWaiting(
        message_id=message_id, person_id=person_id, received_at=received_at, risk=risk,
        suggested_grade=grade, channel=channel, text=text, attachments=len(media or ()),
        masked=identifier_mask(kind, value), flags=tuple(flags[message_id])))
        for (message_id, person_id, received_at, risk, grade, channel, text, media, kind,
             value) in rows]


def _contacts_waiting(*, kept_from: int | None, message_ids: list[int] | None,
                      above_risk: int | None, above_since: datetime | None
                      ) -> QuerySet[ContactTriage, tuple]:
    waiting = ContactTriage.objects.filter(handled_at__isnull=True)
    if message_ids is not None:
        waiting = waiting.filter(message_id__in=message_ids)
    if above_risk is not None:
        waiting = waiting.filter(Q(risk__gt=above_risk)
                                 | Q(risk=above_risk, received_at__lt=above_since))
    if kept_from is not None:
        waiting = waiting.exclude(message_hidden_q(kept_from, field="message_id"))
    # The top of the queue first, on its own: its index gives it in order, so the joins below
    # touch those rows only, however long the queue (and however stale the planner's figures).
    top = waiting.order_by("-risk", "received_at").values("pk")[:QUEUE_LIMIT]
    # Plain values, not model instances: the dashboard reads these on every refresh.
    return (ContactTriage.objects.filter(pk__in=top).order_by("-risk", "received_at")
            .values_list("message_id", "person_id", "received_at", "risk", "suggested_grade",
                         "message__channel", "message__text", "message__media",
                         "message__conversation__identity__kind",
                         "message__conversation__identity__value"))


# Read on every refresh of every page, in a few shapes: compiled once (fixed_reads).
_contacts_read = FixedRead(_contacts_waiting)
_flags_read = FixedRead(lambda *, message_ids: RiskFlag.objects.filter(
    message_id__in=message_ids, removed_at__isnull=True).order_by("kind")
    .values_list("message_id", "kind", "words"))


def flags_shown(message_ids: list[int]) -> dict[int, list[FlagShown]]:
    """Each message's flags (not those a coordinator removed), as its row shows them."""
    flags: dict[int, list[FlagShown]] = {pk: [] for pk in message_ids}
    for message_id, kind, words in (_flags_read(message_ids=message_ids)
                                    if message_ids else ()):
        flags[message_id].append(_flag_shown(kind, tuple(words),
                                             str(settings.HUB_RISK_RULES_FILE)))
    return flags


@functools.lru_cache(maxsize=1024)
def _flag_shown(kind: str, words: tuple[str, ...], rules_file: str) -> FlagShown:
    # The same few flags, raised by the same few words, on row after row (labelled by the
    # rules file in force: the file is part of the key).
    return FlagShown(kind=kind, label=flag_label(kind), words=words)


def contact_waiting_of(triage: ContactTriage,
                       flags: list[RiskFlag] | list[FlagShown]) -> ContactWaiting:
    """The same, from a contact whose message and identity are in hand (one intake has just
    queued, or the worker has just triaged)."""
    message = triage.message
    identity = message.conversation.identity
    return ContactWaiting(
        message_id=message.pk, person_id=triage.person_id, received_at=triage.received_at,
        risk=triage.risk, suggested_grade=triage.suggested_grade, channel=message.channel,
        text=message.text, attachments=len(message.media or ()),
        masked=identifier_mask(identity.kind, identity.value),
        flags=tuple(FlagShown(kind=f.kind, label=flag_label(f.kind), words=tuple(f.words))
                    for f in flags))


def contact_item(contact: ContactWaiting) -> QueueItem:
    return QueueItem(key=f"message:{contact.message_id}", kind="message", risk=contact.risk,
                     since=contact.received_at, subject=contact, person_id=contact.person_id,
                     template="", flags=list(contact.flags),
                     flagged_from=CONTACT_ROW_FLAGGED_FROM)


def kept_from(viewer: StaffUser | None) -> int | None:
    """The viewer's id, for a read that applies the visibility rule to them, if it can hide
    anything from them; None (nearly everyone, and the hub itself) for the read without it."""
    return viewer.pk if _kept_from_anything(viewer) else None


def _kept_from_anything(viewer: StaffUser | None) -> TypeGuard[StaffUser]:
    """Whether the visibility rule can hide anything from the viewer: for everyone kept from
    nothing (nearly everyone) its subqueries are left out, the same answer at a fraction of
    the cost. None is the hub itself, which sees everything."""
    return viewer is not None and hides_anything_from(viewer)


def incident_risk(incident: Incident, now: datetime) -> int:
    if incident.status == Incident.Status.DIVERTED:
        return RISK_DIVERTED
    if incident.target_at is not None and incident.target_at <= now:
        return RISK_MISSED
    near = timedelta(minutes=settings.HUB_ESCALATION["near_minutes"])
    flagged = max([flag_weight(k) for k in incident.flags] + [0])
    if incident.target_at is not None and incident.target_at <= now + near:
        return max(RISK_NEAR, flagged)
    by_grade = RISK_BY_GRADE_RANK[min(grade_rank(incident.grade), len(RISK_BY_GRADE_RANK) - 1)]
    return max(by_grade, flagged)


def incidents_needing_attention(viewer: StaffUser | None, now: datetime) -> list[QueueItem]:
    """Open incidents with a target that have no unit, were diverted, or are near or past it."""
    near = now + timedelta(minutes=settings.HUB_ESCALATION["near_minutes"])
    incidents = _incidents_read(kept_from=kept_from(viewer), near=near)
    return [QueueItem(key=f"incident:{i.pk}", kind="incident", risk=incident_risk(i, now),
                      since=i.created_at, subject=i, person_id=i.person_id,
                      template="triage/items/_incident.html") for i in incidents]


def _incidents_needing(*, kept_from: int | None, near: datetime) -> QuerySet[Incident]:
    incidents = (Incident.objects.filter(closed_at__isnull=True, target_at__isnull=False)
                 .filter(Q(status__in=[Incident.Status.OPEN, Incident.Status.DIVERTED])
                         | Q(target_at__lte=near)))
    if kept_from is not None:
        # One opened from an allegation naming the viewer would tell them it exists.
        incidents = incidents_visible_to(incidents, kept_from)
    return incidents.order_by("target_at")[:QUEUE_LIMIT]


_incidents_read = FixedRead(_incidents_needing)


_sources: list[QueueSource] = [contacts_waiting, incidents_needing_attention]


def queue_source_register(source: QueueSource) -> None:
    """Add an app's items to the dashboard queue. Apps above triage call this from their
    AppConfig.ready(), so triage lists their rows without importing them."""
    if source not in _sources:
        _sources.append(source)


def queue_items(*, viewer: StaffUser, now: datetime | None = None) -> list[QueueItem]:
    """Every source's items, most at risk first, then oldest first, with claims and history."""
    now = now or timezone.now()
    items = [item for source in _sources for item in source(viewer, now)]
    items.sort(key=lambda item: (-item.risk, item.since))
    return _with_claims_and_history(items[:QUEUE_LIMIT], now, viewer=viewer)


def queue_contacts(*, viewer: StaffUser | None, message_ids: list[int],
                   above: tuple[int, datetime] | None = None,
                   now: datetime | None = None) -> list[QueueItem]:
    """Only these contacts, as queue items, if they are still waiting (and, given the place of
    the last row a full page shows, only those that sort above it): what a page needs when told
    they joined the queue, at a fraction of the cost of the whole queue. `viewer` None: as the
    hub renders them once for every page."""
    now = now or timezone.now()
    return _with_claims_and_history(
        contacts_waiting(viewer, now, message_ids=message_ids, above=above), now, viewer=viewer)


def contacts_triaged(triages: list[ContactTriage], flags: dict[int, list[FlagShown]],
                     histories: dict[int, PersonHistory]) -> list[QueueItem]:
    """The queue items of contacts the worker has just triaged, still waiting, from what it
    read doing so (each triage's message with its conversation and identity, the flags, the
    people's histories): as queue_contacts gives them to the hub (viewer None), reading only
    their claims."""
    waiting = sorted((t for t in triages if t.handled_at is None),
                     key=lambda t: (-t.risk, t.received_at))[:QUEUE_LIMIT]
    return _with_claims([contact_item(contact_waiting_of(t, flags.get(t.message_id, [])))
                         for t in waiting], histories)


def _with_claims_and_history(items: list[QueueItem], now: datetime, *,
                             viewer: StaffUser | None) -> list[QueueItem]:
    return _with_claims(items, person_histories(
        [i.person_id for i in items if i.person_id is not None],
        viewer=viewer if _kept_from_anything(viewer) else None, now=now))


_claims_read = FixedRead(lambda *, keys: Claim.objects.filter(item_key__in=keys))


def _with_claims(items: list[QueueItem],
                 histories: dict[int, PersonHistory]) -> list[QueueItem]:
    claims = {c.item_key: c for c in _claims_read(keys=[i.key for i in items])} if items else {}
    related_set(list(claims.values()), "claimed_by")
    for item in items:
        item.claim = claims.get(item.key)
        item.history = histories.get(item.person_id) if item.person_id is not None else None
    return items


@dataclass(frozen=True)
class QueueSummary:
    contacts_waiting: int
    newest_message_id: int


def queue_summary(viewer: StaffUser | None = None) -> QueueSummary:
    """How many contacts wait (the list shows the first QUEUE_LIMIT) and the newest one, so a
    page can tell it is up to date even when a new item sorts below the fold. Of those the
    viewer may see: a count one higher than they can find would tell them of an allegation."""
    ((waiting, newest),) = _summary_read(kept_from=kept_from(viewer))
    return QueueSummary(contacts_waiting=waiting, newest_message_id=newest or 0)


def _summary_of(*, kept_from: int | None) -> QuerySet[ContactTriage, tuple]:
    waiting = ContactTriage.objects.filter(handled_at__isnull=True)
    if kept_from is not None:
        waiting = waiting.exclude(message_hidden_q(kept_from, field="message_id"))
    # Grouped by a constant, which Django leaves out of the GROUP BY: one row, the whole
    # table's totals, as aggregate() gives them, but as a queryset a FixedRead can keep.
    return (waiting.order_by().annotate(whole=Value(1)).values("whole")
            .annotate(waiting=Count("pk"), newest=Max("message_id"))
            .values_list("waiting", "newest"))


_summary_read = FixedRead(_summary_of)
