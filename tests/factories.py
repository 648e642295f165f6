"""Factories for the hub's records. Phone numbers come from Ofcom's drama range (07700 900xxx)."""

from __future__ import annotations

import itertools
import uuid
from datetime import time, timedelta

import factory
from django.utils import timezone
from django_otp.oath import TOTP
from django_otp.plugins.otp_totp.models import TOTPDevice

from contact_hub.conversations.intake import InboundMessage, MediaRef, message_intake
from contact_hub.conversations.models import Message
from contact_hub.people.models import Person
from contact_hub.staff.models import Assignment, Role, StaffUser

PASSWORD = "correct horse battery staple"
_numbers = itertools.count(100)


def drama_number() -> str:
    return f"+447700900{next(_numbers) % 1000:03d}"


class StaffFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = StaffUser
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"staff{n}")
    role = Role.COORDINATOR
    password = factory.PostGenerationMethodCall("set_password", PASSWORD)

    @factory.post_generation
    def authenticator(self, create: bool, extracted: object, **kwargs: object) -> None:
        self.save()
        TOTPDevice.objects.create(user=self, name="authenticator", confirmed=True)


def totp_code(user: StaffUser, *, offset_steps: int = 0) -> str:
    """The code the user's authenticator app shows now (or `offset_steps` steps away)."""
    device = user.totpdevice_set.get()
    totp = TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift)
    totp.time = totp.time + offset_steps * device.step
    return f"{totp.token():06d}"


def safe_hours_away_from_now() -> tuple[time, time]:
    """A safe-contact window that never holds the current time: one hour, three hours from now,
    never wrapping past midnight into it (a window ending before it starts is an overnight one)."""
    later = (timezone.localtime() + timedelta(hours=3)).hour
    return time(later, 0), time(later, 59)


def inbound(*, channel: str = "sms", sender: str | None = None, text: str = "Hello",
            provider_message_id: str | None = None, provider: str | None = None,
            media: tuple[MediaRef, ...] = ()) -> InboundMessage:
    return InboundMessage(
        channel=channel,
        provider=provider or {"sms": "twilio", "x": "x"}.get(channel, "meta"),
        provider_message_id=provider_message_id or f"SM{uuid.uuid4().hex}",
        sender=sender or drama_number(),
        text=text,
        media=media,
    )


def received_message(**kwargs: object) -> Message:
    return message_intake(inbound(**kwargs)).message


def triaged_message(**kwargs: object) -> Message:
    """A received message after its follow-up work (risk flags, its place in the queue) ran."""
    from contact_hub.triage.services import contact_triage

    message = received_message(**kwargs)
    contact_triage(message.pk)
    return message


def assigned(staff: StaffUser, person: Person, *, kind: str = Assignment.Kind.CONTACT,
             subject: str = "message:0", why: str = "handling the contact") -> Assignment:
    """Give the member of staff work on the person: their reason to open the record."""
    from contact_hub.staff.assignments import assignment_start

    assignment = assignment_start(staff=staff, person_id=person.pk, kind=kind,
                                  subject=subject, why=why)
    assert assignment is not None
    return assignment
