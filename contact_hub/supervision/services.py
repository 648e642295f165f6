"""Supervising staff conduct: dip samples and their verdicts, and the alerts a held staff text
or chat line raises. Who may decide a held text lives with the text
(conversations.services.conduct_hold_decide)."""

from __future__ import annotations

import secrets
from datetime import datetime, timedelta

from django.conf import settings
from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone

from contact_hub.conversations.conduct import StaffContact, contact_sources
from contact_hub.conversations.models import ConductHold
from contact_hub.incidents.alerts import alert_raise
from contact_hub.incidents.models import Alert
from contact_hub.live import CONDUCT_GROUP, LiveEvent, live_event_send
from contact_hub.staff.audit import access_record
from contact_hub.staff.models import AccessEvent, Role, StaffUser
from contact_hub.staff.reasons import REASON_MIN_CHARS, reason_too_short
from contact_hub.staff.roles import MAY_SUPERVISE
from contact_hub.supervision.models import DipSample, DipSampleItem

# Unpredictable, so nobody can tell which of their contacts will be checked.
_random = secrets.SystemRandom()
NOTES_NEEDED = (DipSampleItem.Verdict.ADVICE, DipSampleItem.Verdict.REFER)


class SampleRefused(ValueError):
    """The sample or verdict cannot be recorded; the reason is safe to show to staff."""


def shift_length() -> timedelta:
    """A control-room shift is as long as a staff session may last."""
    return timedelta(seconds=settings.SESSION_COOKIE_AGE)


def dip_samples_current(supervisor: StaffUser, *, now: datetime | None = None
                        ) -> QuerySet[DipSample]:
    """The supervisor's samples drawn in the current shift (one, or none yet)."""
    now = now or timezone.now()
    return DipSample.objects.filter(supervisor=supervisor, drawn_at__gt=now - shift_length())


def dip_sample_current(*, supervisor: StaffUser, now: datetime | None = None) -> DipSample:
    """The supervisor's sample for this shift, drawn on the first call in the shift from the
    contacts other staff had with victims in the shift before it. A sample lasts a shift, so
    signing in again does not draw a new one."""
    if not supervisor.has_role(*MAY_SUPERVISE):
        raise SampleRefused("Only a supervisor is offered a dip sample.")
    now = now or timezone.now()
    with transaction.atomic():
        # One draw per supervisor and shift, however many of their pages open at once.
        list(StaffUser.objects.select_for_update().filter(pk=supervisor.pk))
        current = dip_samples_current(supervisor, now=now).order_by("-drawn_at").first()
        if current is not None:
            return current
        since = now - shift_length()
        sample = DipSample.objects.create(supervisor=supervisor, drawn_at=now,
                                          period_start=since, period_end=now)
        drawn = _drawn(since, now, excluding=supervisor,
                       size=settings.HUB_ACCESS["dip_sample_size"])
        DipSampleItem.objects.bulk_create([
            DipSampleItem(sample=sample, kind=c.kind, record_id=c.record_id,
                          staff_id=c.staff_id, person_id=c.person_id, at=c.at)
            for c in drawn])
    return sample


def _drawn(since: datetime, until: datetime, *, excluding: StaffUser, size: int
           ) -> list[StaffContact]:
    """A random `size` of the contacts, a kind at a time in turn, so the many texts cannot
    crowd out the fewer callback and video calls; a supervisor never checks their own, and a
    contact another supervisor already has is left out."""
    pools = []
    for source in contact_sources().values():
        sampled = set(DipSampleItem.objects.filter(kind=source.kind, at__gte=since)
                      .values_list("record_id", flat=True))
        pool = [contact for contact in source.contacts(since, until, excluding.pk)
                if contact.record_id not in sampled and contact.staff_id != excluding.pk]
        if pool:
            _random.shuffle(pool)
            pools.append(pool)
    _random.shuffle(pools)
    drawn: list[StaffContact] = []
    while pools and len(drawn) < size:
        for pool in list(pools):
            if len(drawn) == size:
                break
            drawn.append(pool.pop())
            if not pool:
                pools.remove(pool)
    return drawn


def dip_verdict_record(*, item: DipSampleItem, actor: StaffUser, verdict: str, notes: str,
                       now: datetime | None = None) -> DipSampleItem:
    """The supervisor's verdict on one contact in their sample, once. Advice and a referral
    need notes; a referral alerts professional standards."""
    notes = notes.strip()
    if not actor.has_role(*MAY_SUPERVISE) or item.sample.supervisor_id != actor.pk:
        raise SampleRefused("Only the supervisor this sample was offered to can record a "
                            "verdict on it.")
    if verdict not in (DipSampleItem.Verdict.FINE, *NOTES_NEEDED):
        raise SampleRefused("Choose fine, advice given, or refer to professional standards.")
    if verdict in NOTES_NEEDED and reason_too_short(notes):
        raise SampleRefused("Write what advice was given, or why it goes to professional "
                            f"standards (at least {REASON_MIN_CHARS} characters).")
    now = now or timezone.now()
    label = DipSampleItem.Verdict(verdict).label
    with transaction.atomic():
        recorded = DipSampleItem.objects.filter(pk=item.pk, verdict="").update(
            verdict=verdict, notes=notes[:2000], verdict_at=now)
        if not recorded:
            raise SampleRefused("A verdict is already recorded for this one.")
        access_record(actor=actor, action=AccessEvent.Action.CHANGE,
                      what=f"dip-sample verdict on a {item.kind}", why=f"dip sampling: {label}",
                      person_id=item.person_id)
        if verdict == DipSampleItem.Verdict.REFER:
            alert_raise(kind=Alert.Kind.DIP_REFERRAL, for_role=Role.PROFESSIONAL_STANDARDS,
                        detail={"dip_sample_item_id": item.pk, "kind": item.kind,
                                "staff": item.staff.username, "person_id": item.person_id,
                                "supervisor": actor.username})
        live_event_send(LiveEvent.DIP_SAMPLE_VERDICT, group=CONDUCT_GROUP,
                        dip_sample_item_id=item.pk)
    item.refresh_from_db()
    return item


def conduct_hold_alerts_raise(hold: ConductHold) -> None:
    """A held staff text or chat line: supervisors are alerted to decide on it, professional
    standards with the words that matched (registered with conversations.conduct)."""
    detail = {"conduct_hold_id": hold.pk, "source": hold.source, "author": hold.author.username,
              "person_id": hold.person_id, "rules": hold.rule_labels}
    alert_raise(kind=Alert.Kind.CONDUCT_HOLD, for_role=Role.SUPERVISOR, detail=detail)
    alert_raise(kind=Alert.Kind.CONDUCT_HOLD, for_role=Role.PROFESSIONAL_STANDARDS,
                detail={**detail, "words": hold.words})
