"""Assignments: why a member of staff is working a person now. Services that hand someone a
contact, incident, callback, video call or referral start one; finishing the work ends it (at
once, or after the force's follow-up period). A look at a person's record takes its reason from
the reader's current assignment (see `conversations.looks`)."""

from __future__ import annotations

from datetime import datetime, timedelta

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import BooleanField, ExpressionWrapper, Q, QuerySet
from django.utils import timezone

from contact_hub.staff.models import Assignment, StaffUser


def follow_up_period() -> timedelta:
    """How long an incident's assignees keep their reason after it closes."""
    return timedelta(days=settings.HUB_ACCESS["incident_follow_up_days"])


def assignment_start(*, staff: StaffUser, person_id: int | None, kind: str, subject: str,
                     why: str, ends_at: datetime | None = None,
                     now: datetime | None = None) -> Assignment | None:
    """Start (or keep) the staff member's assignment to this work; None with no person.

    Idempotent: an open assignment to the same work is kept as it is."""
    if person_id is None:
        return None
    now = now or timezone.now()
    open_one = Assignment.objects.filter(staff=staff, kind=kind, subject=subject,
                                         ends_at__isnull=True).first()
    if open_one is not None:
        return open_one
    try:
        with transaction.atomic():
            return Assignment.objects.create(staff=staff, person_id=person_id, kind=kind,
                                             subject=subject, why=why[:300], started_at=now,
                                             ends_at=ends_at)
    except IntegrityError:
        # Started at the same moment by another request: that one stands.
        return Assignment.objects.filter(staff=staff, kind=kind, subject=subject,
                                         ends_at__isnull=True).first()


def assignments_end(*, kind: str, subject: str, at: datetime | None = None,
                    staff: StaffUser | None = None, keep: timedelta | None = None) -> int:
    """End the open assignments to this work (only `staff`'s, if given), `keep` after `at`."""
    ends_at = (at or timezone.now()) + (keep or timedelta())
    open_ones = Assignment.objects.filter(kind=kind, subject=subject, ends_at__isnull=True)
    if staff is not None:
        open_ones = open_ones.filter(staff=staff)
    return open_ones.update(ends_at=ends_at)


def _current(now: datetime) -> Q:
    return Q(started_at__lte=now) & (Q(ends_at__isnull=True) | Q(ends_at__gt=now))


def assignments_current_for(staff: StaffUser, person_id: int, *,
                            now: datetime | None = None) -> QuerySet[Assignment]:
    """The staff member's current assignments to the person, real work before a reason given."""
    now = now or timezone.now()
    return (Assignment.objects.filter(_current(now), staff=staff, person_id=person_id)
            .order_by(ExpressionWrapper(Q(kind=Assignment.Kind.BREAK_GLASS),
                                        output_field=BooleanField()).asc(), "-started_at"))


def assignees_current(person_id: int, *, now: datetime | None = None) -> list[Assignment]:
    """Who is working the person now and why, for their page (a reason given is not work)."""
    now = now or timezone.now()
    return list(Assignment.objects.filter(_current(now), person_id=person_id)
                .exclude(kind=Assignment.Kind.BREAK_GLASS)
                .select_related("staff").order_by("-started_at"))


def assignments_held(staff_ids: list[int], person_ids: list[int], *, since: datetime
                     ) -> QuerySet[Assignment]:
    """Assignments these staff held on these people at any time since `since`."""
    return (Assignment.objects.filter(person_id__in=person_ids)
            .filter(Q(ends_at__isnull=True) | Q(ends_at__gt=since))
            .filter(**({"staff_id__in": staff_ids} if staff_ids else {}))
            .exclude(kind=Assignment.Kind.BREAK_GLASS).select_related("staff"))
