"""The dashboard's contact rows pushed to every open page: at intake with the rules' flags,
again with the worker's triage, each rendered once and naming who must not get it as it is."""

from __future__ import annotations

from datetime import timedelta

import pytest
from asgiref.sync import async_to_sync
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from contact_hub.conversations.models import MessageExclusion
from contact_hub.live import HUB_GROUP
from contact_hub.staff.models import Role
from contact_hub.triage.live_rows import contact_rows_push
from contact_hub.triage.markers import marker_set
from contact_hub.triage.models import ContactTriage
from contact_hub.triage.services import contacts_triage, item_claim
from tests.factories import StaffFactory, received_message, triaged_message

pytestmark = pytest.mark.django_db
DANGER = "he has a knife and says he will kill me"
DAYS_30 = timedelta(days=30)


@pytest.fixture
def pushed(in_memory_layers):
    """Every batch of rows sent to the hub's live group, on an in-memory channel layer."""
    layer = in_memory_layers
    channel = async_to_sync(layer.new_channel)()
    async_to_sync(layer.group_add)(HUB_GROUP, channel)

    def batches() -> list[dict]:
        sent = []
        while layer.channels.get(channel):
            event = async_to_sync(layer.receive)(channel)
            if event["type"] == "live.rows":
                sent.append(event)
        return sent

    return batches


def test_a_new_contact_goes_to_every_page_at_intake_then_again_with_its_history(
        pushed, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        message = received_message(sender="+447700900321", text=DANGER)

    at_intake, triaged = pushed()
    [row] = at_intake["rows"]
    assert (row["item"], row["stage"], row["person_id"]) == (
        f"message:{message.pk}", "rules", message.conversation.person_id)
    triage = ContactTriage.objects.get(message=message)
    assert row["order"].startswith("000-")  # risk 100: the top of the queue
    assert "Immediate danger" in row["html"]["triage"] and "checking history" in row["html"]["view"]
    assert "waiting" not in at_intake  # nothing was read to send it
    assert at_intake["look"] == {"what": "triage queue", "why": "triage queue"}
    [again] = triaged["rows"]
    assert (again["item"], again["stage"]) == (f"message:{message.pk}", "triaged")
    assert "first contact" in again["html"]["triage"]
    assert triaged["waiting"] == 1 and triage.risk == 100


def test_each_kind_of_reader_has_its_variant_of_the_row(pushed,
                                                        django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        received_message(text=DANGER)

    [row] = pushed()[0]["rows"]
    assert row["by_role"] == {"coordinator": "triage", "supervisor": "triage",
                              "rvr_officer": "view"}
    assert ">Triage</a>" in row["html"]["triage"] and ">Claim</button>" in row["html"]["triage"]
    assert ">Triage</a>" not in row["html"]["view"] and "Claim" not in row["html"]["view"]
    # No page's CSRF token is in a row rendered for every page.
    assert 'value="from-the-page"' in row["html"]["triage"]


def test_a_claimed_row_offers_release_to_its_holder_and_supervisors(
        pushed, coordinator, django_capture_on_commit_callbacks):
    message = triaged_message(text=DANGER)
    item_claim(item_key=f"message:{message.pk}", actor=coordinator)

    with django_capture_on_commit_callbacks(execute=True):
        contact_rows_push([message.pk])

    [row] = pushed()[0]["rows"]
    assert row["by_staff"] == {str(coordinator.pk): "release"}
    assert row["by_role"]["supervisor"] == "release"
    assert ">Release</button>" in row["html"]["release"]
    assert "Release" not in row["html"]["triage"] and "casey" in row["html"]["triage"]


def test_an_allegation_goes_out_only_from_the_worker_kept_from_the_staff_it_names(
        pushed, django_capture_on_commit_callbacks):
    named = StaffFactory(username="cole", role=Role.COORDINATOR, collar_number="C9912")

    with django_capture_on_commit_callbacks(execute=True):
        message = received_message(text="the call handler C9912 added me on instagram")

    [only] = pushed()  # none at intake
    [row] = only["rows"]
    assert (row["item"], row["stage"]) == (f"message:{message.pk}", "triaged")
    assert row["hidden_from"] == [named.pk]
    assert only["waiting_fewer"] == {str(named.pk): 1}


def test_staff_kept_from_another_of_her_messages_are_sent_to_fetch_their_own(
        pushed, django_capture_on_commit_callbacks):
    named = StaffFactory(username="cole", role=Role.COORDINATOR, collar_number="C9912")
    allegation = triaged_message(sender="+447700900322",
                                 text="the call handler C9912 added me on instagram")
    later = triaged_message(sender="+447700900322", text="are you still there?")
    assert MessageExclusion.objects.filter(message=allegation, staff=named).exists()

    with django_capture_on_commit_callbacks(execute=True):
        contact_rows_push([allegation.pk, later.pk])

    rows = {row["message_id"]: row for row in pushed()[0]["rows"]}
    # Her history counts one contact more for everyone else than for them.
    assert (rows[later.pk]["hidden_from"], rows[later.pk]["own_for"]) == ([], [named.pk])
    assert (rows[allegation.pk]["hidden_from"], rows[allegation.pk]["own_for"]) == (
        [named.pk], [])


def test_the_worker_sends_any_number_of_rows_in_a_fixed_number_of_queries(
        pushed, django_capture_on_commit_callbacks):
    few = [triaged_message(text=DANGER).pk for _ in range(2)]
    many = [triaged_message(text=DANGER).pk for _ in range(12)]
    with django_capture_on_commit_callbacks(execute=True), \
            CaptureQueriesContext(connection) as counted:
        contact_rows_push(few)

    with django_capture_on_commit_callbacks(execute=True), \
            CaptureQueriesContext(connection) as again:
        contact_rows_push(many)

    assert len(again.captured_queries) == len(counted.captured_queries)
    assert [len(batch["rows"]) for batch in pushed()] == [2, 12]


def test_a_contact_dealt_with_is_not_sent_again(pushed, django_capture_on_commit_callbacks):
    message = triaged_message(text=DANGER)
    ContactTriage.objects.filter(message=message).update(handled_at=message.created_at)

    with django_capture_on_commit_callbacks(execute=True):
        contact_rows_push([message.pk])

    [batch] = pushed()
    assert (batch["rows"], batch["waiting"]) == ([], 0)


def test_the_worker_sends_each_row_as_a_fresh_read_of_the_queue_would_show_it(
        pushed, coordinator, officer, django_capture_on_commit_callbacks):
    """The worker builds the rows from what it read to triage them (flags, markers, history);
    they are the rows read afresh, claim, exclusions and all."""
    named = StaffFactory(username="cole", role=Role.COORDINATOR, collar_number="C9912")
    marked = triaged_message(sender="+447700900323", text="thanks").conversation.person
    marker_set(person=marked, kind="special_scheme", expires_at=timezone.now() + DAYS_30,
               officer=officer, actor=coordinator)
    messages = [received_message(sender="+447700900323", text="my ex is outside again"),
                received_message(sender="+447700900324", text=DANGER),
                received_message(sender="+447700900324",
                                 text="the call handler C9912 added me on instagram")]
    item_claim(item_key=f"message:{messages[1].pk}", actor=coordinator)
    pushed()

    with django_capture_on_commit_callbacks(execute=True):
        contacts_triage([m.pk for m in messages])
    [by_worker] = pushed()
    with django_capture_on_commit_callbacks(execute=True):
        contact_rows_push([m.pk for m in messages])
    [read_afresh] = pushed()

    assert by_worker == read_afresh
    rows = {row["message_id"]: row for row in by_worker["rows"]}
    assert list(rows) == [messages[1].pk, messages[2].pk, messages[0].pk]  # by risk
    assert "special scheme" in rows[messages[0].pk]["html"]["triage"].lower()
    assert rows[messages[1].pk]["by_staff"] == {str(coordinator.pk): "release"}
    assert rows[messages[2].pk]["hidden_from"] == [named.pk]
