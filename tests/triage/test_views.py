"""The dashboard, a contact's triage page, and professional standards' restricted items."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from contact_hub.incidents.models import Incident
from contact_hub.incidents.services import incident_open
from contact_hub.staff.models import AccessEvent, Role, SecurityEvent
from contact_hub.triage.markers import marker_set
from contact_hub.triage.models import ContactTriage, MisconductReferral
from contact_hub.triage.queue import queue_order
from contact_hub.triage.services import contact_triage, item_claim
from tests.factories import StaffFactory, received_message, triaged_message

pytestmark = pytest.mark.django_db
NUMBER = "+447700900720"


def _order(page: str, *needles: str) -> list[int]:
    return [page.index(n) for n in needles]


def test_the_queue_puts_risk_first_then_the_oldest(coordinator, staff_client):
    old_plain = triaged_message(text="noise from next door again")
    danger = triaged_message(text="He's here, he has a knife")
    ContactTriage.objects.filter(message=old_plain).update(
        received_at=timezone.now() - timedelta(hours=2))
    newer_plain = triaged_message(text="my bike was stolen")

    page = staff_client(coordinator).get("/triage/queue/").content.decode()

    positions = _order(page, f'data-message-id="{danger.pk}"',
                       f'data-message-id="{old_plain.pk}"',
                       f'data-message-id="{newer_plain.pk}"')
    assert positions == sorted(positions)
    assert "Immediate danger" in page and "has a knife" in page


def test_a_page_can_fetch_just_the_contacts_an_event_named(coordinator, staff_client):
    shown = triaged_message(text="noise from next door again")
    named = [triaged_message(text="He's here, he has a knife"),
             triaged_message(text="my bike was stolen")]

    ids = ",".join(str(m.pk) for m in named)
    page = staff_client(coordinator).get(f"/triage/queue/?messages={ids}").content.decode()

    assert [f'data-message-id="{m.pk}"' in page for m in named] == [True, True]
    assert f'data-message-id="{shown.pk}"' not in page
    assert page.count('data-order="') == 2
    assert 'data-waiting="3"' in page and "has a knife" in page


def test_a_contact_dealt_with_or_kept_from_the_viewer_is_not_fetched_by_id(staff_client):
    named = StaffFactory(username="cole", role=Role.COORDINATOR, collar_number="C9912")
    alleging = triaged_message(text="the call handler C9912 added me on instagram")
    handled = triaged_message(text="my bike was stolen")
    ContactTriage.objects.filter(message=handled).update(handled_at=timezone.now())

    page = staff_client(named).get(
        f"/triage/queue/?messages={alleging.pk},{handled.pk}").content.decode()

    assert "data-message-id" not in page
    assert "instagram" not in page


def test_a_full_page_fetches_only_the_named_contacts_that_sort_above_its_last_row(
        coordinator, staff_client):
    plain = triaged_message(text="my bike was stolen")
    danger = triaged_message(text="He's here, he has a knife")
    fold = ContactTriage.objects.get(message=plain)  # the last row of a full page

    page = staff_client(coordinator).get("/triage/queue/", {
        "messages": f"{plain.pk},{danger.pk}",
        "before": queue_order(fold.risk, fold.received_at)}).content.decode()

    assert f'data-message-id="{danger.pk}"' in page
    assert f'data-message-id="{plain.pk}"' not in page  # it sorts below the fold


@pytest.mark.parametrize("before", ["soon", "015", "015-12ab"])
def test_a_malformed_fold_is_refused(coordinator, staff_client, before):
    response = staff_client(coordinator).get("/triage/queue/", {"messages": "1",
                                                                "before": before})

    assert response.status_code == 400
    assert "order of a row" in response.content.decode()
    assert SecurityEvent.objects.get().kind == "malformed_payload"


@pytest.mark.parametrize("messages", ["12,abc", "", "-1", "1;2", ",".join(["1"] * 501)])
def test_a_malformed_list_of_messages_is_refused(coordinator, staff_client, messages):
    response = staff_client(coordinator).get("/triage/queue/", {"messages": messages})

    assert response.status_code == 400
    assert "message ids" in response.content.decode()
    assert SecurityEvent.objects.get().kind == "malformed_payload"


def test_queue_rows_carry_an_order_that_sorts_as_the_queue_does(coordinator, staff_client):
    old_plain = triaged_message(text="noise from next door again")
    ContactTriage.objects.filter(message=old_plain).update(
        received_at=timezone.now() - timedelta(hours=2))
    triaged_message(text="He's here, he has a knife")
    triaged_message(text="my bike was stolen")

    page = staff_client(coordinator).get("/triage/queue/").content.decode()

    orders = re.findall(r'data-order="([^"]+)"', page)
    assert len(orders) == 3
    assert orders == sorted(orders)


def test_the_queue_shows_who_has_claimed_an_item(coordinator, supervisor, staff_client):
    message = triaged_message(text="my ex keeps texting me")
    item_claim(item_key=f"message:{message.pk}", actor=coordinator)

    page = staff_client(supervisor).get("/triage/").content.decode()

    assert 'class="claimed">casey' in page


def test_an_item_shows_earlier_contacts_incidents_and_markers(coordinator, staff_client):
    first = triaged_message(sender=NUMBER, channel="sms", text="first")
    incident_open(opening_code="DOMESTIC", grade="standard", actor=coordinator, message=first)
    triaged_message(sender=NUMBER, channel="whatsapp", text="again on whatsapp")

    page = staff_client(coordinator).get("/triage/queue/").content.decode()

    assert "1 earlier contact (sms, whatsapp)" in page
    assert "1 incident" in page


def test_an_open_incident_near_its_target_is_on_the_queue_with_its_countdown(
        coordinator, staff_client):
    incident = incident_open(opening_code="DOMESTIC", grade="immediate", actor=coordinator)

    page = staff_client(coordinator).get("/triage/queue/").content.decode()

    assert f'data-incident="{incident.reference}"' in page
    assert 'class="countdown"' in page and "left" in page


def test_grading_through_the_page_opens_the_incident(coordinator, staff_client):
    message = triaged_message(text="my partner pushed me")
    client = staff_client(coordinator)

    response = client.post(f"/triage/contacts/{message.pk}/grade/", {
        "opening_code": "DOMESTIC", "grade": "priority", "threat": "partner at home"})

    incident = Incident.objects.get()
    assert response.status_code == 302
    assert response["Location"] == f"/incidents/{incident.reference}/"
    assert incident.threat == "partner at home"
    page = client.get(response["Location"]).content.decode()
    assert 'class="countdown"' in page and "Domestic abuse" in page


def test_the_page_asks_before_a_non_domestic_code_on_domestic_words(coordinator, staff_client):
    message = triaged_message(text="my ex is banging on the door")

    response = staff_client(coordinator).post(f"/triage/contacts/{message.pk}/grade/", {
        "opening_code": "SUSPICIOUS", "grade": "priority"})

    assert response.status_code == 409
    assert "suggests domestic abuse (my ex)" in response.content.decode()
    assert not Incident.objects.exists()


def test_the_triage_page_suggests_the_grade_and_records_the_view(coordinator, staff_client):
    message = triaged_message(sender=NUMBER, text="I've taken some pills")

    page = staff_client(coordinator).get(f"/triage/contacts/{message.pk}/").content.decode()

    assert '<option value="immediate" selected>' in page
    assert "taken some pills" in page and NUMBER not in page
    assert AccessEvent.objects.get().what == "contact triage"


def test_an_officer_can_see_the_dashboard_but_not_grade(officer, staff_client):
    message = triaged_message(text="hello")
    client = staff_client(officer)

    assert client.get("/triage/").status_code == 200
    assert client.post(f"/triage/contacts/{message.pk}/grade/", {
        "opening_code": "ASB", "grade": "standard"}).status_code == 403


def test_professional_standards_see_the_referral_but_not_the_dashboard(standards, staff_client):
    triaged_message(text="The officer who came round sent me pictures")
    client = staff_client(standards)
    referral = MisconductReferral.objects.get()

    assert client.get("/triage/").status_code == 403
    page = client.get(f"/triage/referrals/{referral.pk}/").content.decode()
    assert "sent me pictures" in page
    assert AccessEvent.objects.filter(what=f"misconduct referral {referral.pk}").exists()


def test_a_referral_is_hidden_from_the_member_of_staff_it_names(staff_client):
    named = StaffFactory(username="pete", role=Role.PROFESSIONAL_STANDARDS,
                         first_name="Pete", last_name="Named")
    colleague = StaffFactory(username="ann", role=Role.PROFESSIONAL_STANDARDS)
    triaged_message(text="PC Pete Named keeps messaging me on Facebook")
    referral = MisconductReferral.objects.get()

    assert "keeps messaging" not in staff_client(named).get("/triage/referrals/").content.decode()
    assert staff_client(named).get(f"/triage/referrals/{referral.pk}/").status_code == 404
    assert SecurityEvent.objects.get().kind == "referral_refused"
    assert staff_client(colleague).get(f"/triage/referrals/{referral.pk}/").status_code == 200


def test_a_contact_alleging_misconduct_by_a_coordinator_is_kept_from_them(staff_client):
    named = StaffFactory(username="cole", role=Role.COORDINATOR, collar_number="C9912")
    message = triaged_message(text="the call handler C9912 added me on instagram")
    client = staff_client(named)

    assert f'data-message-id="{message.pk}"' not in client.get("/triage/queue/").content.decode()
    assert client.get(f"/triage/contacts/{message.pk}/").status_code == 404


def test_a_supervisor_acknowledges_an_alert(coordinator, supervisor, staff_client):
    from contact_hub.incidents.escalation import escalations_sweep

    incident = incident_open(opening_code="DOMESTIC", grade="priority", actor=coordinator)
    escalations_sweep(now=incident.target_at)
    client = staff_client(supervisor)
    assert "target missed (100%)" in client.get("/triage/queue/").content.decode()

    for alert in incident.alerts.all():
        client.post(f"/triage/alerts/{alert.pk}/acknowledge/")

    assert "target missed" not in client.get("/triage/queue/").content.decode()
    assert not incident.alerts.filter(acknowledged_at__isnull=True).exists()


def test_the_person_page_shows_markers_and_sets_one(coordinator, officer, staff_client):
    message = triaged_message(sender=NUMBER, text="hello")
    person_id = message.conversation.person_id
    client = staff_client(coordinator)
    ends = (timezone.localdate() + timedelta(days=90)).isoformat()

    client.post(f"/triage/people/{person_id}/markers/", {
        "kind": "marac", "expires_on": ends, "officer": officer.pk, "note": "MARAC heard"})

    page = client.get(f"/people/{person_id}/").content.decode()
    assert "MARAC" in page and "raises the grade to at least Priority" in page


# The access trail of the queue: one event for each page (or each fetch into it), naming the
# people it shows.

def _queue_looks(viewer) -> list[list[int]]:
    return [sorted(event.people.values_list("pk", flat=True))
            for event in AccessEvent.objects.filter(actor=viewer, what="triage queue",
                                                    why="triage queue").order_by("pk")]


def test_the_dashboard_records_one_access_event_naming_everyone_it_shows(coordinator,
                                                                         staff_client):
    shown = [triaged_message(text=text) for text in ("my ex is outside", "bike stolen")]
    incident = incident_open(opening_code="DOMESTIC", grade="immediate", actor=coordinator,
                             message=triaged_message(text="he is back"))

    staff_client(coordinator).get("/triage/")

    people = {m.conversation.person_id for m in shown} | {incident.person_id}
    assert _queue_looks(coordinator) == [sorted(people)]


def test_each_queue_fetch_records_the_people_it_shows(coordinator, staff_client):
    first, second = (triaged_message(text=t) for t in ("my ex is outside", "bike stolen"))
    client = staff_client(coordinator)

    client.get("/triage/queue/")
    client.get(f"/triage/queue/?messages={second.pk}")

    assert _queue_looks(coordinator) == [
        sorted([first.conversation.person_id, second.conversation.person_id]),
        [second.conversation.person_id]]


def test_a_fetch_that_shows_nobody_records_nothing(coordinator, staff_client):
    handled = triaged_message(text="bike stolen")
    ContactTriage.objects.filter(message=handled).update(handled_at=timezone.now())

    staff_client(coordinator).get(f"/triage/queue/?messages={handled.pk}")

    assert _queue_looks(coordinator) == []


def test_the_queue_shows_a_contact_with_its_flags_before_the_worker_has_run(coordinator,
                                                                           staff_client):
    message = received_message(text="He's here, he has a knife")

    page = staff_client(coordinator).get("/triage/queue/").content.decode()

    assert f'data-message-id="{message.pk}"' in page and "Immediate danger" in page


def test_an_allegation_is_on_nobodys_queue_until_the_worker_keeps_it_from_its_subject(
        coordinator, staff_client):
    named = StaffFactory(username="cole", role=Role.COORDINATOR, collar_number="C9912")
    message = received_message(text="the call handler C9912 added me on instagram")
    row = f'data-message-id="{message.pk}"'

    assert row not in staff_client(coordinator).get("/triage/queue/").content.decode()
    assert row not in staff_client(named).get("/triage/queue/").content.decode()

    contact_triage(message.pk)

    assert row in staff_client(coordinator).get("/triage/queue/").content.decode()
    theirs = staff_client(named).get("/triage/queue/").content.decode()
    assert row not in theirs and 'data-waiting="0"' in theirs


def _waiting_contacts(count: int, coordinator, officer) -> None:
    """Contacts from `count` people, each with an earlier one, an incident and a marker, and
    every other one claimed: everything a row shows."""
    for n in range(count):
        sender = f"+4477009008{n:02d}"
        first = triaged_message(sender=sender, text="my ex is outside")
        incident_open(opening_code="DOMESTIC", grade="standard", actor=coordinator,
                      message=first)
        marker_set(person=first.conversation.person, kind="warning", officer=officer,
                   actor=coordinator, expires_at=timezone.now() + timedelta(days=30))
        again = triaged_message(sender=sender, text="he has come back, I can't talk")
        if n % 2:
            item_claim(item_key=f"message:{again.pk}", actor=coordinator)


def _queue_queries(client, rows: int) -> int:
    client.get("/triage/queue/")  # the session's own writes, once
    with CaptureQueriesContext(connection) as queries:
        page = client.get("/triage/queue/").content.decode()
    assert page.count('data-order="') == rows
    return len(queries.captured_queries)


def test_fifty_rows_take_no_more_queries_than_five(coordinator, officer, staff_client):
    client = staff_client(coordinator)
    _waiting_contacts(5, coordinator, officer)
    five = _queue_queries(client, rows=15)  # two contacts and an incident each

    _waiting_contacts(45, coordinator, officer)

    assert _queue_queries(client, rows=50) == five


def test_the_queue_asks_once_whether_anything_is_kept_from_its_reader(coordinator, officer,
                                                                       staff_client):
    client = staff_client(coordinator)
    _waiting_contacts(3, coordinator, officer)
    client.get("/triage/queue/")

    with CaptureQueriesContext(connection) as queries:
        client.get("/triage/queue/")

    asks = [q for q in queries.captured_queries
            if q["sql"].startswith(('SELECT 1 AS "a" FROM "conversations_messageexclusion"',
                                    'SELECT "conversations_messageexclusion"."id" AS "pk" FROM'))]
    assert len(asks) == 1
