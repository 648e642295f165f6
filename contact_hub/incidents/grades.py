"""The force's grades and opening codes (from its configuration file), and how they compare."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime, timedelta

from django.conf import settings


def grade_rank(grade: str) -> int:
    """0 for the most urgent grade; the force file lists grades most urgent first."""
    keys = list(settings.HUB_GRADES)
    return keys.index(grade) if grade in keys else len(keys)


def grade_most_urgent(grades: Iterable[str | None]) -> str | None:
    known = [g for g in grades if g in settings.HUB_GRADES]
    return min(known, key=grade_rank) if known else None


def grade_label(grade: str) -> str:
    return settings.HUB_GRADES.get(grade, {}).get("label", grade)


def grade_target_minutes(grade: str) -> int | None:
    return settings.HUB_GRADES[grade]["target_minutes"]


def grade_target_at(grade: str, *, from_time: datetime) -> datetime | None:
    minutes = grade_target_minutes(grade)
    return None if minutes is None else from_time + timedelta(minutes=minutes)


def opening_code_known(code: str) -> bool:
    return code.strip().upper() in settings.HUB_OPENING_CODES


def opening_code_is_domestic(code: str) -> bool:
    return settings.HUB_OPENING_CODES.get(code.strip().upper(), {}).get("domestic", False)


def opening_code_label(code: str) -> str:
    return settings.HUB_OPENING_CODES.get(code.strip().upper(), {}).get("label", code)
