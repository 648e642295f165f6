"""An interpreter on a video call: the officer's invite, its link, and the interpreter joining
and leaving.

The officer invites an interpreter from the call page; the hub makes a link of its own
(`/i/<token>/` on the victim's neutral host), shows it to the officer once to pass to the
interpreting service, and keeps only the token's SHA-256. The interpreter's "join" (a POST,
not the GET a preview fetches) binds the link to that browser with a cookie holding a second
secret, also kept only as a hash; another browser is refused. The link works only while the
call is on (and an unused one only for RVR_INTERPRETER_LINK_MINUTES), and the officer can
revoke it; inviting again revokes the earlier one. The interpreter sees and hears the call (a
peer connection with each of the officer and the victim, always through TURN, so no invite
without it) and nothing of the record.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from contact_hub.incidents.log import log_append
from contact_hub.live import LiveEvent, live_event_send
from contact_hub.staff.audit import access_record
from contact_hub.staff.models import AccessEvent, StaffUser
from rvr.eligibility import RvrRefused
from rvr.ice import turn_configured
from rvr.links import browser_matches, secret_hash
from rvr.locks import video_session_locked
from rvr.look_reasons import rvr_reason_required
from rvr.models import InterpreterInvite, VideoSession

INTERPRETER_COOKIE = "hub_interpreter"
INTERPRETER_PATH = "/i/"
# An interpreter's connections are relayed, always, so they never learn her address.
NO_RELAY = ("An interpreter cannot be invited: the hub has no relay (TURN) server set up, and "
            "an interpreter's video must always go through one. Ask your supervisor.")


def interpreter_url(token: str) -> str:
    return f"{settings.RVR_LINK_BASE_URL.rstrip('/')}{INTERPRETER_PATH}{token}/"


@dataclass(frozen=True)
class Invitation:
    invite: InterpreterInvite
    url: str  # shown to the officer once, never stored


def _officer_check(session: VideoSession, officer: StaffUser) -> None:
    if session.officer_id != officer.pk:
        raise RvrRefused("Only the officer who took this call can invite an interpreter.")
    if session.status != VideoSession.Status.IN_CALL:
        raise RvrRefused("An interpreter can only join while the call is on.")
    if not turn_configured():
        raise RvrRefused(NO_RELAY)
    rvr_reason_required(officer, session.incident.person_id)


def interpreter_invite(*, session: VideoSession, officer: StaffUser,
                       now: datetime | None = None) -> Invitation:
    """A new link for an interpreter to join this call; an earlier one stops working."""
    now = now or timezone.now()
    with transaction.atomic():
        session = video_session_locked(session.pk)
        _officer_check(session, officer)
        _links_revoke(session, actor=officer, now=now, reason="replaced by a new invite")
        token = secrets.token_urlsafe(32)
        invite = InterpreterInvite.objects.create(
            session=session, token_hash=secret_hash(token), invited_by=officer, invited_at=now,
            expires_at=now + timedelta(minutes=settings.RVR_INTERPRETER_LINK_MINUTES))
        log_append(session.incident, "video.interpreter_invited",
                   {"session_id": session.pk, "interpreter_id": invite.pk,
                    "expires_at": invite.expires_at}, actor=officer)
        # The call is shown to someone outside the force: a disclosure on her record's trail.
        access_record(actor=officer, action=AccessEvent.Action.DISCLOSE,
                      what=f"video call {session.pk} to an interpreter",
                      why="interpreter invited to the call", person_id=session.incident.person_id)
        _tell(session, LiveEvent.INTERPRETER_INVITED, invite)
    return Invitation(invite, interpreter_url(token))


def interpreter_revoke(*, session: VideoSession, officer: StaffUser,
                       now: datetime | None = None) -> int:
    """Stop the call's interpreter link working, and drop its interpreter from the call."""
    now = now or timezone.now()
    with transaction.atomic():
        session = video_session_locked(session.pk)
        if session.officer_id != officer.pk:
            raise RvrRefused("Only the officer who took this call can revoke its interpreter.")
        rvr_reason_required(officer, session.incident.person_id)
        revoked = _links_revoke(session, actor=officer, now=now, reason="revoked by the officer")
        if not revoked:
            raise RvrRefused("There is no interpreter link to revoke.")
    return revoked


def interpreter_links_withdraw(*, session: VideoSession, reason: str,
                               now: datetime | None = None) -> int:
    """Stop every interpreter link of the call working, by the hub (its officer taken off the
    call, rvr.kept_from): how many. In the caller's transaction."""
    return _links_revoke(session, actor=None, now=now or timezone.now(), reason=reason)


def _links_revoke(session: VideoSession, *, actor: StaffUser | None, now: datetime,
                  reason: str) -> int:
    """Revoke every link of the call still working (locked): how many."""
    live = list(session.interpreter_invites.select_for_update().filter(revoked_at__isnull=True))
    for invite in live:
        _revoke(invite, session, actor=actor, now=now, reason=reason)
    return len(live)


def _revoke(invite: InterpreterInvite, session: VideoSession, *, actor: StaffUser | None,
            now: datetime, reason: str) -> None:
    invite.revoked_at = now
    invite.save(update_fields=["revoked_at"])
    log_append(session.incident, "video.interpreter_revoked",
               {"session_id": session.pk, "interpreter_id": invite.pk, "reason": reason},
               actor=actor)
    _tell(session, LiveEvent.INTERPRETER_REVOKED, invite)


def _tell(session: VideoSession, kind: LiveEvent, invite: InterpreterInvite) -> None:
    """The call's open websockets, after commit (an interpreter's closes on its revocation)."""
    live_event_send(kind, group=session.group, session_id=session.pk, interpreter_id=invite.pk)


# The interpreter's side: opening and joining.

def invite_for_token(token: str) -> InterpreterInvite | None:
    if not token or len(token) > 100:
        return None
    return (InterpreterInvite.objects.select_related("session__incident")
            .filter(token_hash=secret_hash(token)).first())


def invite_refusal(invite: InterpreterInvite | None, *, now: datetime) -> str | None:
    """Why this link cannot be used now (unknown, revoked, ended, no_relay, expired), or
    None."""
    if invite is None:
        return "unknown"
    if invite.revoked_at is not None:
        return "revoked"
    if invite.session.status != VideoSession.Status.IN_CALL:
        return "ended"  # the link lives and dies with the call
    if not turn_configured():
        return "no_relay"  # TURN was taken away since the invite: no connection may be direct
    if invite.joined_at is None and invite.expires_at <= now:
        return "expired"
    return None


def interpreter_browser_matches(invite: InterpreterInvite, browser_secret: str) -> bool:
    return browser_matches(invite, browser_secret)


@dataclass(frozen=True)
class InterpreterJoin:
    invite: InterpreterInvite | None
    refusal: str | None = None  # as invite_refusal, or second_browser
    browser_secret: str = ""  # set when this join bound the link to the browser


def interpreter_join(*, token: str, browser_secret: str = "",
                     now: datetime | None = None) -> InterpreterJoin:
    """Bind the link to this browser; the same browser may join again, no other may."""
    now = now or timezone.now()
    with transaction.atomic():
        found = invite_for_token(token)
        if found is None:
            return InterpreterJoin(None, "unknown")
        invite = (InterpreterInvite.objects.select_for_update()
                  .select_related("session__incident").get(pk=found.pk))
        refusal = invite_refusal(invite, now=now)
        if refusal:
            return InterpreterJoin(invite, refusal)
        if invite.browser_hash:
            if interpreter_browser_matches(invite, browser_secret):
                return InterpreterJoin(invite)
            log_append(invite.session.incident, "video.interpreter_second_browser_refused",
                       {"session_id": invite.session_id, "interpreter_id": invite.pk})
            return InterpreterJoin(invite, "second_browser")
        secret = secrets.token_urlsafe(32)
        invite.browser_hash, invite.joined_at = secret_hash(secret), now
        invite.save(update_fields=["browser_hash", "joined_at"])
        log_append(invite.session.incident, "video.interpreter_link_used",
                   {"session_id": invite.session_id, "interpreter_id": invite.pk})
    return InterpreterJoin(invite, browser_secret=secret)


def interpreter_admitted(*, session_id: int, browser_secret: str) -> InterpreterInvite | None:
    """The invite a websocket with this cookie speaks for, if the interpreter may be on the
    call now; None otherwise."""
    if not browser_secret:
        return None
    invite = (InterpreterInvite.objects.select_related("session__incident")
              .filter(session_id=session_id, browser_hash=secret_hash(browser_secret)).first())
    if invite is None or invite_refusal(invite, now=timezone.now()):
        return None
    return invite


def interpreter_presence_record(*, invite_id: int, joined: bool) -> None:
    """The interpreter's connection to the call opened or closed: in the incident log."""
    with transaction.atomic():
        invite = InterpreterInvite.objects.select_related("session__incident").get(
            pk=invite_id)
        kind = "video.interpreter_joined" if joined else "video.interpreter_left"
        log_append(invite.session.incident, kind,
                   {"session_id": invite.session_id, "interpreter_id": invite.pk})
