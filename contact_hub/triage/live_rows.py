"""The dashboard's contact rows, pushed to every open page as they change: rendered once,
however many pages are open, and given to each page by the websocket consumer.

A new contact's row goes out as soon as its intake commits, with the risk rules' flags and
its place in the queue (contact_row_push_new, from services.contact_rules_apply); the
worker's triage sends it again with its history, markers and suggested grade
(contact_rows_push). A row is rendered in a variant for each kind of reader (one who may
triage, one who may release the claim, one who only watches), and names who must not get it
as rendered: the staff excluded from its message (`hidden_from`: their page never hears of
it), and those kept from another of the person's messages, whose count of her history differs
(`own_for`: their page fetches its own). The consumer applies both, from the event alone, so
no page costs the database anything for a row it is sent; it records what each page was shown
(`look`) as one access event a second at most.
"""

from __future__ import annotations

from collections import defaultdict
from typing import Any

from django.db.models import Count, Max
from django.utils import timezone

from contact_hub.conversations.models import MessageExclusion
from contact_hub.live import LiveEvent, live_rows_send
from contact_hub.staff.roles import MAY_SEE_DASHBOARD, MAY_SUPERVISE, MAY_TRIAGE
from contact_hub.triage.models import ContactTriage, RiskFlag
from contact_hub.triage.queue import (
    QueueItem,
    contact_item,
    contact_waiting_of,
    queue_contacts,
)
from contact_hub.triage.rows import contact_row, row_html

# What a page that was shown rows records (conversations.looks.list_look_record).
LOOK = {"what": "triage queue", "why": "triage queue"}
TRIAGE, VIEW, RELEASE = "triage", "view", "release"
# The variant each role's page shows, unless the row says otherwise for a member of staff.
ROLE_VARIANTS = {str(role): TRIAGE if role in MAY_TRIAGE else VIEW for role in MAY_SEE_DASHBOARD}
# The rules' row, before the worker has run: the page keeps a triaged row it already has.
STAGE_RULES, STAGE_TRIAGED = "rules", "triaged"


def contact_row_push_new(triage: ContactTriage, flags: list[RiskFlag]) -> None:
    """The row of a contact intake has just queued, to every page. It reads nothing: a message
    just stored has no claim yet, and no exclusion (those come with a referral, which only the
    worker opens, and intake leaves allegations to it), and its history follows with the
    worker's update."""
    row = _row(contact_item(contact_waiting_of(triage, flags)), stage=STAGE_RULES,
               hidden_from=set(), own_for=set())
    live_rows_send(LiveEvent.QUEUE_ROWS, rows=[row], look=LOOK)


def contact_rows_push(message_ids: list[int]) -> None:
    """The rows of these contacts, if still waiting, as triage has left them, to every page,
    with how many contacts wait. A fixed handful of queries however many, and none per page."""
    if not message_ids:
        return
    contact_items_push(queue_contacts(viewer=None, message_ids=message_ids))


def contact_items_push(items: list[QueueItem]) -> None:
    """contact_rows_push for waiting contacts' queue items in hand, as the hub sees them
    (viewer None): the worker's triage has just read everything they show."""
    hidden, own = _kept_from(items)
    rows = [_row(item, stage=STAGE_TRIAGED, hidden_from=hidden[item.subject.message_id],
                 own_for=own[item.person_id] - hidden[item.subject.message_id])
            for item in items]
    live_rows_send(LiveEvent.QUEUE_ROWS, rows=rows, look=LOOK, **_waiting())


def _kept_from(items: list[QueueItem]) -> tuple[dict[int, set[int]], dict[int | None, set[int]]]:
    """Staff excluded from each message, and staff excluded from any message of each person."""
    hidden: dict[int, set[int]] = defaultdict(set)
    own: dict[int | None, set[int]] = defaultdict(set)
    exclusions = MessageExclusion.objects.filter(
        cleared_at__isnull=True,
        message__conversation__person_id__in={i.person_id for i in items}).values_list(
        "message_id", "message__conversation__person_id", "staff_id")
    shown = {item.subject.message_id for item in items}
    for message_id, person_id, staff_id in exclusions if items else ():
        own[person_id].add(staff_id)
        if message_id in shown:
            hidden[message_id].add(staff_id)
    return hidden, own


def _waiting() -> dict[str, Any]:
    """How many contacts wait, and how many fewer each member of staff kept from some may see
    (the count must not tell them of an allegation)."""
    waiting = ContactTriage.objects.filter(handled_at__isnull=True).aggregate(
        n=Count("pk"), newest=Max("message_id"))
    fewer = (MessageExclusion.objects.filter(cleared_at__isnull=True,
                                             message__triage__handled_at__isnull=True)
             .values("staff_id").annotate(n=Count("pk")).values_list("staff_id", "n"))
    return {"waiting": waiting["n"], "waiting_fewer": {str(staff): n for staff, n in fewer}}


def _row(item: QueueItem, *, stage: str, hidden_from: set[int],
         own_for: set[int]) -> dict[str, Any]:
    row = contact_row(item, now=timezone.now())
    html = {TRIAGE: row_html(row, may_triage=True, may_release=False),
            VIEW: row_html(row, may_triage=False, may_release=False)}
    by_role, by_staff = dict(ROLE_VARIANTS), {}
    if item.claim is not None:
        # The claim's Release button: for whoever holds it, and supervisors.
        html[RELEASE] = row_html(row, may_triage=True, may_release=True)
        by_role |= {str(role): RELEASE for role in MAY_SUPERVISE}
        if item.claim.claimed_by.role in MAY_TRIAGE:
            by_staff[str(item.claim.claimed_by_id)] = RELEASE
    return {"item": item.key, "message_id": item.subject.message_id, "person_id": item.person_id,
            "order": item.order, "stage": stage, "html": html, "by_role": by_role,
            "by_staff": by_staff, "hidden_from": sorted(hidden_from), "own_for": sorted(own_for)}
