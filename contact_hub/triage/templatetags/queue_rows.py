"""The dashboard queue's rows: a waiting contact's from those already rendered (triage/rows.py),
every other kind from its app's template."""

from __future__ import annotations

from django import template
from django.template import Engine
from django.template.context import Context
from django.utils import timezone
from django.utils.safestring import SafeString, mark_safe

from contact_hub.triage.queue import QueueItem
from contact_hub.triage.rows import contact_row, may_release, row_for_page, row_html

register = template.Library()


@register.simple_tag(takes_context=True)
def queue_rows(context: Context, items: list[QueueItem]) -> SafeString:
    """Every row of the list, in order: the page's part (its user, rights, CSRF token and
    moment, so every row's "ago" is from the same now) worked out once for them all."""
    now, user, csrf_token = timezone.now(), context["user"], str(context["csrf_token"])
    may_triage = bool(context.get("may_triage"))
    engine = Engine.get_default()
    rows = []
    for item in items:
        if item.kind != "message":
            with context.push(item=item):
                rows.append(engine.get_template(item.template).render(context))
            continue
        row = contact_row(item, now=now)
        rows.append(row_for_page(row_html(row, may_triage=may_triage,
                                          may_release=may_release(row, user)), csrf_token))
    return mark_safe("".join(rows))  # noqa: S308  (each row is escaped where it is built)
