"""Twilio's real SDK with only its HTTP layer replaced, and correctly signed Twilio webhooks."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any, ClassVar
from urllib.parse import urlencode

from django.conf import settings
from twilio.http import HttpClient
from twilio.http.response import Response
from twilio.request_validator import RequestValidator

ACCOUNT_SID = "AC" + "0" * 32
AUTH_TOKEN = "test-auth-token-" + "1" * 16


@dataclass
class SentRequest:
    method: str
    url: str
    data: dict[str, Any]


class FakeTwilioHttp(HttpClient):
    """Stands in for the network under the SDK: records each request and answers as Twilio's
    REST API would. Queue a different answer with `FakeTwilioHttp.replies.append((status, body))`.
    """

    requests: ClassVar[list[SentRequest]] = []
    replies: ClassVar[list[tuple[int, dict]]] = []

    def __init__(self) -> None:
        super().__init__(logger=None, is_async=False)

    def request(self, method: str, uri: str, params: Any = None, data: Any = None,
                headers: Any = None, auth: Any = None, timeout: Any = None,
                allow_redirects: bool = False) -> Response:
        sent = SentRequest(method, uri, dict(data or {}))
        FakeTwilioHttp.requests.append(sent)
        if FakeTwilioHttp.replies:
            status, body = FakeTwilioHttp.replies.pop(0)
            return Response(status, json.dumps(body))
        return Response(201, json.dumps(_resource(sent, len(FakeTwilioHttp.requests))))

    @classmethod
    def reset(cls) -> None:
        cls.requests.clear()
        cls.replies.clear()


def _resource(sent: SentRequest, n: int) -> dict[str, Any]:
    kind = "CA" if sent.url.endswith("/Calls.json") else "SM"
    return {"sid": f"{kind}{n:032d}", "status": "queued", "account_sid": ACCOUNT_SID,
            "to": sent.data.get("To"), "from": sent.data.get("From"),
            "body": sent.data.get("Body"), "uri": sent.url}


@dataclass
class SignedPost:
    path: str
    data: dict[str, str]
    headers: dict[str, str] = field(default_factory=dict)

    @property
    def body(self) -> str:
        return urlencode(self.data)


def signed_twilio_post(path: str, data: dict[str, str], *, token: str = AUTH_TOKEN,
                       base_url: str | None = None) -> SignedPost:
    """A webhook as Twilio sends it: form-encoded, signed over the public URL and parameters."""
    url = (base_url or settings.PUBLIC_BASE_URL).rstrip("/") + path
    signature = RequestValidator(token).compute_signature(url, data)
    return SignedPost(path, data, {"HTTP_X_TWILIO_SIGNATURE": signature})
