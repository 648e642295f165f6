"""X's webhook from the outsider's side: a forger holding every answer the hub ever gave still
cannot get a direct message stored, nor pick the id a reply is sent to."""

from __future__ import annotations

import copy
import json

import pytest

from contact_hub.conversations.models import Message
from contact_hub.staff.models import SecurityEvent
from tests.provider_server import provider_server
from tests.security.refusals import refused, stored
from tests.social.conftest import X_USER_ID, fixture_payload, x_configure, x_signature

pytestmark = pytest.mark.django_db
WEBHOOK = "/social/x/webhook/"
SENDER = "1618033988749894"


@pytest.fixture(autouse=True)
def x_account(settings):
    with provider_server() as api:
        x_configure(settings, api.url)
        yield api


def post(client, body: bytes, signature: str | None):
    headers = {} if signature is None else {"HTTP_X_TWITTER_WEBHOOKS_SIGNATURE": signature}
    return client.post(WEBHOOK, body, content_type="application/json", **headers)


def deliver(client, payload: dict | bytes):
    """Posted with X's true signature: what X itself would send."""
    body = payload if isinstance(payload, bytes) else json.dumps(payload).encode()
    return post(client, body, x_signature(body))


def crc_answer(client, token: str):
    return client.get(WEBHOOK, {"crc_token": token})


def dm(**overrides) -> dict:
    """The fixture DM, with any of for_user_id, id, sender_id or recipient_id replaced."""
    payload = copy.deepcopy(fixture_payload("x/dm_text.json"))
    event = payload["direct_message_events"][0]
    places = {"for_user_id": payload, "id": event, "sender_id": event["message_create"],
              "recipient_id": event["message_create"]["target"]}
    for name, value in overrides.items():
        places[name][name] = value
    return payload


# The CRC challenge signs a string the asker picks: it must never sign a body.

@pytest.mark.parametrize("token", [
    "challenge-123", "9b4507b3-9040-4669-9ca3-6b94edb50553", "MTUzNjY2MjE4NTA5MTQ2NjIyMw==",
    "123", "true", "null"])
def test_a_crc_answer_never_signs_a_body(client, token):
    before = stored()
    answer = crc_answer(client, token)
    assert answer.status_code == 200

    response = post(client, token.encode(), answer.json()["response_token"])

    refused(response, 400, "malformed_payload", before)


def test_a_crc_answer_signs_no_other_body_of_the_same_length(client):
    token = "A" * 60
    signature = crc_answer(client, token).json()["response_token"]
    body = json.dumps({"for_user_id": X_USER_ID, "pad": ""}).encode()
    body = body.replace(b'""', b'"' + b"x" * (len(token) - len(body)) + b'"')
    assert len(body) == len(token)
    before = stored()

    response = post(client, body, signature)

    refused(response, 403, "bad_signature", before)


def test_a_crc_answer_for_a_token_signs_neither_its_json_string_nor_its_padding(client):
    token = "challenge-123"
    signature = crc_answer(client, token).json()["response_token"]
    before = stored()

    for body in (json.dumps(token).encode(), b" " + token.encode(), token.encode() + b"\n"):
        assert post(client, body, signature).status_code == 400

    assert stored() == before
    assert set(SecurityEvent.objects.values_list("kind", flat=True)) == {"malformed_payload"}


def test_the_forgery_from_the_issue_gets_no_signature(client):
    forged = json.dumps({"for_user_id": X_USER_ID, "direct_message_events": [{
        "type": "message_create", "id": "1",
        "message_create": {"sender_id": SENDER, "message_data": {"text": "forged"}}}]},
        separators=(",", ":"))
    assert len(forged) < 200  # short enough for the old check to sign it
    before = stored()

    answer = crc_answer(client, forged)

    refused(answer, 400, "malformed_payload", before)
    assert b"sha256=" not in answer.content
    # With no answer for its body, the best a forger holds is an answer for another string.
    other = crc_answer(client, "challenge-123").json()["response_token"]
    assert post(client, forged.encode(), other).status_code == 403
    assert stored() == before


@pytest.mark.parametrize("token", [
    "", "a b", '{"a":1}', '"quoted"', "a" * 101, "token\n", "t\u00f6ken", "a;b", "a%00b"])
def test_a_crc_token_not_in_xs_form_is_refused(client, token):
    before = stored()

    answer = crc_answer(client, token)

    event = refused(answer, 400, "malformed_payload", before)
    assert b"sha256=" not in answer.content
    assert token not in json.dumps(event.detail) or len(token) < 3


def test_a_crc_without_a_token_is_refused(client):
    before = stored()

    answer = client.get(WEBHOOK)

    refused(answer, 400, "malformed_payload", before)


# Signatures.

def test_a_forged_signature_is_refused_and_nothing_is_stored(client):
    body = json.dumps(dm()).encode()
    before = stored()

    response = post(client, body, x_signature(body, secret="guessed"))

    refused(response, 403, "bad_signature", before)


def test_a_missing_signature_is_refused(client):
    before = stored()

    response = post(client, json.dumps(dm()).encode(), None)

    refused(response, 403, "bad_signature", before)


def test_a_true_signature_moved_to_another_body_is_refused(client):
    signature = x_signature(json.dumps(dm()).encode())
    before = stored()

    response = post(client, json.dumps(dm(sender_id="2718281828459045")).encode(), signature)

    refused(response, 403, "bad_signature", before)


def test_a_signature_in_another_encoding_is_refused(client):
    body = json.dumps(dm()).encode()
    hex_signature = "sha256=" + x_signature(body).removeprefix("sha256=").encode().hex()
    before = stored()

    response = post(client, body, hex_signature)

    refused(response, 403, "bad_signature", before)


# Bodies.

def test_malformed_json_is_refused_with_400(client):
    before = stored()

    response = deliver(client, b'{"for_user_id": "9990001", "direct_message_events": [')

    refused(response, 400, "malformed_payload", before)


@pytest.mark.parametrize("body", [b"[]", b'"text"', b"123", b"null", b"\xef\xbb\xbf{}"])
def test_json_that_is_not_an_object_is_refused_with_400(client, body):
    before = stored()

    response = deliver(client, body)

    refused(response, 400, "malformed_payload", before)


def test_an_oversized_body_is_refused_with_413(client):
    before = stored()

    response = deliver(client, dm() | {"pad": "x" * 1_100_000})

    refused(response, 413, "oversized_body", before)


# Ids: each must be X's (ASCII digits, 20 at most), or the whole delivery is refused.

BAD_X_IDS = ["../../tweets?a=", "16180339887498x4", "1" * 21, "", "\u0661\u0662\u0663",
             "1618033988749894\n", 1618033988749894, ["1"]]


@pytest.mark.parametrize("name", ["for_user_id", "id", "sender_id", "recipient_id"])
@pytest.mark.parametrize("bad", BAD_X_IDS)
def test_a_delivery_with_an_id_that_is_not_xs_is_refused(client, name, bad):
    before = stored()

    response = deliver(client, dm(**{name: bad}))

    event = refused(response, 400, "malformed_payload", before)
    assert event.detail["provider"] == "x"
    assert str(bad) not in json.dumps(event.detail) or len(str(bad)) < 4


def test_a_delivery_for_no_account_is_refused(client):
    payload = dm()
    del payload["for_user_id"]
    before = stored()

    response = deliver(client, payload)

    refused(response, 400, "malformed_payload", before)


def test_one_bad_id_refuses_the_whole_batch(client):
    payload = dm()
    second = copy.deepcopy(payload["direct_message_events"][0])
    second["id"], second["message_create"]["sender_id"] = "1463371316254793736", "../../x"
    payload["direct_message_events"].append(second)
    before = stored()

    response = deliver(client, payload)

    refused(response, 400, "malformed_payload", before)


def test_a_message_text_that_is_not_a_string_is_refused(client):
    payload = dm()
    payload["direct_message_events"][0]["message_create"]["message_data"]["text"] = {"a": 1}
    before = stored()

    response = deliver(client, payload)

    refused(response, 400, "malformed_payload", before)


# Destinations, methods, configuration.

def test_a_delivery_for_another_account_is_answered_200_and_ignored(client):
    before = stored()

    response = deliver(client, dm(for_user_id="1234"))

    refused(response, 200, "unknown_destination", before)


@pytest.mark.parametrize("method", ["put", "patch", "delete", "head"])
def test_other_methods_are_refused_with_405(client, method):
    before = stored()

    response = getattr(client, method)(WEBHOOK)

    assert response.status_code == 405
    assert stored() == before


def test_without_x_credentials_the_webhook_is_off(client, settings):
    settings.X_CONSUMER_SECRET = ""
    before = stored()

    response = deliver(client, dm())

    refused(response, 503, "provider_not_configured", before)


def test_a_refusal_records_no_text_and_no_ids(client):
    body = json.dumps(dm()).encode()

    post(client, body, x_signature(body, secret="guessed"))

    detail = json.dumps(SecurityEvent.objects.get().detail)
    assert "loud party" not in detail
    assert SENDER not in detail
    assert "1463371316254793735" not in detail


def test_a_true_delivery_is_still_taken_in(client):
    response = deliver(client, dm())

    assert response.status_code == 200
    assert Message.objects.get().conversation.identity.value == SENDER
    assert not SecurityEvent.objects.exists()
