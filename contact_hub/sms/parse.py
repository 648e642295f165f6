"""Twilio's messaging webhook form fields → the hub's normalised inbound message.

Every id and number Twilio sends is checked to Twilio's own format here, so nothing else in
the hub meets a SID or a number it has not seen the shape of.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from django.http import QueryDict

from contact_hub.conversations.intake import InboundMessage, MediaRef
from contact_hub.conversations.services import MessageReceipt
from contact_hub.people.identifiers import InvalidIdentifier, phone_parse
from contact_hub.sms.twilio import PROVIDER

MAX_MEDIA = 10
# Twilio's SIDs are two letters naming the resource and 32 hex digits.
MESSAGE_SID = re.compile(r"(SM|MM)[0-9a-fA-F]{32}")
ACCOUNT_SID = re.compile(r"AC[0-9a-fA-F]{32}")
# Twilio writes both ends of a text in E.164: a plus and at most 15 digits.
E164 = re.compile(r"\+[1-9][0-9]{1,14}")


class PayloadError(ValueError):
    """The form is not a Twilio messaging webhook; the reason is safe to log (it names a
    field, never its value)."""


@dataclass(frozen=True)
class InboundSms:
    message: InboundMessage
    account_sid: str
    to: str


def inbound_sms_parse(form: QueryDict) -> InboundSms:
    sid = _message_sid(form)
    account_sid, to = form.get("AccountSid", ""), form.get("To", "")
    if not ACCOUNT_SID.fullmatch(account_sid):
        raise PayloadError("AccountSid is not a Twilio account SID")
    if not E164.fullmatch(to):
        raise PayloadError("To is not an E.164 number")
    message = InboundMessage(channel="sms", provider=PROVIDER, provider_message_id=sid,
                             sender=_sender(form), text=form.get("Body", ""),
                             media=_media(form))
    return InboundSms(message, account_sid, to)


def sms_status_parse(form: QueryDict) -> MessageReceipt:
    """A status callback: the hub's status for the text it names, and Twilio's error code."""
    sid = form.get("MessageSid", "")
    status = STATUS_MAP.get(form.get("MessageStatus", ""))
    if not MESSAGE_SID.fullmatch(sid):
        raise PayloadError("MessageSid is not a Twilio message SID")
    if status is None:
        raise PayloadError("unknown MessageStatus")
    return MessageReceipt(provider=PROVIDER, status=status, provider_message_ids=(sid,),
                          error_code=form.get("ErrorCode", ""))


def _message_sid(form: QueryDict) -> str:
    for name in ("MessageSid", "SmsSid"):
        if name in form and not MESSAGE_SID.fullmatch(form.get(name, "")):
            raise PayloadError(f"{name} is not a Twilio message SID")
    sid = form.get("MessageSid") or form.get("SmsSid")
    if not sid:
        raise PayloadError("missing MessageSid")
    return sid


def _sender(form: QueryDict) -> str:
    sender = form.get("From", "")
    if not E164.fullmatch(sender):
        raise PayloadError("From is not an E.164 number")
    try:
        return phone_parse(sender)
    except InvalidIdentifier as error:
        raise PayloadError("From is not a possible number") from error


def _media(form: QueryDict) -> tuple[MediaRef, ...]:
    try:
        media_count = int(form.get("NumMedia", "0") or 0)
    except ValueError as error:
        raise PayloadError("NumMedia is not a number") from error
    if not 0 <= media_count <= MAX_MEDIA:
        raise PayloadError("NumMedia out of range")
    media = tuple(
        MediaRef(url=form.get(f"MediaUrl{n}", ""),
                 content_type=form.get(f"MediaContentType{n}", ""))
        for n in range(media_count)
    )
    if any(not ref.url for ref in media):
        raise PayloadError("a MediaUrl is missing")
    return media


# Twilio's message statuses → the hub's delivery statuses. Twilio's own pre-send steps are all
# "sent" to us: the text has been handed to the provider.
STATUS_MAP = {
    "accepted": "sent", "scheduled": "sent", "queued": "sent", "sending": "sent", "sent": "sent",
    "delivered": "delivered", "undelivered": "undelivered", "failed": "failed", "read": "read",
    "canceled": "cancelled",
}
