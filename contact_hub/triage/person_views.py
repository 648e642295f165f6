"""The person page: who they are (masked unless revealed with a reason), their incidents and
markers, every message on every channel, and their safe-contact plan. It lives in triage, the
layer that may compose the conversation thread, the plan and the person's history."""

from __future__ import annotations

from django.contrib import messages
from django.db import transaction
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_POST

from contact_hub.conversations.forms import SafeContactPlanForm
from contact_hub.conversations.look_views import reason_asked
from contact_hub.conversations.looks import ReasonNeeded, look_record
from contact_hub.conversations.selectors import reply_channels
from contact_hub.conversations.views import thread_context
from contact_hub.incidents.visibility import incidents_visible_to
from contact_hub.people.models import Person, SafeContactPlan
from contact_hub.staff.access import StaffRequest, role_required
from contact_hub.staff.assignments import assignees_current
from contact_hub.staff.audit import security_event_record
from contact_hub.staff.models import AccessEvent
from contact_hub.staff.reasons import REASON_MIN_CHARS, reason_too_short
from contact_hub.staff.roles import MAY_SEE_PEOPLE
from contact_hub.triage.views import history_context


@role_required(*MAY_SEE_PEOPLE)
def person_view(request: StaffRequest, person_id: int) -> HttpResponse:
    person = get_object_or_404(Person, pk=person_id)
    try:
        with transaction.atomic():
            look_record(actor=request.user, person_id=person.pk, what="person record")
            return _render_person(request, person, revealed=False)
    except ReasonNeeded as needed:
        return reason_asked(request, needed)


@require_POST
@role_required(*MAY_SEE_PEOPLE)
def person_reveal_view(request: StaffRequest, person_id: int) -> HttpResponse:
    """Show a person's full identifiers once, to a role that needs them, with a reason."""
    person = get_object_or_404(Person, pk=person_id)
    reason = request.POST.get("reason", "").strip()
    if not request.user.may_reveal_identifiers:
        security_event_record("reveal_refused", request=request, detail={"person_id": person.pk})
        messages.error(request, "Your role cannot see full numbers. Contact the person "
                                "through the hub instead.")
        return redirect("people:detail", person_id=person.pk)
    if reason_too_short(reason):
        messages.error(request, f"Give a reason of at least {REASON_MIN_CHARS} characters to see "
                                "full numbers.")
        return redirect("people:detail", person_id=person.pk)
    try:
        with transaction.atomic():
            # Seeing full numbers is a look like any other: it needs the work that gives a
            # reason to look (or a reason given), and the reason for the numbers on top.
            look_record(actor=request.user, person_id=person.pk, what="full identifiers",
                        action=AccessEvent.Action.DISCLOSE, why=reason)
            return _render_person(request, person, revealed=True)
    except ReasonNeeded as needed:
        return reason_asked(request, needed)


def _render_person(request: StaffRequest, person: Person, *, revealed: bool) -> HttpResponse:
    plan = SafeContactPlan.objects.filter(person=person).first()
    return render(request, "triage/person.html", {
        "person": person,
        "identities": person.identities.all(),
        "incidents": incidents_visible_to(person.incidents.all(), request.user)
        .order_by("-created_at"),
        "assignees": assignees_current(person.pk),
        "revealed": revealed,
        "may_reveal": request.user.may_reveal_identifiers,
        **thread_context(request, person),
        "plan": plan,
        "plan_form": SafeContactPlanForm(instance_plan=plan, channels=reply_channels(person)),
        **history_context(request, person.pk),
    })
