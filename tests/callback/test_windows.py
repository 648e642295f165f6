from __future__ import annotations

from datetime import time

from callback.windows import WINDOWS, window_code, window_contains, window_for, window_next_open
from tests.callback.conftest import local

EVENING = (time(17), time(21))
OVERNIGHT = (time(22), time(6))


def test_no_window_means_any_time():
    assert window_contains(None, None, local(2026, 1, 5, 3, 0))


def test_a_time_inside_the_window_is_safe():
    assert window_contains(*EVENING, local(2026, 1, 5, 17, 0))
    assert window_contains(*EVENING, local(2026, 1, 5, 20, 59))


def test_the_end_of_the_window_is_not_safe():
    assert not window_contains(*EVENING, local(2026, 1, 5, 21, 0))
    assert not window_contains(*EVENING, local(2026, 1, 5, 9, 0))


def test_a_window_past_midnight_covers_both_sides():
    assert window_contains(*OVERNIGHT, local(2026, 1, 5, 23, 0))
    assert window_contains(*OVERNIGHT, local(2026, 1, 6, 5, 0))
    assert not window_contains(*OVERNIGHT, local(2026, 1, 6, 12, 0))


def test_the_next_opening_is_later_today_before_the_window():
    assert window_next_open(*EVENING, local(2026, 1, 5, 9, 30)) == local(2026, 1, 5, 17, 0)


def test_the_next_opening_is_tomorrow_after_the_window():
    assert window_next_open(*EVENING, local(2026, 1, 5, 21, 5)) == local(2026, 1, 6, 17, 0)


def test_inside_the_window_the_next_opening_is_now():
    at = local(2026, 1, 5, 18, 12)

    assert window_next_open(*EVENING, at) == at


def test_windows_follow_local_time_across_the_clocks_changing():
    summer = local(2026, 7, 1, 16, 30)  # 15:30 UTC, but 16:30 on the control room's clock

    assert window_next_open(*EVENING, summer) == local(2026, 7, 1, 17, 0)


def test_a_named_window_is_held_by_its_own_code():
    assert window_code(time(17), time(21)) == "evening"
    assert window_code(None, None) == "any"
    assert window_for("evening") == WINDOWS["evening"]


def test_a_plans_own_hours_are_held_as_times_and_read_back():
    code = window_code(time(19), time(22, 30))

    window = window_for(code)

    assert code == "19:00-22:30"
    assert (window.start, window.end, window.label) == (time(19), time(22, 30),
                                                         "19:00 to 22:30")
