"""The signed-in member of staff, read again for each request (contact_hub/staff/backends.py)."""

from __future__ import annotations

import pytest

from contact_hub.staff.backends import StaffModelBackend
from tests.factories import StaffFactory

pytestmark = pytest.mark.django_db


def test_the_member_of_staff_a_session_names_is_read_again():
    staff = StaffFactory(role="coordinator")

    assert StaffModelBackend().get_user(str(staff.pk)) == staff


@pytest.mark.parametrize("user_id", ["", "12ab", None, "999999"])
def test_an_id_that_names_nobody_is_nobody(user_id):
    assert StaffModelBackend().get_user(user_id) is None


def test_a_member_of_staff_made_inactive_is_signed_out_at_their_next_request():
    staff = StaffFactory(role="coordinator", is_active=False)

    assert StaffModelBackend().get_user(str(staff.pk)) is None
