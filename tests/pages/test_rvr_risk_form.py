"""The officer's console asks the force's risk assessment form, in a real browser: a force that
has finished its DARA file gets DARA in the call, the officer grades it with a rationale, and
the incident records which form and version were used (DASH in a whole call: test_rvr.py)."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from contact_hub.incidents.models import Incident
from rvr.calls import video_check_record, video_session_accept
from rvr.connection_check import CheckResult
from rvr.eligibility import rvr_check_record, rvr_consent_record
from rvr.links import video_link_send, video_session_join
from rvr.models import RiskAssessment, VideoSession
from tests.pages.browser import screenshot, sign_in
from tests.rvr.conftest import ALL_YES, da_incident, sent_token
from tests.rvr.risk_form_files import DARA_VERSION, dara_completed, dash_questions

pytestmark = [pytest.mark.browser, pytest.mark.redis, pytest.mark.postgres]
RATIONALE = "Strangled last week, he checks her phone and has threatened to kill her"


@pytest.fixture
def force_uses_dara(settings, tmp_path):
    dara_completed(tmp_path)
    settings.HUB_RISK_FORM, settings.HUB_RISK_FORMS_DIR = "dara", tmp_path


def _call_under_way(coordinator, officer, settings, live_hub: str) -> VideoSession:
    settings.RVR_LINK_BASE_URL = live_hub
    settings.STUN_URLS, settings.TURN_URLS, settings.RVR_RELAY_ONLY = [], [], False
    incident = da_incident(coordinator)
    checked = rvr_check_record(incident=incident, answers=ALL_YES, actor=coordinator)
    session = video_link_send(
        assessment=rvr_consent_record(assessment=checked, consent=True, actor=coordinator,
                                      wait_told=True),
        actor=coordinator)
    video_session_join(token=sent_token())
    video_check_record(session_id=session.pk, result=CheckResult(30.0, 0.0, 800.0, "good"))
    return video_session_accept(session=session, officer=officer)


def test_an_officer_grades_the_forces_dara_in_the_call(live_hub, chromium, coordinator,
                                                       officer, settings, force_uses_dara):
    session = _call_under_way(coordinator, officer, settings, live_hub)
    context = chromium.new_context(viewport={"width": 1300, "height": 900})
    page = context.new_page()
    try:
        sign_in(page, live_hub, officer)
        page.goto(f"{live_hub}/rvr/sessions/{session.pk}/call/")
        form = page.locator("#dash-form")
        expect(form.get_by_role("heading", name="Risk assessment (DARA)")).to_be_visible()
        for question in dash_questions(5):
            expect(form.get_by_text(question)).to_be_visible()
        expect(form.locator('input[type="radio"]')).to_have_count(15)

        for number in range(1, 6):
            form.locator(f'input[name="q{number}"][value="yes"]').check()
        form.get_by_label("Your risk grading").select_option("high")
        form.get_by_label("Rationale for the grading").fill(RATIONALE)
        form.get_by_role("button", name="Save risk assessment").click()

        expect(page.locator("#dash-result")).to_have_text(
            "Saved: High risk (your grading) · MARAC referral needed: make the referral.")
        screenshot(page, "rvr_officer_dara")
        page.reload()
        expect(page.locator("#dash-result")).to_contain_text("Saved: High risk (your grading)")
        expect(form.locator('input[type="radio"]:checked')).to_have_count(5)
    finally:
        context.close()

    risk = RiskAssessment.objects.get(session=session)
    assert (risk.form_key, risk.form_version, risk.level, risk.score) == (
        "dara", DARA_VERSION, "high", None)
    assert risk.judgement_reason == RATIONALE
    incident = Incident.objects.get(pk=session.incident_id)
    entry = incident.log.get(kind="dara.recorded")
    assert (entry.data["form"], entry.data["form_version"]) == ("dara", DARA_VERSION)
    assert entry.data["answers"] == {str(n): "yes" for n in range(1, 6)}
    assert "marac_referral" in incident.flags


def test_a_dara_without_its_questions_is_not_offered_to_the_officer(live_hub, chromium,
                                                                    coordinator, officer,
                                                                    settings):
    settings.HUB_RISK_FORM = "dara"
    session = _call_under_way(coordinator, officer, settings, live_hub)
    context = chromium.new_context(viewport={"width": 1300, "height": 900})
    page = context.new_page()
    try:
        sign_in(page, live_hub, officer)
        page.goto(f"{live_hub}/rvr/sessions/{session.pk}/call/")

        form = page.locator("#dash-form")
        expect(form.get_by_role("alert")).to_contain_text("DARA's questions are not in this file")
        expect(form.get_by_role("button", name="Save risk assessment")).to_have_count(0)
        expect(page.get_by_role("button", name="Save notes")).to_be_visible()
    finally:
        context.close()
