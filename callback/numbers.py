"""Which numbers the hub will call back: the configurable number policy."""

from __future__ import annotations

import phonenumbers
from django.conf import settings

from contact_hub.people.identifiers import InvalidIdentifier, phone_parse

# What Twilio sends as From when the caller withholds their number.
WITHHELD_CALLER_IDS = {"", "anonymous", "restricted", "unknown", "blocked", "private",
                       "+266696687", "+7378742833", "+2562533", "+86282452253"}


class NumberRefused(ValueError):
    """We will not call this number back; the reason is safe to show or say to the caller."""


def caller_withheld(raw: str) -> bool:
    return raw.strip().lower() in WITHHELD_CALLER_IDS


def callback_number_check(raw: str) -> str:
    """The number in E.164 form if policy lets us call it back, else NumberRefused."""
    try:
        e164 = phone_parse(raw)
    except InvalidIdentifier as error:
        raise NumberRefused("That is not a phone number we can call.") from error
    number = phonenumbers.parse(e164)
    if number.country_code is None:
        raise NumberRefused("That is not a phone number we can call.")
    regions = set(phonenumbers.region_codes_for_country_code(number.country_code))
    if not regions & set(settings.HUB_CALLBACK_ALLOWED_REGIONS):
        raise NumberRefused("We can only call back numbers in this country.")
    refused = {getattr(phonenumbers.PhoneNumberType, name, None)
               for name in settings.HUB_CALLBACK_REFUSED_NUMBER_TYPES}
    if phonenumbers.number_type(number) in refused:
        raise NumberRefused("We cannot call back premium-rate or shared-cost numbers.")
    return e164
