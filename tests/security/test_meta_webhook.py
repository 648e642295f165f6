"""Meta's webhook (Messenger, Instagram, WhatsApp) from the outsider's side: nothing unsigned
is stored, and no id Meta would not send gets as far as the database or a reply's address."""

from __future__ import annotations

import copy
import json

import pytest

from contact_hub.conversations.models import Message
from contact_hub.staff.models import SecurityEvent
from tests.provider_server import provider_server
from tests.security.refusals import refused, stored
from tests.social.conftest import fixture_payload, meta_configure, meta_signature

pytestmark = pytest.mark.django_db
WEBHOOK = "/social/meta/webhook/"


@pytest.fixture(autouse=True)
def meta_account(settings):
    with provider_server() as graph_api:
        meta_configure(settings, graph_api.url)
        yield graph_api


def post(client, body: bytes, signature: str | None):
    headers = {} if signature is None else {"HTTP_X_HUB_SIGNATURE_256": signature}
    return client.post(WEBHOOK, body, content_type="application/json", **headers)


def deliver(client, payload: dict | bytes):
    """Posted with Meta's true signature: what Meta itself would send."""
    body = payload if isinstance(payload, bytes) else json.dumps(payload).encode()
    return post(client, body, meta_signature(body))


def with_value(fixture: str, path: tuple, value: object) -> dict:
    payload = copy.deepcopy(fixture_payload(fixture))
    place = payload
    for step in path[:-1]:
        place = place[step]
    place[path[-1]] = value
    return payload


# Signatures.

def test_a_forged_signature_is_refused_and_nothing_is_stored(client):
    body = json.dumps(fixture_payload("meta/messenger_text.json")).encode()
    before = stored()

    response = post(client, body, meta_signature(body, secret="guessed"))

    refused(response, 403, "bad_signature", before)


def test_a_missing_signature_is_refused(client):
    before = stored()

    response = post(client, json.dumps(fixture_payload("meta/whatsapp_text.json")).encode(),
                    None)

    refused(response, 403, "bad_signature", before)


def test_a_true_signature_moved_to_another_body_is_refused(client):
    signature = meta_signature(json.dumps(fixture_payload("meta/messenger_text.json")).encode())
    body = json.dumps(fixture_payload("meta/instagram_text.json")).encode()
    before = stored()

    response = post(client, body, signature)

    refused(response, 403, "bad_signature", before)


def test_the_old_sha1_header_alone_is_not_a_signature(client):
    body = json.dumps(fixture_payload("meta/messenger_text.json")).encode()
    before = stored()

    response = client.post(WEBHOOK, body, content_type="application/json",
                           HTTP_X_HUB_SIGNATURE="sha1=" + "0" * 40)

    refused(response, 403, "bad_signature", before)


def test_the_handshake_echoes_nothing_without_the_verify_token(client):
    before = stored()

    response = client.get(WEBHOOK, {"hub.mode": "subscribe", "hub.verify_token": "guess",
                                    "hub.challenge": '{"object":"page"}'})

    refused(response, 403, "bad_verify_token", before)
    assert b"object" not in response.content


# Bodies.

def test_malformed_json_is_refused_with_400(client):
    before = stored()

    response = deliver(client, b'{"object": "page", "entry": [')

    refused(response, 400, "malformed_payload", before)


@pytest.mark.parametrize("body", [b"[]", b'"page"', b"1", b"null", b"\xef\xbb\xbf{}"])
def test_json_that_is_not_an_object_is_refused_with_400(client, body):
    before = stored()

    response = deliver(client, body)

    refused(response, 400, "malformed_payload", before)


@pytest.mark.parametrize("payload", [
    {"object": "page", "entry": "nope"},
    {"object": "page", "entry": ["nope"]},
    {"object": "pages", "entry": [{"id": "5550001"}]},
    {"object": "page", "entry": [{"id": "5550001", "messaging": [{"message": "hi"}]}]},
])
def test_a_payload_that_is_not_a_meta_delivery_is_refused_with_400(client, payload):
    before = stored()

    response = deliver(client, payload)

    refused(response, 400, "malformed_payload", before)


def test_an_oversized_body_is_refused_with_413(client):
    before = stored()

    response = deliver(client, {"object": "page", "entry": [], "pad": "x" * 1_100_000})

    refused(response, 413, "oversized_body", before)


# Ids: each must be in Meta's format, or the whole delivery is refused.

MESSENGER = ("entry", 0, "messaging", 0)
WHATSAPP = ("entry", 0, "changes", 0, "value")
NUMERIC_ID_PLACES = [
    ("meta/messenger_text.json", ("entry", 0, "id")),
    ("meta/messenger_text.json", (*MESSENGER, "sender", "id")),
    ("meta/messenger_text.json", (*MESSENGER, "recipient", "id")),
    ("meta/instagram_text.json", (*MESSENGER, "sender", "id")),
    ("meta/whatsapp_text.json", (*WHATSAPP, "metadata", "phone_number_id")),
    ("meta/whatsapp_text.json", (*WHATSAPP, "messages", 0, "from")),
    ("meta/whatsapp_text.json", (*WHATSAPP, "contacts", 0, "wa_id")),
    ("meta/whatsapp_image.json", (*WHATSAPP, "messages", 0, "image", "id")),
    ("meta/whatsapp_status_delivered.json", (*WHATSAPP, "statuses", 0, "recipient_id")),
]
BAD_NUMERIC_IDS = ["../../me/messages", "555000l", "9" * 21, "", "\u0665\u0665\u0665",
                   "5550001\n", 5550001]
MESSAGE_ID_PLACES = [
    ("meta/messenger_text.json", (*MESSENGER, "message", "mid")),
    ("meta/instagram_text.json", (*MESSENGER, "message", "mid")),
    ("meta/messenger_delivery.json", (*MESSENGER, "delivery", "mids", 0)),
    ("meta/whatsapp_text.json", (*WHATSAPP, "messages", 0, "id")),
    ("meta/whatsapp_status_delivered.json", (*WHATSAPP, "statuses", 0, "id")),
]
BAD_MESSAGE_IDS = ["../../me", "/me", "m_" + "a" * 127, "m_with space", "m_<script>",
                   "wamid.\u00e9", "", 12]


@pytest.mark.parametrize("fixture, path", NUMERIC_ID_PLACES)
@pytest.mark.parametrize("bad", BAD_NUMERIC_IDS)
def test_a_delivery_with_a_numeric_id_not_in_metas_format_is_refused(client, fixture, path,
                                                                      bad):
    before = stored()

    response = deliver(client, with_value(fixture, path, bad))

    event = refused(response, 400, "malformed_payload", before)
    assert str(bad) not in json.dumps(event.detail) or len(str(bad)) < 4


@pytest.mark.parametrize("fixture, path", MESSAGE_ID_PLACES)
@pytest.mark.parametrize("bad", BAD_MESSAGE_IDS)
def test_a_delivery_with_a_message_id_not_in_metas_format_is_refused(client, fixture, path,
                                                                      bad):
    before = stored()

    response = deliver(client, with_value(fixture, path, bad))

    event = refused(response, 400, "malformed_payload", before)
    assert str(bad) not in json.dumps(event.detail) or len(str(bad)) < 4


def test_one_bad_id_in_a_batch_stores_none_of_it(client):
    payload = with_value("meta/messenger_batch.json", ("entry", 1, "messaging", 0, "sender",
                                                       "id"), "../../5550001/feed")
    before = stored()

    response = deliver(client, payload)

    refused(response, 400, "malformed_payload", before)


def test_a_messaging_entry_without_a_page_id_is_refused(client):
    payload = fixture_payload("meta/messenger_text.json")
    del payload["entry"][0]["id"]
    before = stored()

    response = deliver(client, payload)

    refused(response, 400, "malformed_payload", before)


# Destinations, methods, configuration.

def test_a_message_for_a_page_that_is_not_ours_is_answered_200_and_ignored(client):
    before = stored()

    response = deliver(client, with_value("meta/messenger_text.json", ("entry", 0, "id"),
                                          "5559999"))

    refused(response, 200, "unknown_destination", before)


def test_a_whatsapp_message_for_a_number_that_is_not_ours_is_answered_200_and_ignored(client):
    before = stored()

    response = deliver(client, with_value("meta/whatsapp_text.json",
                                          (*WHATSAPP, "metadata", "phone_number_id"),
                                          "5559999"))

    refused(response, 200, "unknown_destination", before)


@pytest.mark.parametrize("method", ["put", "patch", "delete", "head"])
def test_other_methods_are_refused_with_405(client, method):
    before = stored()

    response = getattr(client, method)(WEBHOOK)

    assert response.status_code == 405
    assert stored() == before


def test_without_meta_credentials_the_webhook_is_off(client, settings):
    settings.META_APP_SECRET = ""
    before = stored()

    response = deliver(client, fixture_payload("meta/messenger_text.json"))

    refused(response, 503, "provider_not_configured", before)


def test_a_refusal_records_no_text_and_no_ids(client):
    body = json.dumps(fixture_payload("meta/whatsapp_text.json")).encode()

    post(client, body, meta_signature(body, secret="guessed"))

    detail = json.dumps(SecurityEvent.objects.get().detail)
    assert "hurt the kids" not in detail
    assert "447700900601" not in detail


@pytest.mark.parametrize("fixture", ["meta/messenger_text.json", "meta/instagram_text.json",
                                     "meta/whatsapp_text.json", "meta/whatsapp_image.json"])
def test_a_true_delivery_is_still_taken_in(client, fixture):
    response = deliver(client, fixture_payload(fixture))

    assert response.status_code == 200
    assert Message.objects.count() == 1
    assert not SecurityEvent.objects.exists()
