"""The DASH risk checklist (SafeLives' 24 questions) the officer completes during the call.

14 or more "yes" answers is high risk, which means a MARAC referral. Professional judgement can
raise the level (never lower it), with a reason.
"""

from __future__ import annotations

from datetime import datetime

from django.db import transaction
from django.utils import timezone

from contact_hub.incidents.log import log_append
from contact_hub.incidents.services import incident_flag_add
from contact_hub.staff.models import StaffUser
from contact_hub.staff.reasons import REASON_MIN_CHARS, reason_too_short
from rvr.eligibility import RvrRefused
from rvr.models import RiskAssessment, VideoSession

HIGH_RISK_YES = 14
MARAC_FLAG = "marac_referral"
ANSWERS = ("yes", "no", "not_known")
LEVEL_RANK: dict[str, int] = {RiskAssessment.Level.STANDARD: 0, RiskAssessment.Level.MEDIUM: 1,
              RiskAssessment.Level.HIGH: 2}

# "They" is the person the victim is afraid of.
DASH_QUESTIONS = (
    "Has the current incident resulted in injury?",
    "Are you very frightened?",
    "What are you afraid of? Is it further injury or violence?",
    "Do you feel isolated from family or friends?",
    "Are you feeling depressed or having suicidal thoughts?",
    "Have you separated or tried to separate from them within the past year?",
    "Is there conflict over child contact?",
    "Do they constantly text, call, contact, follow, stalk or harass you?",
    "Are you pregnant or have you recently had a baby (within the last 18 months)?",
    "Is the abuse happening more often?",
    "Is the abuse getting worse?",
    "Do they try to control everything you do and/or are they excessively jealous?",
    "Have they ever used weapons or objects to hurt you?",
    "Have they ever threatened to kill you or someone else and you believed them?",
    "Have they ever attempted to strangle, choke, suffocate or drown you?",
    "Do they do or say things of a sexual nature that make you feel bad or that physically "
    "hurt you or someone else?",
    "Is there any other person who has threatened you or who you are afraid of?",
    "Do you know if they have hurt anyone else?",
    "Have they ever mistreated an animal or the family pet?",
    "Are there any financial issues?",
    "Have they had problems in the past year with drugs, alcohol or mental health leading to "
    "problems in leading a normal life?",
    "Have they ever threatened or attempted suicide?",
    "Have they ever broken bail, an injunction or a formal agreement for when they can see "
    "you and/or the children?",
    "Do you know if they have ever been in trouble with the police or have a criminal history?",
)


def dash_score(answers: dict[str, str]) -> tuple[int, str]:
    """The number of "yes" answers and the level they alone give."""
    yes = sum(1 for number in range(1, len(DASH_QUESTIONS) + 1)
              if answers.get(str(number)) == "yes")
    level = RiskAssessment.Level.HIGH if yes >= HIGH_RISK_YES else RiskAssessment.Level.STANDARD
    return yes, level


def risk_assessment_record(*, session: VideoSession, officer: StaffUser,
                           answers: dict[str, str], judgement_level: str = "",
                           judgement_reason: str = "",
                           now: datetime | None = None) -> RiskAssessment:
    """Score the checklist and record it; a high level flags the incident for MARAC."""
    now = now or timezone.now()
    answers = _answers_clean(answers)
    yes, score_level = dash_score(answers)
    level = _level(score_level, judgement_level, judgement_reason.strip())
    with transaction.atomic():
        assessment, _ = RiskAssessment.objects.update_or_create(session=session, defaults={
            "answers": answers, "yes_count": yes, "judgement_level": judgement_level,
            "judgement_reason": judgement_reason.strip() if judgement_level else "",
            "level": level, "marac_referral": level == RiskAssessment.Level.HIGH,
            "recorded_by": officer, "recorded_at": now})
        if assessment.marac_referral and session.incident.is_open:
            # A closed incident takes no flags; the assessment and its log entry keep the
            # referral.
            incident_flag_add(incident=session.incident, kind=MARAC_FLAG, actor=officer,
                              reason="DASH risk level high: MARAC referral")
        log_append(session.incident, "dash.recorded", {
            "session_id": session.pk, "answers": answers, "yes_count": yes,
            "score_level": score_level, "judgement_level": judgement_level,
            "judgement_reason": assessment.judgement_reason, "level": level,
            "marac_referral": assessment.marac_referral}, actor=officer)
    return assessment


def _answers_clean(answers: dict[str, str]) -> dict[str, str]:
    cleaned = {}
    for number in range(1, len(DASH_QUESTIONS) + 1):
        answer = answers.get(str(number), "")
        if answer not in ANSWERS:
            raise RvrRefused(f"Answer question {number} (yes, no or not known).")
        cleaned[str(number)] = answer
    return cleaned


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
