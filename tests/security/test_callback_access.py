"""The insider on the 101 callback pages: every look at a caller's request is in the access log
with the reason the reader's work gives (taking her callback, or her waiting in the queue); a
look with none asks why before anything is shown, and once a reason is given the look is
flagged and professional standards hear of it at once. Each queue page is one access event
naming the callers it shows."""

from __future__ import annotations

import pytest
from django.utils import timezone

from callback.models import CallbackRequest
from callback.services import (
    CallbackAsk,
    callback_close,
    callback_next_claim,
    callback_request_create,
    callback_welfare_create,
)
from contact_hub.conversations.conduct import CONTACT_AFTER_ASSIGNMENT
from contact_hub.staff.models import AccessEvent, AccessEventPerson, Assignment, Role
from tests.factories import StaffFactory, drama_number

pytestmark = pytest.mark.django_db
REASON = "She rang 101 asking whether her callback was dealt with"


@pytest.fixture(autouse=True)
def call_line(settings) -> None:
    settings.HUB_CALL_BACKEND = "callback.calling.DemoCallBackend"



def _ask(number: str | None = None) -> CallbackRequest:
    return callback_request_create(ask=CallbackAsk(source="web", number=number or drama_number(),
                                                   window="any")).callback_request


def _looks_at(person_id: int, actor) -> list[AccessEvent]:
    return list(AccessEvent.objects.filter(actor=actor, person_id=person_id).order_by("at"))


def test_the_handler_who_took_the_callback_opens_it_with_that_reason(coordinator,
                                                                     staff_client):
    callback_request = _ask()
    client = staff_client(coordinator)

    client.post("/callback/next/")
    response = client.get(f"/callback/{callback_request.pk}/")

    assert response.status_code == 200
    [look] = _looks_at(callback_request.person_id, coordinator)
    assert (look.action, look.what, look.why, look.flagged) == (
        "view", f"callback request {callback_request.pk}",
        f"Taking the callback (callback:{callback_request.pk})", False)


def test_a_caller_waiting_in_the_queue_is_opened_with_the_queue_as_the_reason(coordinator,
                                                                              staff_client):
    callback_request = _ask()

    response = staff_client(coordinator).get(f"/callback/{callback_request.pk}/")

    assert response.status_code == 200
    [look] = _looks_at(callback_request.person_id, coordinator)
    assert (look.why, look.flagged) == ("101 callback queue", False)


@pytest.mark.parametrize("role", [Role.COORDINATOR, Role.SUPERVISOR])
def test_a_finished_callback_asks_why_first_then_the_look_is_flagged_and_reported(
        role, staff_client, conduct_events, django_capture_on_commit_callbacks):
    callback_request = _ask("07700900791")
    handler = StaffFactory(role=Role.COORDINATOR)
    callback_next_claim(handler=handler)
    callback_close(callback_request=callback_request, actor=handler, reason="advice given")
    reader = StaffFactory(role=role)
    client = staff_client(reader)
    page = f"/callback/{callback_request.pk}/"

    asked = client.get(page)

    assert asked.status_code == 403
    content = asked.content.decode()
    assert "Why are you opening this record?" in content
    assert f'action="/people/{callback_request.person_id}/look/"' in content
    assert "••791" not in content and "advice given" not in content
    assert _looks_at(callback_request.person_id, reader) == []

    with django_capture_on_commit_callbacks(execute=True):
        given = client.post(f"/people/{callback_request.person_id}/look/",
                            {"reason": REASON, "next": page})
        opened = client.get(page)

    assert given["Location"] == page
    assert opened.status_code == 200 and "••791" in opened.content.decode()
    look = AccessEvent.objects.get(actor=reader, what=f"callback request {callback_request.pk}")
    assert (look.why, look.flagged) == (REASON, True)
    assert {"type": "live.event", "kind": "look.flagged",
            "access_event_id": look.pk} in conduct_events()


def test_the_queue_page_is_one_access_event_naming_the_callers_it_shows(coordinator,
                                                                        staff_client):
    being_called = _ask()
    callback_next_claim(handler=StaffFactory(role=Role.COORDINATOR))
    waiting = [_ask(), _ask()]
    unreachable = _ask()
    CallbackRequest.objects.filter(pk=unreachable.pk).update(status="coordinator",
                                                             flag="unable_to_contact")
    finished = _ask()
    CallbackRequest.objects.filter(pk=finished.pk).update(status="closed")
    callback_welfare_create(call_sid="CAwithheld-list", caller=None, flag="silent_call")
    assert CallbackRequest.objects.get(pk=being_called.pk).status == "calling"
    shown = sorted(r.person_id for r in [*waiting, unreachable, being_called])

    for url in ("/callback/", "/callback/list/"):
        response = staff_client(coordinator).get(url)

        assert response.status_code == 200
        event = AccessEvent.objects.filter(actor=coordinator).latest("at")
        assert (event.action, event.what, event.why, event.person_id) == (
            "view", "101 callback queue", "101 callback queue", None)
        assert sorted(AccessEventPerson.objects.filter(event=event)
                      .values_list("person_id", flat=True)) == shown
    assert AccessEvent.objects.filter(actor=coordinator).count() == 2


def test_an_empty_queue_page_records_nothing(coordinator, staff_client):
    response = staff_client(coordinator).get("/callback/list/")

    assert response.status_code == 200
    assert not AccessEvent.objects.exists()


def test_taking_her_callback_again_from_the_queue_is_work_not_contact_after_it_ended(
        coordinator, staff_client):
    first = _ask("07700900792")
    callback_next_claim(handler=coordinator)
    callback_close(callback_request=first, actor=coordinator, reason="advice given")
    # Long after the follow-up period she asks again, and the queue gives the same handler
    # her call: the queue chose it, so it is work, not contact outside it.
    Assignment.objects.filter(staff=coordinator).update(ends_at=timezone.now())
    again = _ask("07700900792")

    staff_client(coordinator).post("/callback/next/")

    assert CallbackRequest.objects.get(pk=again.pk).claimed_by == coordinator
    assert not AccessEvent.objects.filter(why=CONTACT_AFTER_ASSIGNMENT).exists()
