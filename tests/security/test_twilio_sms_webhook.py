"""Twilio's SMS webhooks from the outsider's side: nothing unsigned is stored, and every SID
and number must be in Twilio's own form before anything is."""

from __future__ import annotations

import pytest

from contact_hub.people.models import Identity
from contact_hub.staff.models import SecurityEvent
from tests.security.refusals import refused, stored
from tests.twilio_fakes import ACCOUNT_SID, signed_twilio_post

pytestmark = pytest.mark.django_db
INBOUND = "/sms/twilio/inbound/"
STATUS = "/sms/twilio/status/"
HUB_NUMBER = "+447700900000"
SENDER = "+447700900521"


@pytest.fixture(autouse=True)
def hub_number(settings, twilio):
    settings.TWILIO_SMS_NUMBERS = [HUB_NUMBER]


def sms_form(**overrides: str) -> dict[str, str]:
    form = {"MessageSid": "SM" + "a" * 32, "SmsSid": "SM" + "a" * 32, "AccountSid": ACCOUNT_SID,
            "From": SENDER, "To": HUB_NUMBER, "Body": "please call after 6", "NumMedia": "0",
            "SmsStatus": "received", "ApiVersion": "2010-04-01"}
    return form | overrides


def post(client, path: str, form: dict[str, str]):
    """Signed with our auth token over the public URL: what Twilio itself would send."""
    signed = signed_twilio_post(path, form)
    return client.post(path, signed.data, **signed.headers)


# Signatures.

def test_a_forged_signature_is_refused_and_nothing_is_stored(client):
    signed = signed_twilio_post(INBOUND, sms_form(), token="guessed-token")
    before = stored()

    response = client.post(INBOUND, signed.data, **signed.headers)

    refused(response, 403, "bad_signature", before)


def test_a_missing_signature_is_refused(client):
    before = stored()

    response = client.post(INBOUND, sms_form())

    refused(response, 403, "bad_signature", before)


def test_a_true_signature_for_other_fields_is_refused(client):
    signed = signed_twilio_post(INBOUND, sms_form())
    signed.data["From"] = "+447700900522"
    before = stored()

    response = client.post(INBOUND, signed.data, **signed.headers)

    refused(response, 403, "bad_signature", before)


def test_a_signature_made_for_the_status_url_does_not_open_the_inbound_one(client):
    signed = signed_twilio_post(STATUS, sms_form())
    before = stored()

    response = client.post(INBOUND, signed.data, **signed.headers)

    refused(response, 403, "bad_signature", before)


# SIDs and numbers: each in Twilio's form, or the text is refused.

BAD_MESSAGE_SIDS = ["", "SM../../x", "SM" + "a" * 31, "SM" + "a" * 33, "SM" + "g" * 32,
                    "XX" + "a" * 32, "AC" + "a" * 32, "sm" + "a" * 32, "SM" + "a" * 31 + "\n"]


@pytest.mark.parametrize("name", ["MessageSid", "SmsSid"])
@pytest.mark.parametrize("bad", BAD_MESSAGE_SIDS)
def test_a_message_sid_not_in_twilios_form_is_refused(client, name, bad):
    before = stored()

    response = post(client, INBOUND, sms_form(**{name: bad}))

    event = refused(response, 400, "malformed_payload", before)
    assert event.detail["provider"] == "twilio"


@pytest.mark.parametrize("bad", ["", "AC" + "z" * 32, "AC" + "a" * 31, "SM" + "a" * 32,
                                 "../AC" + "a" * 32])
def test_an_account_sid_not_in_twilios_form_is_refused(client, bad):
    before = stored()

    response = post(client, INBOUND, sms_form(AccountSid=bad))

    refused(response, 400, "malformed_payload", before)


@pytest.mark.parametrize("bad", ["BANK", "../../", "+44 7700 900521", "447700900521",
                                 "+4477009005211234567", "+12", "+447700900521\n",
                                 "tel:+447700900521", "+\u0664\u0664\u0667\u0667"])
def test_a_sender_that_is_not_an_e164_number_is_refused(client, bad):
    before = stored()

    response = post(client, INBOUND, sms_form(From=bad))

    event = refused(response, 400, "malformed_payload", before)
    assert "900521" not in str(event.detail)


@pytest.mark.parametrize("bad", ["", "hub", "+44 7700 900000", "../447700900000"])
def test_a_destination_that_is_not_an_e164_number_is_refused(client, bad):
    before = stored()

    response = post(client, INBOUND, sms_form(To=bad))

    refused(response, 400, "malformed_payload", before)


@pytest.mark.parametrize("name", ["MessageSid", "AccountSid", "From", "To"])
def test_a_text_missing_a_field_twilio_always_sends_is_refused(client, name):
    form = sms_form()
    del form[name]
    if name == "MessageSid":
        del form["SmsSid"]
    before = stored()

    response = post(client, INBOUND, form)

    refused(response, 400, "malformed_payload", before)


@pytest.mark.parametrize("bad", ["", "SM../x", "SM" + "a" * 31])
def test_a_status_callback_with_a_sid_not_in_twilios_form_is_refused(client, bad):
    before = stored()

    response = post(client, STATUS, {"MessageSid": bad, "MessageStatus": "delivered",
                                     "AccountSid": ACCOUNT_SID})

    refused(response, 400, "malformed_payload", before)


# Size, destinations, methods, configuration.

def test_an_oversized_body_is_refused_with_413(client):
    before = stored()

    response = post(client, INBOUND, sms_form(Body="x" * 70_000))

    refused(response, 413, "oversized_body", before)


def test_a_text_to_a_number_that_is_not_ours_is_answered_200_and_ignored(client):
    before = stored()

    response = post(client, INBOUND, sms_form(To="+447700900999"))

    refused(response, 200, "unknown_destination", before)


def test_a_text_for_another_twilio_account_is_answered_200_and_ignored(client):
    before = stored()

    response = post(client, INBOUND, sms_form(AccountSid="AC" + "f" * 32))

    refused(response, 200, "unknown_destination", before)


@pytest.mark.parametrize("method", ["get", "put", "delete"])
def test_other_methods_are_refused_with_405(client, method):
    before = stored()

    response = getattr(client, method)(INBOUND)

    assert response.status_code == 405
    assert stored() == before


def test_without_twilio_credentials_the_webhook_is_off(client, settings):
    settings.TWILIO_AUTH_TOKEN = ""
    before = stored()

    response = post(client, INBOUND, sms_form())

    refused(response, 503, "provider_not_configured", before)


def test_a_refusal_records_no_text_and_no_number(client):
    signed = signed_twilio_post(INBOUND, sms_form(), token="guessed-token")

    client.post(INBOUND, signed.data, **signed.headers)

    detail = str(SecurityEvent.objects.get().detail)
    assert "call after 6" not in detail
    assert "900521" not in detail


def test_a_true_text_is_still_taken_in(client):
    response = post(client, INBOUND, sms_form())

    assert response.status_code == 200
    assert Identity.objects.get().value == SENDER
    assert not SecurityEvent.objects.exists()
