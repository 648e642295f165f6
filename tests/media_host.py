"""A stand-in for Twilio's media hosts: an HTTPS server on 127.0.0.1 with a certificate for
Twilio's names from a test CA, and DNS that answers what a test says.

The fetcher runs exactly as in production (https, port 443, certificate checked against the
host name, one lookup per hop); the test changes only what the outside world answers. DNS is
faked where every client meets it, socket.getaddrinfo, so a lookup the fetcher should not make
(a second one, or one by the HTTP library itself) gets the fake's answer too and shows up.
"""

from __future__ import annotations

import datetime
import socket
import ssl
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from contact_hub.conversations.models import Message
from contact_hub.followups.models import FollowUp
from contact_hub.followups.services import followup_queue
from contact_hub.sms.tasks import media_fetch
from tests.factories import received_message
from tests.provider_server import ProviderServer, provider_server

CERTIFICATE_NAMES = ("api.twilio.com", "*.twiliocdn.com")
MEDIA_URL = "https://api.twilio.com/2010-04-01/Accounts/AC1/Messages/MM1/Media/ME1"
REAL_GETADDRINFO = socket.getaddrinfo


@dataclass
class FakeDns:
    """Answers lookups of the names a test set, one answer per lookup (the last repeats; none:
    the name does not exist), every one pointing at `port`; numeric addresses resolve as usual
    and other names do not resolve at all, so no test asks real DNS."""

    port: int
    answers: dict[str, list[list[str]]] = field(default_factory=dict)
    lookups: list[str] = field(default_factory=list)

    def answer(self, name: str, *answers: list[str]) -> None:
        self.answers[name] = list(answers)

    def getaddrinfo(self, host: Any, port: Any, family: int = 0, type: int = 0, proto: int = 0,
                    flags: int = 0) -> list[tuple]:
        if host not in self.answers:
            return REAL_GETADDRINFO(host, port, family, type, proto, flags | socket.AI_NUMERICHOST)
        self.lookups.append(host)
        answers = self.answers[host]
        if not answers:
            raise socket.gaierror(socket.EAI_NONAME, "Name or service not known")
        addresses = answers.pop(0) if len(answers) > 1 else answers[0]
        return [_address_info(address, self.port) for address in addresses]


def _address_info(address: str, port: int) -> tuple:
    if ":" in address:
        return socket.AF_INET6, socket.SOCK_STREAM, socket.IPPROTO_TCP, "", (address, port, 0, 0)
    return socket.AF_INET, socket.SOCK_STREAM, socket.IPPROTO_TCP, "", (address, port)


@dataclass
class MediaHost:
    server: ProviderServer
    dns: FakeDns
    media_root: Path

    def stored_files(self) -> list[Path]:
        return list(self.media_root.iterdir()) if self.media_root.exists() else []

    def hosts_given_credentials(self) -> list[str]:
        """The Host of every request that carried an Authorization header (any spelling)."""
        return [request.headers.get("Host", "") for request in self.server.requests
                if any(name.lower() == "authorization" for name in request.headers)]


@contextmanager
def twilio_media_host(settings: Any, monkeypatch: pytest.MonkeyPatch,
                      directory: Path) -> Iterator[MediaHost]:
    """Twilio's media hosts resolving to a local HTTPS server the fetcher trusts via the test
    CA; the only setting that differs from production is the one that lets it reach 127.0.0.1."""
    ca_file, server_context = media_certificates(directory)
    settings.HUB_MEDIA_CA_BUNDLE = str(ca_file)
    settings.HUB_MEDIA_TEST_NETWORKS = ["127.0.0.1/32"]
    settings.TWILIO_MEDIA_HOSTS = ["api.twilio.com", ".twiliocdn.com"]
    settings.MEDIA_ROOT = directory / "media"
    with provider_server(tls=server_context) as server:
        dns = FakeDns(port=int(server.url.rsplit(":", 1)[1]))
        dns.answer("api.twilio.com", ["127.0.0.1"])
        dns.answer("media.twiliocdn.com", ["127.0.0.1"])
        monkeypatch.setattr(socket, "getaddrinfo", dns.getaddrinfo)
        yield MediaHost(server=server, dns=dns, media_root=settings.MEDIA_ROOT)


def message_with_media(*urls: str) -> Message:
    """A received text whose attachments are at `urls`, as Twilio's webhook listed them."""
    message = received_message()
    Message.objects.filter(pk=message.pk).update(
        media=[{"url": url, "content_type": "image/png"} for url in urls])
    return message


def media_fetch_run(message: Message) -> list[dict]:
    """Run the fetch as the follow-up worker does; it must finish, then the entries it left."""
    followup = followup_queue(media_fetch, message_id=message.pk)
    media_fetch(followup.pk)
    assert FollowUp.objects.get(pk=followup.pk).done_at is not None
    message.refresh_from_db()
    return message.media


def media_certificates(directory: Path) -> tuple[Path, ssl.SSLContext]:
    """A fresh test CA (its certificate written to a file, for the fetcher) and a server
    context holding a certificate it issued for Twilio's names."""
    ca_key, key = ec.generate_private_key(ec.SECP256R1()), ec.generate_private_key(ec.SECP256R1())
    ca_name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "Hub test CA")])
    ca = (_certificate(ca_name, ca_name, ca_key.public_key(), ca_key)
          .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
          .sign(ca_key, hashes.SHA256()))
    leaf_name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, CERTIFICATE_NAMES[0])])
    leaf = (_certificate(leaf_name, ca_name, key.public_key(), ca_key)
            .add_extension(x509.SubjectAlternativeName(
                [x509.DNSName(name) for name in CERTIFICATE_NAMES]), critical=False)
            .sign(ca_key, hashes.SHA256()))
    ca_file, cert_file, key_file = (directory / name for name in ("ca.pem", "cert.pem", "key.pem"))
    ca_file.write_bytes(ca.public_bytes(serialization.Encoding.PEM))
    cert_file.write_bytes(leaf.public_bytes(serialization.Encoding.PEM))
    key_file.write_bytes(key.private_bytes(serialization.Encoding.PEM,
                                           serialization.PrivateFormat.PKCS8,
                                           serialization.NoEncryption()))
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(cert_file, key_file)
    return ca_file, context


def _certificate(subject: x509.Name, issuer: x509.Name, public_key: Any,
                 issuer_key: Any) -> x509.CertificateBuilder:
    now = datetime.datetime.now(datetime.UTC)
    return (x509.CertificateBuilder().subject_name(subject).issuer_name(issuer)
            .public_key(public_key).serial_number(x509.random_serial_number())
            .not_valid_before(now - datetime.timedelta(minutes=5))
            .not_valid_after(now + datetime.timedelta(days=1))
            .add_extension(x509.SubjectKeyIdentifier.from_public_key(public_key), critical=False)
            .add_extension(x509.AuthorityKeyIdentifier.from_issuer_public_key(
                issuer_key.public_key()), critical=False))
