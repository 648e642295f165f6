"""A waiting contact's row on the dashboard: what it shows, as plain values, rendered once for
each way it looks and kept. Every open page fetches its queue again every few seconds on a busy
hub, and every new contact's row is rendered as its intake commits, so this is the hub's most
rendered markup: it is built here with format_html (a twentieth of a template's cost), and a row
that has not changed is not rendered again, by any page.

The row is the whole key of what is rendered: a change to anything it shows is a new row. The
only part of a row that belongs to a page, its CSRF token, is put in after (row_for_page).
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from django.urls import reverse
from django.utils import timezone
from django.utils.dateformat import format as date_format
from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString, mark_safe
from django.utils.timesince import timesince

from contact_hub.conversations.models import Channel
from contact_hub.incidents.grades import grade_label
from contact_hub.staff.models import StaffUser
from contact_hub.staff.roles import MAY_SUPERVISE, MAY_TRIAGE
from contact_hub.triage.queue import ContactWaiting, QueueItem
from contact_hub.triage.selectors import PersonHistory

# A row rendered for every page carries this for a CSRF token; each page's own replaces it.
CSRF_FROM_PAGE = "from-the-page"
# Rows kept per process: a long queue's top for every variant, and the rows it had a while ago.
ROWS_KEPT = 4096
# A row shows the start of a long text (Django's truncatechars, as every page did).
TEXT_SHOWN = 160


@dataclass(frozen=True)
class HistoryShown:
    markers: tuple[tuple[str, str], ...]  # label, until ("12 Mar")
    earlier_contacts: int
    channels: tuple[str, ...]
    incidents: int
    is_repeat: bool


@dataclass(frozen=True)
class ContactRow:
    contact: ContactWaiting
    key: str
    order: str
    band: str
    flagged: bool
    suggested: str  # the suggested grade's label, or ""
    channel_label: str
    person_url: str
    contact_url: str
    received_ago: str  # as timesince words it: the row changes when they do
    history: HistoryShown | None  # None until the worker's triage has run
    claimed_by_id: int | None
    claimed_by: str
    # What the template would otherwise work out with filters, each time it renders.
    text: str  # shortened
    received_iso: str
    flags: tuple[tuple[str, str, str, str], ...]  # kind, label, title, the words quoted


def contact_row(item: QueueItem, *, now: datetime) -> ContactRow:
    """The row of a waiting contact's queue item (kind "message"), with its claim and history."""
    contact: ContactWaiting = item.subject
    claim = item.claim
    return ContactRow(
        contact=contact, key=item.key, order=item.order, band=item.band, flagged=item.flagged,
        suggested=grade_label(contact.suggested_grade) if contact.suggested_grade else "",
        channel_label=_channel_labels().get(contact.channel, contact.channel),
        person_url=_url("people:detail", contact.person_id),
        contact_url=_url("triage:contact", contact.message_id),
        received_ago=_ago(contact.received_at, now),
        history=_history_shown(item.history) if item.history is not None else None,
        claimed_by_id=claim.claimed_by_id if claim else None,
        claimed_by=(claim.claimed_by.get_full_name() or claim.claimed_by.username)
        if claim else "",
        text=_shortened(contact.text), received_iso=contact.received_at.isoformat(),
        flags=tuple((f.kind, f.label, _flag_title(f.words), "\u201d, \u201c".join(f.words))
                    for f in contact.flags))


@functools.cache
def _channel_labels() -> dict[str, Any]:
    return {str(value): label for value, label in Channel.choices}


# Under a day, timesince's words depend on the whole minutes gone by alone (past it, on the
# calendar's months too).
_AGO_KEPT_MINUTES = 24 * 60


def _ago(since: datetime, now: datetime) -> str:
    """timesince(since, now), its words for a waiting row kept for each minute of the day."""
    minutes = int((now - since).total_seconds() // 60)
    if 0 <= minutes < _AGO_KEPT_MINUTES:
        return _minutes_ago(minutes)
    return timesince(since, now)


@functools.lru_cache(maxsize=_AGO_KEPT_MINUTES)
def _minutes_ago(minutes: int) -> str:
    now = timezone.now()
    return timesince(now - timedelta(minutes=minutes), now)


def _shortened(text: str) -> str:
    return text if len(text) <= TEXT_SHOWN else text[:TEXT_SHOWN - 1] + "\u2026"


def _flag_title(words: tuple[str, ...]) -> str:
    return "raised by: " + ", ".join(words) if words else "added by staff"


def _history_shown(history: PersonHistory) -> HistoryShown:
    return HistoryShown(
        markers=tuple((m.label, date_format(timezone.localtime(m.expires_at), "d M"))
                      for m in history.markers),
        earlier_contacts=history.earlier_contacts, channels=tuple(history.channels),
        incidents=len(history.incidents), is_repeat=history.is_repeat)


def may_release(row: ContactRow, viewer: StaffUser) -> bool:
    """Whether the viewer is offered the claim's Release: whoever holds it, and supervisors."""
    if row.claimed_by_id is None:
        return False
    return viewer.has_role(*MAY_SUPERVISE) or (
        viewer.has_role(*MAY_TRIAGE) and row.claimed_by_id == viewer.pk)


@functools.lru_cache(maxsize=ROWS_KEPT)
def row_html(row: ContactRow, *, may_triage: bool, may_release: bool) -> SafeString:
    """The row as every page with these rights shows it (with CSRF_FROM_PAGE for a token):
    the Triage link and the claim's buttons for those who may use them."""
    head, middle = _row_shared(row)
    action = (format_html('<a class="action" href="{}">Triage</a>', row.contact_url)
              if may_triage else mark_safe(""))
    return head + action + middle + _claim_html(row, may_triage=may_triage,
                                                may_release=may_release) + _ROW_END


_ROW_END = mark_safe("</td></tr>")


@functools.lru_cache(maxsize=ROWS_KEPT)
def _row_shared(row: ContactRow) -> tuple[SafeString, SafeString]:
    """What every variant of the row shows, before and after its Triage link: rendered once
    for them all (each new row is rendered in every variant at once)."""
    contact = row.contact
    head = format_html(
        '<tr class="item message{}" data-item="{}" data-order="{}" data-message-id="{}"{}>'
        '<td><span class="risk {}" data-risk="{}">{}</span>{}</td>'
        '<td><span class="channel {}">{}</span> from <a href="{}?why=triage">{}</a>'
        '<p class="text">{}{}</p>',
        " flagged" if row.flagged else "", row.key, row.order, contact.message_id,
        mark_safe(' data-stage="rules"') if row.history is None else "",
        row.band, contact.risk, contact.risk,
        format_html('<br><span class="muted">suggest {}</span>', row.suggested)
        if row.suggested else "",
        contact.channel, row.channel_label, row.person_url, contact.masked, row.text,
        format_html(' <span class="muted">[{} attachment{}]</span>', contact.attachments,
                    "" if contact.attachments == 1 else "s") if contact.attachments else "")
    middle = format_html(
        '</td><td>{}</td><td class="history">{}</td><td><time datetime="{}">{} ago</time></td>'
        "<td>", _flags_html(row), _history_html(row.history), row.received_iso,
        row.received_ago)
    return head, middle


def _flags_html(row: ContactRow) -> SafeString:
    if not row.flags:
        return mark_safe('<span class="muted">none</span>')
    return format_html_join(" ", '<span class="flag {}" title="{}">{}{}</span>', (
        (kind, title, label, format_html(' <q class="words">{}</q>', words) if words else "")
        for kind, label, title, words in row.flags))


def _history_html(history: HistoryShown | None) -> SafeString:
    if history is None:
        return mark_safe('<span class="muted">checking history\u2026</span>')
    parts = [format_html('<span class="marker">{} to {}</span>', label, until)
             for label, until in history.markers]
    if history.earlier_contacts:
        parts.append(format_html("<span>{} earlier contact{} ({})</span>",
                                 history.earlier_contacts,
                                 "" if history.earlier_contacts == 1 else "s",
                                 ", ".join(history.channels)))
    if history.incidents:
        parts.append(format_html("<span>{} incident{}</span>", history.incidents,
                                 "" if history.incidents == 1 else "s"))
    if not history.is_repeat and not history.markers:
        parts.append(mark_safe('<span class="muted">first contact</span>'))
    return mark_safe(" ".join(parts))  # noqa: S308  (each part is format_html's)


def _claim_html(row: ContactRow, *, may_triage: bool, may_release: bool) -> SafeString:
    form = ('<form method="post" action="{}" class="inline"><input type="hidden" '
            'name="csrfmiddlewaretoken" value="{}"><input type="hidden" name="item" value="{}">')
    if row.claimed_by_id is not None:
        claimed = format_html('<span class="claimed">{}</span>', row.claimed_by)
        if not may_release:
            return claimed
        return format_html('{} ' + form + '<input type="hidden" name="release" value="1">'
                           '<button type="submit" class="small link-button">Release</button>'
                           "</form>", claimed, _claim_url(), CSRF_FROM_PAGE, row.key)
    if may_triage:
        return format_html(form + '<button type="submit" class="small">Claim</button></form>',
                           _claim_url(), CSRF_FROM_PAGE, row.key)
    return mark_safe('<span class="muted">nobody</span>')


def row_for_page(html: str, csrf_token: str) -> SafeString:
    """A row rendered for every page, with this page's CSRF token in its forms."""
    return mark_safe(html.replace(f'value="{CSRF_FROM_PAGE}"', f'value="{csrf_token}"'))  # noqa: S308  (the token is Django's own, of [a-zA-Z0-9])


# A page's URLs differ only in an id: reversed once, then filled in.
_ID = 987654321


@functools.cache
def _url_around(name: str) -> tuple[str, str]:
    before, _, after = reverse(name, args=[_ID]).partition(str(_ID))
    return before, after


def _url(name: str, pk: int) -> str:
    before, after = _url_around(name)
    return f"{before}{pk}{after}"


@functools.cache
def _claim_url() -> str:
    return reverse("triage:claim")
