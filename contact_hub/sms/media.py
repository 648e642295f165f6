"""Fetching MMS media from Twilio without letting a URL choose where the hub connects.

Each hop's URL is parsed by urllib3, the library that then makes the connection, so the check
and the connection cannot read the host differently; and anything parsers disagree about
(userinfo, backslashes, spaces, non-ASCII) is refused rather than interpreted. The host must be
one of Twilio's (settings.TWILIO_MEDIA_HOSTS), over https on 443, and every address it resolves
to must be public. The hub then connects to the address it checked, never resolving the name
again (a second answer could be a private address: DNS rebinding), while TLS still verifies the
certificate against the host name. Twilio's credentials go to api.twilio.com only.
"""

from __future__ import annotations

import ipaddress
import re
import socket
import ssl
from dataclasses import dataclass

import urllib3
from django.conf import settings
from urllib3.exceptions import HTTPError, LocationParseError
from urllib3.exceptions import SSLError as TLSError
from urllib3.util import make_headers, parse_url

MAX_REDIRECTS = 3
TIMEOUT_SECONDS = 15
CHUNK_BYTES = 64 * 1024
HTTPS_PORT = 443
REDIRECT_STATUSES = frozenset({301, 302, 303, 307, 308})
TWILIO_API_HOST = "api.twilio.com"
# The printable ASCII RFC 3986 allows in a URL (brackets aside: no IP literals here).
URL_CHARACTERS = re.compile(r"[A-Za-z0-9\-._~:/?#@!$&'()*+,;=%]+")
# A DNS name of letters, digits and hyphens, ending in a letter label, so never an IP address.
HOST_NAME = re.compile(r"(?=.{1,253}$)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}")
# Not public, though is_global is True for them on Python 3.11 (or may stop saying otherwise):
# this network, carrier-grade NAT, NAT64 (reaches IPv4 inside), 6to4 and IPv6 site-local.
NOT_PUBLIC = tuple(ipaddress.ip_network(network) for network in (
    "0.0.0.0/8", "100.64.0.0/10", "64:ff9b::/96", "64:ff9b:1::/48", "2002::/16", "fec0::/10"))

NOT_TWILIO = "refused: not a Twilio media host"
NOT_PUBLIC_ADDRESS = "refused: not a public address"
UNTRUSTED = "refused: untrusted certificate"
TOO_LARGE = "refused: larger than the size limit"


class MediaUnavailable(Exception):
    """The media was not fetched; `status` says why, for staff (no URL, no content)."""

    def __init__(self, status: str) -> None:
        super().__init__(status)
        self.status = status


class MediaRefused(MediaUnavailable):
    """Fetching it would be unsafe. `reason` is for the security log, so it names no URL."""

    def __init__(self, status: str, reason: str) -> None:
        super().__init__(status)
        self.reason = reason


class MediaUnreachable(Exception):
    """The host did not resolve or answer now; a later try may work. Says nothing of the URL."""


@dataclass(frozen=True)
class MediaTarget:
    host: str
    request_uri: str


def media_target(url: str) -> MediaTarget:
    """Where a media URL points, if it passes every check that needs no network."""
    if not URL_CHARACTERS.fullmatch(url):
        raise MediaRefused(NOT_TWILIO, "odd characters")
    try:
        parts = parse_url(url)
    except LocationParseError:
        raise MediaRefused(NOT_TWILIO, "odd characters") from None
    if parts.scheme != "https":
        raise MediaRefused(NOT_TWILIO, "not https")
    if parts.auth is not None:
        raise MediaRefused(NOT_TWILIO, "userinfo")
    if parts.port not in (None, HTTPS_PORT):
        raise MediaRefused(NOT_TWILIO, "port")
    host = parts.host or ""
    if not HOST_NAME.fullmatch(host) or not _twilio_media_host(host):
        raise MediaRefused(NOT_TWILIO, "not a Twilio host")
    return MediaTarget(host=host, request_uri=parts.request_uri)


def _twilio_media_host(host: str) -> bool:
    allowed_hosts = [allowed.lower() for allowed in settings.TWILIO_MEDIA_HOSTS]
    return any(host == allowed or (allowed.startswith(".") and host.endswith(allowed))
               for allowed in allowed_hosts)


def media_address(host: str) -> tuple[str, int]:
    """The one address to connect to, looked up once; refused unless every answer is public."""
    try:
        answers = socket.getaddrinfo(host, HTTPS_PORT, type=socket.SOCK_STREAM)
    except (socket.gaierror, UnicodeError):
        raise MediaUnreachable("the media host did not resolve") from None
    # The port is the one asked for (443) from a real resolver; the tests' stand-in for DNS
    # names its local server's port instead, as a fake getaddrinfo would for any client.
    addresses = [(str(sockaddr[0]), int(sockaddr[1])) for *_, sockaddr in answers]
    if not addresses or not all(address_public(address) for address, _ in addresses):
        raise MediaRefused(NOT_PUBLIC_ADDRESS, "private address")
    return addresses[0]


def address_public(address: str) -> bool:
    """Whether an address is on the public internet (IPv4-mapped, loopback, private, link-local,
    unique-local, CGNAT, multicast and reserved ones are not)."""
    ip = ipaddress.ip_address(address)
    if any(ip in ipaddress.ip_network(network) for network in settings.HUB_MEDIA_TEST_NETWORKS):
        return True
    special = (ip.is_private or ip.is_loopback or ip.is_link_local or ip.is_multicast
               or ip.is_reserved or ip.is_unspecified)
    return ip.is_global and not special and not any(ip in network for network in NOT_PUBLIC)


def media_download(url: str) -> bytes:
    """The media at a Twilio URL, following Twilio's redirects, every hop checked alike."""
    for _ in range(MAX_REDIRECTS + 1):
        target = media_target(url)
        address, port = media_address(target.host)
        try:
            with _connection(target, address, port) as pool:
                response = pool.urlopen("GET", target.request_uri, headers=_headers(target),
                                        redirect=False, retries=False, preload_content=False,
                                        decode_content=False)
                if response.status in REDIRECT_STATUSES:
                    url = _redirect_url(target, response.headers.get("Location", ""))
                    continue
                if response.status != 200:
                    raise MediaUnavailable(f"failed: HTTP {response.status}")
                return _read_limited(response)
        except TLSError:
            raise MediaRefused(UNTRUSTED, "certificate") from None
        except (HTTPError, OSError):
            raise MediaUnreachable("the media host did not answer") from None
    raise MediaUnavailable("failed: too many redirects")


def _connection(target: MediaTarget, address: str, port: int) -> urllib3.HTTPSConnectionPool:
    """A connection to the checked address that verifies TLS for the host name (sent as SNI)."""
    context = ssl.create_default_context(cafile=settings.HUB_MEDIA_CA_BUNDLE or None)
    return urllib3.HTTPSConnectionPool(
        address, port, server_hostname=target.host, ssl_context=context, maxsize=1,
        timeout=urllib3.Timeout(connect=TIMEOUT_SECONDS, read=TIMEOUT_SECONDS))


def _headers(target: MediaTarget) -> dict[str, str]:
    # Identity encoding: the size limit counts the bytes stored, so nothing may inflate them.
    headers = {"Host": target.host, "Accept-Encoding": "identity"}
    if target.host == TWILIO_API_HOST and settings.TWILIO_ACCOUNT_SID:
        headers |= make_headers(
            basic_auth=f"{settings.TWILIO_ACCOUNT_SID}:{settings.TWILIO_AUTH_TOKEN}")
    return headers


def _redirect_url(target: MediaTarget, location: str) -> str:
    """The next hop: an absolute URL, or a path on the same host; checked like the first."""
    if location.startswith("/") and not location.startswith("//"):
        return f"https://{target.host}{location}"
    return location


def _read_limited(response: urllib3.BaseHTTPResponse) -> bytes:
    limit = settings.HUB_MEDIA_MAX_BYTES
    declared = response.headers.get("Content-Length", "")
    if declared.isdigit() and int(declared) > limit:
        raise MediaRefused(TOO_LARGE, "too large")
    chunks, size = [], 0
    for chunk in response.stream(CHUNK_BYTES, decode_content=False):
        size += len(chunk)
        if size > limit:
            raise MediaRefused(TOO_LARGE, "too large")
        chunks.append(chunk)
    return b"".join(chunks)
