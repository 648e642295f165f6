"""The dashboard queue brings every source together, ordered by risk, then age; each row's
place reads back from its order."""

from __future__ import annotations

import pytest
from django.utils import timezone

from contact_hub.triage.queue import queue_order, queue_order_parse

pytestmark = pytest.mark.django_db


def test_a_queue_order_reads_back_to_the_same_risk_and_moment():
    since = timezone.now()

    assert queue_order_parse(queue_order(85, since)) == (85, since)


@pytest.mark.parametrize("order", ["", "15", "015", "1x5-1795466143.5", "015-17954661a3.5",
                                   "015-1795466143.5.5", "0015-1795466143.5"])
def test_anything_else_is_not_a_queue_order(order):
    with pytest.raises(ValueError):
        queue_order_parse(order)
