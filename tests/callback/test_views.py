"""The public web form, and the handlers' and coordinators' queue pages."""

from __future__ import annotations

import time

import pytest
from django.test import Client

from callback.forms import form_token
from callback.models import CallbackAttempt, CallbackRequest, WebFormAsk
from callback.services import callback_next_claim
from contact_hub.followups.models import FollowUp
from contact_hub.incidents.models import Incident
from contact_hub.staff.models import AccessEvent, SecurityEvent
from tests.callback.conftest import local
from tests.factories import StaffFactory

pytestmark = pytest.mark.django_db
FORM = "/callback/request/"


def _form(**overrides: str) -> dict[str, str]:
    return {"number": "07700 900701", "window": "evening", "voicemail_ok": "no",
            "texts_ok": "yes", "website": "", "started": form_token(now=time.time() - 20),
            **overrides}


def test_the_form_is_public_neutral_uncached_and_has_a_quick_exit():
    response = Client().get(FORM)

    assert response.status_code == 200
    page = response.content.decode()
    assert "data-quick-exit" in page
    assert "police" not in page.lower()
    assert "no-store" in response["Cache-Control"]
    assert response["Referrer-Policy"] == "no-referrer"


def test_the_form_puts_the_caller_in_the_queue_and_says_only_what_they_chose(
        django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        response = Client().post(FORM, _form())

    assert response.status_code == 200
    page = response.content.decode()
    assert "We'll call you back" in page
    assert "You asked us to call only in the evenings, 5pm to 9pm." in page
    assert "You are number" not in page and "minutes" not in page
    request = CallbackRequest.objects.get()
    assert (request.source, request.identity.value) == ("web", "+447700900701")
    assert (request.safe_window_label, request.voicemail_ok, request.texts_ok) == (
        "17:00 to 21:00", False, True)
    assert not WebFormAsk.objects.exists()


def test_the_form_answers_before_the_request_is_made():
    response = Client().post(FORM, _form())

    assert response.status_code == 200
    assert not CallbackRequest.objects.exists()
    assert FollowUp.objects.get().task_name == "followups.callback_web_ask_take"


def test_an_unusable_number_is_refused_with_a_clear_reason_and_nothing_stored():
    response = Client().post(FORM, _form(number="09098 790000"))

    assert response.status_code == 400
    assert "premium-rate" in response.content.decode()
    assert not CallbackRequest.objects.exists()
    assert not WebFormAsk.objects.exists()
    event = SecurityEvent.objects.get()
    assert (event.kind, event.detail) == ("callback_form_refused",
                                          {"source": "web", "fields": ["number"]})


@pytest.mark.parametrize("overrides", [
    lambda: {"website": "http://spam.example"},
    lambda: {"started": form_token(now=time.time())},  # sent faster than a person could
    lambda: {"started": form_token(now=time.time() - 3 * 60 * 60)},  # an old harvested form
    lambda: {"started": "forged"},
])
def test_automated_posts_are_refused_recorded_and_store_nothing(overrides):
    response = Client().post(FORM, _form(**overrides()))

    assert response.status_code == 400
    assert not CallbackRequest.objects.exists()
    assert SecurityEvent.objects.get().kind == "callback_spam"


def test_a_flood_from_one_address_is_refused_with_one_security_event(
        settings, django_capture_on_commit_callbacks):
    settings.HUB_CALLBACK_ADDRESS_LIMIT = 2
    client = Client(REMOTE_ADDR="198.51.100.7")
    with django_capture_on_commit_callbacks(execute=True):
        for n in range(2):
            client.post(FORM, _form(number=f"0770090071{n}"))

        refused = [client.post(FORM, _form(number=f"0770090072{n}")) for n in range(3)]

    assert [r.status_code for r in refused] == [429, 429, 429]
    assert CallbackRequest.objects.count() == 2
    event = SecurityEvent.objects.get(kind="callback_flood")
    assert (event.detail, event.count) == ({"source": "web", "by": "address"}, 1)
    assert Client(REMOTE_ADDR="198.51.100.8").post(FORM, _form()).status_code == 200


def test_asking_twice_from_one_number_keeps_one_request_and_says_nothing_about_it(
        django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        first = Client().post(FORM, _form())
        Client().post(FORM, _form(number="07700900702"))

        again = Client().post(FORM, _form())

    assert again.content == first.content
    assert "already" not in again.content.decode()
    assert CallbackRequest.objects.count() == 2
    assert CallbackRequest.objects.get(identity__value="+447700900701").entries.count() == 2


# Staff pages.

def test_the_queue_page_needs_a_signed_in_member_of_staff():
    response = Client().get("/callback/")

    assert response.status_code == 302
    assert "/staff/login/" in response["Location"]


def test_an_rvr_officer_cannot_work_the_callback_queue(officer, staff_client):
    response = staff_client(officer).post("/callback/next/")

    assert response.status_code == 403
    assert SecurityEvent.objects.get().kind == "wrong_role"


def test_the_queue_shows_masked_numbers_in_order(ask_callback, coordinator, staff_client):
    ask_callback("07700900711")
    ask_callback("07700900712", window="morning")

    page = staff_client(coordinator).get("/callback/list/").content.decode()

    assert "+44 •••• ••711" in page and "+44 •••• ••712" in page
    assert page.index("••711") < page.index("••712")
    assert "900711" not in page
    assert "08:00 to 12:00" in page


def test_the_queue_page_updates_live(coordinator, staff_client):
    page = staff_client(coordinator).get("/callback/").content.decode()

    assert 'data-live-url="/callback/list/"' in page
    assert "hub/live.js" in page


def test_next_callback_opens_the_callers_page_and_records_the_access(
        ask_callback, coordinator, staff_client):
    request = ask_callback("07700900713")
    client = staff_client(coordinator)

    response = client.post("/callback/next/")

    assert response["Location"] == f"/callback/{request.pk}/"
    page = client.get(response["Location"]).content.decode()
    assert "+44 •••• ••713" in page and "900713" not in page
    access = AccessEvent.objects.get()
    assert (access.actor, access.person_id) == (coordinator, request.person_id)


def test_next_callback_with_nobody_waiting_says_so(coordinator, staff_client):
    response = staff_client(coordinator).post("/callback/next/", follow=True)

    assert "Nobody is waiting" in response.content.decode()


def test_the_handler_records_an_unanswered_attempt(ask_callback, coordinator, staff_client):
    request = ask_callback()
    client = staff_client(coordinator)
    client.post("/callback/next/")

    client.post(f"/callback/{request.pk}/attempt/", {"result": "busy"})

    attempt = CallbackAttempt.objects.get()
    assert (attempt.result, attempt.result_source, attempt.handler) == ("busy", "handler",
                                                                         coordinator)
    assert CallbackRequest.objects.get().status == "queued"


def test_another_handler_cannot_record_someone_elses_call(ask_callback, coordinator,
                                                         staff_client):
    request = ask_callback()
    callback_next_claim(handler=coordinator)

    staff_client(StaffFactory()).post(f"/callback/{request.pk}/attempt/", {"result": "busy"})

    assert CallbackAttempt.objects.get().result == ""
    assert SecurityEvent.objects.get().kind == "callback_not_yours"
    assert not AccessEvent.objects.exists()


def test_the_handler_opens_an_incident_as_the_outcome(ask_callback, coordinator,
                                                     staff_client):
    request = ask_callback()
    client = staff_client(coordinator)
    client.post("/callback/next/")
    client.post(f"/callback/{request.pk}/attempt/", {"result": "answered"})

    response = client.post(f"/callback/{request.pk}/outcome/", {
        "action": "open", "opening_code": "DOMESTIC", "grade": "priority"})

    assert response["Location"] == "/callback/"
    incident = Incident.objects.get()
    closed = CallbackRequest.objects.get()
    assert (closed.status, closed.incident) == ("closed", incident)
    assert incident.person_id == request.person_id


def test_closing_without_a_reason_is_refused(ask_callback, coordinator, staff_client):
    request = ask_callback()

    response = staff_client(coordinator).post(f"/callback/{request.pk}/outcome/",
                                              {"action": "close", "reason": ""}, follow=True)

    assert "Say why" in response.content.decode()
    assert CallbackRequest.objects.get().status == "queued"


def test_a_coordinator_sees_and_requeues_a_caller_we_could_not_reach(
        ask_callback, coordinator, staff_client):
    request = ask_callback("07700900714")
    CallbackRequest.objects.filter(pk=request.pk).update(status="coordinator",
                                                         flag="unable_to_contact")
    client = staff_client(coordinator)
    assert "Unable to contact" in client.get("/callback/list/").content.decode()

    client.post(f"/callback/{request.pk}/requeue/")

    assert CallbackRequest.objects.get().status == "queued"


# Unconfirmed changes to contact preferences.

@pytest.fixture
def widened(ask_callback) -> CallbackRequest:
    """Her evening-only request, and someone asking from the form to call any time, with
    voicemail and texts."""
    request = ask_callback("07700900715", window="evening")
    ask_callback("07700900715", window="any", voicemail_ok=True, texts_ok=True)
    return request


def test_the_queue_shows_that_an_unconfirmed_change_was_asked_for(widened, coordinator,
                                                                  staff_client):
    page = staff_client(coordinator).get("/callback/list/").content.decode()

    assert "17:00 to 21:00" in page
    assert ("Someone asked to change the safe time to any time and allow voicemail and allow "
            "texts") in page
    assert "not applied until the caller confirms it on the call" in page


def test_the_handler_applies_the_change_once_the_caller_confirms_it_on_the_call(
        widened, coordinator, staff_client):
    callback_next_claim(handler=coordinator, now=local(2026, 1, 5, 18, 0))  # her safe time
    client = staff_client(coordinator)
    client.post(f"/callback/{widened.pk}/attempt/", {"result": "answered"})
    assert "The caller confirmed it" in client.get(f"/callback/{widened.pk}/").content.decode()

    response = client.post(f"/callback/{widened.pk}/preferences/", {"action": "confirm"},
                           follow=True)

    assert "Change confirmed and applied" in response.content.decode()
    request = CallbackRequest.objects.get()
    assert (request.safe_window_label, request.voicemail_ok, request.texts_ok) == (
        "any time", True, True)
    change = request.preference_changes.get()
    assert (change.status, change.decided_by) == ("confirmed", coordinator)
    assert AccessEvent.objects.filter(
        actor=coordinator, why="confirmed a change to contact preferences with the caller",
        person_id=request.person_id).exists()


def test_a_change_cannot_be_confirmed_off_the_call(widened, coordinator, staff_client):
    client = staff_client(coordinator)

    response = client.post(f"/callback/{widened.pk}/preferences/", {"action": "confirm"},
                           follow=True)

    assert "Only the handler on an answered call" in response.content.decode()
    request = CallbackRequest.objects.get()
    assert (request.safe_window_label, request.voicemail_ok, request.texts_ok) == (
        "17:00 to 21:00", False, False)
    assert request.preference_changes.get().status == "pending"


def test_a_coordinator_discards_an_unconfirmed_change(widened, coordinator, staff_client):
    client = staff_client(coordinator)

    client.post(f"/callback/{widened.pk}/preferences/", {"action": "discard"})

    change = CallbackRequest.objects.get().preference_changes.get()
    assert (change.status, change.decided_by) == ("discarded", coordinator)
    assert "Someone asked" not in client.get("/callback/list/").content.decode()
    assert CallbackRequest.objects.get().safe_window_label == "17:00 to 21:00"
