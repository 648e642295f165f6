"""The risk rules: loaded from the force's data file, applied to the words of a contact.

The rules are transparent by design: each flag carries the words that raised it, so a
coordinator can see why and remove a flag that is wrong.
"""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from django.conf import settings

MAX_WORDS_SHOWN = 5
RIGHT_QUOTE = "\u2019"  # phones often type a curly quote for an apostrophe
APOSTROPHE = f"['{RIGHT_QUOTE}]"


@dataclass(frozen=True)
class RiskRule:
    kind: str
    label: str
    weight: int
    suggest_grade: str | None
    phrases: tuple[str, ...]
    patterns: tuple[str, ...]
    expressions: tuple[re.Pattern[str], ...]
    examples: tuple[str, ...]
    # Each phrase as plain folded text: a phrase whose letters are not in the text at all
    # cannot match, and telling so is a hundred times cheaper than running its expression
    # (intake runs every rule on every text).
    needles: tuple[str, ...]


@dataclass(frozen=True)
class RuleMatch:
    kind: str
    words: tuple[str, ...]


def _phrase_body(phrase: str) -> str:
    return "".join(APOSTROPHE if ch in ("'", RIGHT_QUOTE) else re.escape(ch)
                   for ch in phrase.strip())


def _phrase_expression(phrase: str) -> re.Pattern[str]:
    return re.compile(r"(?<!\w)" + _phrase_body(phrase) + r"(?!\w)", re.IGNORECASE)


def _folded(text: str) -> str:
    """The text as the needles are: case folded, a curly apostrophe as a straight one."""
    return text.casefold().replace(RIGHT_QUOTE, "'")


@lru_cache(maxsize=4)
def _rules_load(path: str) -> tuple[RiskRule, ...]:
    with open(path, "rb") as file:
        raw = tomllib.load(file)
    rules = []
    for flag in raw.get("flag", []):
        phrases, patterns = tuple(flag.get("phrases", [])), tuple(flag.get("patterns", []))
        expressions = [_phrase_expression(p) for p in phrases]
        expressions += [re.compile(p, re.IGNORECASE) for p in patterns]
        rules.append(RiskRule(kind=flag["kind"], label=flag.get("label", flag["kind"]),
                              weight=int(flag.get("weight", 50)),
                              suggest_grade=flag.get("suggest_grade"),
                              phrases=phrases, patterns=patterns,
                              expressions=tuple(expressions),
                              examples=tuple(flag.get("examples", [])),
                              needles=tuple(_folded(p.strip()) for p in phrases)))
    return tuple(rules)


def risk_rules(path: Path | str | None = None) -> tuple[RiskRule, ...]:
    """The rules in force (settings.HUB_RISK_RULES_FILE unless a path is given)."""
    return _rules_load(str(path or settings.HUB_RISK_RULES_FILE))


def risk_rule(kind: str) -> RiskRule | None:
    return next((rule for rule in risk_rules() if rule.kind == kind), None)


def flag_label(kind: str) -> str:
    rule = risk_rule(kind)
    return rule.label if rule else kind.replace("_", " ").capitalize()


def flag_weight(kind: str) -> int:
    rule = risk_rule(kind)
    return rule.weight if rule else 50


def rules_match(text: str, rules: tuple[RiskRule, ...] | None = None) -> list[RuleMatch]:
    """Every flag the text raises, each with the words (as written) that raised it."""
    matches = []
    folded = _folded(text)
    for rule in rules if rules is not None else risk_rules():
        words: list[str] = []
        for n, expression in enumerate(rule.expressions):
            if n < len(rule.needles) and rule.needles[n] not in folded:
                continue
            for found in expression.finditer(text):
                word = found.group(0).strip()
                if word.lower() not in (w.lower() for w in words):
                    words.append(word)
        if words:
            matches.append(RuleMatch(kind=rule.kind, words=tuple(words[:MAX_WORDS_SHOWN])))
    return matches


def rules_problems(rules: tuple[RiskRule, ...]) -> list[str]:
    """Examples that do not raise their own flag, and rules without examples."""
    problems = []
    grades = settings.HUB_GRADES
    for rule in rules:
        if rule.suggest_grade is not None and rule.suggest_grade not in grades:
            problems.append(f"flag '{rule.kind}' suggests unknown grade '{rule.suggest_grade}'")
        if not rule.examples:
            problems.append(f"flag '{rule.kind}' has no examples")
        for example in rule.examples:
            if rule.kind not in {m.kind for m in rules_match(example, (rule,))}:
                problems.append(f"flag '{rule.kind}': example does not raise it: {example!r}")
        for pattern in rule.patterns:
            if not any(re.search(pattern, example, re.IGNORECASE) for example in rule.examples):
                problems.append(f"flag '{rule.kind}': no example shows the pattern {pattern!r}")
    return problems
