"""The triage dashboard, a contact's triage page, alerts and markers (professional standards'
referrals are in referral_views). Views are thin: check the role, call one service, answer."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime, time
from typing import Any, TypeGuard

from django.contrib import messages
from django.db import transaction
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST

from contact_hub.conversations.look_views import reason_asked
from contact_hub.conversations.looks import (
    ReasonNeeded,
    list_look_record,
    look_reason_required,
    look_record,
)
from contact_hub.conversations.models import Message
from contact_hub.conversations.visibility import hides_anything_from_fixed, message_visible_to
from contact_hub.incidents.alerts import alert_acknowledge, alerts_open_for, alerts_shown_to
from contact_hub.incidents.models import Alert, Incident
from contact_hub.incidents.services import IncidentRefused
from contact_hub.incidents.visibility import incidents_visible_to
from contact_hub.people.models import Person
from contact_hub.prepared import statements_prepared
from contact_hub.staff.access import StaffRequest, role_required
from contact_hub.staff.audit import security_event_record
from contact_hub.staff.roles import (
    MAY_ACKNOWLEDGE_ALERTS,
    MAY_SEE_DASHBOARD,
    MAY_SET_MARKERS,
    MAY_TRIAGE,
)
from contact_hub.triage.forms import MarkerForm, ThriveForm
from contact_hub.triage.live_rows import LOOK as QUEUE_LOOK
from contact_hub.triage.markers import MarkerRefused, marker_decide, marker_set
from contact_hub.triage.models import Claim, Marker
from contact_hub.triage.queue import (
    QUEUE_LIMIT,
    QueueItem,
    queue_contacts,
    queue_items,
    queue_order_parse,
    queue_summary,
)
from contact_hub.triage.rules import risk_rules
from contact_hub.triage.selectors import person_contacts, person_history, person_markers
from contact_hub.triage.services import (
    DomesticCodeQuestion,
    TriageRefused,
    contact_close,
    contact_grade,
    contact_link,
    flag_add,
    flag_remove,
    item_claim,
    item_release,
)

# Contacts a page may ask for by id at once; past this it fetches the whole queue.
QUEUE_NEW_MOST = 500


def _queue_context(request: StaffRequest) -> dict:
    items = queue_items(viewer=request.user)
    _queue_looked(request, items)
    return {"items": items, "summary": queue_summary(request.user),
            "alerts": alerts_shown_to(request.user),
            "may_triage": request.user.has_role(*MAY_TRIAGE), "limit": QUEUE_LIMIT,
            "most_ids": QUEUE_NEW_MOST}


def _queue_looked(request: StaffRequest, items: list[QueueItem]) -> None:
    """One access event for the page (or the rows fetched into it), naming everyone shown."""
    list_look_record(actor=request.user, what=QUEUE_LOOK["what"], why=QUEUE_LOOK["why"],
                     person_ids=[item.person_id for item in items])


@role_required(*MAY_SEE_DASHBOARD)
def dashboard_view(request: StaffRequest) -> HttpResponse:
    with (transaction.atomic(), hides_anything_from_fixed(request.user),
          statements_prepared()):
        return render(request, "triage/dashboard.html", _queue_context(request))


@role_required(*MAY_SEE_DASHBOARD)
def queue_view(request: StaffRequest) -> HttpResponse:
    """The queue alone, fetched by the page on a resync and when an event says the queue
    changed (new contacts' rows come pushed over the websocket, live_rows.py).

    With ?messages=<id>,<id>…, only those contacts (the page asks for these when told to fetch
    its own version of a row, and places each row by its order itself); with &before=<order>
    as well, only those that sort above the last row of a page that shows a full queue."""
    if "messages" not in request.GET:
        # Fetched by every page on every resync, always in the same shape: planned once.
        with (transaction.atomic(), hides_anything_from_fixed(request.user),
              statements_prepared()):
            return render(request, "triage/_queue.html", _queue_context(request))
    ids = request.GET["messages"].split(",")
    if len(ids) > QUEUE_NEW_MOST or not all(i.isdigit() and len(i) <= 18 for i in ids):
        return _queue_refused(request, f"messages must be up to {QUEUE_NEW_MOST} message ids, "
                                       "separated by commas.")
    try:
        above = queue_order_parse(request.GET["before"]) if "before" in request.GET else None
    except ValueError:
        return _queue_refused(request, "before must be the order of a row on the queue.")
    with transaction.atomic():
        items = queue_contacts(viewer=request.user, message_ids=[int(i) for i in ids],
                               above=above)
        _queue_looked(request, items)
        return render(request, "triage/_queue_new.html", {
            "items": items, "summary": queue_summary(request.user), "limit": QUEUE_LIMIT,
            "may_triage": request.user.has_role(*MAY_TRIAGE)})


def _queue_refused(request: StaffRequest, reason: str) -> HttpResponse:
    security_event_record("malformed_payload", request=request,
                          detail={"reason": "queue fetch: " + reason})
    return HttpResponse(reason, status=400, content_type="text/plain")


def _contact(request: StaffRequest, message_id: int) -> Message:
    """The inbound contact, unless it alleges misconduct by the viewer."""
    message = get_object_or_404(Message.objects.select_related(
        "conversation__identity", "conversation__person"), pk=message_id,
        direction=Message.Direction.INBOUND)
    if not message_visible_to(message, request.user):
        # The same answer as a contact that does not exist: they must not learn of it.
        security_event_record("named_staff_refused", request=request,
                              detail={"message_id": message.pk})
        raise Http404
    return message


def _reason_needed(request: StaffRequest, message: Message) -> HttpResponse | None:
    """A change to a contact needs the reason a look needs (the page it was posted from asked
    for one): the page asking why, if the reader has none."""
    try:
        look_reason_required(request.user, message.conversation.person_id)
    except ReasonNeeded as needed:
        return reason_asked(request, needed)
    return None


@role_required(*MAY_SEE_DASHBOARD)
def contact_view(request: StaffRequest, message_id: int) -> HttpResponse:
    message = _contact(request, message_id)
    try:
        with transaction.atomic():
            look_record(actor=request.user, person_id=message.conversation.person_id,
                        what="contact triage")
            return _render_contact(request, message, ThriveForm(initial=_suggested(message)))
    except ReasonNeeded as needed:
        return reason_asked(request, needed)


def _suggested(message: Message) -> dict:
    triage = getattr(message, "triage", None)
    return {"grade": triage.suggested_grade} if triage and triage.suggested_grade else {}


def _render_contact(request: StaffRequest, message: Message, form: ThriveForm, *,
                    question: DomesticCodeQuestion | None = None, status: int = 200
                    ) -> HttpResponse:
    person_id = message.conversation.person_id
    flags = list(message.risk_flags.select_related("removed_by").order_by("kind"))
    return render(request, "triage/contact.html", {
        "message": message, "triage": getattr(message, "triage", None),
        "flags": [f for f in flags if f.removed_at is None],
        "removed_flags": [f for f in flags if f.removed_at is not None],
        "rules": risk_rules(), "form": form, "question": question,
        "claim": Claim.objects.filter(item_key=f"message:{message.pk}")
        .select_related("claimed_by").first(),
        "open_incidents": incidents_visible_to(Incident.objects.filter(
            person_id=person_id, closed_at__isnull=True), request.user).order_by("-created_at"),
        "may_triage": request.user.has_role(*MAY_TRIAGE),
        **history_context(request, person_id),
    }, status=status)


def history_context(request: StaffRequest, person_id: int) -> dict:
    """What the history partial (triage/_history.html) needs; the person page uses it too."""
    return {
        "history": person_history(person_id, viewer=request.user),
        "history_person_id": person_id,
        "history_contacts": person_contacts(person_id, viewer=request.user),
        "history_markers": person_markers(person_id),
        "marker_form": MarkerForm(),
        "may_mark": request.user.has_role(*MAY_SET_MARKERS),
        "now": timezone.now(),
    }


def _refusal_back(request: StaffRequest, refusal: Exception, to: str, **kwargs: Any
                  ) -> HttpResponse:
    messages.error(request, str(refusal))
    return redirect(to, **kwargs)


@require_POST
@role_required(*MAY_TRIAGE)
def contact_grade_view(request: StaffRequest, message_id: int) -> HttpResponse:
    message = _contact(request, message_id)
    if (asked := _reason_needed(request, message)) is not None:
        return asked
    form = ThriveForm(request.POST)
    if not form.is_valid():
        return _render_contact(request, message, form, status=400)
    try:
        incident = contact_grade(
            message=message, opening_code=form.cleaned_data["opening_code"],
            grade=form.cleaned_data["grade"], thrive=form.thrive(), actor=request.user,
            confirm_not_domestic=form.cleaned_data["confirm_not_domestic"])
    except DomesticCodeQuestion as question:
        return _render_contact(request, message, form, question=question, status=409)
    except (TriageRefused, IncidentRefused) as refusal:
        return _refusal_back(request, refusal, "triage:contact", message_id=message.pk)
    messages.success(request, f"Incident {incident.reference} opened, graded "
                              f"{incident.grade_label}.")
    return redirect("incidents:detail", reference=incident.reference)


@require_POST
@role_required(*MAY_TRIAGE)
def contact_link_view(request: StaffRequest, message_id: int) -> HttpResponse:
    message = _contact(request, message_id)
    if (asked := _reason_needed(request, message)) is not None:
        return asked
    incident = get_object_or_404(incidents_visible_to(Incident.objects.all(), request.user),
                                 reference=request.POST.get("reference", ""))
    try:
        contact_link(message=message, incident=incident, actor=request.user)
    except (TriageRefused, IncidentRefused) as refusal:
        return _refusal_back(request, refusal, "triage:contact", message_id=message.pk)
    messages.success(request, f"Contact linked to {incident.reference}.")
    return redirect("incidents:detail", reference=incident.reference)


@require_POST
@role_required(*MAY_TRIAGE)
def contact_close_view(request: StaffRequest, message_id: int) -> HttpResponse:
    message = _contact(request, message_id)
    if (asked := _reason_needed(request, message)) is not None:
        return asked
    try:
        contact_close(message=message, actor=request.user, reason=request.POST.get("reason", ""))
    except TriageRefused as refusal:
        return _refusal_back(request, refusal, "triage:contact", message_id=message.pk)
    messages.success(request, "Closed with no action; the reason is recorded.")
    return redirect("triage:dashboard")


@require_POST
@role_required(*MAY_TRIAGE)
def flag_change_view(request: StaffRequest, message_id: int) -> HttpResponse:
    message = _contact(request, message_id)
    if (asked := _reason_needed(request, message)) is not None:
        return asked
    change: Callable = flag_add if request.POST.get("change") == "add" else flag_remove
    try:
        change(message=message, kind=request.POST.get("kind", ""), actor=request.user,
               reason=request.POST.get("reason", ""))
    except (TriageRefused, IncidentRefused) as refusal:
        messages.error(request, str(refusal))
    return redirect("triage:contact", message_id=message.pk)


@require_POST
@role_required(*MAY_TRIAGE)
def claim_view(request: StaffRequest) -> HttpResponse:
    key = request.POST.get("item", "")
    try:
        if request.POST.get("release"):
            item_release(item_key=key, actor=request.user)
        else:
            item_claim(item_key=key, actor=request.user)
    except TriageRefused as refusal:
        messages.error(request, str(refusal))
    next_url = request.POST.get("next")
    return redirect(next_url if _local(next_url) else "triage:dashboard")


def _local(url: str | None) -> TypeGuard[str]:
    return url is not None and url.startswith("/") and not url.startswith("//")


@require_POST
@role_required(*MAY_ACKNOWLEDGE_ALERTS)
def alert_acknowledge_view(request: StaffRequest, alert_id: int) -> HttpResponse:
    alert = get_object_or_404(alerts_open_for(request.user), pk=alert_id)
    alert_acknowledge(alert=alert, actor=request.user)
    if alert.kind == Alert.Kind.MARKER_REVIEW and alert.marker is not None:
        return redirect("people:detail", person_id=alert.marker.person_id)
    return redirect("triage:dashboard")


def _end_of_day(day: date) -> datetime:
    return timezone.make_aware(datetime.combine(day, time(23, 59)))


@require_POST
@role_required(*MAY_SET_MARKERS)
def marker_set_view(request: StaffRequest, person_id: int) -> HttpResponse:
    person = get_object_or_404(Person, pk=person_id)
    form = MarkerForm(request.POST)
    if not form.is_valid():
        messages.error(request, "Give the marker, its end date and the officer responsible.")
        return redirect("people:detail", person_id=person.pk)
    try:
        marker_set(person=person, kind=form.cleaned_data["kind"],
                   expires_at=_end_of_day(form.cleaned_data["expires_on"]),
                   officer=form.cleaned_data["officer"], actor=request.user,
                   note=form.cleaned_data["note"], address=form.cleaned_data["address"])
    except MarkerRefused as refusal:
        messages.error(request, str(refusal))
    else:
        messages.success(request, "Marker set.")
    return redirect("people:detail", person_id=person.pk)


@require_POST
@role_required(*MAY_SET_MARKERS)
def marker_decide_view(request: StaffRequest, marker_id: int) -> HttpResponse:
    marker = get_object_or_404(Marker, pk=marker_id)
    extend = request.POST.get("decision") == "extend"
    try:
        until = request.POST.get("extend_until", "")
        extend_until = _end_of_day(datetime.fromisoformat(until).date()) if extend else None
        marker_decide(marker=marker, extend_until=extend_until, actor=request.user,
                      note=request.POST.get("note", ""))
    except ValueError as refusal:
        messages.error(request, str(refusal) if isinstance(refusal, MarkerRefused) else
                       "Give the date to extend it to.")
    else:
        messages.success(request, "Decision recorded; the victim is being told.")
    return redirect("people:detail", person_id=marker.person_id)
