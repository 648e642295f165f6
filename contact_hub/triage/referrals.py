"""Allegations of misconduct by officers or staff, raised in passing in a contact: a restricted
item for professional standards, never shown to the members of staff it is about.

An allegation may name several staff (by collar number, name or a handle they used); each is
excluded from it (`conversations.MessageExclusion`) in the transaction that opens it. When it
names nobody, or speaks of "the officer who came" or "the call handler", the staff who held
her contacts, incidents, callbacks or video calls in the look-back period are candidates,
excluded the same way until professional standards clear them. A referral moves through
received → assessed → referred on or closed, each step with its actor and reason, against a
countdown to assessment that alerts professional standards as an incident's alerts
supervisors."""

from __future__ import annotations

import re
import tomllib
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import lru_cache
from typing import Any

from django.conf import settings
from django.core.paginator import Page, Paginator
from django.db import transaction
from django.db.models import (
    Case,
    IntegerField,
    Prefetch,
    Q,
    QuerySet,
    Value,
    When,
    prefetch_related_objects,
)
from django.utils import timezone

from contact_hub.conversations.looks import list_look_record, look_reason_register, look_record
from contact_hub.conversations.models import Message, MessageExclusion
from contact_hub.conversations.visibility import message_hidden_q, staff_kept_from
from contact_hub.incidents.alerts import alert_acknowledge, alerts_raise
from contact_hub.incidents.models import Alert, Incident, IncidentContact
from contact_hub.live import CONDUCT_GROUP, LiveEvent, live_event_send
from contact_hub.staff.assignments import assignment_start, assignments_end, follow_up_period
from contact_hub.staff.audit import access_record
from contact_hub.staff.conduct import conduct_hidden_people_register
from contact_hub.staff.models import AccessEvent, Assignment, Role, StaffUser
from contact_hub.staff.reasons import REASON_MIN_CHARS, reason_too_short
from contact_hub.staff.roles import MAY_REVIEW_CONDUCT
from contact_hub.triage.models import (
    ContactTriage,
    MisconductReferral,
    ReferralStage,
    ReferralStep,
    ReferralTimer,
)
from contact_hub.triage.rules import APOSTROPHE, RIGHT_QUOTE

LOOK_REASON = "professional standards: open misconduct referral"
LIST_REASON = "professional standards: misconduct referrals"
ENDED_PAGE_SIZE = 50
# The work that puts a member of staff in touch with her: whoever held it may be "the officer
# who came". A referral or a reason given is not contact with her.
CANDIDATE_KINDS = (Assignment.Kind.CONTACT, Assignment.Kind.INCIDENT, Assignment.Kind.CALLBACK,
                   Assignment.Kind.VIDEO)
DEADLINE = "100%"
# Each member of staff's looks shown on a referral; the rest are in the access log.
LOOKS_SHOWN = 200
ENDINGS = (ReferralStage.REFERRED_ANTI_CORRUPTION, ReferralStage.REFERRED_IOPC,
           ReferralStage.CLOSED)
NEXT_STEPS: dict[str, tuple[str, ...]] = {
    ReferralStage.RECEIVED: (ReferralStage.ASSESSED,),
    ReferralStage.ASSESSED: ENDINGS,
}


class ReferralRefused(ValueError):
    """The change is not allowed; the reason is safe to show to staff."""


class ReferralHidden(LookupError):
    """No such referral for this reader: it does not exist, or it is about them."""


# Who the allegation names.

@dataclass(frozen=True)
class NamedStaff:
    staff: StaffUser
    how: str


def _whole(word: str) -> re.Pattern[str]:
    return re.compile(rf"(?<![\w@]){re.escape(word)}(?!\w)", re.IGNORECASE)


def _name(first: str, last: str) -> re.Pattern[str]:
    # "Pete  Named" and "pete named" name him as surely as "Pete Named".
    return re.compile(rf"(?<!\w){re.escape(first)}\s+{re.escape(last)}(?!\w)", re.IGNORECASE)


def _handle(handle: str) -> re.Pattern[str]:
    # "@dave_k" or "dave_k": victims often leave the @ off.
    bare = handle.strip().lstrip("@")
    return re.compile(rf"(?<![\w@.])@?{re.escape(bare)}(?![\w])", re.IGNORECASE)


def staff_named_in(text: str) -> list[NamedStaff]:
    """Every member of staff the words name, by collar number, full name or a social media
    handle of theirs, each once, with how they were named."""
    named = []
    for user in (StaffUser.objects.only("pk", "username", "collar_number", "first_name",
                                        "last_name", "handles", "role").order_by("pk")):
        how = _how_named(user, text)
        if how:
            named.append(NamedStaff(staff=user, how=how))
    return named


def _how_named(user: StaffUser, text: str) -> str:
    collar = user.collar_number.strip()
    if collar and _whole(collar).search(text):
        return f"collar number {collar}"
    first, last = user.first_name.strip(), user.last_name.strip()
    if first and last and _name(first, last).search(text):
        return "name"
    for handle in user.handles if isinstance(user.handles, list) else []:
        if isinstance(handle, str) and handle.strip().lstrip("@") and _handle(handle).search(
                text):
            return f"handle @{handle.strip().lstrip('@')}"
    return ""


# Words that speak of staff without naming them: data in the risk rules file.

@dataclass(frozen=True)
class UnnamedStaffRule:
    phrases: tuple[str, ...]
    patterns: tuple[str, ...]
    expressions: tuple[re.Pattern[str], ...]
    examples: tuple[str, ...]


def _phrase(phrase: str) -> re.Pattern[str]:
    # As the risk rules match a phrase, and across a line break or a double space too.
    parts = [APOSTROPHE if ch in ("'", RIGHT_QUOTE) else r"\s+" if ch == " " else re.escape(ch)
             for ch in " ".join(phrase.split())]
    return re.compile(r"(?<!\w)" + "".join(parts) + r"(?!\w)", re.IGNORECASE)


@lru_cache(maxsize=4)
def _unnamed_rule_load(path: str) -> UnnamedStaffRule:
    with open(path, "rb") as file:
        raw = tomllib.load(file).get("unnamed_staff", {})
    phrases, patterns = tuple(raw.get("phrases", [])), tuple(raw.get("patterns", []))
    return UnnamedStaffRule(
        phrases=phrases, patterns=patterns, examples=tuple(raw.get("examples", [])),
        expressions=tuple([_phrase(p) for p in phrases]
                          + [re.compile(p, re.IGNORECASE) for p in patterns]))


def unnamed_staff_rule() -> UnnamedStaffRule:
    return _unnamed_rule_load(str(settings.HUB_RISK_RULES_FILE))


def unnamed_words_find(text: str, rule: UnnamedStaffRule | None = None) -> list[str]:
    """The words (as written) that speak of a member of staff without naming them."""
    words: list[str] = []
    for expression in (rule or unnamed_staff_rule()).expressions:
        for found in expression.finditer(text):
            word = " ".join(found.group(0).split())
            if word.lower() not in (w.lower() for w in words):
                words.append(word)
    # "the officer who came" says all that "the officer" inside it does.
    return [w for w in words
            if not any(w.lower() in other.lower() and w != other for other in words)][:5]


def unnamed_staff_problems(rule: UnnamedStaffRule | None = None) -> list[str]:
    """Examples that do not match, patterns no example shows, and a rule with no examples."""
    rule = rule or unnamed_staff_rule()
    problems = [] if rule.examples else ["unnamed_staff has no examples"]
    problems += [f"unnamed_staff: example does not match: {example!r}"
                 for example in rule.examples if not unnamed_words_find(example, rule)]
    problems += [f"unnamed_staff: no example shows the pattern {pattern!r}"
                 for pattern in rule.patterns
                 if not any(re.search(pattern, e, re.IGNORECASE) for e in rule.examples)]
    return problems


# Candidates: who held her work before the allegation.

def look_back_start(referral: MisconductReferral) -> datetime:
    """Where the search for candidates (and their looks) starts: the look-back period before
    the contact that carries the allegation."""
    anchor = referral.message.created_at if referral.message else referral.opened_at
    return anchor - timedelta(days=settings.HUB_ACCESS["candidate_look_back_days"])


def candidates_find(*, person_id: int, since: datetime, until: datetime,
                    leave_out: Iterable[int] = (), message_id: int | None = None
                    ) -> list[Assignment]:
    """The staff who held her contacts, incidents, callbacks or video calls at any time from
    `since` to `until`, each once with their latest such assignment. Work on the contact that
    carries the allegation is handling it, not the conduct it alleges, so it does not count."""
    held = (Assignment.objects.filter(person_id=person_id, kind__in=CANDIDATE_KINDS,
                                      started_at__lte=until)
            .filter(Q(ends_at__isnull=True) | Q(ends_at__gt=since))
            .exclude(staff_id__in=list(leave_out)).select_related("staff")
            .order_by("-started_at", "-pk"))
    if message_id is not None:
        held = held.exclude(kind=Assignment.Kind.CONTACT, subject=f"message:{message_id}")
    latest: dict[int, Assignment] = {}
    for assignment in held:
        latest.setdefault(assignment.staff_id, assignment)
    return list(latest.values())


def _candidate_how(assignment: Assignment) -> str:
    started = timezone.localtime(assignment.started_at).strftime("%d %b %Y")
    return f"{assignment} from {started}"[:200]


# Opening a referral.

def referral_open(*, message: Message, words: list[str], actor: StaffUser | None,
                  now: datetime | None = None) -> MisconductReferral:
    """Open the restricted item for the contact, once however often triage runs, and keep it
    from every member of staff it names or may be about, in the same transaction."""
    now = now or timezone.now()
    due = now + timedelta(hours=settings.HUB_ACCESS["referral_assessment_hours"])
    with transaction.atomic():
        referral, created = MisconductReferral.objects.get_or_create(
            message=message, defaults={
                "person_id": message.conversation.person_id, "words": words,
                "unnamed_words": unnamed_words_find(message.text), "opened_by": actor,
                "opened_at": now, "assessment_due_at": due,
            })
        if created:
            ReferralStep.objects.create(
                referral=referral, step=ReferralStage.RECEIVED, actor=actor, at=now,
                reason=("misconduct flag added by staff" if actor is not None else
                        "raised by the risk rules: " + ", ".join(words or ["misconduct"]))[:300])
            _exclusions_make(referral, message, actor)
            referral_timers_schedule(referral)
    if created:
        live_event_send(LiveEvent.REFERRAL_OPENED, group=CONDUCT_GROUP, referral_id=referral.pk)
    return referral


def _exclusions_make(referral: MisconductReferral, message: Message,
                     actor: StaffUser | None) -> None:
    named = staff_named_in(message.text)
    exclusions = [MessageExclusion(message=message, staff=n.staff, how=n.how,
                                   basis=MessageExclusion.Basis.NAMED) for n in named]
    if referral.unnamed_words or not named:
        # Whoever raised it is not who it is about: they are handling it.
        leave_out = {n.staff.pk for n in named} | ({actor.pk} if actor else set())
        exclusions += [
            MessageExclusion(message=message, staff_id=a.staff_id, how=_candidate_how(a),
                             basis=MessageExclusion.Basis.CANDIDATE)
            for a in candidates_find(person_id=message.conversation.person_id,
                                     since=look_back_start(referral), until=message.created_at,
                                     leave_out=leave_out, message_id=message.pk)]
    # A member of staff already kept from the message stays as they are.
    MessageExclusion.objects.bulk_create(exclusions, ignore_conflicts=True)
    if exclusions:
        staff_kept_from.send(sender=MessageExclusion, message_id=message.pk,
                             staff_ids=sorted({e.staff_id for e in exclusions}))


# Who may see a referral.

def referrals_visible_to(user: StaffUser) -> QuerySet[MisconductReferral]:
    """Referrals professional standards may see: none to anyone else, and never one that
    names the viewer or counts them as a candidate."""
    if not user.has_role(*MAY_REVIEW_CONDUCT):
        return MisconductReferral.objects.none()
    return (MisconductReferral.objects.filter(~message_hidden_q(user, field="message_id"))
            .select_related("message__conversation", "opened_by"))


def referrals_open(user: StaffUser) -> list[MisconductReferral]:
    """Open referrals, those waiting for assessment first, the most overdue of them first."""
    return list(referrals_visible_to(user).filter(closed_at__isnull=True).annotate(
        waiting=Case(When(stage=ReferralStage.RECEIVED, then=Value(0)), default=Value(1),
                     output_field=IntegerField()))
        .order_by("waiting", "assessment_due_at", "pk"))


def referrals_ended(user: StaffUser) -> QuerySet[MisconductReferral]:
    return referrals_visible_to(user).filter(closed_at__isnull=False).order_by("-closed_at")


@dataclass(frozen=True)
class ReferralRow:
    """A referral on the list, with the staff kept from it."""

    referral: MisconductReferral
    named: list[MessageExclusion]
    candidates: list[MessageExclusion]


@dataclass
class ReferralList:
    open: list[ReferralRow]
    ended: list[ReferralRow]
    ended_page: Page
    alerts: list[Alert]


def referrals_list_read(*, actor: StaffUser, ended_page: str | int | None = None
                        ) -> ReferralList:
    """Professional standards' list: open referrals first (overdue first), then a page of the
    ended ones, recorded as one look naming everyone it shows."""
    open_ones = referrals_open(actor)
    page = Paginator(referrals_ended(actor), ENDED_PAGE_SIZE).get_page(ended_page)
    ended = list(page.object_list)
    prefetch_related_objects([*open_ones, *ended], Prefetch(
        "message__exclusions", to_attr="kept_from",
        queryset=MessageExclusion.objects.select_related("staff").order_by("staff__username")))
    list_look_record(actor=actor, what="misconduct referrals", why=LIST_REASON,
                     person_ids=[r.person_id for r in [*open_ones, *ended]])
    return ReferralList(open=[_row(r) for r in open_ones], ended=[_row(r) for r in ended],
                        ended_page=page, alerts=referral_alerts_open_for(actor))


def _row(referral: MisconductReferral) -> ReferralRow:
    kept: list[MessageExclusion] = (
        referral.message.kept_from if referral.message else [])  # type: ignore[attr-defined]
    return ReferralRow(referral=referral,
                       named=[x for x in kept if x.basis == MessageExclusion.Basis.NAMED],
                       candidates=[x for x in kept if x.basis == MessageExclusion.Basis.CANDIDATE])


# Reading a referral: a look at her record.

@dataclass
class StaffLooks:
    """A member of staff the allegation is or may be about, and their looks at her and at
    the people linked to her incidents since the look-back start."""

    exclusion: MessageExclusion
    events: list[AccessEvent]
    more: bool


@dataclass
class ReferralPage:
    referral: MisconductReferral
    named: list[StaffLooks]
    candidates: list[StaffLooks]
    steps: list[ReferralStep]
    next_steps: list[tuple[str, str]]
    alerts: list[Alert]
    since: datetime
    linked: dict[int, list[str]]


def referral_read(*, actor: StaffUser, referral_id: int,
                  now: datetime | None = None) -> ReferralPage:
    """The referral with everything professional standards weigh, recorded as a look at her
    record in the caller's transaction (raises ReasonNeeded when the reader has none, and
    ReferralHidden when it is not for them)."""
    referral = referrals_visible_to(actor).filter(pk=referral_id).first()
    if referral is None:
        raise ReferralHidden(referral_id)
    what = f"misconduct referral {referral.pk}"
    if referral.person_id is not None:
        look_record(actor=actor, person_id=referral.person_id, what=what, now=now)
    else:
        access_record(actor=actor, action=AccessEvent.Action.VIEW, what=what, why=LOOK_REASON)
    since = look_back_start(referral)
    linked = people_linked(referral.person_id) if referral.person_id is not None else {}
    looks = _staff_looks(referral, since=since, linked=linked)
    return ReferralPage(
        referral=referral, since=since, linked=linked,
        named=[s for s in looks if s.exclusion.basis == MessageExclusion.Basis.NAMED],
        candidates=[s for s in looks if s.exclusion.basis == MessageExclusion.Basis.CANDIDATE],
        steps=list(referral.steps.select_related("actor")),
        next_steps=[(s, ReferralStage(s).label) for s in NEXT_STEPS.get(referral.stage, ())],
        alerts=list(_referral_alerts().filter(detail__referral_id=referral.pk)))


def people_linked(person_id: int) -> dict[int, list[str]]:
    """Her, and the other people whose contacts are linked to her incidents: for each, the
    references of the incidents that link them (none for her)."""
    incidents = set(Incident.objects.filter(person_id=person_id).values_list("pk", flat=True))
    incidents |= set(IncidentContact.objects.filter(message__conversation__person_id=person_id)
                     .values_list("incident_id", flat=True))
    incidents |= set(ContactTriage.objects.filter(person_id=person_id, incident__isnull=False)
                     .values_list("incident_id", flat=True))
    references = dict(Incident.objects.filter(pk__in=incidents)
                      .values_list("pk", "reference"))
    pairs = set(Incident.objects.filter(pk__in=incidents, person_id__isnull=False)
                .values_list("person_id", "pk"))
    pairs |= set(IncidentContact.objects.filter(incident_id__in=incidents)
                 .values_list("message__conversation__person_id", "incident_id"))
    pairs |= set(ContactTriage.objects.filter(incident_id__in=incidents)
                 .values_list("person_id", "incident_id"))
    linked: dict[int, list[str]] = {person_id: []}
    for other, incident_id in sorted(pairs):
        if other != person_id:
            linked.setdefault(other, []).append(references[incident_id])
    return {pk: sorted(set(refs)) for pk, refs in linked.items()}


def _staff_looks(referral: MisconductReferral, *, since: datetime,
                 linked: dict[int, list[str]]) -> list[StaffLooks]:
    if referral.message_id is None:
        return []
    people = list(linked)
    exclusions = list(MessageExclusion.objects.filter(message_id=referral.message_id)
                      .select_related("staff", "cleared_by").order_by("basis", "staff__username"))
    looks = []
    for exclusion in exclusions:
        events = list(AccessEvent.objects.filter(actor_id=exclusion.staff_id, at__gte=since)
                      .filter(Q(person_id__in=people) | Q(people__in=people)).distinct()
                      .prefetch_related("people").order_by("-at", "-pk")[:LOOKS_SHOWN + 1])
        for event in events:
            event.whose = _whose(event, referral.person_id, linked)
        looks.append(StaffLooks(exclusion=exclusion, events=events[:LOOKS_SHOWN],
                                more=len(events) > LOOKS_SHOWN))
    return looks


def _whose(event: AccessEvent, person_id: int | None, linked: dict[int, list[str]]) -> str:
    """Whose record a look was at, in professional standards' words."""
    def label(pk: int) -> str:
        if pk == person_id:
            return f"Person {pk} (who made the allegation)"
        return f"Person {pk} (linked through {', '.join(linked.get(pk, [])) or 'an incident'})"

    if event.person_id is not None:
        return label(event.person_id)
    shown = sorted(p.pk for p in event.people.all() if p.pk in linked)
    return "a list page showing " + "; ".join(label(pk) for pk in shown)


# The steps of a referral's life.

def referral_assess(*, referral: MisconductReferral, actor: StaffUser, reason: str,
                    now: datetime | None = None) -> ReferralStep:
    """Professional standards have assessed it: the countdown stops."""
    return _step_record(referral, ReferralStage.ASSESSED, actor, reason, now)


def referral_refer_on(*, referral: MisconductReferral, to: str, actor: StaffUser, reason: str,
                      now: datetime | None = None) -> ReferralStep:
    """Passed to anti-corruption or the IOPC: it leaves professional standards' open list."""
    if to not in (ReferralStage.REFERRED_ANTI_CORRUPTION, ReferralStage.REFERRED_IOPC):
        raise ReferralRefused("Refer it to anti-corruption or the IOPC.")
    return _step_record(referral, to, actor, reason, now)


def referral_close(*, referral: MisconductReferral, actor: StaffUser, reason: str,
                   now: datetime | None = None) -> ReferralStep:
    return _step_record(referral, ReferralStage.CLOSED, actor, reason, now)


def _step_record(referral: MisconductReferral, step: str, actor: StaffUser, reason: str,
                 now: datetime | None) -> ReferralStep:
    reason = " ".join(reason.split())
    if reason_too_short(reason):
        raise ReferralRefused(f"Give the reason, at least {REASON_MIN_CHARS} characters.")
    now = now or timezone.now()
    with transaction.atomic():
        locked = _locked_for(actor, referral)
        if step not in NEXT_STEPS.get(locked.stage, ()):
            raise ReferralRefused(f"A referral that is {locked.get_stage_display().lower()} "
                                  f"cannot be {ReferralStage(step).label.lower()}.")
        recorded = ReferralStep.objects.create(referral=locked, step=step, actor=actor,
                                               reason=reason[:300], at=now)
        changed: dict[str, object] = {"stage": step}
        if step == ReferralStage.ASSESSED:
            changed["assessed_at"] = now
            referral_timers_cancel(locked, now=now)
        if step in ENDINGS:
            changed["closed_at"] = now
            referral_timers_cancel(locked, now=now)
        MisconductReferral.objects.filter(pk=locked.pk).update(**changed)
        _working(locked, actor, now, ended=step in ENDINGS)
        if step in ENDINGS:
            # Whoever worked it keeps their reason to look for the follow-up period.
            assignments_end(kind=Assignment.Kind.REFERRAL, subject=f"referral:{locked.pk}",
                            at=now, keep=follow_up_period())
        _change_recorded(locked, actor, f"{ReferralStage(step).label.lower()}", now)
        if step != ReferralStage.RECEIVED:
            for alert in _referral_alerts().filter(detail__referral_id=locked.pk):
                alert_acknowledge(alert=alert, actor=actor)
    referral.refresh_from_db()
    live_event_send(LiveEvent.REFERRAL_CHANGED, group=CONDUCT_GROUP, referral_id=referral.pk)
    return recorded


def _locked_for(actor: StaffUser, referral: MisconductReferral) -> MisconductReferral:
    """The referral, locked for the change, if the actor may work it."""
    if not actor.has_role(*MAY_REVIEW_CONDUCT):
        raise ReferralRefused("Only professional standards work misconduct referrals.")
    locked = (referrals_visible_to(actor).select_for_update(of=("self",))
              .filter(pk=referral.pk).first())
    if locked is None:
        raise ReferralHidden(referral.pk)
    return locked


def _working(referral: MisconductReferral, actor: StaffUser, now: datetime, *,
             ended: bool) -> None:
    """Recording a step is working the referral: the reason to look at her record. On a
    referral already ended, that reason lasts the follow-up period."""
    assignment_start(staff=actor, person_id=referral.person_id, kind=Assignment.Kind.REFERRAL,
                     subject=f"referral:{referral.pk}", why=f"misconduct referral {referral.pk}",
                     ends_at=now + follow_up_period() if ended else None, now=now)


def _change_recorded(referral: MisconductReferral, actor: StaffUser, change: str,
                     now: datetime) -> None:
    what = f"misconduct referral {referral.pk}: {change}"
    if referral.person_id is None:
        access_record(actor=actor, action=AccessEvent.Action.CHANGE, what=what, why=LOOK_REASON)
        return
    look_record(actor=actor, person_id=referral.person_id, what=what,
                action=AccessEvent.Action.CHANGE, now=now)


def candidate_clear(*, referral: MisconductReferral, exclusion_id: int, actor: StaffUser,
                    reason: str, now: datetime | None = None) -> MessageExclusion:
    """Professional standards are satisfied a candidate is not who the allegation is about:
    from now on they see the contact like anyone, and their looks are not flagged for it."""
    reason = " ".join(reason.split())
    if reason_too_short(reason):
        raise ReferralRefused(f"Give the reason, at least {REASON_MIN_CHARS} characters.")
    now = now or timezone.now()
    with transaction.atomic():
        locked = _locked_for(actor, referral)
        exclusion = None if locked.message_id is None else (
            MessageExclusion.objects.select_for_update()
            .filter(pk=exclusion_id, message_id=locked.message_id).first())
        if exclusion is None or exclusion.basis != MessageExclusion.Basis.CANDIDATE:
            raise ReferralRefused("Only a candidate can be cleared; named staff stay excluded.")
        if exclusion.cleared_at is not None:
            raise ReferralRefused("That candidate was cleared already.")
        exclusion.cleared_at, exclusion.cleared_by = now, actor
        exclusion.cleared_reason = reason[:300]
        exclusion.save(update_fields=["cleared_at", "cleared_by", "cleared_reason"])
        _working(locked, actor, now, ended=not locked.is_open)
        _change_recorded(locked, actor, f"candidate {exclusion.staff_id} cleared", now)
    live_event_send(LiveEvent.REFERRAL_CHANGED, group=CONDUCT_GROUP, referral_id=referral.pk)
    return exclusion


# The countdown to assessment.

def _point_label(fraction: float) -> str:
    return f"{round(fraction * 100)}%"


def referral_timers_schedule(referral: MisconductReferral) -> list[ReferralTimer]:
    """The points of the countdown: the force's escalation fractions of the assessment time,
    and always the deadline."""
    span = referral.assessment_due_at - referral.opened_at
    points = {_point_label(f): referral.opened_at + span * f
              for f in settings.HUB_ESCALATION["points"]}
    points.setdefault(DEADLINE, referral.assessment_due_at)
    return ReferralTimer.objects.bulk_create(
        [ReferralTimer(referral=referral, point=point, due_at=due)
         for point, due in sorted(points.items(), key=lambda p: p[1])], ignore_conflicts=True)


def referral_timers_cancel(referral: MisconductReferral, *, now: datetime) -> int:
    return ReferralTimer.objects.filter(referral=referral, fired_at__isnull=True,
                                        cancelled_at__isnull=True).update(cancelled_at=now)


def referrals_sweep(*, now: datetime | None = None, limit: int = 200) -> list[int]:
    """Alert professional standards of every countdown point now due. Returns the ids of the
    timers this call fired; safe on any number of workers at once."""
    now = now or timezone.now()
    with transaction.atomic():
        # SKIP LOCKED: a second sweeper takes other rows instead of firing the same ones; the
        # conditional UPDATE guards engines without row locks.
        due = list(ReferralTimer.objects.select_for_update(skip_locked=True)
                   .filter(fired_at__isnull=True, cancelled_at__isnull=True, due_at__lte=now)
                   .order_by("due_at").values_list("pk", flat=True)[:limit])
        fired = [pk for pk in due if ReferralTimer.objects.filter(
            pk=pk, fired_at__isnull=True, cancelled_at__isnull=True).update(fired_at=now)]
        timers = list(ReferralTimer.objects.filter(pk__in=fired).select_related("referral")
                      .order_by("due_at", "pk"))
        alerts_raise([Alert(kind=Alert.Kind.REFERRAL_ASSESSMENT,
                            for_role=Role.PROFESSIONAL_STANDARDS,
                            detail={"referral_id": t.referral_id, "point": t.point,
                                    "due_at": t.referral.assessment_due_at.isoformat(),
                                    "missed": t.point == DEADLINE})
                      for t in timers])
    if fired:
        # One event for the sweep: professional standards' pages fetch once.
        live_event_send(LiveEvent.ALERT_RAISED, group=CONDUCT_GROUP,
                        referral_ids=sorted({t.referral_id for t in timers}))
    return fired


def _referral_alerts() -> QuerySet[Alert]:
    return Alert.objects.filter(kind=Alert.Kind.REFERRAL_ASSESSMENT,
                                for_role=Role.PROFESSIONAL_STANDARDS,
                                acknowledged_at__isnull=True).order_by("-created_at", "-pk")


def referral_alerts_open_for(user: StaffUser) -> list[Alert]:
    """Countdown alerts of the referrals this member of professional standards may see."""
    if not user.has_role(*MAY_REVIEW_CONDUCT):
        return []
    alerts = list(_referral_alerts())
    visible = set(referrals_visible_to(user).filter(
        pk__in=[a.detail.get("referral_id") for a in alerts]).values_list("pk", flat=True))
    return [a for a in alerts if a.detail.get("referral_id") in visible]


# Hooks for the layers below.

def referral_look_reason(actor: StaffUser, person_id: int, now: datetime) -> str | None:
    """Professional standards may open the record of a person with an open referral that is
    not about them."""
    if actor.has_role(*MAY_REVIEW_CONDUCT) and referrals_visible_to(actor).filter(
            person_id=person_id, closed_at__isnull=True).exists():
        return LOOK_REASON
    return None


def people_confining(reviewer: StaffUser) -> QuerySet[MessageExclusion, Any]:
    """The people whose allegations name the reviewer (or count them a candidate): looks at
    them would tell the reviewer the allegation exists."""
    return (MessageExclusion.objects.filter(staff_id=reviewer.pk, cleared_at__isnull=True)
            .values("message__conversation__person_id"))


def referrals_register() -> None:
    """Called from TriageConfig.ready()."""
    look_reason_register(referral_look_reason)
    conduct_hidden_people_register(people_confining)
