"""The public web form, and the handlers' and coordinators' queue pages."""

from __future__ import annotations

import time

import pytest
from django.test import Client

from callback.forms import form_token
from callback.models import CallbackAttempt, CallbackRequest
from callback.services import callback_next_claim
from contact_hub.incidents.models import Incident
from contact_hub.staff.models import AccessEvent, SecurityEvent
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


def test_the_form_puts_the_caller_in_the_queue_and_shows_their_place():
    response = Client().post(FORM, _form())

    assert response.status_code == 200
    assert "You are number <strong>1</strong> in the queue" in response.content.decode()
    request = CallbackRequest.objects.get()
    assert (request.source, request.identity.value) == ("web", "+447700900701")
    assert (request.safe_window_label, request.voicemail_ok, request.texts_ok) == (
        "17:00 to 21:00", False, True)


def test_an_unusable_number_is_refused_with_a_clear_reason_and_nothing_stored():
    response = Client().post(FORM, _form(number="09098 790000"))

    assert response.status_code == 400
    assert "premium-rate" in response.content.decode()
    assert not CallbackRequest.objects.exists()


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


def test_a_flood_from_one_address_is_refused_with_one_security_event(settings):
    settings.HUB_CALLBACK_ADDRESS_LIMIT = 2
    client = Client(REMOTE_ADDR="198.51.100.7")
    for n in range(2):
        client.post(FORM, _form(number=f"0770090071{n}"))

    refused = [client.post(FORM, _form(number=f"0770090072{n}")) for n in range(3)]

    assert [r.status_code for r in refused] == [429, 429, 429]
    assert CallbackRequest.objects.count() == 2
    event = SecurityEvent.objects.get(kind="callback_flood")
    assert event.detail == {"source": "web", "by": "address"}
    assert Client(REMOTE_ADDR="198.51.100.8").post(FORM, _form()).status_code == 200


def test_asking_twice_from_one_number_keeps_the_first_place():
    Client().post(FORM, _form())
    Client().post(FORM, _form(number="07700900702"))

    response = Client().post(FORM, _form())

    assert "keep your original place" in response.content.decode()
    assert CallbackRequest.objects.count() == 2


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
