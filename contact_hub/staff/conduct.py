"""What professional standards read of the access log: every look, the flagged ones as they
happen, and whom one member of staff looked at and why.

A reviewer never sees the looks at a person whose allegation names them (or names them as a
candidate): those looks would tell them the allegation exists. Which people those are is known
above this layer, so the app that keeps allegations registers it with
`conduct_hidden_people_register` when it is ready."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.db.models import Count, Exists, Max, Min, OuterRef, Q, QuerySet

from contact_hub.staff.models import AccessEvent, AccessEventPerson, StaffUser

# Given a reviewer, the ids of the people whose looks they may not review (a values() query).
HiddenPeople = Callable[[StaffUser], QuerySet[Any]]

_hidden_people: list[HiddenPeople] = []

FLAGGED_LOOKS_SHOWN = 100


def conduct_hidden_people_register(hidden: HiddenPeople) -> None:
    """Add a source of people a reviewer may not review (called from AppConfig.ready())."""
    if hidden not in _hidden_people:
        _hidden_people.append(hidden)


def access_events_for(reviewer: StaffUser) -> QuerySet[AccessEvent]:
    """The access log as this reviewer may read it, newest first."""
    events = AccessEvent.objects.select_related("actor").prefetch_related("people")
    for hidden in _hidden_people:
        people = hidden(reviewer)
        named_on_list = AccessEventPerson.objects.filter(event_id=OuterRef("pk"),
                                                         person_id__in=people)
        events = events.exclude(person_id__in=people).exclude(Exists(named_on_list))
    return events.order_by("-at", "-pk")


def access_events_about(events: QuerySet[AccessEvent], person_id: int) -> QuerySet[AccessEvent]:
    """Looks at the person's record, and list pages that showed them."""
    on_list = AccessEventPerson.objects.filter(event_id=OuterRef("pk"), person_id=person_id)
    return events.filter(Q(person_id=person_id) | Q(Exists(on_list)))


def flagged_looks(reviewer: StaffUser) -> list[AccessEvent]:
    """The latest flagged looks: no assignment and a reason given, or by staff an allegation
    she made names."""
    return list(access_events_for(reviewer).filter(flagged=True)[:FLAGGED_LOOKS_SHOWN])


@dataclass(frozen=True)
class PersonLooked:
    """Whom a member of staff looked at: how often, when, why, and how many looks flagged."""

    person_id: int
    looks: int
    flagged: int
    first_at: datetime
    last_at: datetime
    reasons: tuple[str, ...]


def people_looked_at(events: QuerySet[AccessEvent]) -> list[PersonLooked]:
    """The people these looks were at, the most recently looked at first (list pages aside:
    they show what a queue holds, and are listed with the looks)."""
    events = events.prefetch_related(None).select_related(None)
    rows = (events.filter(person_id__isnull=False).order_by().values("person_id")
            .annotate(looks=Count("pk"), flagged=Count("pk", filter=Q(flagged=True)),
                      first_at=Min("at"), last_at=Max("at")).order_by("-last_at"))
    reasons: dict[int, list[str]] = {}
    for person_id, why in (events.filter(person_id__isnull=False).order_by()
                           .values_list("person_id", "why").distinct()):
        reasons.setdefault(person_id, []).append(why)
    return [PersonLooked(person_id=row["person_id"], looks=row["looks"], flagged=row["flagged"],
                         first_at=row["first_at"], last_at=row["last_at"],
                         reasons=tuple(sorted(reasons.get(row["person_id"], []))))
            for row in rows]
