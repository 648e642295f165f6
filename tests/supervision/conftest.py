"""Supervision fixtures: staff contact with victims of each kind, made as the apps that keep
them store it."""

from __future__ import annotations

import itertools
from datetime import datetime, timedelta

from django.utils import timezone

from callback.models import CallbackAttempt, CallbackRequest
from contact_hub.conversations.models import Message
from contact_hub.conversations.reply import reply_send
from contact_hub.incidents.models import Incident
from contact_hub.people.models import Person
from contact_hub.staff.models import StaffUser
from contact_hub.triage.models import ContactTriage
from rvr.models import RvrAssessment, VideoSession
from tests.factories import received_message

_serial = itertools.count(1)


def victim() -> Person:
    """Someone who texted the hub, her contact dealt with: no queue gives staff a reason to
    open her record any more."""
    person = received_message(channel="sms", text="can someone text me back").conversation.person
    ContactTriage.objects.filter(person=person).update(handled_at=timezone.now())
    return person


def staff_text(staff: StaffUser, person: Person | None = None, *,
               at: datetime | None = None, body: str = "Is now a good time to talk?"
               ) -> Message:
    """A text the member of staff wrote to the person (a new victim if none is given)."""
    message = reply_send(person=person or victim(), channel="sms", body=body, actor=staff)
    if at is not None:
        Message.objects.filter(pk=message.pk).update(created_at=at)
    return message


def callback_call(handler: StaffUser, person: Person | None = None, *,
                  at: datetime | None = None) -> CallbackAttempt:
    """A call the handler placed to someone who asked to be called back."""
    at = at or timezone.now()
    request = CallbackRequest.objects.create(person=person or victim(), source="web",
                                             status=CallbackRequest.Status.CLOSED,
                                             joined_at=at - timedelta(minutes=20))
    return CallbackAttempt.objects.create(request=request, handler=handler, started_at=at,
                                          placed_at=at, result=CallbackAttempt.Result.ANSWERED)


def video_call(officer: StaffUser, coordinator: StaffUser, person: Person | None = None, *,
               at: datetime | None = None) -> VideoSession:
    """A video call the officer took with the person."""
    at = at or timezone.now()
    serial = next(_serial)
    incident = Incident.objects.create(reference=f"INC-TEST-{serial:06d}",
                                       person=person or victim(), opening_code="DOMESTIC",
                                       grade="priority")
    assessment = RvrAssessment.objects.create(incident=incident, coordinator=coordinator,
                                              started_at=at, decision="rvr")
    return VideoSession.objects.create(
        incident=incident, assessment=assessment, token_hash=f"{serial:064x}",
        status=VideoSession.Status.ENDED, expires_at=at + timedelta(hours=1), channel="sms",
        sent_by=coordinator, officer=officer, link_sent_at=at - timedelta(minutes=10),
        officer_connected_at=at, ended_at=at + timedelta(minutes=15))

