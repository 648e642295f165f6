from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.conf import settings
from django.contrib import messages
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST

from contact_hub.conversations.forms import SafeContactPlanForm
from contact_hub.conversations.models import Channel, Message, MessageTemplate, OutboxEntry
from contact_hub.conversations.reply import reply_send
from contact_hub.conversations.selectors import person_thread, reply_channels
from contact_hub.conversations.sending import outbox_enabled
from contact_hub.conversations.services import MessageRefused, message_cancel, message_release
from contact_hub.conversations.stored_files import stored_file_response
from contact_hub.people.models import Person
from contact_hub.people.safe_contact import code_word_matches, safe_contact_plan_save
from contact_hub.staff.access import StaffRequest, role_required
from contact_hub.staff.audit import access_record
from contact_hub.staff.models import AccessEvent
from contact_hub.staff.roles import MAY_REPLY, MAY_SEE_OUTBOX, MAY_SEE_THREAD, MAY_SUPERVISE


def thread_context(request: StaffRequest, person: Person) -> dict[str, Any]:
    return {
        "person": person,
        "thread": person_thread(person),
        "channels": [(c, Channel(c).label) for c in reply_channels(person)],
        "templates": MessageTemplate.objects.order_by("name"),
        "may_reply": request.user.has_role(*MAY_REPLY),
        "may_release": request.user.has_role(*MAY_SUPERVISE),
    }


@role_required(*MAY_SEE_THREAD)
def thread_view(request: StaffRequest, person_id: int) -> HttpResponse:
    """The thread alone, re-fetched live as messages arrive and delivery status changes."""
    person = get_object_or_404(Person, pk=person_id)
    recently = timezone.now() - timedelta(minutes=10)
    # A page refreshing itself is one look, already logged; a thread fetched on its own is not.
    if not AccessEvent.objects.filter(actor=request.user, person=person,
                                      at__gte=recently).exists():
        access_record(actor=request.user, action=AccessEvent.Action.VIEW,
                      what="conversation thread", why="triage of a new contact",
                      person_id=person.pk)
    return render(request, "conversations/_thread.html", thread_context(request, person))


@require_POST
@role_required(*MAY_REPLY)
def reply_view(request: StaffRequest, person_id: int) -> HttpResponse:
    person = get_object_or_404(Person, pk=person_id)
    template_id = request.POST.get("template")
    template = MessageTemplate.objects.filter(pk=template_id).first() if template_id else None
    channel = request.POST.get("channel") or next(iter(reply_channels(person)), "")
    try:
        message = reply_send(person=person, channel=channel, body=request.POST.get("body", ""),
                             actor=request.user, template=template)
    except MessageRefused as refusal:
        messages.error(request, str(refusal))
        return redirect("people:detail", person_id=person.pk)
    access_record(actor=request.user, action=AccessEvent.Action.CHANGE, what="reply sent",
                  why="replying to the person", person_id=person.pk)
    if message.status == "held":
        messages.warning(request, f"Held, not sent: {message.hold_reason} A supervisor can "
                                  "send it anyway.")
    else:
        messages.success(request, f"Reply queued on {message.get_channel_display()}.")
    return redirect("people:detail", person_id=person.pk)


@require_POST
@role_required(*MAY_SUPERVISE)
def release_view(request: StaffRequest, message_id: int) -> HttpResponse:
    message = get_object_or_404(Message.objects.select_related("conversation"), pk=message_id)
    try:
        message_release(message=message, actor=request.user,
                        reason=request.POST.get("reason", ""))
    except MessageRefused as refusal:
        messages.error(request, str(refusal))
    else:
        messages.success(request, "Sent despite the safe-contact plan; the override is logged.")
    return redirect("people:detail", person_id=message.conversation.person_id)


@require_POST
@role_required(*MAY_REPLY)
def cancel_view(request: StaffRequest, message_id: int) -> HttpResponse:
    message = get_object_or_404(Message.objects.select_related("conversation"), pk=message_id)
    try:
        message_cancel(message=message, actor=request.user)
    except MessageRefused as refusal:
        messages.error(request, str(refusal))
    else:
        messages.success(request, "The held text was cancelled.")
    return redirect("people:detail", person_id=message.conversation.person_id)


@role_required(*MAY_SEE_THREAD)
def media_view(request: StaffRequest, message_id: int, index: int) -> HttpResponse:
    """An attachment the hub fetched and stored, served only to staff, and logged."""
    message = get_object_or_404(Message.objects.select_related("conversation"), pk=message_id)
    entries = message.media
    if index >= len(entries) or entries[index].get("status") != "stored":
        raise Http404("That attachment is not stored.")
    entry = entries[index]
    access_record(actor=request.user, action=AccessEvent.Action.VIEW, what="message attachment",
                  why="triage of a new contact", person_id=message.conversation.person_id)
    content = (settings.MEDIA_ROOT / entry["sha256"]).read_bytes()
    return stored_file_response(content, name=f"attachment-{index + 1}")


@role_required(*MAY_SEE_OUTBOX)
def outbox_view(request: StaffRequest) -> HttpResponse:
    enabled = outbox_enabled()
    entries = OutboxEntry.objects.all()[:100] if enabled else []
    return render(request, "conversations/outbox.html", {"entries": entries, "enabled": enabled})


@require_POST
@role_required(*MAY_REPLY)
def safe_contact_plan_view(request: StaffRequest, person_id: int) -> HttpResponse:
    person = get_object_or_404(Person, pk=person_id)
    form = SafeContactPlanForm(request.POST, channels=reply_channels(person))
    if not form.is_valid():
        messages.error(request, " ".join(str(e) for errors in form.errors.values() for e in errors))
        return redirect("people:detail", person_id=person.pk)
    safe_contact_plan_save(person=person, actor=request.user, **form.cleaned_data)
    access_record(actor=request.user, action=AccessEvent.Action.CHANGE,
                  what="safe-contact plan", why="recording how the person can be contacted",
                  person_id=person.pk)
    messages.success(request, "Safe-contact plan saved.")
    return redirect("people:detail", person_id=person.pk)


@require_POST
@role_required(*MAY_REPLY)
def code_word_check_view(request: StaffRequest, person_id: int) -> HttpResponse:
    person = get_object_or_404(Person, pk=person_id)
    matched = code_word_matches(person, request.POST.get("code_word", ""))
    access_record(actor=request.user, action=AccessEvent.Action.VIEW, what="code word check",
                  why="confirming who is on the line", person_id=person.pk)
    if matched:
        messages.success(request, "The code word matches.")
    else:
        messages.error(request, "The code word does not match (or none is set).")
    return redirect("people:detail", person_id=person.pk)
