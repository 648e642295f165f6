"""Provider id formats, and how an id goes into a URL path."""

from __future__ import annotations

import pytest

from contact_hub.conversations.sending import TransportError
from social.ids import MESSAGE_ID, NUMERIC_ID, WHATSAPP_USER_ID, id_path_segment, id_valid


@pytest.mark.parametrize("value", ["1618033988749894", "0", "1" * 20])
def test_numeric_ids_are_up_to_twenty_ascii_digits(value):
    assert id_valid(value, NUMERIC_ID)


@pytest.mark.parametrize("value", [
    "", "1" * 21, "12a", "-12", "12\n", " 12", "\u0661\u0662\u0663", "\uff11\uff12", 12, None])
def test_anything_else_is_not_a_numeric_id(value):
    assert not id_valid(value, NUMERIC_ID)


def test_a_whatsapp_user_is_at_most_an_e164_numbers_digits():
    assert id_valid("447700900601", WHATSAPP_USER_ID)
    assert not id_valid("+447700900601", WHATSAPP_USER_ID)
    assert not id_valid("4" * 16, WHATSAPP_USER_ID)


@pytest.mark.parametrize("value", ["m_batch_1", "wamid.HBgMNDQ3NzAwOTAwNjAxFQIAEhggQjE2",
                                   "aWdfZAG1faXRlbToxOklHTWVzc2FnZAUlEOjE3ODQw=="])
def test_message_ids_are_metas_opaque_strings(value):
    assert id_valid(value, MESSAGE_ID)


@pytest.mark.parametrize("value", ["../me", "/me", ".hidden", "m_a b", "m_<b>", "m" * 129, ""])
def test_a_message_id_never_starts_a_path_or_holds_other_characters(value):
    assert not id_valid(value, MESSAGE_ID)


def test_an_id_in_a_url_path_is_quoted_as_one_segment():
    assert id_path_segment("1618033988749894", NUMERIC_ID, what="x recipient id") == \
        "1618033988749894"
    assert id_path_segment("wamid.a/b=", MESSAGE_ID, what="wamid") == "wamid.a%2Fb%3D"


def test_an_id_not_in_its_format_never_reaches_a_url_and_names_no_value():
    with pytest.raises(TransportError) as refused:
        id_path_segment("../../tweets?a=", NUMERIC_ID, what="x recipient id")

    assert refused.value.permanent
    assert str(refused.value) == "x recipient id malformed"
