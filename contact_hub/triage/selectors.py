"""Reads of triage records that several pages and services share."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from django.db.models import Count, OuterRef, Prefetch, QuerySet, Subquery
from django.utils import timezone

from contact_hub.conversations.models import Conversation, Message
from contact_hub.conversations.visibility import messages_visible_to
from contact_hub.fixed_reads import FixedRead
from contact_hub.incidents.models import Incident
from contact_hub.incidents.visibility import incidents_visible_to
from contact_hub.staff.models import StaffUser
from contact_hub.triage.models import Marker, RiskFlag


def markers_active_for(person_ids: Iterable[int | None], *,
                       now: datetime | None = None) -> QuerySet[Marker]:
    now = now or timezone.now()
    return Marker.objects.filter(person_id__in=[p for p in person_ids if p is not None],
                                 status=Marker.Status.ACTIVE, starts_at__lte=now,
                                 expires_at__gt=now).order_by("expires_at")


@dataclass(frozen=True)
class PersonHistory:
    """The person's past, as every page shows it (the dashboard, the contact and person pages,
    RVR's waiting list and call): contacts on every channel, incidents (newest first), and the
    markers on the person now."""

    person_id: int
    earlier_contacts: int
    channels: tuple[str, ...]
    incidents: tuple[Incident, ...]
    markers: tuple[Marker, ...]

    @property
    def is_repeat(self) -> bool:
        return self.earlier_contacts > 0 or bool(self.incidents)

    @property
    def incident_flags(self) -> list[str]:
        """The risk flags raised on any of the person's incidents (not markers: those are on
        the person)."""
        return sorted({flag for incident in self.incidents for flag in incident.flags})


def person_history(person_id: int, *, viewer: StaffUser | None,
                   now: datetime | None = None) -> PersonHistory:
    """One person's history, as the viewer may see it."""
    return person_histories([person_id], viewer=viewer, now=now)[person_id]


def person_histories(person_ids: Iterable[int], *, viewer: StaffUser | None,
                     now: datetime | None = None) -> dict[int, PersonHistory]:
    """Summaries for many people in four queries, for the dashboard. Contacts and incidents the
    viewer may not see (an allegation naming them) are not counted: a count one higher than
    the list would tell them it exists. `viewer` None is the hub itself (a worker)."""
    now = now or timezone.now()
    ids = sorted({pk for pk in person_ids if pk is not None})
    if not ids:
        return {}
    kept_from = viewer.pk if viewer is not None else None
    counts: dict[int, int] = {}
    channels: dict[int, set[str]] = {pk: set() for pk in ids}
    for person_id, channel, n in _contacts_counted(person_ids=ids, kept_from=kept_from):
        if person_id is not None and n:
            counts[person_id] = counts.get(person_id, 0) + n
            channels[person_id].add(channel)
    incidents: dict[int, list[Incident]] = {pk: [] for pk in ids}
    for incident in _incidents_read(person_ids=ids, kept_from=kept_from):
        if incident.person_id is not None:  # always, by the filter
            incidents[incident.person_id].append(incident)
    markers: dict[int, list[Marker]] = {pk: [] for pk in ids}
    for marker in _markers_read(person_ids=ids, now=now):
        markers[marker.person_id].append(marker)
    return {pk: PersonHistory(person_id=pk, earlier_contacts=max(0, counts.get(pk, 0) - 1),
                              channels=tuple(sorted(channels[pk])),
                              incidents=tuple(incidents[pk]), markers=tuple(markers[pk]))
            for pk in ids}


def _contacts_counting(*, person_ids: list[int], kept_from: int | None
                       ) -> QuerySet[Conversation, tuple]:
    # Counted a conversation at a time (a conversation is one channel), each from its own
    # messages by index: however stale the planner's figures for the message table (a busy
    # hub's, before autovacuum has caught up), it never reads the whole of it.
    inbound = Message.objects.filter(conversation=OuterRef("pk"),
                                     direction=Message.Direction.INBOUND)
    if kept_from is not None:
        inbound = messages_visible_to(inbound, kept_from)
    return Conversation.objects.filter(person_id__in=person_ids).annotate(n=Subquery(
        inbound.order_by().values("conversation").annotate(n=Count("pk")).values("n"))
    ).values_list("person_id", "channel", "n")


def _incidents_of(*, person_ids: list[int], kept_from: int | None) -> QuerySet[Incident]:
    incidents = Incident.objects.filter(person_id__in=person_ids)
    if kept_from is not None:
        incidents = incidents_visible_to(incidents, kept_from)
    return incidents.order_by("-created_at")


# The dashboard reads every row's history on every refresh: compiled once (fixed_reads).
_contacts_counted = FixedRead(_contacts_counting)
_incidents_read = FixedRead(_incidents_of)
_markers_read = FixedRead(lambda *, person_ids, now: Marker.objects.filter(
    person_id__in=person_ids, status=Marker.Status.ACTIVE, expires_at__gt=now)
    .order_by("expires_at"))


def person_contacts(person_id: int, *, viewer: StaffUser,
                    limit: int = 50) -> QuerySet[Message]:
    """The person's contacts on every channel the viewer may see, newest first, with flags."""
    contacts = messages_visible_to(Message.objects.filter(
        conversation__person_id=person_id, direction=Message.Direction.INBOUND), viewer)
    return (contacts
            .select_related("triage", "triage__incident")
            .prefetch_related(Prefetch("risk_flags",
                                       queryset=RiskFlag.objects.filter(removed_at__isnull=True)))
            .order_by("-created_at")[:limit])


def person_markers(person_id: int) -> QuerySet[Marker]:
    """Every marker the person has had, current first: lapsed ones matter to the history too."""
    return (Marker.objects.filter(person_id=person_id).select_related("officer")
            .order_by("status", "-expires_at"))
