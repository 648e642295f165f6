"""The DASH checklist: 24 questions, 14 or more yes is high risk and a MARAC referral;
professional judgement raises the level with a reason, never lowers it."""

from __future__ import annotations

import pytest

from rvr.eligibility import RvrRefused
from rvr.risk_assessment import DASH_QUESTIONS, risk_assessment_record

pytestmark = pytest.mark.django_db


def answers(yes: int) -> dict[str, str]:
    return {str(n): "yes" if n <= yes else "no" for n in range(1, 25)}


def test_there_are_24_questions():
    assert len(DASH_QUESTIONS) == 24


def test_fourteen_yes_is_high_risk_and_a_marac_referral(in_call_session, officer):
    risk = risk_assessment_record(session=in_call_session, officer=officer, answers=answers(14))

    assert (risk.yes_count, risk.level, risk.marac_referral) == (14, "high", True)
    in_call_session.incident.refresh_from_db()
    assert "marac_referral" in in_call_session.incident.flags
    entry = in_call_session.incident.log.get(kind="dash.recorded")
    assert entry.data["yes_count"] == 14 and entry.data["marac_referral"] is True


def test_the_marac_flag_is_added_by_the_incident_once(in_call_session, officer):
    risk_assessment_record(session=in_call_session, officer=officer, answers=answers(14))
    risk_assessment_record(session=in_call_session, officer=officer, answers=answers(16))

    flagged = in_call_session.incident.log.filter(kind="flag.added")
    assert [(e.data["flag"], e.actor) for e in flagged] == [("marac_referral", officer)]


def test_thirteen_yes_is_standard(in_call_session, officer):
    risk = risk_assessment_record(session=in_call_session, officer=officer, answers=answers(13))

    assert (risk.level, risk.marac_referral) == ("standard", False)
    assert not in_call_session.incident.log.filter(kind="flag.added").exists()


def test_professional_judgement_raises_the_level_with_a_reason(in_call_session, officer):
    risk = risk_assessment_record(session=in_call_session, officer=officer, answers=answers(3),
                                  judgement_level="high",
                                  judgement_reason="Recent strangulation, escalating")

    assert (risk.level, risk.marac_referral) == ("high", True)


def test_raising_the_level_needs_a_reason(in_call_session, officer):
    with pytest.raises(RvrRefused, match="reason"):
        risk_assessment_record(session=in_call_session, officer=officer, answers=answers(3),
                               judgement_level="medium")


def test_judgement_cannot_lower_the_level(in_call_session, officer):
    with pytest.raises(RvrRefused, match="not lower"):
        risk_assessment_record(session=in_call_session, officer=officer, answers=answers(15),
                               judgement_level="standard", judgement_reason="seems fine now")


def test_every_question_needs_an_answer(in_call_session, officer):
    partial = answers(2)
    del partial["20"]

    with pytest.raises(RvrRefused, match="question 20"):
        risk_assessment_record(session=in_call_session, officer=officer, answers=partial)
