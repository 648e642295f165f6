"""An interpreter's link: made by the call's officer, stored only as a hash, bound to one
browser, living and dying with the call, revocable; joining and leaving in the incident log."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.utils import timezone

from contact_hub.staff.models import AccessEvent, Role
from rvr.calls import video_call_end
from rvr.eligibility import RvrRefused
from rvr.interpreter import (
    interpreter_admitted,
    interpreter_invite,
    interpreter_join,
    interpreter_presence_record,
    interpreter_revoke,
    invite_for_token,
)
from rvr.links import secret_hash
from rvr.models import InterpreterInvite
from tests.factories import StaffFactory
from tests.rvr.conftest import log_kinds
from tests.rvr.interpreter_sockets import turn_configured  # noqa: F401 - fixture

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("turn_configured")]
INTERPRETER_LINK = re.compile(r"^https://meet\.example\.org/i/([A-Za-z0-9_-]{43})/$")


def _token(url: str) -> str:
    match = INTERPRETER_LINK.match(url)
    assert match, url
    return match.group(1)


@pytest.fixture
def invited(in_call_session, officer):
    """An interpreter's link for the call, as the officer was shown it: (invite, token)."""
    invitation = interpreter_invite(session=in_call_session, officer=officer)
    return invitation.invite, _token(invitation.url)


def test_the_link_is_neutral_and_only_its_hash_is_stored(invited):
    invite, token = invited

    stored = InterpreterInvite.objects.values().get(pk=invite.pk)

    assert stored["token_hash"] == secret_hash(token)
    assert token not in str(stored)
    assert invite_for_token(token) == invite


def test_inviting_is_logged_and_is_a_disclosure_on_her_trail(invited, in_call_session, officer):
    invite, _ = invited

    entry = in_call_session.incident.log.get(kind="video.interpreter_invited")
    assert entry.data["interpreter_id"] == invite.pk and entry.actor == officer
    disclosure = AccessEvent.objects.get(action=AccessEvent.Action.DISCLOSE)
    assert disclosure.actor == officer
    assert disclosure.person_id == in_call_session.incident.person_id


def test_the_first_browser_binds_the_link_and_may_come_back(invited):
    _, token = invited

    first = interpreter_join(token=token)
    again = interpreter_join(token=token, browser_secret=first.browser_secret)

    assert first.refusal is None and first.browser_secret
    assert again.refusal is None and again.browser_secret == ""
    invite = InterpreterInvite.objects.get()
    assert invite.browser_hash == secret_hash(first.browser_secret) and invite.joined_at


def test_a_second_browser_is_refused_and_logged(invited, in_call_session):
    _, token = invited
    interpreter_join(token=token)

    second = interpreter_join(token=token, browser_secret="another browser's guess")

    assert second.refusal == "second_browser" and second.browser_secret == ""
    assert "video.interpreter_second_browser_refused" in log_kinds(in_call_session.incident)


def test_the_link_ends_with_the_call(invited, in_call_session):
    _, token = invited
    secret = interpreter_join(token=token).browser_secret

    video_call_end(session_id=in_call_session.pk, by="officer")

    assert interpreter_join(token=token, browser_secret=secret).refusal == "ended"
    assert interpreter_admitted(session_id=in_call_session.pk, browser_secret=secret) is None


def test_an_unused_link_expires_but_a_used_one_lasts_the_call(invited, settings):
    _, token = invited
    later = timezone.now() + timedelta(minutes=settings.RVR_INTERPRETER_LINK_MINUTES + 1)

    assert interpreter_join(token=token, now=later).refusal == "expired"
    secret = interpreter_join(token=token).browser_secret
    assert interpreter_join(token=token, browser_secret=secret, now=later).refusal is None


def test_a_revoked_link_cannot_be_used(invited, in_call_session, officer):
    _, token = invited
    secret = interpreter_join(token=token).browser_secret

    assert interpreter_revoke(session=in_call_session, officer=officer) == 1

    assert interpreter_join(token=token, browser_secret=secret).refusal == "revoked"
    assert interpreter_admitted(session_id=in_call_session.pk, browser_secret=secret) is None
    assert "video.interpreter_revoked" in log_kinds(in_call_session.incident)


def test_a_new_invite_revokes_the_earlier_link(invited, in_call_session, officer):
    _, old_token = invited

    new_token = _token(interpreter_invite(session=in_call_session, officer=officer).url)

    assert interpreter_join(token=old_token).refusal == "revoked"
    assert interpreter_join(token=new_token).refusal is None


def test_an_unknown_token_is_refused(invited):
    assert interpreter_join(token="x" * 43).refusal == "unknown"
    assert interpreter_join(token="").refusal == "unknown"


def test_only_the_calls_officer_may_invite_or_revoke(in_call_session, invited):
    other = StaffFactory(username="other", role=Role.RVR_OFFICER)

    with pytest.raises(RvrRefused):
        interpreter_invite(session=in_call_session, officer=other)
    with pytest.raises(RvrRefused):
        interpreter_revoke(session=in_call_session, officer=other)
    assert InterpreterInvite.objects.count() == 1


def test_no_interpreter_is_invited_once_the_call_has_ended(in_call_session, officer):
    video_call_end(session_id=in_call_session.pk, by="victim")

    with pytest.raises(RvrRefused, match="while the call is on"):
        interpreter_invite(session=in_call_session, officer=officer)
    assert not InterpreterInvite.objects.exists()


def test_no_interpreter_is_invited_without_a_turn_server(in_call_session, officer, settings):
    settings.TURN_URLS = []

    with pytest.raises(RvrRefused, match="no relay"):
        interpreter_invite(session=in_call_session, officer=officer)
    assert not InterpreterInvite.objects.exists()


def test_a_link_stops_working_if_the_turn_server_is_taken_away(invited, in_call_session,
                                                                settings):
    _, token = invited
    secret = interpreter_join(token=token).browser_secret

    settings.TURN_SECRET = ""

    assert interpreter_join(token=token, browser_secret=secret).refusal == "no_relay"
    assert interpreter_admitted(session_id=in_call_session.pk, browser_secret=secret) is None


def test_revoking_with_no_link_is_refused(in_call_session, officer):
    with pytest.raises(RvrRefused, match="no interpreter link"):
        interpreter_revoke(session=in_call_session, officer=officer)


def test_the_websocket_admits_only_the_bound_browser(invited, in_call_session):
    _, token = invited
    secret = interpreter_join(token=token).browser_secret

    assert interpreter_admitted(session_id=in_call_session.pk, browser_secret=secret)
    assert interpreter_admitted(session_id=in_call_session.pk, browser_secret="guess") is None
    assert interpreter_admitted(session_id=in_call_session.pk, browser_secret="") is None
    assert interpreter_admitted(session_id=in_call_session.pk + 1,
                                browser_secret=secret) is None


def test_joining_and_leaving_the_call_are_logged(invited, in_call_session):
    invite, _ = invited

    interpreter_presence_record(invite_id=invite.pk, joined=True)
    interpreter_presence_record(invite_id=invite.pk, joined=False)

    kinds = log_kinds(in_call_session.incident)
    assert kinds.index("video.interpreter_joined") < kinds.index("video.interpreter_left")
