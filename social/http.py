"""The one HTTP helper for social providers: JSON over HTTPS with a timeout, and errors sorted
into the hub's TransportError by whether a retry can help."""

from __future__ import annotations

from typing import Any

import requests

from contact_hub.conversations.sending import TransportError

TIMEOUT_SECONDS = 10


def post_json(url: str, payload: dict[str, Any], *, token: str, provider: str) -> dict[str, Any]:
    try:
        response = requests.post(url, json=payload, timeout=TIMEOUT_SECONDS,
                                 headers={"Authorization": f"Bearer {token}"})
    except requests.exceptions.ConnectionError as error:
        raise TransportError(f"{provider} unreachable", permanent=False) from error
    except requests.exceptions.Timeout as error:
        # The provider may have sent it: a retry could text the victim twice.
        raise TransportError(f"{provider} timeout", permanent=True, unknown=True) from error
    if response.status_code == 429 or response.status_code >= 500:
        raise TransportError(f"{provider} {response.status_code}", permanent=False)
    if response.status_code >= 400:
        raise TransportError(f"{provider} {response.status_code}", permanent=True)
    try:
        answer = response.json()
    except ValueError as error:
        raise TransportError(f"{provider} answered without JSON", permanent=True,
                             unknown=True) from error
    if not isinstance(answer, dict):
        raise TransportError(f"{provider} answered without JSON", permanent=True, unknown=True)
    return answer
