"""Signing in with a password (Django's ModelBackend), and the signed-in member of staff read
again for each request by a fixed read: every request of every page asks for them."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.backends import ModelBackend

from contact_hub.fixed_reads import FixedRead
from contact_hub.staff.models import StaffUser

_staff_read = FixedRead(lambda *, pk: StaffUser.objects.filter(pk=pk))


class StaffModelBackend(ModelBackend):
    def get_user(self, user_id: Any) -> StaffUser | None:
        try:
            pk = int(user_id)
        except (TypeError, ValueError):
            return None
        found = _staff_read(pk=pk)
        return found[0] if found and self.user_can_authenticate(found[0]) else None
