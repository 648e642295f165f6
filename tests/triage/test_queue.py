"""The dashboard queue brings every source together, ordered by risk, then age; each row's
place reads back from its order."""

from __future__ import annotations

import pytest
from django.utils import timezone

from contact_hub.triage.queue import (
    CONTACT_ROW_FLAGGED_FROM,
    QueueItem,
    queue_order,
    queue_order_parse,
    risk_band,
)

pytestmark = pytest.mark.django_db


def test_a_queue_order_reads_back_to_the_same_risk_and_moment():
    since = timezone.now()

    assert queue_order_parse(queue_order(85, since)) == (85, since)


@pytest.mark.parametrize("order", ["", "15", "015", "1x5-1795466143.5", "015-17954661a3.5",
                                   "015-1795466143.5.5", "0015-1795466143.5"])
def test_anything_else_is_not_a_queue_order(order):
    with pytest.raises(ValueError):
        queue_order_parse(order)


@pytest.mark.parametrize(("risk", "band"), [(0, ""), (9, ""), (59, ""), (60, "amber"),
                                            (89, "amber"), (90, "red"), (100, "red")])
def test_a_risk_badge_takes_its_colour_from_the_queue_bands_not_its_first_digit(risk, band):
    assert risk_band(risk) == band


def _item(kind: str, risk: int, **kwargs: object) -> QueueItem:
    return QueueItem(key=f"{kind}:1", kind=kind, risk=risk, since=timezone.now(), subject=None,
                     person_id=None, template="", **kwargs)


def test_a_waiting_contact_row_stands_out_from_a_domestic_abuse_weight_other_rows_when_near():
    assert _item("message", 60, flagged_from=CONTACT_ROW_FLAGGED_FROM).flagged
    assert not _item("message", 59, flagged_from=CONTACT_ROW_FLAGGED_FROM).flagged
    assert not _item("incident", 70).flagged
    assert _item("incident", 75).flagged
    assert _item("callback", 80).flagged
