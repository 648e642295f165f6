"""The risk assessment the officer completes with the victim during the call, on the force's
form (rvr/risk_forms: DASH, DARA or the force's own).

A scored form gives the level its thresholds say (DASH: 14 or more "yes" is high risk, which
means a MARAC referral); professional judgement can raise it (never lower it), with a reason. A
form the officer grades (DARA, as far as its published material says) takes the officer's level
and the rationale for it. A high level triggers what the form says (a flag on the incident); the
incident log records the form's key, version and digest with the answers.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from django.db import transaction
from django.utils import timezone

from contact_hub.incidents.log import log_append
from contact_hub.incidents.services import incident_flag_add
from contact_hub.staff.models import StaffUser
from contact_hub.staff.reasons import REASON_MIN_CHARS, reason_too_short
from rvr.eligibility import RvrRefused
from rvr.models import RiskAssessment, VideoSession
from rvr.risk_forms import Choice, LevelFrom, RiskForm, risk_form_current

LEVEL_RANK: dict[str, int] = {RiskAssessment.Level.STANDARD: 0, RiskAssessment.Level.MEDIUM: 1,
                              RiskAssessment.Level.HIGH: 2}


def risk_assessment_record(*, session: VideoSession, officer: StaffUser,
                           answers: dict[str, str], judgement_level: str = "",
                           judgement_reason: str = "", form: RiskForm | None = None,
                           form_seen: str = "", now: datetime | None = None) -> RiskAssessment:
    """Score or grade the answers on the form (the force's, unless given) and record them; a
    high level triggers what the form says. form_seen is how the officer's page named the form
    it showed (risk_form_seen), if it says."""
    form = form or risk_form_current()
    if not form.complete:
        raise RvrRefused(f"The {form.short_title} form cannot be used yet: {form.missing}")
    if form_seen and form_seen != risk_form_seen(form):
        # Answers given to other wording are not answers to this form's questions.
        raise RvrRefused("The risk assessment form has changed since this page was opened: "
                         "reload the page and answer it again.")
    now = now or timezone.now()
    answers = _answers_clean(form, answers)
    reason = judgement_reason.strip()
    if form.graded_by_officer:
        score, score_level = None, ""
        level = _graded(judgement_level, reason)
    else:
        score = form.score(answers)
        score_level = form.score_level(score)
        level = _level(score_level, judgement_level, reason)
    high = level == RiskAssessment.Level.HIGH
    with transaction.atomic():
        assessment, _ = RiskAssessment.objects.update_or_create(session=session, defaults={
            "form_key": form.key, "form_version": form.version, "answers": answers,
            "score": score, "judgement_level": judgement_level,
            "judgement_reason": reason if judgement_level else "", "level": level,
            "marac_referral": high, "recorded_by": officer, "recorded_at": now})
        if high and session.incident.is_open:
            # A closed incident takes no flags; the assessment and its log entry keep the
            # referral.
            incident_flag_add(incident=session.incident, kind=form.high_risk.flag,
                              actor=officer, reason=form.high_risk.reason)
        # The kind names the form ("dash.recorded"), so a reader of the log sees at once which
        # checklist the answers are to.
        log_append(session.incident, f"{form.key}.recorded", {
            "session_id": session.pk, "form": form.key, "form_version": form.version,
            "form_sha256": form.sha256, "answers": answers, "score": score,
            "score_level": score_level, "judgement_level": judgement_level,
            "judgement_reason": assessment.judgement_reason, "level": level,
            "marac_referral": high}, actor=officer)
    return assessment


def risk_form_seen(form: RiskForm) -> str:
    """How the console's page names the form it shows, so a save can tell it is still current."""
    return f"{form.key}:{form.version}:{form.sha256[:12]}"


def risk_assessment_summary(assessment: RiskAssessment, form: RiskForm) -> str:
    """What the officer is shown once it is saved: the score, the level, what high risk needs."""
    same_form = (assessment.form_key, assessment.form_version) == (form.key, form.version)
    parts = [f"{assessment.get_level_display()} risk"]
    if assessment.score is not None:
        parts.insert(0, f"{assessment.score} {form.score_label}" if same_form
                     else f"score {assessment.score}")
    elif assessment.judgement_level:
        parts[0] += " (your grading)"
    if assessment.marac_referral:
        parts.append(form.high_risk.prompt)
    saved = ("Saved: " if same_form else
             f"Saved on another form ({assessment.form_key}, version {assessment.form_version}): ")
    return saved + " · ".join(parts)


@dataclass(frozen=True)
class QuestionShown:
    key: str
    text: str
    choices: tuple[Choice, ...]
    answer: str


@dataclass(frozen=True)
class RiskFormShown:
    """The form as the officer's console shows it, with what was saved on it in this call."""

    form: RiskForm
    seen: str
    questions: tuple[QuestionShown, ...]
    # The thresholds above the lowest level, for the sentence that states them.
    bands: tuple[LevelFrom, ...]
    reaches_high: bool
    summary: str


def risk_form_shown(risk: RiskAssessment | None, form: RiskForm | None = None) -> RiskFormShown:
    """The force's form, with this call's saved answers where they were given on it."""
    form = form or risk_form_current()
    # Answers to another form (or another version of it) are not this form's answers.
    saved = (risk.answers if risk is not None
             and (risk.form_key, risk.form_version) == (form.key, form.version) else {})
    return RiskFormShown(
        form=form, seen=risk_form_seen(form),
        questions=tuple(QuestionShown(key=q.key, text=q.text, choices=q.choices,
                                      answer=saved.get(q.key, "")) for q in form.questions),
        bands=form.levels[1:],
        reaches_high=any(b.level == RiskAssessment.Level.HIGH for b in form.levels),
        summary=risk_assessment_summary(risk, form) if risk is not None else "")


def _answers_clean(form: RiskForm, answers: dict[str, str]) -> dict[str, str]:
    cleaned = {}
    for question in form.questions:
        answer = answers.get(question.key, "")
        if question.choice(answer) is None:
            labels = [c.label.lower() for c in question.choices]
            raise RvrRefused(f"Answer question {question.key} "
                             f"({', '.join(labels[:-1])} or {labels[-1]}).")
        cleaned[question.key] = answer
    return cleaned


def _graded(judgement_level: str, reason: str) -> str:
    if judgement_level not in LEVEL_RANK:
        raise RvrRefused("Grade the risk: standard, medium or high.")
    if reason_too_short(reason):
        raise RvrRefused("Give the rationale for your risk grading "
                         f"(at least {REASON_MIN_CHARS} characters).")
    return judgement_level


def _level(score_level: str, judgement_level: str, reason: str) -> str:
    if not judgement_level:
        return score_level
    if judgement_level not in LEVEL_RANK:
        raise RvrRefused("Choose standard, medium or high for professional judgement.")
    if LEVEL_RANK[judgement_level] < LEVEL_RANK[score_level]:
        raise RvrRefused("Professional judgement can raise the risk level, not lower it.")
    if LEVEL_RANK[judgement_level] > LEVEL_RANK[score_level] and reason_too_short(reason):
        raise RvrRefused("Give the reason for raising the risk level "
                         f"(at least {REASON_MIN_CHARS} characters).")
    return max(score_level, judgement_level, key=LEVEL_RANK.__getitem__)
