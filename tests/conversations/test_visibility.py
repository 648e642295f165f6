"""Whether anything is kept from a reader may be asked once for a whole read, and never for
longer: an allegation that names them after that read is kept from the next."""

from __future__ import annotations

import pytest

from contact_hub.conversations.visibility import hides_anything_from, hides_anything_from_fixed
from contact_hub.staff.models import Role
from tests.factories import StaffFactory, triaged_message

pytestmark = pytest.mark.django_db


def test_an_allegation_made_after_a_read_is_kept_from_the_next_read(coordinator):
    named = StaffFactory(username="cole", role=Role.COORDINATOR, collar_number="C9912")
    with hides_anything_from_fixed(named):
        assert not hides_anything_from(named)

    triaged_message(text="the call handler C9912 keeps messaging me")

    assert hides_anything_from(named)
    with hides_anything_from_fixed(named):
        assert hides_anything_from(named)


def test_the_answer_fixed_for_one_reader_is_not_given_for_another(coordinator):
    named = StaffFactory(username="cole", role=Role.COORDINATOR, collar_number="C9912")
    triaged_message(text="the call handler C9912 keeps messaging me")

    with hides_anything_from_fixed(coordinator):
        assert hides_anything_from(named)
        assert not hides_anything_from(coordinator)
