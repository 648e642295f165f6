"""Abuse of position: what staff write to a victim is checked against the force's conduct rules
(conduct_rules.toml) before it reaches her, and contact with her after their work with her has
ended is flagged to professional standards.

- A text (reply_send) or in-call chat line that matches a rule is held, not sent or relayed; a
  supervisor other than its author decides (conversations.services.conduct_hold_decide), and
  professional standards see the words that matched. The apps that alert people about a hold
  register with `conduct_held_register`; rvr, which can still deliver a released chat line,
  with `conduct_chat_release_register`.
- `contact_after_assignment_flag` is called by every service through which staff contact a
  victim (a reply here; a callback call and a video link in their apps).
- Dip sampling draws staff contact with victims from the sources apps register with
  `contact_source_register` (texts are built in), so the supervision app needs no feature's
  models.

Rule matches, hold reasons and access events carry the rule and the matched words, never the
text itself; a held text's words stay on its message, a chat line's on its hold.
"""

from __future__ import annotations

import dataclasses
import re
import tomllib
import unicodedata
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from functools import lru_cache
from pathlib import Path

from django.conf import settings
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from contact_hub.conversations.models import ConductHold, DeliveryStatus, Message
from contact_hub.live import CONDUCT_GROUP, LiveEvent, live_event_send
from contact_hub.staff.assignments import assignments_current_for
from contact_hub.staff.audit import access_record
from contact_hub.staff.models import AccessEvent, Assignment, StaffUser

MAX_WORDS_SHOWN = 5
RIGHT_QUOTE = "\u2019"  # phones and browsers often type a curly quote for an apostrophe
APOSTROPHE = f"['{RIGHT_QUOTE}]"
# A number is told from a word by its digits: 101 and 999 have too few to be anyone's phone.
NUMBER_MIN_DIGITS = 7
CONTACT_AFTER_ASSIGNMENT = "contact after assignment ended"


@dataclass(frozen=True)
class ConductRule:
    kind: str
    label: str
    phrases: tuple[str, ...]
    patterns: tuple[str, ...]
    expressions: tuple[re.Pattern[str], ...]
    examples: tuple[str, ...]
    not_examples: tuple[str, ...]


@dataclass(frozen=True)
class ConductRules:
    rules: tuple[ConductRule, ...]
    # What staff may give out: numbers by their national digits, handles and addresses lower case.
    allowed_numbers: frozenset[str]
    allowed_names: frozenset[str]


@dataclass(frozen=True)
class ConductMatch:
    kind: str
    label: str
    words: tuple[str, ...]

    def as_record(self) -> dict[str, object]:
        return {"kind": self.kind, "label": self.label, "words": list(self.words)}


def _phrase_expression(phrase: str) -> re.Pattern[str]:
    parts = [APOSTROPHE if ch in ("'", RIGHT_QUOTE) else re.escape(ch) for ch in phrase.strip()]
    return re.compile(r"(?<!\w)" + "".join(parts) + r"(?!\w)", re.IGNORECASE)


def _number_key(text: str) -> str:
    """A number's digits in national form: +44 7700 900123, +44 (0)7700 900123,
    0044 7700 900123 and 07700 900123 are one number."""
    digits = re.sub(r"\D", "", text)
    international = text.strip().startswith("+") or digits.startswith("00")
    digits = digits.removeprefix("00") if digits.startswith("00") else digits
    if international and digits.startswith("44"):
        # "+44 (0)7700 900123" writes the trunk 0 as well.
        return "0" + digits[2:].lstrip("0")
    return digits


@lru_cache(maxsize=4)
def _rules_load(path: str, hub_numbers: tuple[str, ...]) -> ConductRules:
    with open(path, "rb") as file:
        raw = tomllib.load(file)
    rules = []
    for rule in raw.get("rule", []):
        phrases, patterns = tuple(rule.get("phrases", [])), tuple(rule.get("patterns", []))
        expressions = [_phrase_expression(p) for p in phrases]
        expressions += [re.compile(p, re.IGNORECASE) for p in patterns]
        rules.append(ConductRule(kind=rule["kind"], label=rule.get("label", rule["kind"]),
                                 phrases=phrases, patterns=patterns,
                                 expressions=tuple(expressions),
                                 examples=tuple(rule.get("examples", [])),
                                 not_examples=tuple(rule.get("not_examples", []))))
    allowed = raw.get("allowed", {})
    numbers = [*allowed.get("numbers", []), *hub_numbers]
    names = [*allowed.get("handles", []), *allowed.get("addresses", [])]
    return ConductRules(rules=tuple(rules),
                        allowed_numbers=frozenset(_number_key(n) for n in numbers if n.strip()),
                        allowed_names=frozenset(n.strip().lower() for n in names if n.strip()))


def conduct_rules(path: Path | str | None = None) -> ConductRules:
    """The rules in force (settings.HUB_CONDUCT_RULES_FILE unless a path is given), with the
    hub's own numbers allowed."""
    hub_numbers = (*settings.TWILIO_SMS_NUMBERS, settings.HUB_CALLBACK_FROM_NUMBER)
    return _rules_load(str(path or settings.HUB_CONDUCT_RULES_FILE), hub_numbers)


def _allowed(word: str, rules: ConductRules) -> bool:
    if sum(ch.isdigit() for ch in word) >= NUMBER_MIN_DIGITS:
        return _number_key(word) in rules.allowed_numbers
    return word.lower() in rules.allowed_names


# Letters from other scripts that look like Latin ones: "coffee" written with a Cyrillic o
# must still read as coffee.
LOOKALIKES = str.maketrans("аеорсухіјѕԁԛԝАВЕКМНОРСТХІЈЅαβεικνορτυχΑΒΕΗΙΚΜΝΟΡΤΥΧΖ",
                           "aeopcyxijsdqwABEKMHOPCTXIJSabeiknoptuxABEHIKMNOPTYXZ")


def conduct_text_folded(text: str) -> str:
    """The text as the rules read it, so spelling tricks do not slip a boundary past them:
    compatibility forms (full-width digits) made plain, invisible characters (zero-width
    spaces, joiners) removed, look-alike letters made Latin, digits run together with dots
    spaced, and a letter O written for a leading zero read as 0."""
    text = unicodedata.normalize("NFKC", text)
    text = "".join(ch for ch in text if unicodedata.category(ch) != "Cf")
    text = text.translate(LOOKALIKES)
    text = re.sub(r"(?<=\d)[.·](?=\d)", " ", text)
    return re.sub(r"(?<![\w+])[oO](?=\d{4})", "0", text)


def conduct_matches(text: str, rules: ConductRules | None = None) -> list[ConductMatch]:
    """Every rule the text matches, each with the words that matched it (as the rules read
    them); the numbers, handles and addresses the hub gives out do not count."""
    rules = rules or conduct_rules()
    text = conduct_text_folded(text)
    matches = []
    for rule in rules.rules:
        words: list[str] = []
        for expression in rule.expressions:
            for found in expression.finditer(text):
                word = found.group(0).strip()
                if _allowed(word, rules) or word.lower() in (w.lower() for w in words):
                    continue
                words.append(word)
        if words:
            matches.append(ConductMatch(kind=rule.kind, label=rule.label,
                                        words=tuple(words[:MAX_WORDS_SHOWN])))
    return matches


def conduct_rules_problems(rules: ConductRules) -> list[str]:
    """Rules without examples either way, examples that do not match their rule, patterns no
    example shows, and legitimate texts that some rule would hold."""
    problems = [] if rules.rules else ["no conduct rules are defined"]
    kinds = [rule.kind for rule in rules.rules]
    problems += [f"rule '{kind}' is defined twice" for kind in sorted(set(kinds))
                 if kinds.count(kind) > 1]
    for rule in rules.rules:
        alone = dataclasses.replace(rules, rules=(rule,))
        if not rule.examples:
            problems.append(f"rule '{rule.kind}' has no examples")
        if not rule.not_examples:
            problems.append(f"rule '{rule.kind}' has no not_examples")
        problems += [f"rule '{rule.kind}': example does not match it: {example!r}"
                     for example in rule.examples if not conduct_matches(example, alone)]
        problems += [f"rule '{rule.kind}': no example shows the pattern {pattern!r}"
                     for pattern in rule.patterns
                     if not any(re.search(pattern, e, re.IGNORECASE) for e in rule.examples)]
        for text in rule.not_examples:
            held = [match.kind for match in conduct_matches(text, rules)]
            if held:
                problems.append(f"rule '{rule.kind}': legitimate text would be held by "
                                f"{', '.join(held)}: {text!r}")
    return problems


def conduct_rules_check() -> list[str]:
    """What is wrong with the rules file in force, including a file that cannot be read."""
    try:
        rules = conduct_rules()
    except (OSError, tomllib.TOMLDecodeError, re.error, KeyError, TypeError) as error:
        return [f"cannot be read: {error}"]
    return conduct_rules_problems(rules)


def conduct_hold_reason(matches: Sequence[ConductMatch]) -> str:
    """What the author and the thread show of a held text: the rules, not the words."""
    labels = ", ".join(f"'{match.label}'" for match in matches)
    rules = "rules" if len(matches) > 1 else "rule"
    return f"It matched the conduct {rules} {labels}, so a supervisor reviews it first."[:200]


# Holding: who hears of it, and how a released chat line still reaches the call.

ConductHeld = Callable[[ConductHold], None]
ChatRelease = Callable[[ConductHold], bool]

_held_hooks: list[ConductHeld] = []
_chat_releases: list[ChatRelease] = []


def conduct_held_register(hook: ConductHeld) -> None:
    """Run `hook` in the transaction of every new hold (alerts, from AppConfig.ready())."""
    if hook not in _held_hooks:
        _held_hooks.append(hook)


def conduct_chat_release_register(release: ChatRelease) -> None:
    """How a chat line a supervisor let through reaches the call: True if it was delivered."""
    if release not in _chat_releases:
        _chat_releases.append(release)


def conduct_chat_release(hold: ConductHold) -> bool:
    return any(release(hold) for release in _chat_releases)


def conduct_text_hold(*, message: Message, author: StaffUser,
                      matches: Sequence[ConductMatch]) -> ConductHold:
    """Record why a staff text is held (message_send stores it held, in this transaction)."""
    return _held(ConductHold(source=ConductHold.Source.TEXT, message=message,
                             person_id=message.conversation.person_id, author=author,
                             matched=[match.as_record() for match in matches]))


def conduct_chat_hold(*, video_session_id: int, person_id: int | None, author: StaffUser,
                      text: str, matches: Sequence[ConductMatch]) -> ConductHold:
    """Keep a chat line that was not relayed, for a supervisor to decide on."""
    return _held(ConductHold(source=ConductHold.Source.CHAT, video_session_id=video_session_id,
                             person_id=person_id, author=author, chat_text=text,
                             matched=[match.as_record() for match in matches]))


def _held(hold: ConductHold) -> ConductHold:
    with transaction.atomic():
        hold.save()
        for hook in _held_hooks:
            hook(hold)
        live_event_send(LiveEvent.CONDUCT_HELD, group=CONDUCT_GROUP, conduct_hold_id=hold.pk)
    return hold


def conduct_hold_pending(message: Message) -> bool:
    """Whether the text waits for a supervisor's conduct decision (no other release may send
    it, and its author may not withdraw it)."""
    return ConductHold.objects.filter(message=message, decided_at__isnull=True).exists()


# Contact after the work ended.

def contact_after_assignment_flag(*, actor: StaffUser, person_id: int, what: str,
                                  now: datetime | None = None) -> AccessEvent | None:
    """Flag contact with a victim by staff who worked her case and no longer do: they held an
    assignment on her that has ended, and hold none now (a reason given to look is not work).
    Call it from every service through which staff contact a victim, in its transaction;
    returns the flagged access event, or None when the contact is part of current work or
    they never worked her case."""
    now = now or timezone.now()
    work = Assignment.objects.filter(staff=actor, person_id=person_id).exclude(
        kind=Assignment.Kind.BREAK_GLASS)
    if not work.filter(ends_at__lte=now).exists():
        return None
    if assignments_current_for(actor, person_id, now=now).exclude(
            kind=Assignment.Kind.BREAK_GLASS).exists():
        return None
    event = access_record(actor=actor, action=AccessEvent.Action.CHANGE, what=what,
                          why=CONTACT_AFTER_ASSIGNMENT, person_id=person_id, flagged=True)
    live_event_send(LiveEvent.LOOK_FLAGGED, group=CONDUCT_GROUP, access_event_id=event.pk)
    return event


# Staff contact with victims, for dip sampling.

@dataclass(frozen=True)
class StaffContact:
    kind: str
    record_id: int
    staff_id: int
    person_id: int
    at: datetime


@dataclass(frozen=True)
class ContactSource:
    """One kind of staff contact with victims, kept by the app that registers it.

    `contacts(since, until, excluding_staff_id)` lists that kind of contact in the period by
    anyone but the given member of staff; `link(record_id, person_id)` is the record's page."""

    kind: str
    label: str
    contacts: Callable[[datetime, datetime, int], list[StaffContact]]
    link: Callable[[int, int], str]


def _staff_texts(since: datetime, until: datetime, excluding_staff_id: int
                 ) -> list[StaffContact]:
    """Texts staff wrote to victims (not the hub's own), that went or are going out."""
    rows = (Message.objects
            .filter(direction=Message.Direction.OUTBOUND, sent_by__isnull=False,
                    created_at__gte=since, created_at__lt=until)
            .exclude(sent_by_id=excluding_staff_id)
            .exclude(status__in=[DeliveryStatus.HELD, DeliveryStatus.CANCELLED])
            .values_list("pk", "sent_by_id", "conversation__person_id", "created_at"))
    return [StaffContact("text", pk, staff_id, person_id, at)
            for pk, staff_id, person_id, at in rows if staff_id is not None]


def _person_page(record_id: int, person_id: int) -> str:
    return reverse("people:detail", args=[person_id])


STAFF_TEXTS = ContactSource(kind="text", label="Text", contacts=_staff_texts, link=_person_page)
_sources: dict[str, ContactSource] = {}


def contact_source_register(source: ContactSource) -> None:
    """Add a kind of staff contact for dip sampling (called from AppConfig.ready())."""
    _sources[source.kind] = source


def contact_sources() -> dict[str, ContactSource]:
    return {STAFF_TEXTS.kind: STAFF_TEXTS, **_sources}
