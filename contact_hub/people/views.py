from __future__ import annotations

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_POST

from contact_hub.conversations.selectors import person_thread
from contact_hub.conversations.services import MessageRefused, message_send
from contact_hub.people.models import Person
from contact_hub.staff.access import role_required
from contact_hub.staff.audit import access_record, security_event_record
from contact_hub.staff.models import AccessEvent, Role
from contact_hub.triage.views import history_context

PERSON_ROLES = (Role.COORDINATOR, Role.SUPERVISOR, Role.RVR_OFFICER,
                Role.PROFESSIONAL_STANDARDS)
PURPOSES = {
    "triage": "triage of a new contact",
    "incident": "working an incident",
    "reply": "replying to the person",
    "review": "quality or standards review",
}


@role_required(*PERSON_ROLES)
def person_view(request: HttpRequest, person_id: int) -> HttpResponse:
    person = get_object_or_404(Person, pk=person_id)
    purpose = request.GET.get("why", "triage")
    access_record(actor=request.user, action=AccessEvent.Action.VIEW, what="person record",
                  why=PURPOSES.get(purpose, PURPOSES["triage"]), person_id=person.pk)
    return _render_person(request, person, revealed=False)


@require_POST
@role_required(*PERSON_ROLES)
def person_reveal_view(request: HttpRequest, person_id: int) -> HttpResponse:
    """Show a person's full identifiers once, to a role that needs them, with a reason."""
    person = get_object_or_404(Person, pk=person_id)
    reason = request.POST.get("reason", "").strip()
    if not request.user.may_reveal_identifiers:
        security_event_record("reveal_refused", request=request, detail={"person_id": person.pk})
        messages.error(request, "Your role cannot see full numbers. Contact the person "
                                "through the hub instead.")
        return redirect("people:detail", person_id=person.pk)
    if len(reason) < 10:
        messages.error(request, "Give a reason of at least 10 characters to see full numbers.")
        return redirect("people:detail", person_id=person.pk)
    access_record(actor=request.user, action=AccessEvent.Action.DISCLOSE,
                  what="full identifiers", why=reason, person_id=person.pk)
    return _render_person(request, person, revealed=True)


@require_POST
@role_required(Role.COORDINATOR, Role.SUPERVISOR, Role.RVR_OFFICER)
def person_reply_view(request: HttpRequest, person_id: int) -> HttpResponse:
    person = get_object_or_404(Person, pk=person_id)
    conversation = person.conversations.order_by("-last_message_at").first()
    if conversation is None:
        messages.error(request, "This person has no conversation to reply on.")
        return redirect("people:detail", person_id=person.pk)
    try:
        message_send(conversation=conversation, body=request.POST.get("body", ""),
                     actor=request.user)
    except MessageRefused as refusal:
        messages.error(request, str(refusal))
        return redirect("people:detail", person_id=person.pk)
    access_record(actor=request.user, action=AccessEvent.Action.CHANGE, what="reply sent",
                  why=PURPOSES["reply"], person_id=person.pk)
    messages.success(request, f"Reply queued on {conversation.get_channel_display()}.")
    return redirect("people:detail", person_id=person.pk)


def _render_person(request: HttpRequest, person: Person, *, revealed: bool) -> HttpResponse:
    return render(request, "people/person.html", {
        "person": person,
        "identities": person.identities.all(),
        "thread": person_thread(person),
        "incidents": person.incidents.order_by("-created_at"),
        "revealed": revealed,
        "may_reveal": request.user.may_reveal_identifiers,
        "may_reply": request.user.has_role(Role.COORDINATOR, Role.SUPERVISOR, Role.RVR_OFFICER),
        **history_context(request, person.pk),
    })
