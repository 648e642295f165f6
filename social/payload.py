"""Reading fields of a provider's JSON payload to the shape they must have.

A field of the wrong shape, or an id not in its provider's format, refuses the whole delivery
(400), so a parser never meets a surprise type half-way through and stores half a batch.
"""

from __future__ import annotations

import re
from typing import Any

from social.ids import id_valid


class PayloadError(ValueError):
    """Not the provider's payload. The reason names a field, never a value, so it is safe to
    keep in a security event."""


def field_object(value: Any, name: str) -> dict[str, Any]:
    """An object, or {} when the field is absent."""
    if value is None:
        return {}
    if not isinstance(value, dict):
        raise PayloadError(f"{name} is not an object")
    return value


def field_list(value: Any, name: str) -> list[Any]:
    """A list, or [] when the field is absent."""
    if value is None:
        return []
    if not isinstance(value, list):
        raise PayloadError(f"{name} is not a list")
    return value


def field_text(value: Any, name: str) -> str:
    if value is None:
        return ""
    if not isinstance(value, str):
        raise PayloadError(f"{name} is not a string")
    return value


def field_id(value: Any, pattern: re.Pattern[str], name: str, *, required: bool = False) -> str:
    """An id in its provider's format; "" when absent and not required (the caller skips the
    item as incomplete). Present but malformed is always refused."""
    if value is None and not required:
        return ""
    if not id_valid(value, pattern):
        raise PayloadError(f"{name} is not in the provider's format")
    return value
