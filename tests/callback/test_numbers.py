from __future__ import annotations

import pytest

from callback.numbers import NumberRefused, callback_number_check, caller_withheld


def test_a_uk_mobile_in_any_format_becomes_e164():
    assert callback_number_check("07700 900321") == "+447700900321"
    assert callback_number_check("+44 7700 900321") == "+447700900321"


@pytest.mark.parametrize("raw", ["12", "not a number", "+44 1"])
def test_an_impossible_number_is_refused(raw):
    with pytest.raises(NumberRefused, match="not a phone number"):
        callback_number_check(raw)


@pytest.mark.parametrize("raw", ["09098 790000", "0871 234 5678", "070 1234 5678"])
def test_premium_rate_shared_cost_and_personal_numbers_are_refused(raw):
    with pytest.raises(NumberRefused, match="premium-rate"):
        callback_number_check(raw)


def test_a_foreign_number_is_refused():
    with pytest.raises(NumberRefused, match="in this country"):
        callback_number_check("+1 202 555 0123")


def test_the_allowed_regions_are_configurable(settings):
    settings.HUB_CALLBACK_ALLOWED_REGIONS = ["GB", "US"]

    assert callback_number_check("+1 202 555 0123") == "+12025550123"


def test_the_refused_number_types_are_configurable(settings):
    settings.HUB_CALLBACK_REFUSED_NUMBER_TYPES = []

    assert callback_number_check("09098 790000") == "+449098790000"


@pytest.mark.parametrize("raw", ["anonymous", "Restricted", "", "+266696687"])
def test_withheld_caller_ids_are_recognised(raw):
    assert caller_withheld(raw)


def test_a_real_caller_id_is_not_withheld():
    assert not caller_withheld("+447700900321")
