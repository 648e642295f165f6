"""The access log page for professional standards, and what the log may never hold."""

from __future__ import annotations

import logging
import re

import pytest
from django.utils import timezone

from contact_hub.conversations.looks import list_look_record
from contact_hub.log_redaction import RedactingFormatter
from contact_hub.staff.audit import access_record, security_event_record
from contact_hub.staff.models import AccessEvent, Role, SecurityEvent
from tests.factories import StaffFactory, assigned, received_message, triaged_message

pytestmark = pytest.mark.django_db

CANARY_NUMBER = "+447700900999"
CANARY_NATIONAL = "07700 900999"
CANARY_TEXT = "canary-message-text-5d1e"


def test_professional_standards_see_who_looked_at_whom_and_why(
        coordinator, standards, staff_client):
    person = received_message().conversation.person
    assigned(coordinator, person, subject="message:7")
    staff_client(coordinator).get(f"/people/{person.pk}/")

    page = staff_client(standards).get("/staff/access-log/").content.decode()

    assert "casey</a> (Coordinator)" in page
    assert "Handling the contact (message:7)" in page
    assert f"Person {person.pk}" in page


def test_the_access_log_is_empty_at_first(standards, staff_client):
    page = staff_client(standards).get("/staff/access-log/").content.decode()

    assert "No access has been recorded yet." in page


def test_a_victims_number_and_words_never_reach_logs_or_the_access_trail(
        caplog, coordinator, supervisor, staff_client, django_capture_on_commit_callbacks):
    caplog.set_level(logging.DEBUG)
    with django_capture_on_commit_callbacks(execute=True):
        person = received_message(sender=CANARY_NATIONAL,
                                  text=CANARY_TEXT).conversation.person
    coordinator_client = staff_client(coordinator)
    with django_capture_on_commit_callbacks(execute=True):
        coordinator_client.get(f"/people/{person.pk}/")
        coordinator_client.post(f"/people/{person.pk}/reply/", {"body": CANARY_TEXT})
        coordinator_client.post(f"/people/{person.pk}/reveal/", {"reason": "x" * 20})
        staff_client(supervisor).post(f"/people/{person.pk}/reveal/",
                                      {"reason": "referral to the local IDVA service"})
    logging.getLogger("contact_hub.test").info("about to call %s", CANARY_NUMBER)

    handler = _configured_handler()
    handler_output = "\n".join(handler.format(r) for r in caplog.records)
    trail = [str(v) for e in AccessEvent.objects.all()
             for v in (e.what, e.why, e.person_id)]
    trail += [f"{e.path} {e.detail}" for e in SecurityEvent.objects.all()]
    everything = handler_output + "\n".join(trail)
    assert AccessEvent.objects.count() >= 3
    for canary in (CANARY_NUMBER, "7700900999", CANARY_NATIONAL, CANARY_TEXT):
        assert canary not in everything


def _configured_handler() -> logging.Handler:
    """The console handler from settings.LOGGING, which formats every real log line."""
    return next(h for h in logging.getLogger().handlers
                if isinstance(h.formatter, RedactingFormatter))


ACCESS_LOG = "/staff/access-log/"


def _security_rows(page: str) -> list[str]:
    """The security events table's rows, each as its cells' text joined by spaces."""
    table = page.split('id="security-events"', 1)[1]
    rows = re.findall(r"<tr><td>(.*?)</tr>", table, re.S)
    return [" ".join(re.sub(r"<[^>]+>", " ", row).split()) for row in rows]


def _local_minute(when) -> str:
    return timezone.localtime(when).strftime("%Y-%m-%dT%H:%M")


def test_security_events_show_their_kind_source_and_count(clock, standards, staff_client):
    for _ in range(3):
        security_event_record("bad_signature", source_ip="198.51.100.7", path="/sms/")

    page = staff_client(standards).get(ACCESS_LOG).content.decode()

    assert "<th>Count</th>" in page
    assert any(row.split()[3:6] == ["bad_signature", "3", "—"] and "198.51.100.7" in row
               for row in _security_rows(page))


def test_security_events_are_filtered_by_kind(clock, standards, staff_client):
    security_event_record("bad_signature", source_ip="198.51.100.7")
    security_event_record("reveal_refused", source_ip="203.0.113.5")

    page = staff_client(standards).get(ACCESS_LOG, {"kind": "reveal_refused"}).content.decode()

    rows = _security_rows(page)
    assert len(rows) == 1 and "reveal_refused" in rows[0]
    assert '<option value="bad_signature">' in page


def test_security_events_are_filtered_by_time_range(clock, standards, staff_client):
    early = clock.now.replace(hour=9, minute=0)
    for hour in (9, 10, 11):
        clock.set(early.replace(hour=hour, minute=15))
        security_event_record(f"refused_at_{hour}", source_ip="198.51.100.7")

    page = staff_client(standards).get(ACCESS_LOG, {
        "since": _local_minute(early.replace(hour=10)),
        "until": _local_minute(early.replace(hour=10, minute=15)),
    }).content.decode()

    assert ["refused_at_10" in row for row in _security_rows(page)] == [True]


def test_security_events_are_paged_fifty_at_a_time_newest_first(clock, standards, staff_client):
    for n in range(120):
        clock.advance(seconds=1)
        security_event_record("bad_signature", source_ip=f"198.51.100.{n}")
    client = staff_client(standards)

    first = client.get(ACCESS_LOG, {"kind": "bad_signature"}).content.decode()
    last = client.get(ACCESS_LOG, {"kind": "bad_signature", "page": 3}).content.decode()

    assert len(_security_rows(first)) == 50 and "198.51.100.119" in _security_rows(first)[0]
    assert "Page 1 of 3 (120 rows)" in first
    assert "?kind=bad_signature&amp;page=2" in first
    assert len(_security_rows(last)) == 20 and "198.51.100.0" in _security_rows(last)[-1]


def test_a_flood_of_one_kind_does_not_push_another_kind_off_its_filtered_view(
        clock, standards, staff_client):
    security_event_record("reveal_refused", source_ip="203.0.113.5")
    for n in range(200):
        clock.advance(seconds=1)
        security_event_record("bad_signature", source_ip=f"198.51.{n // 250}.{n % 250}")

    page = staff_client(standards).get(ACCESS_LOG, {"kind": "reveal_refused"}).content.decode()

    assert ["reveal_refused" in row for row in _security_rows(page)] == [True]


def test_a_filter_that_finds_nothing_says_so(standards, staff_client):
    page = staff_client(standards).get(ACCESS_LOG, {"since": "2031-01-01T00:00"})

    assert "No security events match." in page.content.decode()


def test_a_time_that_does_not_parse_is_shown_as_an_error_and_not_applied(
        clock, standards, staff_client):
    security_event_record("bad_signature", source_ip="198.51.100.7")

    page = staff_client(standards).get(ACCESS_LOG, {"since": "yesterday"}).content.decode()

    assert "Enter a valid date/time." in page
    assert len(_security_rows(page)) == 1


@pytest.mark.parametrize("persona", ["coordinator", "officer", "supervisor", "administrator"])
def test_other_roles_are_refused_the_access_log(persona, request, staff_client):
    response = staff_client(request.getfixturevalue(persona)).get(ACCESS_LOG)

    assert response.status_code == 403
    assert SecurityEvent.objects.get().kind == "wrong_role"


# The access log's own filters, and what a reviewer an allegation is about may not read.

def _looks(page: str) -> list[str]:
    """The access log table's rows (not the security events'), each as its cells' text."""
    table = page.split('id="security-events"', 1)[0]
    rows = re.findall(r"<tr(?: class=\"flagged\")?>\s*<td>(.*?)</tr>", table, re.S)
    return [" ".join(re.sub(r"<[^>]+>", " ", row).split()) for row in rows]


def _look(actor, person_id=None, *, what="person record", action=AccessEvent.Action.VIEW,
          flagged=False):
    return access_record(actor=actor, action=action, what=what, why="test look",
                         person_id=person_id, flagged=flagged)


@pytest.fixture
def two_people(db):
    return [received_message().conversation.person for _ in range(2)]


def test_the_log_is_filtered_by_who_looked(coordinator, officer, standards, staff_client,
                                           two_people):
    _look(coordinator, two_people[0].pk, what="look by casey")
    _look(officer, two_people[0].pk, what="look by olu")

    page = staff_client(standards).get(ACCESS_LOG, {"actor": officer.pk}).content.decode()

    assert [("look by olu" in row) for row in _looks(page)] == [True]


def test_the_log_is_filtered_by_person_including_list_pages_that_showed_them(
        coordinator, standards, staff_client, two_people):
    first, second = two_people
    _look(coordinator, first.pk, what="the first record")
    _look(coordinator, second.pk, what="the second record")
    list_look_record(actor=coordinator, what="dashboard queue", why="triage queue",
                     person_ids=[first.pk, second.pk])

    page = staff_client(standards).get(ACCESS_LOG, {"person": first.pk}).content.decode()

    rows = _looks(page)
    assert len(rows) == 2
    assert "dashboard queue" in rows[0] and "list page: Person" in rows[0]
    assert f"Person {first.pk} " in rows[0] and f"Person {second.pk} " in rows[0]
    assert "the first record" in rows[1]


def test_the_log_is_filtered_by_action_and_to_flagged_looks(coordinator, standards,
                                                            staff_client, two_people):
    _look(coordinator, two_people[0].pk, what="plain view")
    _look(coordinator, two_people[0].pk, what="full numbers", action=AccessEvent.Action.DISCLOSE)
    _look(coordinator, two_people[1].pk, what="break glass", flagged=True)
    client = staff_client(standards)

    disclosed = _looks(client.get(ACCESS_LOG, {"action": "disclose"}).content.decode())
    flagged = client.get(ACCESS_LOG, {"flagged": "on"}).content.decode()

    assert [("full numbers" in row) for row in disclosed] == [True]
    assert [("break glass" in row and "flagged" in row) for row in _looks(flagged)] == [True]
    assert 'class="flagged"' in flagged


def test_the_log_is_filtered_by_time(clock, coordinator, standards, staff_client, two_people):
    early = clock.now.replace(hour=9, minute=0)
    for hour in (9, 10, 11):
        clock.set(early.replace(hour=hour, minute=15))
        _look(coordinator, two_people[0].pk, what=f"look at {hour}")

    page = staff_client(standards).get(ACCESS_LOG, {
        "after": _local_minute(early.replace(hour=10)),
        "before": _local_minute(early.replace(hour=10, minute=15)),
    }).content.decode()

    assert [("look at 10" in row) for row in _looks(page)] == [True]


def test_the_log_is_paged_fifty_looks_at_a_time_newest_first(clock, coordinator, standards,
                                                             staff_client, two_people):
    for n in range(120):
        clock.advance(seconds=1)
        _look(coordinator, two_people[0].pk, what=f"look {n}")
    security_event_record("bad_signature", source_ip="198.51.100.7")
    client = staff_client(standards)

    first = client.get(ACCESS_LOG).content.decode()
    last = client.get(ACCESS_LOG, {"log_page": 3}).content.decode()

    assert len(_looks(first)) == 50 and "look 119" in _looks(first)[0]
    assert "Page 1 of 3 (120 rows)" in first and "?log_page=2" in first
    assert len(_looks(last)) == 20 and "look 0" in _looks(last)[-1]
    assert len(_security_rows(last)) == 1


def test_a_person_number_that_does_not_parse_is_shown_as_an_error(standards, staff_client):
    page = staff_client(standards).get(ACCESS_LOG, {"person": "her"}).content.decode()

    assert "Enter a whole number." in page


def test_looks_at_a_person_whose_allegation_names_the_reviewer_are_not_shown_to_them(
        coordinator, standards, staff_client):
    named = StaffFactory(username="pete", role=Role.PROFESSIONAL_STANDARDS,
                         first_name="Pete", last_name="Named")
    her = triaged_message(text="PC Pete Named keeps messaging me").conversation.person
    other = received_message().conversation.person
    _look(coordinator, her.pk, what="her record")
    list_look_record(actor=coordinator, what="queue with her", why="triage queue",
                     person_ids=[her.pk, other.pk])
    _look(coordinator, other.pk, what="another record")

    hidden = _looks(staff_client(named).get(ACCESS_LOG).content.decode())
    shown = _looks(staff_client(standards).get(ACCESS_LOG).content.decode())

    assert [("another record" in row) for row in hidden] == [True]
    assert any("her record" in row for row in shown)
    assert any("queue with her" in row for row in shown)
