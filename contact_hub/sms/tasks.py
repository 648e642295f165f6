"""Fetching MMS media in the background, only from Twilio's own hosts and only up to a size."""

from __future__ import annotations

import hashlib
import logging
from urllib.parse import urljoin, urlsplit

import requests
from django.conf import settings

from contact_hub.conversations.models import Message
from contact_hub.followups.services import followup_task

log = logging.getLogger(__name__)
MAX_REDIRECTS = 3
TIMEOUT_SECONDS = 15


class MediaRefused(Exception):
    """The media cannot be fetched safely; the message says why (no URL, no content)."""


def media_host_allowed(url: str) -> bool:
    parts = urlsplit(url)
    host = (parts.hostname or "").lower()
    if parts.scheme != "https" and not settings.DEBUG_MEDIA_HTTP:
        return False
    return any(host == allowed or (allowed.startswith(".") and host.endswith(allowed))
               for allowed in settings.TWILIO_MEDIA_HOSTS)


@followup_task
def media_fetch(message_id: int) -> None:
    message = Message.objects.get(pk=message_id)
    media = [dict(entry) for entry in message.media]
    for entry in media:
        if entry.get("status") == "stored":
            continue
        try:
            content = _download(entry["url"])
        except MediaRefused as refusal:
            entry["status"] = str(refusal)
            continue
        digest = hashlib.sha256(content).hexdigest()
        settings.MEDIA_ROOT.mkdir(parents=True, exist_ok=True)
        (settings.MEDIA_ROOT / digest).write_bytes(content)
        entry.update(status="stored", sha256=digest, size=len(content))
    Message.objects.filter(pk=message_id).update(media=media)


def _download(url: str) -> bytes:
    """Follow Twilio's redirects to its media store, checking every hop's host."""
    auth = (settings.TWILIO_ACCOUNT_SID, settings.TWILIO_AUTH_TOKEN)
    for _ in range(MAX_REDIRECTS + 1):
        if not media_host_allowed(url):
            raise MediaRefused("refused: not a Twilio media host")
        response = requests.get(url, auth=auth if _is_twilio_api(url) else None, stream=True,
                                timeout=TIMEOUT_SECONDS, allow_redirects=False)
        if response.is_redirect:
            url = urljoin(url, response.headers["Location"])
            continue
        if response.status_code != 200:
            raise MediaRefused(f"failed: HTTP {response.status_code}")
        return _read_limited(response)
    raise MediaRefused("failed: too many redirects")


def _is_twilio_api(url: str) -> bool:
    return urlsplit(url).hostname == "api.twilio.com"


def _read_limited(response: requests.Response) -> bytes:
    limit = settings.HUB_MEDIA_MAX_BYTES
    if int(response.headers.get("Content-Length") or 0) > limit:
        raise MediaRefused("refused: larger than the size limit")
    chunks, size = [], 0
    for chunk in response.iter_content(64 * 1024):
        size += len(chunk)
        if size > limit:
            raise MediaRefused("refused: larger than the size limit")
        chunks.append(chunk)
    return b"".join(chunks)
