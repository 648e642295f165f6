"""Posts correctly signed provider webhooks to a running hub, as Twilio, Meta and X would.

The demo uses it to play traffic through the real adapters (signature checks included); it is
also `manage.py simulate`, for trying a single message by hand.
"""

from __future__ import annotations

import json
import urllib.parse
import urllib.request
import uuid
from dataclasses import dataclass

from django.conf import settings

from contact_hub.sms.twilio import request_signature
from social.webhooks import hmac_sha256
from social.x.views import x_signature

DEMO_CREDENTIALS = {
    "TWILIO_ACCOUNT_SID": "AC" + "d" * 32,
    "TWILIO_AUTH_TOKEN": "demo-twilio-auth-token",
    "TWILIO_SMS_NUMBERS": ["+447700900000"],
    "META_APP_SECRET": "demo-meta-app-secret",
    "META_VERIFY_TOKEN": "demo-verify-token",
    "META_PAGE_ACCESS_TOKEN": "demo-page-token",
    "META_PAGE_IDS": ["100000000000001", "100000000000002"],
    "WHATSAPP_TOKEN": "demo-whatsapp-token",
    "WHATSAPP_PHONE_NUMBER_IDS": ["100000000000003"],
    "X_CONSUMER_SECRET": "demo-x-consumer-secret",
    "X_ACCESS_TOKEN": "demo-x-token",
    "X_USER_ID": "100000000000004",
}


def demo_credentials_apply(base_url: str) -> None:
    """Give every channel demo credentials, so the demo exercises the real webhook checks."""
    for name, value in DEMO_CREDENTIALS.items():
        if not getattr(settings, name):
            setattr(settings, name, value)
    settings.PUBLIC_BASE_URL = base_url


@dataclass(frozen=True)
class SignedWebhook:
    path: str
    body: bytes
    headers: dict[str, str]


def sms_webhook(sender: str, text: str) -> SignedWebhook:
    form = {"MessageSid": "SM" + uuid.uuid4().hex, "AccountSid": settings.TWILIO_ACCOUNT_SID,
            "From": sender, "To": settings.TWILIO_SMS_NUMBERS[0], "Body": text, "NumMedia": "0"}
    path = "/sms/twilio/inbound/"
    url = settings.PUBLIC_BASE_URL.rstrip("/") + path
    signature = request_signature(url, form)
    body = urllib.parse.urlencode(form).encode()
    return SignedWebhook(path, body, {"Content-Type": "application/x-www-form-urlencoded",
                                      "X-Twilio-Signature": signature})


def meta_webhook(channel: str, sender: str, text: str) -> SignedWebhook:
    if channel == "whatsapp":
        payload = {"object": "whatsapp_business_account", "entry": [{"id": "demo", "changes": [{
            "field": "messages", "value": {
                "messaging_product": "whatsapp",
                "metadata": {"phone_number_id": settings.WHATSAPP_PHONE_NUMBER_IDS[0]},
                "messages": [{"from": sender.lstrip("+"), "id": f"wamid.{uuid.uuid4().hex}",
                              "type": "text", "text": {"body": text}}]}}]}]}
    else:
        page = settings.META_PAGE_IDS[0 if channel == "messenger" else -1]
        payload = {"object": "page" if channel == "messenger" else "instagram", "entry": [{
            "id": page, "messaging": [{"sender": {"id": sender}, "recipient": {"id": page},
                                       "message": {"mid": f"m_{uuid.uuid4().hex}",
                                                   "text": text}}]}]}
    body = json.dumps(payload).encode()
    signature = "sha256=" + hmac_sha256(settings.META_APP_SECRET, body).hex()
    return SignedWebhook("/social/meta/webhook/", body,
                         {"Content-Type": "application/json", "X-Hub-Signature-256": signature})


def x_webhook(sender: str, text: str) -> SignedWebhook:
    payload = {"for_user_id": settings.X_USER_ID, "direct_message_events": [{
        "type": "message_create", "id": str(uuid.uuid4().int)[:19],
        "message_create": {"target": {"recipient_id": settings.X_USER_ID}, "sender_id": sender,
                           "message_data": {"text": text}}}]}
    body = json.dumps(payload).encode()
    return SignedWebhook("/social/x/webhook/", body,
                         {"Content-Type": "application/json",
                          "X-Twitter-Webhooks-Signature": x_signature(body)})


def webhook_for(channel: str, sender: str, text: str) -> SignedWebhook:
    if channel == "sms":
        return sms_webhook(sender, text)
    if channel == "x":
        return x_webhook(sender, text)
    return meta_webhook(channel, sender, text)


def webhook_post(base_url: str, webhook: SignedWebhook) -> int:
    url = base_url.rstrip("/") + webhook.path
    if not url.startswith(("http://", "https://")):
        raise ValueError("the hub's address must be http or https")
    request = urllib.request.Request(url, data=webhook.body, headers=webhook.headers,  # noqa: S310
                                     method="POST")
    with urllib.request.urlopen(request, timeout=10) as response:  # noqa: S310
        return response.status
