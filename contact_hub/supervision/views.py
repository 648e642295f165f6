"""Supervisors' and professional standards' pages on staff conduct: the dip sample of the shift
and its verdicts, and staff words held for review. Every list records one access event naming
the people it shows; opening any of them is a look of its own."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST

from contact_hub.conversations.conduct import contact_sources
from contact_hub.conversations.looks import list_look_record
from contact_hub.conversations.models import ConductHold
from contact_hub.conversations.services import MessageRefused, conduct_hold_decide
from contact_hub.incidents.alerts import alert_acknowledge
from contact_hub.incidents.models import Alert
from contact_hub.staff.access import StaffRequest, role_required
from contact_hub.staff.models import Role
from contact_hub.staff.reasons import REASON_MIN_CHARS
from contact_hub.staff.roles import MAY_REVIEW_CONDUCT, MAY_SUPERVISE
from contact_hub.supervision.models import DipSampleItem
from contact_hub.supervision.services import (
    SampleRefused,
    dip_sample_current,
    dip_verdict_record,
    shift_length,
)

HELD_DECIDED_SHOWN = 100
VERDICTS_SHOWN = 200


@role_required(*MAY_SUPERVISE)
def sample_view(request: StaffRequest) -> HttpResponse:
    sample = dip_sample_current(supervisor=request.user)
    items = list(sample.items.select_related("staff"))
    list_look_record(actor=request.user, what="dip sample", why="dip sampling",
                     person_ids=[item.person_id for item in items])
    sources = contact_sources()
    rows = [{"item": item, "kind": _kind_label(item.kind),
             "link": sources[item.kind].link(item.record_id, item.person_id)
             if item.kind in sources else ""} for item in items]
    return render(request, "supervision/sample.html", {
        "sample": sample, "rows": rows, "verdicts": _verdict_choices(),
        "min_chars": REASON_MIN_CHARS})


@require_POST
@role_required(*MAY_SUPERVISE)
def verdict_view(request: StaffRequest, item_id: int) -> HttpResponse:
    item = get_object_or_404(DipSampleItem.objects.select_related("sample", "staff"),
                             pk=item_id, sample__supervisor=request.user)
    try:
        recorded = dip_verdict_record(item=item, actor=request.user,
                                      verdict=request.POST.get("verdict", ""),
                                      notes=request.POST.get("notes", ""))
    except SampleRefused as refusal:
        messages.error(request, str(refusal))
    else:
        referred = recorded.verdict == DipSampleItem.Verdict.REFER
        messages.success(request, "Verdict recorded." + (
            " Professional standards have been alerted." if referred else ""))
    return redirect("supervision:sample")


@role_required(*MAY_SUPERVISE, *MAY_REVIEW_CONDUCT)
def held_view(request: StaffRequest) -> HttpResponse:
    return render(request, "supervision/held.html", _held_context(request))


@role_required(*MAY_SUPERVISE, *MAY_REVIEW_CONDUCT)
def held_live_view(request: StaffRequest) -> HttpResponse:
    return render(request, "supervision/_held.html", _held_context(request))


def _held_context(request: StaffRequest) -> dict[str, Any]:
    holds = ConductHold.objects.select_related("author", "decided_by", "message")
    pending = list(holds.filter(decided_at__isnull=True).order_by("-held_at"))
    decided = list(holds.filter(decided_at__isnull=False)
                   .order_by("-decided_at")[:HELD_DECIDED_SHOWN])
    supervising = request.user.has_role(*MAY_SUPERVISE)
    list_look_record(actor=request.user, what="held staff words",
                     why="deciding on held staff words" if supervising
                     else "reviewing held staff words",
                     person_ids=[hold.person_id for hold in pending + decided])
    return {"pending": pending, "decided": decided, "may_decide": supervising,
            "alerts": _standards_alerts(request, Alert.Kind.CONDUCT_HOLD),
            "min_chars": REASON_MIN_CHARS}


@require_POST
@role_required(*MAY_SUPERVISE)
def decide_view(request: StaffRequest, hold_id: int) -> HttpResponse:
    hold = get_object_or_404(ConductHold, pk=hold_id)
    decision = request.POST.get("decision", "")
    if decision not in ("send", "refuse"):
        messages.error(request, "Choose to send it or to refuse it.")
        return redirect("supervision:held")
    try:
        conduct_hold_decide(hold=hold, actor=request.user, send=decision == "send",
                            reason=request.POST.get("reason", ""))
    except MessageRefused as refusal:
        messages.error(request, str(refusal))
    else:
        messages.success(request, "Sent after review; your reason is on record."
                         if decision == "send" else "Refused: it will never be sent.")
    return redirect("supervision:held")


@role_required(*MAY_REVIEW_CONDUCT)
def verdicts_view(request: StaffRequest) -> HttpResponse:
    return render(request, "supervision/verdicts.html", _verdicts_context(request))


@role_required(*MAY_REVIEW_CONDUCT)
def verdicts_live_view(request: StaffRequest) -> HttpResponse:
    return render(request, "supervision/_verdicts.html", _verdicts_context(request))


def _verdicts_context(request: StaffRequest) -> dict[str, Any]:
    items = DipSampleItem.objects.select_related("staff", "sample__supervisor")
    checked = list(items.exclude(verdict="").order_by("-verdict_at")[:VERDICTS_SHOWN])
    # Offered in a shift that is over, and never checked.
    unchecked = list(items.filter(verdict="", sample__drawn_at__lte=timezone.now()
                                  - shift_length()).order_by("-at")[:VERDICTS_SHOWN])
    list_look_record(actor=request.user, what="dip-sample verdicts",
                     why="reviewing dip-sample verdicts",
                     person_ids=[item.person_id for item in checked + unchecked])
    return {"checked": [(item, _kind_label(item.kind)) for item in checked],
            "unchecked": [(item, _kind_label(item.kind)) for item in unchecked],
            "alerts": _standards_alerts(request, Alert.Kind.DIP_REFERRAL)}


@require_POST
@role_required(*MAY_REVIEW_CONDUCT)
def alert_seen_view(request: StaffRequest, alert_id: int) -> HttpResponse:
    alert = get_object_or_404(Alert, pk=alert_id, for_role=Role.PROFESSIONAL_STANDARDS,
                              kind__in=[Alert.Kind.CONDUCT_HOLD, Alert.Kind.DIP_REFERRAL])
    alert_acknowledge(alert=alert, actor=request.user)
    return redirect("supervision:verdicts" if alert.kind == Alert.Kind.DIP_REFERRAL
                    else "supervision:held")


def _standards_alerts(request: StaffRequest, kind: str) -> list[Alert]:
    """Professional standards' open alerts of this kind (none for a supervisor's page)."""
    if not request.user.has_role(*MAY_REVIEW_CONDUCT):
        return []
    return list(Alert.objects.filter(for_role=Role.PROFESSIONAL_STANDARDS, kind=kind,
                                     acknowledged_at__isnull=True).order_by("-created_at"))


def _kind_label(kind: str) -> str:
    source = contact_sources().get(kind)
    return source.label if source is not None else kind


def _verdict_choices() -> list[tuple[str, str]]:
    return [(value, label) for value, label in DipSampleItem.Verdict.choices if value]
