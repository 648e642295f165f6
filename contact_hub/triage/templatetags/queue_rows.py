"""The dashboard queue's rows: a waiting contact's from those already rendered (triage/rows.py),
every other kind from its app's template."""

from __future__ import annotations

from django import template
from django.template import Engine
from django.template.context import Context
from django.utils import timezone
from django.utils.safestring import SafeString

from contact_hub.triage.queue import QueueItem
from contact_hub.triage.rows import contact_row, may_release, row_for_page, row_html

register = template.Library()


@register.simple_tag(takes_context=True)
def queue_row(context: Context, item: QueueItem) -> SafeString:
    if item.kind != "message":
        with context.push(item=item):
            return Engine.get_default().get_template(item.template).render(context)
    # One moment for the whole page, so every row's "ago" is from the same now.
    if "queue_now" not in context.render_context:
        context.render_context["queue_now"] = timezone.now()
    row = contact_row(item, now=context.render_context["queue_now"])
    user = context["user"]
    html = row_html(row, may_triage=bool(context.get("may_triage")),
                    may_release=may_release(row, user))
    return row_for_page(html, str(context["csrf_token"]))
