"""Creating staff accounts with their second factor."""

from __future__ import annotations

from dataclasses import dataclass

from django.contrib.auth.password_validation import validate_password
from django.db import transaction
from django_otp.plugins.otp_totp.models import TOTPDevice

from contact_hub.staff.models import Role, StaffUser


@dataclass(frozen=True)
class Enrolment:
    user: StaffUser
    totp_uri: str


def staff_create(*, username: str, role: str, password: str, full_name: str = "",
                 totp_key: str | None = None) -> Enrolment:
    """Create an account and its authenticator; the URI goes into the person's authenticator app."""
    if role not in Role.values:
        raise ValueError(f"Unknown role '{role}'. Roles: {', '.join(Role.values)}")
    first, _, last = full_name.partition(" ")
    user = StaffUser(username=username, role=role, first_name=first, last_name=last,
                     is_staff=role == Role.ADMINISTRATOR,
                     is_superuser=role == Role.ADMINISTRATOR)
    validate_password(password, user)
    with transaction.atomic():
        user.set_password(password)
        user.save()
        device = TOTPDevice(user=user, name="authenticator", confirmed=True)
        if totp_key:
            device.key = totp_key
        device.save()
    return Enrolment(user=user, totp_uri=device.config_url)

