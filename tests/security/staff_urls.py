"""Every staff route in the URL conf, for tests that ask each page something (does it show the
allegation, the token?), so a page added later is asked too."""

from __future__ import annotations

import re
from collections.abc import Iterator

from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver

PARAMETER = re.compile(r"<(?:(\w+):)?(\w+)>")
# The admin has tests of its own (tests/security/test_admin.py); signing out would leave every
# later request answered by the sign-in page, proving nothing.
SKIPPED_NAMESPACES = {"admin"}
SKIPPED_NAMES = {"logout"}


def staff_url_patterns() -> Iterator[str]:
    """Every route but public ones (webhooks, the victim's pages), its parameters still in it."""

    def walk(patterns: list, prefix: str) -> Iterator[str]:
        for entry in patterns:
            if isinstance(entry, URLResolver):
                if entry.namespace not in SKIPPED_NAMESPACES:
                    yield from walk(entry.url_patterns, prefix + str(entry.pattern))
            elif isinstance(entry, URLPattern) and entry.name not in SKIPPED_NAMES and (
                    not getattr(entry.callback, "hub_public", False)):
                yield prefix + str(entry.pattern)

    yield from walk(get_resolver().url_patterns, "")


def url_parameters() -> set[str]:
    return {match.group(2) for pattern in staff_url_patterns()
            for match in PARAMETER.finditer(pattern)}


def url_with(pattern: str, values: dict[str, object], *, default: object = None) -> str:
    """The pattern with `values` in it (`default` for any other parameter, if given)."""

    def value(match: re.Match) -> str:
        name = match.group(2)
        if name not in values and default is None:
            raise KeyError(f"no value for URL parameter <{name}> of /{pattern}")
        return str(values.get(name, default))

    return "/" + PARAMETER.sub(value, pattern)


def body_of(client: Client, url: str, *, method: str = "get") -> tuple[int, str]:
    response = getattr(client, method)(url)
    body = b"".join(response.streaming_content) if response.streaming else response.content
    return response.status_code, body.decode(errors="replace")
