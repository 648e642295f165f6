"""Security events: one counted row per kind, source and minute, and what sign-in names keep."""

from __future__ import annotations

import pytest

from contact_hub.staff.audit import security_event_record, sign_in_name_recorded
from contact_hub.staff.models import SecurityEvent
from tests.concurrency import all_at_once

pytestmark = pytest.mark.django_db
FORGER = "198.51.100.7"


def _refuse(kind: str = "bad_signature", *, source_ip: str = FORGER, **kwargs) -> SecurityEvent:
    return security_event_record(kind, source_ip=source_ip, path="/sms/twilio/inbound/",
                                 detail={"provider": "twilio"}, **kwargs)


def test_repeats_of_one_kind_from_one_address_in_a_minute_are_one_row_with_their_count(clock):
    for _ in range(500):
        _refuse()

    event = SecurityEvent.objects.get()
    assert event.count == 500
    assert (event.kind, event.source_ip, event.detail) == (
        "bad_signature", FORGER, {"provider": "twilio"})


def test_the_event_returned_carries_the_count_so_far(clock):
    _refuse()

    assert _refuse().count == 2


def test_another_kind_or_another_address_is_a_row_of_its_own(clock):
    _refuse()
    _refuse("malformed_payload")
    _refuse(source_ip="203.0.113.20")

    assert sorted(SecurityEvent.objects.values_list("kind", "source_ip", "count")) == [
        ("bad_signature", "198.51.100.7", 1),
        ("bad_signature", "203.0.113.20", 1),
        ("malformed_payload", "198.51.100.7", 1),
    ]


def test_a_refusal_in_the_next_minute_starts_a_new_row(clock):
    _refuse()
    clock.advance(seconds=60)

    _refuse()

    assert list(SecurityEvent.objects.values_list("count", flat=True)) == [1, 1]


def test_addresses_of_one_ipv6_network_count_as_one_source(clock):
    _refuse(source_ip="2001:db8:1:2::10")
    _refuse(source_ip="2001:db8:1:2:ffff::1")
    _refuse(source_ip="2001:db8:1:3::10")

    assert sorted(SecurityEvent.objects.values_list("source_ip", "count")) == [
        ("2001:db8:1:2::10", 2), ("2001:db8:1:3::10", 1)]


def test_refusals_of_staff_are_counted_for_each_member_of_staff(clock, coordinator, officer):
    for actor in (coordinator, coordinator, officer):
        _refuse("wrong_role", actor=actor)

    assert sorted(SecurityEvent.objects.values_list("actor__username", "count")) == [
        ("casey", 2), ("olu", 1)]


def test_refusals_without_an_address_are_counted_too(clock):
    for _ in range(3):
        security_event_record("callback_flood", detail={"source": "sms", "by": "number"})

    assert SecurityEvent.objects.get().count == 3


def test_only_the_first_refusal_of_a_minute_is_logged(clock, caplog):
    for _ in range(20):
        _refuse()

    lines = [r for r in caplog.records if r.name == "contact_hub.staff.audit"]
    assert [r.getMessage() for r in lines] == [
        "security event bad_signature from 198.51.100.7 on /sms/twilio/inbound/"]


def test_a_token_in_the_path_is_not_recorded(clock):
    security_event_record("video_link_unknown", source_ip=FORGER,
                          path="/v/AbCdEfGhIjKlMnOpQrStUvWxYz0123456789_-abcde/")

    assert SecurityEvent.objects.get().path == "/v/[token]/"


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_refusals_recorded_at_the_same_moment_are_each_counted_once(clock):
    def twenty_five_refusals() -> None:
        for _ in range(25):
            _refuse()

    all_at_once([twenty_five_refusals] * 8)

    assert SecurityEvent.objects.get().count == 200


def test_an_accounts_username_is_kept_as_typed(coordinator):
    assert sign_in_name_recorded("casey") == "casey"


def test_a_name_that_is_no_account_is_kept_only_as_a_keyed_hash(coordinator, settings):
    recorded = sign_in_name_recorded("Hunter2-my-password")

    assert recorded.startswith("unknown:") and len(recorded) == len("unknown:") + 16
    assert "Hunter2" not in recorded
    assert sign_in_name_recorded("Hunter2-my-password") == recorded
    assert sign_in_name_recorded("Casey") != recorded
    settings.SECRET_KEY = "another-" + "k" * 50
    assert sign_in_name_recorded("Hunter2-my-password") != recorded

