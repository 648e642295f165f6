"""Supervisors' and professional standards' pages: the dip sample of the shift and its
verdicts, and staff words held for review."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.utils import timezone

from contact_hub.conversations.models import ConductHold, DeliveryStatus
from contact_hub.conversations.sending import MemoryBackend
from contact_hub.conversations.services import conduct_hold_decide
from contact_hub.incidents.models import Alert
from contact_hub.staff.models import AccessEvent, Role
from contact_hub.supervision.models import DipSample, DipSampleItem
from contact_hub.supervision.services import dip_sample_current, dip_verdict_record
from tests.factories import StaffFactory, assigned
from tests.supervision.conftest import callback_call, staff_text, video_call

pytestmark = pytest.mark.django_db
REASON = "checked with the officer in the case"


def test_the_sample_page_lists_whose_contact_with_whom_and_links_to_it(
        coordinator, officer, supervisor, staff_client):
    text = staff_text(coordinator)
    call = callback_call(coordinator)
    session = video_call(officer, coordinator)

    page = staff_client(supervisor).get("/supervision/sample/").content.decode()

    assert page.count('data-item-id="') == 3
    assert f'href="/people/{text.conversation.person_id}/">Text</a>' in page
    assert f'href="/callback/{call.request_id}/">Callback call</a>' in page
    assert f'href="/incidents/{session.incident.reference}/">Video call</a>' in page
    assert coordinator.username in page and officer.username in page
    assert f"Person {text.conversation.person_id}" in page


def test_opening_the_sample_is_one_list_look_naming_its_people(coordinator, supervisor,
                                                               staff_client):
    people = {staff_text(coordinator).conversation.person_id for _ in range(2)}

    staff_client(supervisor).get("/supervision/sample/")

    event = AccessEvent.objects.get(actor=supervisor, what="dip sample")
    assert (event.why, event.person_id) == ("dip sampling", None)
    assert set(event.people.values_list("pk", flat=True)) == people


def test_the_sample_is_the_same_on_every_visit_in_the_shift(coordinator, supervisor,
                                                            staff_client):
    for _ in range(8):
        staff_text(coordinator)
    client = staff_client(supervisor)

    first = re.findall(r'data-item-id="(\d+)"', client.get("/supervision/sample/").content.decode())
    again = re.findall(r'data-item-id="(\d+)"', client.get("/supervision/sample/").content.decode())

    assert len(first) == 5
    assert first == again
    assert DipSample.objects.count() == 1


def test_a_verdict_is_recorded_from_the_page(coordinator, supervisor, staff_client):
    staff_text(coordinator)
    item = dip_sample_current(supervisor=supervisor).items.get()

    response = staff_client(supervisor).post(
        f"/supervision/sample/{item.pk}/verdict/",
        {"verdict": "refer", "notes": "Asked her about her evening plans"}, follow=True)

    page = response.content.decode()
    assert "Verdict recorded. Professional standards have been alerted." in page
    assert "Refer to professional standards" in page
    assert Alert.objects.get().kind == Alert.Kind.DIP_REFERRAL


def test_a_referral_without_notes_is_refused_on_the_page(coordinator, supervisor,
                                                         staff_client):
    staff_text(coordinator)
    item = dip_sample_current(supervisor=supervisor).items.get()

    response = staff_client(supervisor).post(f"/supervision/sample/{item.pk}/verdict/",
                                             {"verdict": "refer", "notes": ""}, follow=True)

    assert "at least 10 characters" in response.content.decode()
    assert DipSampleItem.objects.get().verdict == ""


@pytest.fixture
def held(coordinator):
    return staff_text(coordinator, body="Fancy a coffee? Add me on Facebook")


def test_a_supervisor_sees_held_words_and_decides_on_them(held, supervisor, staff_client,
                                                          django_capture_on_commit_callbacks):
    client = staff_client(supervisor)
    page = client.get("/supervision/held/").content.decode()
    assert "Fancy a coffee? Add me on Facebook" in page
    assert "Asking to meet socially" in page and "Add me on" in page
    assert f'action="/supervision/held/{held.conduct_hold.pk}/decide/"' in page

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(f"/supervision/held/{held.conduct_hold.pk}/decide/",
                               {"decision": "send", "reason": REASON}, follow=True)

    assert "Sent after review; your reason is on record." in response.content.decode()
    held.refresh_from_db()
    assert held.status == DeliveryStatus.SENT
    assert len(MemoryBackend.sent) == 1


def test_a_supervisor_refuses_held_words_from_the_page(held, supervisor, staff_client):
    response = staff_client(supervisor).post(
        f"/supervision/held/{held.conduct_hold.pk}/decide/",
        {"decision": "refuse", "reason": "not a professional message"}, follow=True)

    assert "Refused: it will never be sent." in response.content.decode()
    held.refresh_from_db()
    assert held.status == DeliveryStatus.CANCELLED
    assert MemoryBackend.sent == []


def test_the_held_page_offers_its_author_no_decision(supervisor, staff_client):
    message = staff_text(supervisor, body="Night night sweetheart")

    page = staff_client(supervisor).get("/supervision/held/").content.decode()

    assert "You wrote this: another supervisor decides." in page
    assert f"/supervision/held/{message.conduct_hold.pk}/decide/" not in page


def test_professional_standards_see_held_words_with_their_author_and_decision(
        held, coordinator, supervisor, standards, staff_client):
    conduct_hold_decide(hold=held.conduct_hold, actor=supervisor, send=False,
                        reason="not a professional message")

    page = staff_client(standards).get("/supervision/held/").content.decode()

    assert coordinator.username in page
    assert "Refused: never sent" in page and "not a professional message" in page
    assert "Fancy a coffee" in page and "Add me on" in page
    assert "/decide/" not in page
    event = AccessEvent.objects.get(actor=standards, what="held staff words")
    assert event.why == "reviewing held staff words"
    assert list(event.people.values_list("pk", flat=True)) == [held.conversation.person_id]


def test_professional_standards_are_shown_new_holds_with_the_words(held, standards,
                                                                   staff_client):
    client = staff_client(standards)
    page = client.get("/supervision/held/live/").content.decode()
    alert = Alert.objects.get(for_role=Role.PROFESSIONAL_STANDARDS)
    assert f'data-alert-id="{alert.pk}"' in page
    assert "Fancy a coffee" in page

    client.post(f"/supervision/alerts/{alert.pk}/seen/")

    alert.refresh_from_db()
    assert alert.acknowledged_by == standards
    assert f'data-alert-id="{alert.pk}"' not in client.get(
        "/supervision/held/live/").content.decode()


def test_professional_standards_see_every_verdict_and_what_was_never_checked(
        coordinator, supervisor, standards, staff_client):
    staff_text(coordinator)
    staff_text(coordinator)
    first, second = dip_sample_current(supervisor=supervisor).items.all()
    dip_verdict_record(item=first, actor=supervisor, verdict="advice",
                       notes="Use the approved closing line")
    DipSample.objects.update(drawn_at=timezone.now() - timedelta(hours=11))

    page = staff_client(standards).get("/supervision/verdicts/").content.decode()

    assert "Advice given" in page and "Use the approved closing line" in page
    assert supervisor.username in page
    assert page.count(f'data-item-id="{second.pk}"') == 1
    event = AccessEvent.objects.get(actor=standards, what="dip-sample verdicts")
    assert set(event.people.values_list("pk", flat=True)) == {first.person_id,
                                                             second.person_id}


def test_the_thread_shows_its_author_a_text_held_for_review_without_a_way_to_withdraw_it(
        held, coordinator, staff_client):
    assigned(coordinator, held.conversation.person, subject="message:1")

    page = staff_client(coordinator).get(
        f"/people/{held.conversation.person_id}/thread/").content.decode()

    assert "Held: a supervisor reviews what it says" in page
    assert "so a supervisor reviews it first" in page
    assert f"/contacts/messages/{held.pk}/cancel/" not in page
    assert f"/contacts/messages/{held.pk}/release/" not in page


def test_the_thread_sends_another_supervisor_to_the_review(held, staff_client):
    other = StaffFactory(role=Role.SUPERVISOR)

    page = staff_client(other).get(
        f"/people/{held.conversation.person_id}/thread/").content.decode()

    assert f'href="/supervision/held/#hold-{held.conduct_hold.pk}"' in page
    assert f"/contacts/messages/{held.pk}/release/" not in page


@pytest.mark.parametrize("path", ["/supervision/sample/", "/supervision/held/",
                                  "/supervision/verdicts/"])
@pytest.mark.parametrize("role", [Role.COORDINATOR, Role.RVR_OFFICER])
def test_front_line_staff_cannot_open_the_supervision_pages(path, role, staff_client):
    response = staff_client(StaffFactory(role=role)).get(path)

    assert response.status_code == 403
    assert not ConductHold.objects.exists() and not DipSample.objects.exists()


def test_a_supervisors_dashboard_alert_leads_to_the_review(held, supervisor, staff_client):
    page = staff_client(supervisor).get("/triage/").content.decode()

    assert "Staff words held for review" in page
    assert (f'href="/supervision/held/#hold-{held.conduct_hold.pk}">send or refuse it</a>'
            in page)
