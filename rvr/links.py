"""Video links: sending, revoking, opening, joining and expiring them.

A link carries a 256-bit token stored only as its SHA-256. Nothing readable is stored from
which staff could open it first: the token is an HMAC, under the hub's secret key, of a random
nonce kept on the session, and the text that carried it is stored and shown with LINK_SHOWN
where the link goes. Only the transport is handed the link, rebuilt when the text is sent (so a
retry after a provider's failure sends the same working link). Opening it (a GET, which link
previews and scanners also do) changes nothing; the victim's "join" consumes it and binds the
session to that browser through a cookie holding a second secret, also stored only as a hash.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Protocol

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.crypto import salted_hmac

from contact_hub.conversations.models import Message
from contact_hub.conversations.neutral import neutral_text_problems
from contact_hub.conversations.reply import safest_conversation
from contact_hub.conversations.sending import TransportError
from contact_hub.conversations.services import (
    MessageRefused,
    message_send,
)
from contact_hub.incidents.log import log_append
from contact_hub.live import LiveEvent
from contact_hub.staff.audit import access_record
from contact_hub.staff.models import AccessEvent, StaffUser
from rvr.eligibility import RvrRefused, rvr_ineligibility
from rvr.live import session_changed, session_tell
from rvr.locks import video_session_locked
from rvr.models import RvrAssessment, VideoSession

LIVE_STATUSES = (VideoSession.Status.LINK_SENT, VideoSession.Status.JOINED,
                 VideoSession.Status.WAITING)
BROWSER_COOKIE = "hub_video"
# What the stored and shown text of a sent link reads in the link's place.
LINK_SHOWN = "[video link]"
TOKEN_SALT = "rvr.links.token"


def secret_hash(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def link_token(nonce: str, *, key: str | bytes | None = None) -> str:
    """The link's token: 256 bits no one can work out from the database alone. `key` is the
    hub's secret key unless given (a rotated-out one, to rebuild an older link)."""
    digest = salted_hmac(TOKEN_SALT, nonce, secret=key, algorithm="sha256").digest()
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode()


def link_url(token: str) -> str:
    return f"{settings.RVR_LINK_BASE_URL.rstrip('/')}/v/{token}/"


def link_text(link: str) -> str:
    return settings.RVR_LINK_TEXT.format(minutes=settings.RVR_LINK_MINUTES, link=link)


def link_text_problems() -> list[str]:
    """What makes the configured text unsafe on a lock screen (the link itself aside)."""
    return neutral_text_problems(link_text("")) + neutral_text_problems(
        settings.RVR_LINK_BASE_URL)


def link_text_as_sent(message: Message) -> str | None:
    """The text of a sent link as the victim's phone receives it, for the transport only
    (registered with conversations.sending); None for any other text."""
    if LINK_SHOWN not in message.text:
        return None
    session = (VideoSession.objects.filter(message_id=message.pk)
               .only("link_nonce", "token_hash").first())
    if session is None:
        return None
    token = _token_rebuilt(session)
    if token is None:
        # Sending the words without the link would only puzzle her: a new link must be sent.
        raise TransportError("video link cannot be rebuilt", permanent=True)
    return message.text.replace(LINK_SHOWN, link_url(token))


def _token_rebuilt(session: VideoSession) -> str | None:
    """The session's token again, under the key it was made with (the current one, or one
    rotated out since: settings.SECRET_KEY_FALLBACKS)."""
    if not session.link_nonce:
        return None
    for key in [settings.SECRET_KEY, *settings.SECRET_KEY_FALLBACKS]:
        token = link_token(session.link_nonce, key=key)
        if hmac.compare_digest(secret_hash(token), session.token_hash):
            return token
    return None


# Sending, revoking, expiring.

def video_link_send(*, assessment: RvrAssessment, actor: StaffUser, channel: str = "",
                    now: datetime | None = None) -> VideoSession:
    """Send a new link by the victim's safe channel, revoking any earlier one for the incident."""
    now = now or timezone.now()
    incident = assessment.incident
    if assessment.decision != RvrAssessment.Decision.RVR:
        raise RvrRefused("A link can only be sent once the checks have passed and the victim "
                         "has chosen RVR.")
    refusal = rvr_ineligibility(incident)
    if refusal:
        raise RvrRefused(refusal)
    if incident.person is None:
        raise RvrRefused("The incident has no person to send a link to.")
    problems = link_text_problems()
    if problems:
        raise RvrRefused("The link text is not neutral: " + "; ".join(problems) + ".")
    with transaction.atomic():
        try:
            # A link lives for minutes, so it cannot wait for the plan's safe hours.
            conversation = safest_conversation(incident.person, now=now, channel=channel)
        except MessageRefused as error:
            raise RvrRefused(str(error)) from error
        for earlier in incident.video_sessions.select_for_update().filter(
                status__in=LIVE_STATUSES):
            _revoke(earlier, actor=actor, now=now, reason="replaced by a new link")
        nonce = secrets.token_urlsafe(32)
        session = VideoSession.objects.create(
            incident=incident, assessment=assessment,
            token_hash=secret_hash(link_token(nonce)), link_nonce=nonce,
            expires_at=now + timedelta(minutes=settings.RVR_LINK_MINUTES),
            channel=conversation.channel, sent_by=actor, link_sent_at=now)
        try:
            # Stored and shown without the link; the transport is handed it (link_text_as_sent).
            message = message_send(conversation=conversation, body=link_text(LINK_SHOWN),
                                   actor=actor, now=now)
        except MessageRefused as error:
            raise RvrRefused(str(error)) from error
        session.message = message
        session.save(update_fields=["message"])
        log_append(incident, "video.link_sent", {
            "session_id": session.pk, "channel": session.channel, "message_id": message.pk,
            "expires_at": session.expires_at, "held": message.status == "held"}, actor=actor)
        access_record(actor=actor, action=AccessEvent.Action.CHANGE,
                      what=f"video link {session.pk}", why="sending a video link",
                      person_id=incident.person_id)
    session_changed(session)
    return session


def video_link_revoke(*, session: VideoSession, actor: StaffUser,
                      now: datetime | None = None) -> VideoSession:
    now = now or timezone.now()
    with transaction.atomic():
        session = video_session_locked(session.pk)
        if session.status not in LIVE_STATUSES:
            raise RvrRefused(f"The link cannot be revoked: {session.get_status_display()}.")
        _revoke(session, actor=actor, now=now, reason="revoked by the coordinator")
    session_changed(session)
    return session


def _revoke(session: VideoSession, *, actor: StaffUser | None, now: datetime,
            reason: str) -> None:
    session.status, session.revoked_at = VideoSession.Status.REVOKED, now
    session.save(update_fields=["status", "revoked_at"])
    log_append(session.incident, "video.link_revoked",
               {"session_id": session.pk, "reason": reason}, actor=actor)
    session_tell(session, LiveEvent.VIDEO_REVOKED)


def video_links_expire(*, now: datetime | None = None) -> int:
    """Mark links nobody joined in time as expired (the join refuses them anyway)."""
    now = now or timezone.now()
    expired = 0
    with transaction.atomic():
        stale = (VideoSession.objects.select_for_update(skip_locked=True)
                 .select_related("incident")
                 .filter(status=VideoSession.Status.LINK_SENT, expires_at__lte=now))
        for session in stale:
            _expire(session, now=now)
            expired += 1
    return expired


def _expire(session: VideoSession, *, now: datetime) -> None:
    session.status = VideoSession.Status.EXPIRED
    session.save(update_fields=["status"])
    log_append(session.incident, "video.link_expired", {"session_id": session.pk})
    session_changed(session)


# The victim's side: opening and joining.

def session_for_token(token: str) -> VideoSession | None:
    if not token or len(token) > 100:
        return None
    return (VideoSession.objects.select_related("incident")
            .filter(token_hash=secret_hash(token)).first())


def link_refusal(session: VideoSession | None, *, now: datetime) -> str | None:
    """Why this link cannot be joined now (a short kind), or None."""
    if session is None:
        return "unknown"
    if session.status == VideoSession.Status.REVOKED:
        return "revoked"
    if session.status == VideoSession.Status.EXPIRED or (
            session.status == VideoSession.Status.LINK_SENT and session.expires_at <= now):
        return "expired"
    if session.status == VideoSession.Status.ENDED:
        return "ended"
    return None


class BrowserBound(Protocol):
    browser_hash: str


def browser_matches(bound: BrowserBound, browser_secret: str) -> bool:
    """Whether the cookie's secret is that of the browser a link was bound to (the victim's
    session, or an interpreter's invite: anything with a `browser_hash`)."""
    return bool(bound.browser_hash and browser_secret) and hmac.compare_digest(
        bound.browser_hash, secret_hash(browser_secret))


def video_page_opened(*, token: str, now: datetime | None = None) -> VideoSession | None:
    """The page was opened in a browser (its script ran: a preview fetching HTML does not)."""
    now = now or timezone.now()
    with transaction.atomic():
        session = session_for_token(token)
        if session is None or link_refusal(session, now=now) or session.opened_at is not None:
            return session
        updated = VideoSession.objects.filter(pk=session.pk, opened_at__isnull=True).update(
            opened_at=now)
        if updated:
            log_append(session.incident, "video.page_opened", {"session_id": session.pk})
    session_changed(session)
    return session


@dataclass(frozen=True)
class JoinResult:
    session: VideoSession | None
    refusal: str | None = None  # unknown, expired, revoked, ended, second_browser
    browser_secret: str = ""  # set when this join bound the session to the browser


def video_session_join(*, token: str, browser_secret: str = "",
                       now: datetime | None = None) -> JoinResult:
    """Consume the link and bind it to this browser; the same browser may join again."""
    now = now or timezone.now()
    with transaction.atomic():
        found = session_for_token(token)
        if found is None:
            return JoinResult(None, "unknown")
        session = video_session_locked(found.pk)
        refusal = link_refusal(session, now=now)
        if refusal == "expired" and session.status == VideoSession.Status.LINK_SENT:
            _expire(session, now=now)
        if refusal:
            return JoinResult(session, refusal)
        if session.browser_hash:
            if browser_matches(session, browser_secret):
                return JoinResult(session)
            log_append(session.incident, "video.second_browser_refused",
                       {"session_id": session.pk})
            session_changed(session, LiveEvent.VIDEO_SECOND_BROWSER)
            return JoinResult(session, "second_browser")
        secret = secrets.token_urlsafe(32)
        session.browser_hash, session.joined_at = secret_hash(secret), now
        session.status = VideoSession.Status.JOINED
        session.save(update_fields=["browser_hash", "joined_at", "status"])
        log_append(session.incident, "video.session_joined", {"session_id": session.pk})
    session_changed(session)
    return JoinResult(session, browser_secret=secret)

