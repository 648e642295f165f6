"""Alerts for supervisors (or one named officer), raised by escalations, diversions and marker
reviews. Live pages are told after commit; the alert row is the truth."""

from __future__ import annotations

from typing import Any

from django.db.models import Q, QuerySet
from django.utils import timezone

from contact_hub.conversations.visibility import hides_anything_from
from contact_hub.fixed_reads import FixedRead, related_set
from contact_hub.incidents.models import Alert, Incident
from contact_hub.incidents.visibility import incidents_visible_to
from contact_hub.live import LiveEvent, live_event_send
from contact_hub.staff.models import Role, StaffUser


def alert_raise(*, kind: str, for_role: str = "", for_user: StaffUser | None = None,
                incident_id: int | None = None, marker_id: int | None = None,
                detail: dict[str, Any] | None = None, announce: bool = True) -> Alert:
    """Raise an alert; `announce=False` when the caller sends one event for a whole batch."""
    alert = Alert.objects.create(kind=kind, for_role=for_role, for_user=for_user,
                                 incident_id=incident_id, marker_id=marker_id,
                                 detail=detail or {})
    if announce:
        live_event_send(LiveEvent.ALERT_RAISED, alert_id=alert.pk)
    return alert


def alerts_raise(alerts: list[Alert]) -> list[Alert]:
    """Raise many alerts in one query, unannounced: the caller sends one event for the batch."""
    return Alert.objects.bulk_create(alerts)


def alert_acknowledge(*, alert: Alert, actor: StaffUser) -> bool:
    """Mark the alert seen; False if someone already had (the first acknowledgement stands)."""
    done = Alert.objects.filter(pk=alert.pk, acknowledged_at__isnull=True).update(
        acknowledged_at=timezone.now(), acknowledged_by=actor)
    if done:
        live_event_send(LiveEvent.ALERT_ACKNOWLEDGED, alert_id=alert.pk)
    return bool(done)


def alerts_open_for(user: StaffUser) -> QuerySet[Alert]:
    """Alerts this member of staff should see: their role's, and any addressed to them; not
    one about an incident kept from them (its reference and target would tell them of an
    allegation naming them)."""
    return _alerts_open(**_alerts_of(user)).select_related("incident", "marker")


def alerts_shown_to(user: StaffUser) -> list[Alert]:
    """The same, as a list with their incidents and markers: what the dashboard shows on
    every refresh, read in fixed reads (contact_hub.fixed_reads)."""
    alerts = _alerts_read(**_alerts_of(user))
    related_set(alerts, "incident")
    related_set(alerts, "marker")
    return alerts


def _alerts_of(user: StaffUser) -> dict[str, Any]:
    return {"user_id": user.pk, "supervisor": user.role == Role.SUPERVISOR,
            "kept_from": user.pk if hides_anything_from(user) else None}


def _alerts_open(*, user_id: int, supervisor: bool, kept_from: int | None) -> QuerySet[Alert]:
    mine = Q(for_user_id=user_id)
    if supervisor:
        mine |= Q(for_role=Role.SUPERVISOR)
    alerts = Alert.objects.filter(mine, acknowledged_at__isnull=True)
    if kept_from is not None:
        alerts = alerts.filter(Q(incident__isnull=True) | Q(incident__in=incidents_visible_to(
            Incident.objects.all(), kept_from)))
    return alerts.order_by("-created_at")


_alerts_read = FixedRead(_alerts_open)
