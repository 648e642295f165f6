"""Risk assessment forms: the questions, answers, scoring, thresholds and what high risk
triggers, each a data file (key.toml) rather than code.

The force file's [risk_assessment] table names the form the officer's console uses
(settings.HUB_RISK_FORM) and, optionally, a folder of the force's own form files
(settings.HUB_RISK_FORMS_DIR), which replace the built-in forms beside this module (dash.toml,
dara.toml) of the same key. `manage.py check` refuses an unknown form, a malformed file, and a
form that is not complete; tests/rvr/test_risk_forms.py holds each rule to its file.
"""

from __future__ import annotations

import hashlib
import json
import re
import tomllib
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

from django.conf import settings

from contact_hub.force import RISK_FORM_KEY
from rvr.models import RiskAssessment

BUILT_IN = Path(__file__).resolve().parent
LEVELS = tuple(RiskAssessment.Level.values)
# The score counts answers (DASH: each "yes" scores 1), or the officer grades the level.
SUM, JUDGEMENT = "sum", "judgement"
# Question keys and answer values become form field names and stored answers.
QUESTION_KEY = re.compile(r"[A-Za-z0-9_]{1,20}")
ANSWER_VALUE = re.compile(r"[a-z0-9_]{1,30}")
FLAG = re.compile(r"[a-z_]{1,40}")
MAX_SCORE = 1000


class RiskFormUnusable(ValueError):
    """The force's form cannot be used: unknown, malformed or not complete (check says so)."""


@dataclass(frozen=True)
class Choice:
    value: str
    label: str
    score: int


@dataclass(frozen=True)
class Question:
    key: str
    text: str
    choices: tuple[Choice, ...]

    def choice(self, value: str) -> Choice | None:
        return next((c for c in self.choices if c.value == value), None)


@dataclass(frozen=True)
class LevelFrom:
    """The level a score of `score` or more gives (up to the next one's)."""

    score: int
    level: str


@dataclass(frozen=True)
class Source:
    title: str
    url: str
    note: str


@dataclass(frozen=True)
class HighRisk:
    """What a high risk level triggers: a flag on the incident (with the reason its log entry
    gives), what the officer is told once it is saved, and what the console says beforehand
    that high risk needs."""

    flag: str
    reason: str
    prompt: str
    needs: str


@dataclass(frozen=True)
class RiskForm:
    key: str
    version: str
    title: str
    short_title: str
    complete: bool
    missing: str
    sources: tuple[Source, ...]
    questions: tuple[Question, ...]
    scoring: str
    score_label: str
    levels: tuple[LevelFrom, ...]
    high_risk: HighRisk
    # Of the file's content, not its layout or comments: which wording and scoring were used,
    # even where someone edited the form and forgot to raise the version.
    sha256: str
    path: Path

    @property
    def graded_by_officer(self) -> bool:
        return self.scoring == JUDGEMENT

    def score(self, answers: dict[str, str]) -> int:
        """The sum of the answers' scores; each answer must be one of its question's."""
        return sum(choice.score for q in self.questions
                   if (choice := q.choice(answers.get(q.key, ""))) is not None)

    def score_level(self, score: int) -> str:
        return [band.level for band in self.levels if score >= band.score][-1]


def risk_form_current() -> RiskForm:
    """The form the force's console uses now."""
    return risk_form_load(settings.HUB_RISK_FORM, settings.HUB_RISK_FORMS_DIR)


def risk_form_load(key: str, forms_dir: Path | None = None) -> RiskForm:
    path = risk_form_path(key, forms_dir)
    if path is None:
        raise RiskFormUnusable(_unknown(key, forms_dir))
    form, problems = risk_form_read(path)
    if form is None:
        raise RiskFormUnusable(f"{path}: " + "; ".join(problems))
    return form


def risk_form_path(key: str, forms_dir: Path | None) -> Path | None:
    """The force's own file of that key, else the built-in one; None if neither exists."""
    if not RISK_FORM_KEY.fullmatch(key):
        return None
    for folder in (forms_dir, BUILT_IN):
        if folder is not None and (folder / f"{key}.toml").is_file():
            return folder / f"{key}.toml"
    return None


def risk_form_read(path: Path) -> tuple[RiskForm | None, list[str]]:
    """The form in a file, or None and what is wrong with it in words a force can act on."""
    return _read(str(path))


def risk_forms_problems(key: str, forms_dir: Path | None) -> list[str]:
    """Everything `manage.py check` refuses: the force's own form files that do not hold
    together, and a chosen form that is unknown, malformed or not complete."""
    own = sorted(forms_dir.glob("*.toml")) if forms_dir is not None and forms_dir.is_dir() else []
    problems = [f"{path}: {problem}" for path in own for problem in risk_form_read(path)[1]]
    path = risk_form_path(key, forms_dir)
    if path is None:
        return [*problems, _unknown(key, forms_dir)]
    form, chosen = risk_form_read(path)
    if path not in own:
        problems += [f"{path}: {problem}" for problem in chosen]
    if form is not None and not form.complete:
        problems.append(f"risk_assessment form '{key}' is not complete ({path}): {form.missing}")
    return problems


def _unknown(key: str, forms_dir: Path | None) -> str:
    known = sorted(p.stem for p in BUILT_IN.glob("*.toml"))
    where = f" or a {key}.toml in {forms_dir}" if forms_dir is not None else ""
    return (f"risk_assessment form '{key}' is not a known form: choose one of "
            f"{', '.join(known)}{where}")


@lru_cache(maxsize=32)
def _read(path: str) -> tuple[RiskForm | None, list[str]]:
    # Read once per process, like the force file: an edit takes effect when the hub restarts,
    # after `manage.py check` has passed it, never half-way through a shift.
    try:
        with open(path, "rb") as file:
            raw = tomllib.load(file)
    except tomllib.TOMLDecodeError as error:
        return None, [f"it is not valid TOML: {error}"]
    problems: list[str] = []
    form = _form(raw, Path(path), problems)
    return (form if not problems else None), problems


def _form(raw: dict[str, Any], path: Path, problems: list[str]) -> RiskForm:
    key = _text(raw, "key", problems)
    if key and key != path.stem:
        problems.append(f"its key '{key}' is not its file's name ({path.stem})")
    complete = raw.get("complete", True)
    if not isinstance(complete, bool):
        problems.append("complete must be true or false")
    missing = raw.get("missing", "")
    if complete is False and not (isinstance(missing, str) and missing.strip()):
        problems.append("a form that is not complete must say what is missing (missing = ...)")
    scoring = raw.get("scoring", {})
    kind = scoring.get("kind") if isinstance(scoring, dict) else None
    if kind not in (SUM, JUDGEMENT):
        problems.append(f'[scoring] kind must be "{SUM}" or "{JUDGEMENT}"')
        scoring = {}
    questions = _questions(raw, kind, problems)
    if complete is True and not questions:
        problems.append("a complete form needs at least one [[question]]")
    levels = _levels(scoring, kind, problems)
    most = sum(max((c.score for c in q.choices), default=0) for q in questions)
    if questions and levels and levels[-1].score > most:
        problems.append(f"[scoring] level '{levels[-1].level}' needs a score of "
                        f"{levels[-1].score}, but the answers add up to {most} at most")
    return RiskForm(
        key=key, version=_text(raw, "version", problems), title=_text(raw, "title", problems),
        short_title=str(raw.get("short_title") or key.upper()), complete=complete is True,
        missing=str(missing).strip(), sources=_sources(raw, problems), questions=questions,
        scoring=str(kind), score_label=str(scoring.get("score_label", "")),
        levels=levels, high_risk=_high_risk(raw, problems),
        sha256=hashlib.sha256(json.dumps(raw, sort_keys=True).encode()).hexdigest(),
        path=path)


def _text(table: dict[str, Any], name: str, problems: list[str], where: str = "") -> str:
    value = table.get(name)
    if not isinstance(value, str) or not value.strip():
        problems.append(f"{where}{name} is missing")
        return ""
    return value.strip()


def _sources(raw: dict[str, Any], problems: list[str]) -> tuple[Source, ...]:
    # A form says where its wording comes from, so nobody has to take a question on trust.
    tables = raw.get("source", [])
    if not isinstance(tables, list) or not tables:
        problems.append("a form needs at least one [[source]] saying where it comes from")
        return ()
    if not all(isinstance(t, dict) for t in tables):
        problems.append("each [[source]] must be a table")
        return ()
    return tuple(Source(title=_text(t, "title", problems, "a [[source]]'s "),
                        url=str(t.get("url", "")), note=str(t.get("note", "")))
                 for t in tables)


def _questions(raw: dict[str, Any], kind: str | None,
               problems: list[str]) -> tuple[Question, ...]:
    answer_sets = raw.get("answer_set", {})
    if not isinstance(answer_sets, dict):
        problems.append("[answer_set] must be a table of named answer lists")
        answer_sets = {}
    questions: list[Question] = []
    for table in raw.get("question", []):
        where = f"question '{table.get('key', '?')}': "
        key = str(table.get("key", ""))
        if not QUESTION_KEY.fullmatch(key):
            problems.append(f"{where}key must be letters, digits or _ (at most 20)")
        if any(q.key == key for q in questions):
            problems.append(f"{where}the key is used twice")
        answers = table.get("answers")
        named = answer_sets.get(answers) if isinstance(answers, str) else answers
        if named is None:
            problems.append(f"{where}answers '{answers}' is not an [answer_set]")
            named = []
        questions.append(Question(key=key, text=_text(table, "text", problems, where),
                                  choices=_choices(named, kind, where, problems)))
    return tuple(questions)


def _choices(answers: Any, kind: str | None, where: str,
             problems: list[str]) -> tuple[Choice, ...]:
    if not isinstance(answers, list) or len(answers) < 2:
        problems.append(f"{where}needs at least two answers")
        return ()
    choices: list[Choice] = []
    for answer in answers:
        value = str(answer.get("value", "")) if isinstance(answer, dict) else ""
        if not ANSWER_VALUE.fullmatch(value):
            problems.append(f"{where}answer value '{value}' must be lower-case letters, digits "
                            "or _")
            continue
        score = answer.get("score", 0)
        if kind == SUM and "score" not in answer:
            problems.append(f"{where}answer '{value}' needs a score (the form is scored)")
        if not isinstance(score, int) or isinstance(score, bool) or not 0 <= score <= MAX_SCORE:
            problems.append(f"{where}answer '{value}' score must be a whole number from 0")
            score = 0
        if any(c.value == value for c in choices):
            problems.append(f"{where}answer '{value}' is given twice")
        choices.append(Choice(value=value, score=score,
                              label=_text(answer, "label", problems, f"{where}answer {value} ")))
    return tuple(choices)


def _levels(scoring: dict[str, Any], kind: str | None,
            problems: list[str]) -> tuple[LevelFrom, ...]:
    bands = scoring.get("levels", [])
    if kind == JUDGEMENT:
        if bands:
            problems.append("[scoring] levels are for a scored form; the officer grades this one")
        return ()
    if kind != SUM:
        return ()
    if not str(scoring.get("score_label", "")).strip():
        problems.append('[scoring] score_label is missing (what the score counts, e.g. "yes")')
    try:
        levels = tuple(LevelFrom(score=b["from"], level=b["level"]) for b in bands)
    except (KeyError, TypeError):
        problems.append("[scoring] levels must each give from (a score) and level")
        return ()
    if not levels or levels[0].score != 0:
        problems.append("[scoring] levels must start from 0")
    if any(band.level not in LEVELS for band in levels):
        problems.append(f"[scoring] a level must be one of {', '.join(LEVELS)}")
        return ()
    scores = [band.score for band in levels]
    ranks = [LEVELS.index(band.level) for band in levels]
    if (any(not isinstance(s, int) or isinstance(s, bool) for s in scores)
            or scores != sorted(set(scores)) or ranks != sorted(set(ranks))):
        problems.append("[scoring] levels must rise: higher scores, higher levels")
    return levels


def _high_risk(raw: dict[str, Any], problems: list[str]) -> HighRisk:
    table = raw.get("high_risk")
    if not isinstance(table, dict):
        problems.append("[high_risk] is missing: say what a high risk level triggers")
        table = {}
    flag = str(table.get("flag", ""))
    if not FLAG.fullmatch(flag):
        problems.append("[high_risk] flag must be the incident flag it adds, e.g. marac_referral")
    return HighRisk(flag=flag, reason=_text(table, "reason", problems, "[high_risk] "),
                    prompt=_text(table, "prompt", problems, "[high_risk] "),
                    needs=_text(table, "needs", problems, "[high_risk] "))
