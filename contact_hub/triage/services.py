"""Triage of contacts: flagging risk, claiming, grading into incidents, and closing with no
action. Every change is recorded in the access log (and the incident log once linked)."""

from __future__ import annotations

from django.db import IntegrityError, transaction
from django.utils import timezone

from contact_hub.conversations.intake import StoredWith
from contact_hub.conversations.models import Message
from contact_hub.conversations.visibility import message_hidden_q
from contact_hub.incidents.grades import opening_code_is_domestic
from contact_hub.incidents.log import log_append
from contact_hub.incidents.models import Incident, IncidentContact
from contact_hub.incidents.services import (
    incident_contact_link,
    incident_flag_add,
    incident_flag_remove,
    incident_open,
)
from contact_hub.live import HUB_GROUP, LiveEvent, live_event_send
from contact_hub.staff.assignments import assignment_start, assignments_end, follow_up_period
from contact_hub.staff.audit import access_record
from contact_hub.staff.models import AccessEvent, Assignment, StaffUser
from contact_hub.staff.reasons import NOTE_MIN_CHARS, reason_too_short
from contact_hub.staff.roles import MAY_SUPERVISE, MAY_TRIAGE
from contact_hub.triage.assessment import triage_assess, triage_assess_by_rules, triages_assess
from contact_hub.triage.live_rows import contact_items_push, contact_row_push_new
from contact_hub.triage.models import Claim, ContactTriage, RiskFlag
from contact_hub.triage.queue import contacts_triaged, flags_shown
from contact_hub.triage.referrals import referral_open
from contact_hub.triage.rules import risk_rule, rules_match
from contact_hub.triage.selectors import person_histories

MISCONDUCT = "misconduct"
DOMESTIC_ABUSE = "domestic_abuse"


class TriageRefused(ValueError):
    """The change is not allowed; the reason is safe to show to staff."""


class DomesticCodeQuestion(TriageRefused):
    """The words suggest domestic abuse but the chosen code is not a domestic abuse code."""

    def __init__(self, words: list[str]) -> None:
        self.words = words
        super().__init__("The contact suggests domestic abuse (" + ", ".join(words) + "), but "
                         "the opening code is not a domestic abuse code. Choose a domestic "
                         "abuse code, or confirm this one.")


def _queue_changed(**ids: int | str) -> None:
    live_event_send(LiveEvent.QUEUE_CHANGED, group=HUB_GROUP, **ids)


def contact_rules_apply(message: Message) -> StoredWith:
    """Intake's part of triage (settings.HUB_MESSAGE_INTAKE_HOOKS): the risk rules' flags and
    the contact's place in the queue, stored in the statement that stores the message, and
    its row on every open dashboard once that commits. Pure: the text alone decides, so it
    costs intake no round trip. The worker's contacts_triage adds the rest (markers, history,
    the suggested grade with them) to the same row.

    An allegation of misconduct is left to the worker whole: it must not reach any page before
    its referral has kept it from the staff it names (referral_open), so nothing is stored or
    shown here that would put it in the queue first."""
    matches = rules_match(message.text)
    if any(match.kind == MISCONDUCT for match in matches):
        return StoredWith()
    flags = tuple(RiskFlag(kind=m.kind, words=list(m.words), source=RiskFlag.Source.RULE)
                  for m in matches)
    triage = triage_assess_by_rules(ContactTriage(received_at=message.created_at),
                                    [flag.kind for flag in flags])

    def shown(stored: Message) -> None:
        # Intake has given the rows their message and person.
        contact_row_push_new(triage, sorted(flags, key=lambda flag: flag.kind))

    return StoredWith(rows=(triage, *flags), then=shown)


def contact_triage(message_id: int) -> ContactTriage | None:
    """Flag the contact's risk from the rules and put it in the queue. Idempotent: running it
    again adds nothing, and never brings back a flag a coordinator removed."""
    return contacts_triage([message_id]).get(message_id)


def contacts_triage(message_ids: list[int]) -> dict[int, ContactTriage]:
    """contact_triage for many messages at once, in a fixed handful of queries, so triage
    keeps up with a busy moment. Returns each inbound message's triage by message id.

    Most contacts are in the queue already, with the rules' flags, from intake
    (contact_rules_apply); this adds the markers and the grade they suggest, opens the
    referral of an allegation, and sends each waiting contact's row again, with its history,
    to every open dashboard. What it reads to decide (the flags, the people's histories and
    markers) is what the rows show, so the rows are built from it, not read again."""
    messages = list(Message.objects.select_related("conversation__identity")
                    .filter(pk__in=message_ids, direction=Message.Direction.INBOUND))
    if not messages:
        return {}
    by_id = {message.pk: message for message in messages}
    now = timezone.now()
    with transaction.atomic():
        queued = list(ContactTriage.objects.filter(message_id__in=list(by_id)))
        linked = _already_linked(list(by_id))
        # A contact intake queued has its rules' flags already, stored with it; the rest
        # (an allegation, left whole to this) are flagged and queued here.
        queued_ids = {triage.message_id for triage in queued}
        unqueued = [message for pk, message in by_id.items() if pk not in queued_ids]
        _contacts_queue(unqueued, linked)
        for message_id, handled in linked.items():
            # Queued at intake, then linked before this ran: dealt with already.
            ContactTriage.objects.filter(message_id=message_id, handled_at__isnull=True).update(
                **handled)
        triages = (list(ContactTriage.objects.filter(message_id__in=list(by_id)))
                   if unqueued or linked else queued)
        for triage in triages:
            triage.message = by_id[triage.message_id]
        shown = flags_shown(list(by_id))
        histories = person_histories({t.person_id for t in triages}, viewer=None, now=now)
        triages_assess(triages, kinds={pk: [f.kind for f in fs] for pk, fs in shown.items()},
                       markers={pk: [m for m in h.markers if m.starts_at <= now]
                                for pk, h in histories.items()})
    if any(triage.handled_at is None for triage in triages):
        contact_items_push(contacts_triaged(triages, shown, histories))
    return {triage.message_id: triage for triage in triages}


def _contacts_queue(messages: list[Message], linked: dict[int, dict]) -> None:
    """The rules' flags and a place in the queue for contacts intake did not queue, and the
    referral of an allegation. Idempotent: a flag already there (or removed by a coordinator)
    stays as it is, and so does a contact queued meanwhile."""
    flags = []
    for message in messages:
        for match in rules_match(message.text):
            flags.append(RiskFlag(message=message, kind=match.kind, words=list(match.words),
                                  source=RiskFlag.Source.RULE))
            if match.kind == MISCONDUCT:
                referral_open(message=message, words=list(match.words), actor=None)
    RiskFlag.objects.bulk_create(flags, ignore_conflicts=True)
    ContactTriage.objects.bulk_create(
        [ContactTriage(message=m, person_id=m.conversation.person_id, received_at=m.created_at,
                       **linked.get(m.pk, {})) for m in messages], ignore_conflicts=True)


def _already_linked(message_ids: list[int]) -> dict[int, dict]:
    """Contacts linked to an incident before their triage ran have been dealt with already."""
    linked: dict[int, dict] = {}
    for message_id, linked_at, incident_id in (
            IncidentContact.objects.filter(message_id__in=message_ids).order_by("pk")
            .values_list("message_id", "linked_at", "incident_id")):
        # The first link is when it was dealt with.
        linked.setdefault(message_id, {"handled_at": linked_at, "incident_id": incident_id,
                                       "outcome": ContactTriage.Outcome.LINKED})
    return linked


def flags_active(message: Message) -> list[RiskFlag]:
    return list(message.risk_flags.filter(removed_at__isnull=True).order_by("kind"))


def flag_add(*, message: Message, kind: str, actor: StaffUser, reason: str) -> RiskFlag:
    """A coordinator adds a flag the rules missed (or puts back one that was removed)."""
    if risk_rule(kind) is None:
        raise TriageRefused(f"Unknown flag '{kind}'.")
    reason = reason.strip()
    if not reason:
        raise TriageRefused("Say why you are adding the flag.")
    with transaction.atomic():
        flag, created = RiskFlag.objects.get_or_create(message=message, kind=kind, defaults={
            "source": RiskFlag.Source.STAFF, "added_by": actor})
        if not created and flag.removed_at is None:
            raise TriageRefused("The contact already has that flag.")
        if not created:
            RiskFlag.objects.filter(pk=flag.pk).update(removed_at=None, removed_by=None,
                                                       removed_reason="")
        _flag_recorded(message, kind, actor, f"flag added: {kind}", reason)
        for incident in _open_incidents(message):
            incident_flag_add(incident=incident, kind=kind, actor=actor, reason=reason)
        if kind == MISCONDUCT:
            referral_open(message=message, words=[], actor=actor)
    flag.refresh_from_db()
    return flag


def flag_remove(*, message: Message, kind: str, actor: StaffUser, reason: str) -> RiskFlag:
    """A coordinator removes a flag that is wrong, with the reason; the words stay on record."""
    reason = reason.strip()
    if not reason:
        raise TriageRefused("Say why you are removing the flag.")
    with transaction.atomic():
        flag = RiskFlag.objects.select_for_update().filter(
            message=message, kind=kind, removed_at__isnull=True).first()
        if flag is None:
            raise TriageRefused("The contact does not have that flag.")
        flag.removed_at, flag.removed_by, flag.removed_reason = timezone.now(), actor, reason[:300]
        flag.save(update_fields=["removed_at", "removed_by", "removed_reason"])
        _flag_recorded(message, kind, actor, f"flag removed: {kind}", reason)
        for incident in _open_incidents(message):
            incident_flag_remove(incident=incident, kind=kind, actor=actor, reason=reason)
    return flag


def _flag_recorded(message: Message, kind: str, actor: StaffUser, what: str,
                   reason: str) -> None:
    access_record(actor=actor, action=AccessEvent.Action.CHANGE, what=what, why=reason,
                  person_id=message.conversation.person_id)
    triage = ContactTriage.objects.filter(message=message).first()
    if triage is not None:
        triage_assess(triage)
    _queue_changed(message_id=message.pk)


def _open_incidents(message: Message) -> list[Incident]:
    return list(Incident.objects.filter(contacts__message=message, closed_at__isnull=True))


def item_claim(*, item_key: str, actor: StaffUser) -> Claim:
    """Take an item so others see who is working it. Refused if someone else has it."""
    if not actor.has_role(*MAY_TRIAGE):
        raise TriageRefused("Your role cannot claim items.")
    _claimable(item_key, actor)
    try:
        with transaction.atomic():
            claim = Claim.objects.create(item_key=item_key, claimed_by=actor)
            _claim_assignment_start(item_key, actor)
    except IntegrityError:
        claim = Claim.objects.select_related("claimed_by").get(item_key=item_key)
        if claim.claimed_by_id != actor.pk:
            raise TriageRefused(f"{claim.claimed_by.get_full_name() or claim.claimed_by} "
                                "already has this item.") from None
        return claim
    _queue_changed(item=item_key)
    return claim


def item_release(*, item_key: str, actor: StaffUser) -> bool:
    """Let go of an item. Supervisors may release anyone's (someone went off shift)."""
    claims = Claim.objects.filter(item_key=item_key)
    if not actor.has_role(*MAY_SUPERVISE):
        claims = claims.filter(claimed_by=actor)
    holders = list(claims.values_list("claimed_by_id", flat=True))
    released = claims.delete()[0] > 0
    for holder in holders:
        # Letting go of a contact before dealing with it ends the reason to look at it.
        Assignment.objects.filter(kind=Assignment.Kind.CONTACT, subject=item_key,
                                  staff_id=holder, ends_at__isnull=True).update(
            ends_at=timezone.now())
    if released:
        _queue_changed(item=item_key)
    return released


def _claimable(item_key: str, actor: StaffUser) -> None:
    """Only a contact still waiting, that the reader may see, can be claimed: a claim is a
    reason to open its person's record, so claiming one long dealt with (or any id at all)
    must not be a way round being asked why."""
    kind, _, pk = item_key.partition(":")
    if kind != "message":
        return
    waiting = ContactTriage.objects.filter(handled_at__isnull=True).filter(
        ~message_hidden_q(actor, field="message_id"))
    if not (pk.isdigit() and waiting.filter(message_id=int(pk)).exists()):
        raise TriageRefused("That contact is not waiting in the queue.")


def _claim_assignment_start(item_key: str, actor: StaffUser) -> None:
    """Claiming a contact is working it: the reason to look at its person. (An incident's
    holders are assigned by the incidents services.)"""
    kind, _, pk = item_key.partition(":")
    if kind == "message" and pk.isdigit():
        person_id = (ContactTriage.objects.filter(message_id=int(pk))
                     .values_list("person_id", flat=True).first())
        assignment_start(staff=actor, person_id=person_id, kind=Assignment.Kind.CONTACT,
                         subject=item_key, why="claimed the contact")


def _handled(message: Message, *, outcome: str, actor: StaffUser,
             incident: Incident | None = None, reason: str = "") -> None:
    now = timezone.now()
    handled = ContactTriage.objects.filter(message=message, handled_at__isnull=True).update(
        handled_at=now, handled_by=actor, outcome=outcome, incident=incident,
        outcome_reason=reason[:300])
    subject = f"message:{message.pk}"
    if handled:
        # Who dealt with it may come back to it for the follow-up period, as with an incident
        # (dealing again with one already dealt with gives no new reason).
        assignment_start(staff=actor, person_id=message.conversation.person_id,
                         kind=Assignment.Kind.CONTACT, subject=subject,
                         why="handled the contact")
    assignments_end(kind=Assignment.Kind.CONTACT, subject=subject, at=now,
                    keep=follow_up_period())
    Claim.objects.filter(item_key=f"message:{message.pk}").delete()
    _queue_changed(message_id=message.pk)


def contact_grade(*, message: Message, opening_code: str, grade: str,
                  thrive: dict[str, str], actor: StaffUser,
                  confirm_not_domestic: bool = False) -> Incident:
    """THRIVE and grade a contact: open its incident, carrying its flags over.

    Raises DomesticCodeQuestion when the words suggest domestic abuse and the code is not a
    domestic abuse one, unless the coordinator has confirmed; the override is logged."""
    flags = flags_active(message)
    kinds = [f.kind for f in flags]
    domestic_words = next((f.words for f in flags if f.kind == DOMESTIC_ABUSE), None)
    asked = DOMESTIC_ABUSE in kinds and not opening_code_is_domestic(opening_code)
    if asked and not confirm_not_domestic:
        raise DomesticCodeQuestion(list(domestic_words or ["flagged by staff"]))
    with transaction.atomic():
        incident = incident_open(opening_code=opening_code, grade=grade, actor=actor,
                                 message=message, thrive=thrive, flags=kinds)
        if asked:
            log_append(incident, "domestic_prompt.overridden", {
                "opening_code": incident.opening_code, "words": list(domestic_words or [])},
                actor=actor)
        _handled(message, outcome=ContactTriage.Outcome.INCIDENT, actor=actor,
                 incident=incident)
        access_record(actor=actor, action=AccessEvent.Action.CHANGE,
                      what=f"graded into incident {incident.reference}", why="triage",
                      person_id=message.conversation.person_id)
    return incident


def contact_link(*, message: Message, incident: Incident, actor: StaffUser) -> Incident:
    """Link the contact to an existing open incident instead of opening another."""
    if incident.closed_at is not None:
        raise TriageRefused("That incident is closed; open a new one.")
    with transaction.atomic():
        incident_contact_link(incident=incident, message=message, actor=actor)
        for flag in flags_active(message):
            incident_flag_add(incident=incident, kind=flag.kind, actor=actor,
                              reason="from a linked contact", words=flag.words)
        _handled(message, outcome=ContactTriage.Outcome.LINKED, actor=actor, incident=incident)
        access_record(actor=actor, action=AccessEvent.Action.CHANGE,
                      what=f"linked to incident {incident.reference}", why="triage",
                      person_id=message.conversation.person_id)
    return incident


def contact_close(*, message: Message, actor: StaffUser, reason: str) -> None:
    """Nothing for the police to do (a duplicate, a thank-you): recorded with the reason."""
    reason = reason.strip()
    if reason_too_short(reason, minimum=NOTE_MIN_CHARS):
        raise TriageRefused("Say why no action is needed.")
    with transaction.atomic():
        _handled(message, outcome=ContactTriage.Outcome.NO_ACTION, actor=actor, reason=reason)
        access_record(actor=actor, action=AccessEvent.Action.CHANGE,
                      what="closed with no action", why=reason,
                      person_id=message.conversation.person_id)
