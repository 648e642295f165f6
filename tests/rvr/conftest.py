"""RVR fixtures: a domestic abuse incident from a text, its passed check, and a sent link."""

from __future__ import annotations

import re

import pytest
from channels.layers import channel_layers

from contact_hub.conversations.models import MessageExclusion
from contact_hub.conversations.sending import MemoryBackend
from contact_hub.incidents.models import Incident
from contact_hub.incidents.services import incident_open
from contact_hub.live import LIVE_LAYER
from contact_hub.staff.models import StaffUser
from rvr.calls import video_check_record, video_session_accept
from rvr.connection_check import CheckResult
from rvr.eligibility import rvr_check_record, rvr_consent_record
from rvr.links import video_link_send, video_session_join
from rvr.models import SAFETY_CHECKS, RvrAssessment, VideoSession
from tests.factories import received_message
from tests.rvr.peers import victim_cookie
from tests.rvr.share_calls import her_browser, her_call  # noqa: F401 - fixtures

ALL_YES = dict.fromkeys(SAFETY_CHECKS, True)
TOKEN = re.compile(r"/v/([A-Za-z0-9_-]+)/")


@pytest.fixture(autouse=True)
def rvr_settings(settings):
    settings.RVR_LINK_BASE_URL = "https://meet.example.org"
    settings.STUN_URLS, settings.TURN_URLS, settings.TURN_SECRET = [], [], ""
    settings.RVR_RELAY_ONLY = False
    settings.RVR_CHECK_SECONDS = 1.0
    settings.RVR_CHECK_TIMEOUT_SECONDS = 8


@pytest.fixture(autouse=True)
def in_memory_channel_layer(request, settings):
    """Tests of services and pages only need live events to go somewhere: an in-memory layer
    keeps them from opening a Redis pool per event loop. The websocket tests (transactional)
    keep the real layer."""
    marker = request.node.get_closest_marker("django_db")
    if marker is not None and marker.kwargs.get("transaction"):
        yield
        return
    settings.CHANNEL_LAYERS = {alias: {"BACKEND": "channels.layers.InMemoryChannelLayer"}
                               for alias in ("default", LIVE_LAYER)}
    channel_layers.backends.clear()
    yield
    channel_layers.backends.clear()


def da_incident(coordinator, *, grade: str = "priority", code: str = "DOMESTIC") -> Incident:
    message = received_message(text="He's gone out, I need to talk to someone")
    return incident_open(opening_code=code, grade=grade, actor=coordinator, message=message)


@pytest.fixture
def incident(coordinator) -> Incident:
    return da_incident(coordinator)


@pytest.fixture
def assessment(incident, coordinator) -> RvrAssessment:
    checked = rvr_check_record(incident=incident, answers=ALL_YES, actor=coordinator)
    return rvr_consent_record(assessment=checked, consent=True, actor=coordinator,
                              wait_told=True)


def sent_token() -> str:
    return TOKEN.search(MemoryBackend.sent[-1].body).group(1)


@pytest.fixture
def sent(assessment, coordinator, django_capture_on_commit_callbacks
         ) -> tuple[VideoSession, str]:
    """A sent link and its token, as the victim's phone received it."""
    with django_capture_on_commit_callbacks(execute=True):
        session = video_link_send(assessment=assessment, actor=coordinator)
    return session, sent_token()


@pytest.fixture
def waiting(sent) -> tuple[VideoSession, str]:
    """A session the victim joined and checked, waiting for an officer: (session, her
    cookie)."""
    session, token = sent
    secret = video_session_join(token=token).browser_secret
    video_check_record(session_id=session.pk, result=CheckResult(30.0, 0.0, 800.0, "good"))
    return session, victim_cookie(secret)


def named_in_her_incident(incident: Incident, staff: StaffUser) -> None:
    """Her text that opened the incident is found, later, to name this member of staff: the
    incident is kept from them from then on."""
    MessageExclusion.objects.create(message=incident.contacts.get().message, staff=staff,
                                    basis=MessageExclusion.Basis.NAMED, how="named in the text")


def log_kinds(incident: Incident) -> list[str]:
    return list(incident.log.order_by("seq").values_list("kind", flat=True))


@pytest.fixture
def in_call_session(sent, officer) -> VideoSession:
    """A session the victim joined and checked, and the officer accepted."""
    session, token = sent
    video_session_join(token=token)
    video_check_record(session_id=session.pk, result=CheckResult(30.0, 0.0, 800.0, "good"))
    return video_session_accept(session=session, officer=officer)

