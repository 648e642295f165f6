"""Professional standards' referral pages: the list with overdue referrals first and their
countdowns, a referral with its text, named staff, candidates and their looks, the steps form
and the clear-candidate form. Every page is a recorded look; a referral about the reader is
answered as one that does not exist."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.utils import timezone

from contact_hub.conversations.models import MessageExclusion
from contact_hub.incidents.models import Alert
from contact_hub.staff.models import AccessEvent, Assignment, Role, SecurityEvent
from contact_hub.triage.models import MisconductReferral, ReferralStage
from contact_hub.triage.referrals import (
    LIST_REASON,
    LOOK_REASON,
    referral_assess,
    referral_close,
    referral_open,
    referrals_sweep,
)
from tests.factories import StaffFactory, assigned, received_message, triaged_message

pytestmark = pytest.mark.django_db

REFERRALS = "/triage/referrals/"


def _open(text: str, *, hours_ago: float = 0, sender: str | None = None) -> MisconductReferral:
    message = received_message(text=text, **({"sender": sender} if sender else {}))
    return referral_open(message=message, words=[text[:20]], actor=None,
                         now=timezone.now() - timedelta(hours=hours_ago))


def _rows(page: str) -> list[str]:
    """The referrals in the order the list shows them."""
    return re.findall(r'<a href="/triage/referrals/(\d+)/">Referral', page)


def test_the_list_shows_overdue_referrals_first_with_their_countdowns(standards, staff_client):
    fresh = _open("PC 1111 keeps messaging me", hours_ago=1)
    overdue = _open("PC 2222 keeps messaging me", hours_ago=30)
    assessed = _open("PC 3333 keeps messaging me", hours_ago=40)
    referral_assess(referral=assessed, actor=standards, reason="credible, abuse of position")
    ended = _open("PC 4444 keeps messaging me", hours_ago=50)
    referral_assess(referral=ended, actor=standards, reason="credible, abuse of position")
    referral_close(referral=ended, actor=standards, reason="words of advice given")

    page = staff_client(standards).get(REFERRALS).content.decode()

    assert _rows(page) == [str(overdue.pk), str(fresh.pk), str(assessed.pk), str(ended.pk)]
    assert "6h 00m over" in page and "22h 59m left" in page
    assert 'data-live-url="/triage/referrals/live/"' in page
    assert "Closed" in page.split("Referred on or closed", 1)[1]


def test_the_list_is_one_recorded_look_naming_everyone_it_shows(standards, staff_client):
    first, second = _open("PC 1111 texted me"), _open("PC 2222 texted me")

    staff_client(standards).get(REFERRALS)

    event = AccessEvent.objects.get()
    assert (event.actor, event.what, event.why, event.person_id) == (
        standards, "misconduct referrals", LIST_REASON, None)
    assert sorted(p.pk for p in event.people.all()) == sorted(
        [first.person_id, second.person_id])


def test_the_live_region_is_the_list_alone(standards, staff_client):
    referral = _open("PC 1111 keeps messaging me")

    region = staff_client(standards).get("/triage/referrals/live/",
                                         HTTP_X_HUB_BACKGROUND="1").content.decode()

    assert _rows(region) == [str(referral.pk)] and "<html" not in region


def test_the_list_shows_countdown_alerts_and_they_can_be_acknowledged(standards, staff_client):
    referral = _open("PC 1111 keeps messaging me", hours_ago=25)
    referrals_sweep()
    client = staff_client(standards)

    page = client.get(REFERRALS).content.decode()
    assert "assessment overdue" in page and "50% of its assessment time gone" in page

    for alert in Alert.objects.all():
        assert client.post(f"/triage/referrals/alerts/{alert.pk}/acknowledge/").status_code == 302
    assert "assessment overdue" not in client.get(REFERRALS).content.decode()
    assert _rows(client.get(REFERRALS).content.decode()) == [str(referral.pk)]


def test_a_referral_shows_its_text_named_staff_candidates_and_their_looks(
        standards, officer, staff_client):
    StaffFactory(username="dave", first_name="Dave", last_name="Kay", collar_number="4471")
    earlier = received_message(text="he came back")
    her = earlier.conversation.person
    assigned(officer, her, kind=Assignment.Kind.INCIDENT, subject="incident:INC-1")
    staff_client(officer).get(f"/people/{her.pk}/")
    referral = referral_open(
        message=received_message(text="PC 4471 and the officer who came keep texting me",
                                 sender=her.identities.get().value),
        words=["PC 4471 and the officer"], actor=None)

    page = staff_client(standards).get(f"/triage/referrals/{referral.pk}/").content.decode()

    assert "PC 4471 and the officer who came keep texting me" in page
    assert "Dave Kay" in page and "Named by collar number 4471." in page
    assert "Candidate: Holding the incident (incident:INC-1)" in page
    assert "Clear olu: why they are not the one" in page
    assert f"Person {her.pk} (who made the allegation)" in page
    assert '<option value="assessed">Assessed</option>' in page
    look = AccessEvent.objects.filter(actor=standards).get()
    assert (look.what, look.why, look.flagged) == (f"misconduct referral {referral.pk}",
                                                   LOOK_REASON, False)


def test_a_referral_about_the_reader_is_not_found_and_leaves_a_security_event(staff_client):
    named = StaffFactory(username="pete", role=Role.PROFESSIONAL_STANDARDS,
                         first_name="Pete", last_name="Named")
    colleague = StaffFactory(username="ann", role=Role.PROFESSIONAL_STANDARDS)
    triaged_message(text="PC Pete Named keeps messaging me on Facebook")
    referral = MisconductReferral.objects.get()

    assert _rows(staff_client(named).get(REFERRALS).content.decode()) == []
    assert staff_client(named).get(f"/triage/referrals/{referral.pk}/").status_code == 404
    assert SecurityEvent.objects.get().kind == "referral_refused"
    assert staff_client(colleague).get(f"/triage/referrals/{referral.pk}/").status_code == 200


def test_a_referral_that_does_not_exist_is_not_found(standards, staff_client):
    assert staff_client(standards).get("/triage/referrals/999999/").status_code == 404
    assert SecurityEvent.objects.get().detail == {"referral_id": 999999}


def test_recording_a_step_needs_a_reason(standards, staff_client):
    referral = _open("PC 1111 keeps messaging me")
    client = staff_client(standards)

    refused = client.post(f"/triage/referrals/{referral.pk}/steps/",
                          {"step": "assessed", "reason": ""}, follow=True)
    assert "Give the reason, at least 10 characters." in refused.content.decode()
    assert referral.steps.count() == 1

    client.post(f"/triage/referrals/{referral.pk}/steps/",
                {"step": "assessed", "reason": "credible, abuse of position"})
    client.post(f"/triage/referrals/{referral.pk}/steps/",
                {"step": "referred_acu", "reason": "possible corruption, ACU to lead"})

    referral.refresh_from_db()
    assert referral.stage == ReferralStage.REFERRED_ANTI_CORRUPTION
    assert [(s.step, s.actor) for s in referral.steps.all()] == [
        ("received", None), ("assessed", standards), ("referred_acu", standards)]
    page = client.get(f"/triage/referrals/{referral.pk}/").content.decode()
    assert "possible corruption, ACU to lead" in page and "no further steps" in page


def test_an_unknown_step_is_refused(standards, staff_client):
    referral = _open("PC 1111 keeps messaging me")
    referral_assess(referral=referral, actor=standards, reason="credible, abuse of position")

    page = staff_client(standards).post(f"/triage/referrals/{referral.pk}/steps/",
                                        {"step": "deleted", "reason": "make it go away"},
                                        follow=True).content.decode()

    assert "Refer it to anti-corruption or the IOPC." in page
    assert referral.steps.count() == 2


def test_clearing_a_candidate_needs_a_reason_and_lets_them_see_it(
        standards, officer, staff_client):
    earlier = received_message(text="he came back")
    her = earlier.conversation.person
    assigned(officer, her, kind=Assignment.Kind.INCIDENT, subject="incident:INC-1")
    referral = referral_open(message=received_message(
        text="the officer who came asked me out", sender=her.identities.get().value),
        words=["officer who came asked me out"], actor=None)
    candidate = MessageExclusion.objects.get(message=referral.message)
    client = staff_client(standards)

    client.post(f"/triage/referrals/{referral.pk}/clear/", {"candidate": candidate.pk})
    assert MessageExclusion.objects.get(pk=candidate.pk).cleared_at is None

    page = client.post(f"/triage/referrals/{referral.pk}/clear/", {
        "candidate": candidate.pk, "reason": "body-worn video shows he never visited"},
        follow=True).content.decode()

    assert "olu is cleared" in page
    assert "Cleared" in page and "body-worn video shows he never visited" in page
    assert MessageExclusion.objects.get(pk=candidate.pk).cleared_by == standards


@pytest.mark.parametrize("persona", ["coordinator", "officer", "supervisor", "administrator"])
def test_other_roles_are_refused_every_referral_page(persona, request, staff_client):
    referral = _open("PC 1111 keeps messaging me")
    client = staff_client(request.getfixturevalue(persona))

    for url in (REFERRALS, "/triage/referrals/live/", f"/triage/referrals/{referral.pk}/"):
        assert client.get(url).status_code == 403
    for url in (f"/triage/referrals/{referral.pk}/steps/",
                f"/triage/referrals/{referral.pk}/clear/",
                "/triage/referrals/alerts/1/acknowledge/"):
        assert client.post(url, {"step": "assessed", "reason": "x" * 20}).status_code == 403
    assert referral.steps.count() == 1
    assert not AccessEvent.objects.exists()


def test_an_ended_referral_asks_a_reason_of_someone_who_never_worked_it(standards, staff_client):
    colleague = StaffFactory(username="ann", role=Role.PROFESSIONAL_STANDARDS)
    referral = _open("PC 1111 keeps messaging me")
    referral_assess(referral=referral, actor=colleague, reason="credible, abuse of position")
    referral_close(referral=referral, actor=colleague, reason="words of advice given")

    asked = staff_client(standards).get(f"/triage/referrals/{referral.pk}/")

    assert asked.status_code == 403
    assert "Why are you opening this record?" in asked.content.decode()
    assert "keeps messaging" not in asked.content.decode()
