"""Template helpers for triage pages: countdowns, and labels from the force's files."""

from __future__ import annotations

from datetime import datetime

from django import template
from django.utils import timezone
from django.utils.html import format_html

from contact_hub.incidents.grades import grade_label, opening_code_label
from contact_hub.triage.rules import flag_label

register = template.Library()


def countdown_text(target_at: datetime, now: datetime) -> str:
    """'12m left', '1h 05m left', '3m over': the same words countdown.js writes each second."""
    seconds = int((target_at - now).total_seconds())
    span = abs(seconds)
    hours, minutes = span // 3600, (span % 3600) // 60
    text = f"{hours}h {minutes:02d}m" if hours else f"{minutes}m {span % 60:02d}s"
    return f"{text} left" if seconds >= 0 else f"{text} over"


@register.simple_tag
def countdown(target_at: datetime | None, closed: bool = False) -> str:
    """A live countdown to the target; countdown.js keeps it ticking on every page."""
    if target_at is None:
        return format_html('<span class="countdown none">{}</span>', "no target")
    if closed:
        return format_html('<span class="countdown none">{}</span>', "closed")
    now = timezone.now()
    state = "over" if target_at <= now else "running"
    return format_html('<time class="countdown" data-state="{}" data-target="{}" datetime="{}" '
                       'title="target {}">{}</time>', state, target_at.isoformat(),
                       target_at.isoformat(), timezone.localtime(target_at).strftime("%H:%M"),
                       countdown_text(target_at, now))


register.filter("flag_label", flag_label)
register.filter("grade_label", grade_label)
register.filter("opening_code_label", opening_code_label)
