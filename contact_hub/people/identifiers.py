"""Parsing and masking of the identifiers people reach us by."""

from __future__ import annotations

import functools

import phonenumbers
from django.conf import settings


class InvalidIdentifier(ValueError):
    """The identifier cannot be used: not a number, or not a possible one."""


def phone_parse(raw: str, region: str | None = None) -> str:
    """Return the number in E.164 form, or raise InvalidIdentifier."""
    return _e164(raw, region or settings.HUB_DEFAULT_REGION)


# Nearly every text is from a number seen moments before, and parsing one costs a tenth of a
# millisecond; only numbers that parse are kept (an exception is never cached).
NUMBERS_KEPT = 4096


@functools.lru_cache(maxsize=NUMBERS_KEPT)
def _e164(raw: str, region: str) -> str:
    try:
        number = phonenumbers.parse(raw, region)
    except phonenumbers.NumberParseException as error:
        raise InvalidIdentifier("not a phone number") from error
    if not phonenumbers.is_possible_number(number):
        raise InvalidIdentifier("not a possible phone number")
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def identifier_mask(kind: str, value: str) -> str:
    """Show enough to tell two identifiers apart, not enough to contact the person."""
    if kind == "phone":
        return f"{value[:3]} •••• ••{value[-3:]}" if len(value) > 6 else "••••"
    return f"••••{value[-3:]}" if len(value) > 4 else "••••"
