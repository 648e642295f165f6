"""The risk assessment in the call, on the force's form. DASH: 24 questions, 14 or more yes is
high risk and a MARAC referral; professional judgement raises the level with a reason, never
lowers it. DARA (as a force completes it): the officer grades the risk with a rationale. Every
assessment records its form's key and version, and the log entry its digest too."""

from __future__ import annotations

import pytest

from contact_hub.staff.models import AccessEvent
from rvr.eligibility import RvrRefused
from rvr.models import RiskAssessment
from rvr.risk_assessment import risk_assessment_record, risk_form_seen
from rvr.risk_forms import risk_form_current, risk_form_load
from tests.rvr.risk_form_files import DARA_VERSION, dara_completed, dash_questions

pytestmark = pytest.mark.django_db


def answers(yes: int) -> dict[str, str]:
    return {str(n): "yes" if n <= yes else "no" for n in range(1, 25)}


@pytest.fixture
def force_uses_dara(settings, tmp_path):
    """A force that has finished its DARA file and chosen it."""
    dara_completed(tmp_path)
    settings.HUB_RISK_FORM, settings.HUB_RISK_FORMS_DIR = "dara", tmp_path
    return risk_form_current()


# DASH, the default form: as it always was.

def test_fourteen_yes_is_high_risk_and_a_marac_referral(in_call_session, officer):
    risk = risk_assessment_record(session=in_call_session, officer=officer, answers=answers(14))

    assert (risk.score, risk.level, risk.marac_referral) == (14, "high", True)
    in_call_session.incident.refresh_from_db()
    assert "marac_referral" in in_call_session.incident.flags
    entry = in_call_session.incident.log.get(kind="dash.recorded")
    assert entry.data["score"] == 14 and entry.data["marac_referral"] is True


def test_the_assessment_records_which_form_and_version_it_used(in_call_session, officer):
    form = risk_form_load("dash")

    risk = risk_assessment_record(session=in_call_session, officer=officer, answers=answers(2))

    assert (risk.form_key, risk.form_version) == ("dash", "1")
    entry = in_call_session.incident.log.get(kind="dash.recorded")
    assert (entry.data["form"], entry.data["form_version"], entry.data["form_sha256"]) == (
        "dash", "1", form.sha256)
    assert entry.data["answers"] == answers(2)


def test_the_marac_flag_is_added_by_the_incident_once(in_call_session, officer):
    risk_assessment_record(session=in_call_session, officer=officer, answers=answers(14))
    risk_assessment_record(session=in_call_session, officer=officer, answers=answers(16))

    flagged = in_call_session.incident.log.filter(kind="flag.added")
    assert [(e.data["flag"], e.actor) for e in flagged] == [("marac_referral", officer)]
    assert RiskAssessment.objects.get().score == 16


def test_thirteen_yes_is_standard(in_call_session, officer):
    risk = risk_assessment_record(session=in_call_session, officer=officer, answers=answers(13))

    assert (risk.level, risk.marac_referral) == ("standard", False)
    assert not in_call_session.incident.log.filter(kind="flag.added").exists()


def test_not_known_adds_nothing_to_the_score(in_call_session, officer):
    mixed = {str(n): "yes" if n <= 13 else "not_known" for n in range(1, 25)}

    risk = risk_assessment_record(session=in_call_session, officer=officer, answers=mixed)

    assert (risk.score, risk.level) == (13, "standard")


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

    with pytest.raises(RvrRefused, match=r"question 20 \(yes, no or not known\)"):
        risk_assessment_record(session=in_call_session, officer=officer, answers=partial)


def test_an_answer_the_question_does_not_offer_is_refused(in_call_session, officer):
    with pytest.raises(RvrRefused, match="question 1 "):
        risk_assessment_record(session=in_call_session, officer=officer,
                               answers=answers(2) | {"1": "maybe"})
    assert not RiskAssessment.objects.exists()


def test_a_save_from_a_page_showing_another_form_is_refused(in_call_session, officer):
    with pytest.raises(RvrRefused, match="form has changed"):
        risk_assessment_record(session=in_call_session, officer=officer, answers=answers(2),
                               form_seen="dash:0:000000000000")
    assert not RiskAssessment.objects.exists()


# DARA.

def test_the_built_in_dara_cannot_be_used_without_its_questions(settings, in_call_session,
                                                                officer):
    settings.HUB_RISK_FORM = "dara"

    with pytest.raises(RvrRefused, match="DARA form cannot be used yet"):
        risk_assessment_record(session=in_call_session, officer=officer, answers={},
                               judgement_level="high", judgement_reason="Threats to kill her")
    assert not RiskAssessment.objects.exists()


def test_a_dara_assessment_is_graded_by_the_officer(force_uses_dara, in_call_session, officer):
    given = {str(n): "no" for n in range(1, 6)} | {"2": "yes"}

    risk = risk_assessment_record(session=in_call_session, officer=officer, answers=given,
                                  judgement_level="medium",
                                  judgement_reason="Frightened of him, controls her phone")

    assert (risk.form_key, risk.form_version) == ("dara", DARA_VERSION)
    assert (risk.score, risk.level, risk.marac_referral) == (None, "medium", False)
    assert risk.judgement_reason == "Frightened of him, controls her phone"
    entry = in_call_session.incident.log.get(kind="dara.recorded")
    assert (entry.data["form"], entry.data["form_version"], entry.data["form_sha256"]) == (
        "dara", DARA_VERSION, force_uses_dara.sha256)
    assert entry.data["answers"] == given and entry.data["level"] == "medium"
    assert not in_call_session.incident.log.filter(kind="dash.recorded").exists()


def test_a_high_dara_grading_flags_the_incident_for_marac(force_uses_dara, in_call_session,
                                                          officer):
    risk = risk_assessment_record(session=in_call_session, officer=officer,
                                  answers={str(n): "yes" for n in range(1, 6)},
                                  judgement_level="high",
                                  judgement_reason="Strangled last week, threats to kill")

    assert (risk.level, risk.marac_referral) == ("high", True)
    flag = in_call_session.incident.log.get(kind="flag.added")
    assert flag.data["flag"] == "marac_referral"
    assert flag.data["reason"] == "DARA risk level high: MARAC referral"


def test_a_dara_grading_needs_a_level(force_uses_dara, in_call_session, officer):
    with pytest.raises(RvrRefused, match="Grade the risk"):
        risk_assessment_record(session=in_call_session, officer=officer,
                               answers={str(n): "no" for n in range(1, 6)},
                               judgement_reason="Nothing disclosed today")


def test_a_dara_grading_needs_its_rationale(force_uses_dara, in_call_session, officer):
    with pytest.raises(RvrRefused, match="rationale"):
        risk_assessment_record(session=in_call_session, officer=officer,
                               answers={str(n): "no" for n in range(1, 6)},
                               judgement_level="standard", judgement_reason="ok")


def test_a_dara_assessment_replaces_an_earlier_dash_one(settings, tmp_path, in_call_session,
                                                        officer):
    risk_assessment_record(session=in_call_session, officer=officer, answers=answers(3))
    dara_completed(tmp_path)
    settings.HUB_RISK_FORM, settings.HUB_RISK_FORMS_DIR = "dara", tmp_path

    risk_assessment_record(session=in_call_session, officer=officer,
                           answers={str(n): "no" for n in range(1, 6)},
                           judgement_level="standard", judgement_reason="Nothing disclosed yet")

    risk = RiskAssessment.objects.get()
    assert (risk.form_key, risk.score, risk.answers) == (
        "dara", None, {str(n): "no" for n in range(1, 6)})
    kinds = list(in_call_session.incident.log.values_list("kind", flat=True))
    assert "dash.recorded" in kinds and "dara.recorded" in kinds


# Through the officer's console (rvr.views.call_view and dash_view).

def test_the_console_asks_the_dash_questions_and_states_the_threshold(in_call_session, officer,
                                                                      staff_client):
    content = staff_client(officer).get(f"/rvr/sessions/{in_call_session.pk}/call/").content

    assert b"Risk assessment (DASH)" in content
    assert b'14 or more "yes" is high risk and needs a MARAC referral.' in content
    assert content.count(b'type="radio" name="q') == 24 * 3
    assert b"Professional judgement (may raise the level)" in content


def test_the_console_asks_the_forces_dara_and_asks_for_a_grading(force_uses_dara,
                                                                 in_call_session, officer,
                                                                 staff_client):
    content = staff_client(officer).get(
        f"/rvr/sessions/{in_call_session.pk}/call/").content.decode()

    assert "Risk assessment (DARA)" in content
    assert "Risk assessment (DASH)" not in content
    for question in dash_questions(5):
        assert question in content
    assert content.count('type="radio" name="q') == 5 * 3
    assert "Your risk grading" in content and "Rationale for the grading" in content
    assert f'value="{risk_form_seen(force_uses_dara)}"' in content


def test_the_console_says_so_when_the_form_is_not_complete(settings, in_call_session, officer,
                                                           staff_client):
    settings.HUB_RISK_FORM = "dara"

    content = staff_client(officer).get(
        f"/rvr/sessions/{in_call_session.pk}/call/").content.decode()

    assert "Risk assessment (DARA)" in content
    assert "DARA&#x27;s questions are not in this file yet" in content
    assert "Save risk assessment" not in content


def test_the_officer_scores_a_dara_assessment_from_the_console(force_uses_dara,
                                                               in_call_session, officer,
                                                               staff_client):
    client = staff_client(officer)
    call = f"/rvr/sessions/{in_call_session.pk}"

    response = client.post(f"{call}/dash/", {
        **{f"q{n}": "yes" for n in range(1, 6)}, "risk_form": risk_form_seen(force_uses_dara),
        "judgement_level": "high", "judgement_reason": "Strangled last week, threats to kill"})

    assert response.json() == {
        "form": "dara", "form_version": DARA_VERSION, "score": None, "level": "High",
        "marac_referral": True,
        "summary": "Saved: High risk (your grading) · MARAC referral needed: make the referral."}
    assert in_call_session.incident.log.filter(kind="dara.recorded").exists()
    page = client.get(f"{call}/call/").content.decode()
    assert "Saved: High risk (your grading)" in page
    assert page.count("checked") == 5
    assert AccessEvent.objects.filter(actor=officer, what__startswith="video call").exists()


def test_the_officer_saves_the_dash_and_is_told_the_score(in_call_session, officer,
                                                          staff_client):
    response = staff_client(officer).post(f"/rvr/sessions/{in_call_session.pk}/dash/", {
        **{f"q{n}": "yes" if n <= 14 else "no" for n in range(1, 25)},
        "risk_form": risk_form_seen(risk_form_load("dash"))})

    assert response.json()["summary"] == (
        "Saved: 14 yes · High risk · MARAC referral needed: make the referral.")


def test_the_console_refuses_a_save_from_a_page_on_another_form(force_uses_dara,
                                                                in_call_session, officer,
                                                                staff_client):
    dash_page = risk_form_seen(risk_form_load("dash"))

    response = staff_client(officer).post(f"/rvr/sessions/{in_call_session.pk}/dash/", {
        **{f"q{n}": "yes" for n in range(1, 25)}, "risk_form": dash_page,
        "judgement_level": "high", "judgement_reason": "Strangled last week, threats to kill"})

    assert response.status_code == 400
    assert "form has changed" in response.json()["error"]
    assert not RiskAssessment.objects.exists()


def test_answers_to_another_form_are_not_shown_on_this_one(settings, tmp_path,
                                                           in_call_session, officer,
                                                           staff_client):
    risk_assessment_record(session=in_call_session, officer=officer, answers=answers(24))
    dara_completed(tmp_path)
    settings.HUB_RISK_FORM, settings.HUB_RISK_FORMS_DIR = "dara", tmp_path

    page = staff_client(officer).get(f"/rvr/sessions/{in_call_session.pk}/call/").content

    assert b"checked" not in page
    assert b"Saved on another form (dash, version 1): score 24 \xc2\xb7 High risk" in page
