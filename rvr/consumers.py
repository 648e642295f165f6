"""The websocket of one video session: signalling between the victim's and the officer's browsers,
the connection check with the hub's own peer, and the chat.

The victim is admitted by the cookie their browser got when it joined; the officer by a verified
staff session and being the officer who accepted the call. Every message is checked for type,
shape, size and rate (rvr/signalling.py) before anything is relayed or done, and an officer's
chat line against the conduct rules (conversations/conduct.py): one that matches is held for a
supervisor, not relayed.

The offer of a console that made the connection ready comes with its Accept
(prepared_offer_relay): her answer to it waits in her socket until the officer's has joined, so
it cannot be lost on the way.

Signalling goes between a session's sockets over the default channel layer; the session's live
events (ended, revoked, shared...) come from the live layer, through the process's one channel
(contact_hub/live_pages.py), each socket a page of its session's group there.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
from typing import Any
from urllib.parse import parse_qs

from asgiref.sync import async_to_sync
from channels.db import database_sync_to_async
from channels.generic.websocket import AsyncWebsocketConsumer
from channels.layers import get_channel_layer
from django.conf import settings
from django.db import transaction
from django.utils import timezone

from contact_hub.consumers import verified_staff_role
from contact_hub.conversations.conduct import ConductMatch, conduct_chat_hold, conduct_matches
from contact_hub.conversations.models import ConductHold
from contact_hub.live import LIVE_LAYER, LiveEvent
from contact_hub.live_pages import Frames, ProcessPages, process_pages
from contact_hub.staff.audit import security_event_record
from contact_hub.staff.models import StaffUser
from contact_hub.staff.roles import MAY_TAKE_VIDEO_CALLS
from rvr.calls import (
    OPEN_STATUSES,
    call_chat_record,
    video_call_end,
    video_callback_request,
    video_check_record,
)
from rvr.connection import ModeTooFrequent, call_mode_set
from rvr.connection_check import ConnectionCheck
from rvr.eligibility import RvrRefused
from rvr.ice import (
    candidate_allowed,
    candidate_relayed,
    rtc_configuration,
    sdp_relay_only,
    sdp_relayed,
)
from rvr.links import BROWSER_COOKIE, browser_matches
from rvr.models import VideoSession
from rvr.recording import (
    RecordingRefused,
    recording_consent_record,
    recording_question,
    recording_started,
)
from rvr.signalling import OFFICER, VICTIM, RateLimit, SignalRefused, signal_parse
from rvr.suspect_present import (
    BUTTON,
    KEY_WORD,
    key_word_in_line,
    refused_chat_text,
    suspect_present_record,
)
from rvr.visibility import sessions_visible_to

CLOSE_FORBIDDEN = 4403
CLOSE_MALFORMED = 4400
CLOSE_TOO_LARGE = 4413
CLOSE_TOO_FAST = 4429
MAX_REFUSALS = 5
# What her socket holds back for the officer's, at most (VideoSessionConsumer.held).
HELD_MOST = 32
CHECK_STATUSES = (VideoSession.Status.JOINED, VideoSession.Status.WAITING)
# What an officer is told of a line held for what it says: no more than that it was held.
CHAT_HELD = "Held for review: that line was not sent."

log = logging.getLogger(__name__)


@database_sync_to_async
def _admission(scope: dict[str, Any], session_id: int, side: str,
               role: str | None) -> tuple[bool, Any, str]:
    """Whether this connection may join the session: (admitted, staff user, refusal kind)."""
    if side == OFFICER:
        user: Any = scope.get("user")  # channels' AuthMiddlewareStack puts it there
        if role not in MAY_TAKE_VIDEO_CALLS:
            return False, None, "video_socket_not_officer"
        # An officer named in an allegation about her incident after taking the call is, from
        # then on, kept from it like anyone named.
        session = sessions_visible_to(user).filter(pk=session_id).first()
        if session is None or session.officer_id != user.pk:
            return False, user, "video_officer_not_assigned"
        if session.status != VideoSession.Status.IN_CALL:
            return False, user, "video_socket_session_closed"
        return True, user, ""
    session = VideoSession.objects.filter(pk=session_id).first()
    secret = scope.get("cookies", {}).get(BROWSER_COOKIE, "")
    if session is None or not browser_matches(session, secret):
        return False, None, "video_socket_wrong_browser"
    if session.status not in OPEN_STATUSES:
        return False, None, "video_socket_session_closed"
    return True, None, ""


class VideoSessionConsumer(AsyncWebsocketConsumer):
    # Her answer (and candidates) to an offer that came with the Accept, until the officer's
    # socket is in the group to hear it; None when nothing is held back.
    held: list[dict[str, Any]] | None = None
    # The process's live pages this socket is one of, and the task taking its events in order.
    pages: ProcessPages | None = None
    live_task: asyncio.Task[None] | None = None

    async def connect(self) -> None:
        route = self.scope["url_route"]["kwargs"]
        self.session_id, self.side = int(route["session_id"]), route["side"]
        # The officer's page that sent its offer with the Accept says so (?offered=1): her
        # answer to that offer is for it, and for no later page.
        query = parse_qs(self.scope.get("query_string", b"").decode())
        self.offered = self.side == OFFICER and query.get("offered") == ["1"]
        self.group = f"rvr.session.{self.session_id}"
        self.joined = False
        self.check: ConnectionCheck | None = None
        self.check_task: asyncio.Task[None] | None = None
        self.refusals = 0
        self.limit = RateLimit(burst=settings.RVR_SIGNAL_BURST,
                               per_second=settings.RVR_SIGNAL_PER_SECOND)
        role = await verified_staff_role(self.scope) if self.side == OFFICER else None
        admitted, self.staff, refusal = await _admission(self.scope, self.session_id, self.side,
                                                         role)
        if not admitted:
            await self._security_event(refusal)
            await self.close(code=CLOSE_FORBIDDEN)
            return
        await self.channel_layer.group_add(self.group, self.channel_name)
        self.joined = True
        await self._live_join()
        await self.accept()
        await self._send({"type": "welcome", "side": self.side})
        await self._relay({"type": "peer.joined", "side": self.side}, offered=self.offered)

    async def disconnect(self, code: int) -> None:
        await self._check_stop()
        await self._live_leave()
        if self.joined:
            await self._relay({"type": "peer.left", "side": self.side})
            await self.channel_layer.group_discard(self.group, self.channel_name)

    async def receive(self, text_data: str | None = None, bytes_data: bytes | None = None
                      ) -> None:
        if not self.limit.allow():
            await self._security_event("video_signal_too_fast")
            await self.close(code=CLOSE_TOO_FAST)
            return
        try:
            message = signal_parse(text_data if text_data is not None else bytes_data,
                                   side=self.side)
        except SignalRefused as refusal:
            # A line refused as too long is still heard for her key word.
            if self.side == VICTIM and await self._key_word_heard(refused_chat_text(text_data)):
                return
            await self._refused(refusal)
            return
        if "peer" in message:
            await self._peer_send(message)
            return
        await getattr(self, "on_" + message["type"].replace(".", "_"))(message)

    # What each message does.

    async def on_offer(self, message: dict[str, Any]) -> None:
        await self._relay({"type": "offer", "sdp": sdp_relay_only(message["sdp"])})

    async def on_answer(self, message: dict[str, Any]) -> None:
        await self._relay_or_hold({"type": "answer", "sdp": sdp_relay_only(message["sdp"])})

    async def on_candidate(self, message: dict[str, Any]) -> None:
        candidate = message["candidate"]
        if candidate is not None and not candidate_allowed(candidate["candidate"]):
            return  # relay-only: a side's own address never reaches the other side
        await self._relay_or_hold(message)

    async def _relay_or_hold(self, message: dict[str, Any]) -> None:
        if self.held is not None:
            # An answer and its candidates; past that nothing more is kept for a socket that
            # may never come.
            if len(self.held) < HELD_MOST:
                self.held.append(message)
            return
        await self._relay(message)

    async def _held_release(self, *, offered: bool) -> None:
        """The officer's socket has joined: what she answered goes to it if its page is the
        one whose offer she answered; any other page makes a new offer, so it is dropped."""
        held, self.held = self.held or [], None
        if not offered:
            return
        for message in held:
            await self._relay(message)

    async def on_chat(self, message: dict[str, Any]) -> None:
        if self.side == VICTIM and await self._key_word_heard(message["text"]):
            return
        if self.side == OFFICER:
            matches = conduct_matches(message["text"])
            if matches:
                # Not relayed: kept for a supervisor, who is alerted with professional standards.
                await database_sync_to_async(chat_line_hold)(
                    session_id=self.session_id, officer=self.staff, text=message["text"],
                    matches=matches)
                await self._send({"type": "chat.held", "reason": CHAT_HELD})
                return
        try:
            line = await database_sync_to_async(call_chat_record)(
                session_id=self.session_id, sender=self.side, text=message["text"])
        except RvrRefused as refusal:
            await self._send({"type": "error", "reason": str(refusal)})
            return
        await self._relay({"type": "chat", "from": self.side, "text": line.text,
                           "at": line.at.isoformat()}, to_self=True)

    async def on_mode(self, message: dict[str, Any]) -> None:
        """A switch of video, audio only or chat is logged; the other side always hears it
        (a page says its mode again when it reconnects)."""
        try:
            await database_sync_to_async(call_mode_set)(
                session_id=self.session_id, mode=message["mode"], side=self.side,
                reason=message["reason"], kbps=message["kbps"], actor=self.staff)
        except ModeTooFrequent:
            await self._security_event("video_mode_too_frequent")
            await self._send({"type": "error",
                              "reason": "The call's mode changed too often; try again shortly."})
            return
        await self._relay({**message, "side": self.side})

    async def on_quality(self, message: dict[str, Any]) -> None:
        await self._relay({**message, "side": self.side})

    async def on_hangup(self, message: dict[str, Any]) -> None:
        await database_sync_to_async(video_call_end)(
            session_id=self.session_id, by=self.side, actor=self.staff)

    async def _key_word_heard(self, text: str) -> bool:
        """Her key word in the line: her page leaves first, then the signal is recorded; the
        line itself goes nowhere and is kept nowhere."""
        if not text or not await key_word_in_line(session_id=self.session_id, text=text):
            return False
        await self._send({"type": "exit"})
        await database_sync_to_async(suspect_present_record)(
            session_id=self.session_id, trigger=KEY_WORD)
        return True

    async def on_later(self, message: dict[str, Any]) -> None:
        """The victim's discreet "he's back" control (only her side may send it)."""
        await database_sync_to_async(suspect_present_record)(session_id=self.session_id,
                                                             trigger=BUTTON)

    async def on_callback(self, message: dict[str, Any]) -> None:
        await database_sync_to_async(video_callback_request)(session_id=self.session_id)

    async def on_recording_ask(self, message: dict[str, Any]) -> None:
        """The console asks whether the call may be recorded: her page gets the question
        unless the force does not record or she has answered (the console is told which)."""
        reply = await database_sync_to_async(recording_question)(session_id=self.session_id)
        if reply["type"] == "recording.ask":
            await self._relay(reply, to=VICTIM)
        else:
            await self._send(reply)

    async def on_recording_consent(self, message: dict[str, Any]) -> None:
        try:
            await database_sync_to_async(recording_consent_record)(
                session_id=self.session_id, agreed=message["agreed"])
        except RecordingRefused as refusal:
            await self._security_event(f"recording_{refusal.kind}")
            await self._send({"type": "error", "reason": str(refusal)})
            return
        answer = {"type": "recording.consent", "agreed": message["agreed"]}
        await self._send(answer)
        await self._relay(answer, to=OFFICER)

    async def on_recording_started(self, message: dict[str, Any]) -> None:
        """The console has had its first chunk stored: both sides show "recording" (only once
        the hub holds a chunk, whatever the console says)."""
        if await database_sync_to_async(recording_started)(session_id=self.session_id):
            await self._relay({"type": "video.recording"}, to_self=True)

    async def on_check_offer(self, message: dict[str, Any]) -> None:
        status = await database_sync_to_async(
            lambda: VideoSession.objects.values_list("status", flat=True).get(
                pk=self.session_id))()
        if status not in CHECK_STATUSES or (self.check_task and not self.check_task.done()):
            await self._send({"type": "error", "reason": "No connection check is due now."})
            return
        self.check = ConnectionCheck(
            rtc_configuration(session_id=self.session_id, now=timezone.now()),
            seconds=settings.RVR_CHECK_SECONDS, timeout=settings.RVR_CHECK_TIMEOUT_SECONDS)
        try:
            answer = await self.check.answer(message["sdp"])
        except Exception:
            await self._check_stop()
            await self._send({"type": "error", "reason": "The connection check could not "
                                                         "start."})
            return
        await self._send({"type": "check.answer", "sdp": answer})
        self.check_task = asyncio.create_task(self._check_run(self.check))

    async def _peer_send(self, message: dict[str, Any]) -> None:
        """A message on one of the interpreter's peer connections (signalling.PEERS): only the
        end it names gets it, told who sent it. Always relay-only, whatever RVR_RELAY_ONLY says:
        the interpreter is outside the force and must not learn her address (nor she theirs)."""
        peer = message.pop("peer")
        candidate = message.get("candidate")
        if candidate is not None:
            relayed = candidate_relayed(candidate["candidate"])
            if relayed is None:
                return
            message["candidate"] = {**candidate, "candidate": relayed}
        if "sdp" in message:
            message["sdp"] = sdp_relayed(message["sdp"])
        await self._relay({**message, "peer": self.side}, to=peer)

    # The connection check, run beside the socket and always cleaned up.

    async def _check_run(self, check: ConnectionCheck) -> None:
        try:
            result = await check.measure()
        finally:
            await check.close()
        await database_sync_to_async(video_check_record)(session_id=self.session_id,
                                                         result=result)
        await self._send({"type": "check.result", "verdict": result.verdict,
                          "rtt_ms": result.rtt_ms, "loss_pct": result.loss_pct,
                          "bitrate_kbps": result.bitrate_kbps, "advice": result.advice})

    async def _check_stop(self) -> None:
        if self.check_task is not None and not self.check_task.done():
            self.check_task.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await self.check_task
        if self.check is not None:
            with contextlib.suppress(Exception):
                await self.check.close()

    # Group messages.

    async def signal_relay(self, event: dict[str, Any]) -> None:
        if event.get("to") not in (None, self.side):
            return  # addressed to another end (the interpreter's connections)
        message = event["message"]
        if event.get("officer_awaited"):
            self.held = []  # only the hub sends this (prepared_offer_relay), to her socket
        elif self.held is not None and message.get("type") == "peer.joined" and (
                message.get("side") == OFFICER):
            await self._held_release(offered=bool(event.get("offered")))
        if event["sender"] != self.channel_name or event.get("to_self"):
            await self._send(message)

    # The session's live events.

    async def _live_join(self) -> None:
        self.live: asyncio.Queue[dict[str, Any]] = asyncio.Queue()
        self.pages = process_pages(get_channel_layer(LIVE_LAYER))
        self.live_task = asyncio.create_task(self._live_run())
        await self.pages.join(self, [self.group])

    async def _live_leave(self) -> None:
        pages, self.pages = self.pages, None
        if pages is not None:
            await pages.leave(self)
        # Left from within an event (the interpreter's, revoked): its task ends after it.
        if self.live_task is not None and self.live_task is not asyncio.current_task():
            self.live_task.cancel()

    def event_take(self, event: dict[str, Any], frames: Frames) -> None:
        if event.get("type") == "live.event":
            self.live.put_nowait(event)

    def resync_take(self) -> None:
        """Nothing to fetch again: each page learns the call's state when it reconnects."""

    async def _live_run(self) -> None:
        while self.pages is not None:
            await self.live_event(await self.live.get())

    async def live_event(self, event: dict[str, Any]) -> None:
        """The session changed (ended, revoked): tell the page, which shows it."""
        if event["kind"] == LiveEvent.VIDEO_OFFICER_WITHDRAWN:
            # Only their console is told, and closed; she hears only that the officer left.
            if self.side == OFFICER and getattr(self.staff, "pk", None) == event["officer_id"]:
                await self._send({"type": event["kind"], "session_id": event["session_id"]})
                await self.close(code=CLOSE_FORBIDDEN)
            return
        await self._send({"type": event["kind"], "session_id": event.get("session_id")})
        if event["kind"] in ("video.ended", "video.revoked"):
            await self.close()

    # Plumbing.

    async def _relay(self, message: dict[str, Any], *, to_self: bool = False,
                     to: str | None = None, offered: bool = False) -> None:
        """To the session's other sockets: all of the call's own, or the one side named."""
        await self.channel_layer.group_send(self.group, {
            "type": "signal.relay", "sender": self.channel_name, "message": message,
            "to_self": to_self, "to": to, "offered": offered})

    async def _send(self, message: dict[str, Any]) -> None:
        with contextlib.suppress(Exception):  # the socket may already be closing
            await self.send(text_data=json.dumps(message))

    async def _refused(self, refusal: SignalRefused) -> None:
        self.refusals += 1
        await self._security_event(f"video_signal_{refusal.kind}")
        if refusal.kind == "oversized":
            await self.close(code=CLOSE_TOO_LARGE)
            return
        await self._send({"type": "error", "reason": str(refusal)})
        if self.refusals >= MAX_REFUSALS:
            await self.close(code=CLOSE_MALFORMED)

    async def _security_event(self, kind: str) -> None:
        client = self.scope.get("client") or (None, None)
        await database_sync_to_async(security_event_record)(
            kind, actor=self.staff, source_ip=client[0], path=self.scope.get("path"),
            detail={"session_id": self.session_id, "side": self.side})


def chat_line_hold(*, session_id: int, officer: StaffUser, text: str,
                   matches: list[ConductMatch]) -> ConductHold:
    """An officer's chat line that matched a conduct rule: kept for a supervisor's decision,
    never relayed to the victim or written into the call's record until then."""
    person_id = (VideoSession.objects.filter(pk=session_id)
                 .values_list("incident__person_id", flat=True).first())
    return conduct_chat_hold(video_session_id=session_id, person_id=person_id, author=officer,
                             text=text, matches=matches)


def chat_line_release(hold: ConductHold) -> bool:
    """A held line a supervisor let through: recorded as said in the call, and shown on both
    sides, if the call is still on; False once it has ended (registered with
    conversations.conduct from RvrConfig.ready())."""
    if hold.source != ConductHold.Source.CHAT or hold.video_session_id is None:
        return False
    try:
        line = call_chat_record(session_id=hold.video_session_id, sender=OFFICER,
                                text=hold.chat_text)
    except RvrRefused:
        return False
    relay = {"type": "signal.relay", "sender": "", "to_self": False,
             "message": {"type": "chat", "from": OFFICER, "text": line.text,
                         "at": line.at.isoformat()}}
    transaction.on_commit(lambda: _session_send(line.session.group, relay))
    return True


def prepared_offer_relay(*, session: VideoSession, sdp: str) -> bool:
    """The offer the accepting officer's console made ready, sent with the Accept once the call
    is theirs (call it only then, after the accept has committed): to her socket at once,
    checked as any offer on the socket is (SignalRefused if it breaks the rules). Her socket
    holds her answer until the officer's joins. False if it could not be sent: the console
    then offers over its socket."""
    message = signal_parse(json.dumps({"type": "offer", "sdp": sdp}), side=OFFICER)
    return _session_send(session.group, {
        "type": "signal.relay", "sender": "", "to_self": False, "to": VICTIM,
        "officer_awaited": True,
        "message": {"type": "offer", "sdp": sdp_relay_only(message["sdp"])}})


def _session_send(group: str, event: dict[str, Any]) -> bool:
    layer = get_channel_layer()
    if layer is None:
        return False
    try:
        async_to_sync(layer.group_send)(group, event)
    except Exception:
        # A released chat line is on record either way; an offer is sent again by the console.
        log.warning("%s not relayed to %s", event["message"]["type"], group)
        return False
    return True
