from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.conf import settings
from django.contrib import messages
from django.db import transaction
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST

from contact_hub.conversations.forms import SafeContactPlanForm
from contact_hub.conversations.look_views import reason_asked
from contact_hub.conversations.looks import ReasonNeeded, look_reason_required, look_record
from contact_hub.conversations.models import Channel, Message, MessageTemplate, OutboxEntry
from contact_hub.conversations.reply import reply_send
from contact_hub.conversations.selectors import person_thread, reply_channels
from contact_hub.conversations.sending import outbox_enabled
from contact_hub.conversations.services import MessageRefused, message_cancel, message_release
from contact_hub.conversations.stored_files import stored_file_response
from contact_hub.conversations.visibility import message_visible_to, messages_visible_to
from contact_hub.people.models import Person
from contact_hub.people.safe_contact import code_word_matches, safe_contact_plan_save
from contact_hub.staff.access import StaffRequest, role_required
from contact_hub.staff.audit import access_record
from contact_hub.staff.models import AccessEvent
from contact_hub.staff.roles import MAY_REPLY, MAY_SEE_OUTBOX, MAY_SEE_THREAD, MAY_SUPERVISE


def thread_context(request: StaffRequest, person: Person) -> dict[str, Any]:
    return {
        "person": person,
        "thread": person_thread(person, viewer=request.user),
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
    try:
        with transaction.atomic():
            # A page refreshing itself is one look, already logged (but only while the reader
            # still has a reason: a lapsed one is asked again); a thread on its own is not.
            basis = look_reason_required(request.user, person.pk)
            assert basis is not None  # a person's record always has someone to have it about
            # Only the same kind of look counts: one now flagged (an allegation has since named
            # the reader, or their reason lapsed into one given) is recorded afresh.
            if not AccessEvent.objects.filter(
                    actor=request.user, person=person, action=AccessEvent.Action.VIEW,
                    flagged=basis.flagged, why=basis.why, at__gte=recently).exists():
                look_record(actor=request.user, person_id=person.pk,
                            what="conversation thread")
            return render(request, "conversations/_thread.html",
                          thread_context(request, person))
    except ReasonNeeded as needed:
        return reason_asked(request, needed)


@require_POST
@role_required(*MAY_REPLY)
def reply_view(request: StaffRequest, person_id: int) -> HttpResponse:
    person = get_object_or_404(Person, pk=person_id)
    try:
        look_reason_required(request.user, person.pk)
    except ReasonNeeded as needed:
        return reason_asked(request, needed)
    template_id = request.POST.get("template")
    template = MessageTemplate.objects.filter(pk=template_id).first() if template_id else None
    channel = request.POST.get("channel") or next(iter(reply_channels(person)), "")
    try:
        message = reply_send(person=person, channel=channel, body=request.POST.get("body", ""),
                             actor=request.user, template=template)
    except MessageRefused as refusal:
        messages.error(request, str(refusal))
        return redirect("people:detail", person_id=person.pk)
    _changed(request, person.pk, "reply sent")
    if message.status == "held":
        messages.warning(request, f"Held, not sent: {message.hold_reason} A supervisor can "
                                  "send it anyway.")
    else:
        messages.success(request, f"Reply queued on {message.get_channel_display()}.")
    return redirect("people:detail", person_id=person.pk)


def _held_text(request: StaffRequest, message_id: int) -> Message:
    """A text staff wrote that the reader may see: any other id (an inbound contact, one kept
    from them) is not found, so the answer never tells whose a message is."""
    texts = messages_visible_to(Message.objects.select_related("conversation").filter(
        direction=Message.Direction.OUTBOUND), request.user)
    return get_object_or_404(texts, pk=message_id)


@require_POST
@role_required(*MAY_SUPERVISE)
def release_view(request: StaffRequest, message_id: int) -> HttpResponse:
    message = _held_text(request, message_id)
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
    message = _held_text(request, message_id)
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
    if (not message_visible_to(message, request.user) or index >= len(entries)
            or entries[index].get("status") != "stored"):
        raise Http404("That attachment is not stored.")
    entry = entries[index]
    try:
        with transaction.atomic():
            look_record(actor=request.user, person_id=message.conversation.person_id,
                        what="message attachment")
            content = (settings.MEDIA_ROOT / entry["sha256"]).read_bytes()
    except ReasonNeeded as needed:
        return reason_asked(request, needed)
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
    try:
        look_reason_required(request.user, person.pk)
    except ReasonNeeded as needed:
        return reason_asked(request, needed)
    form = SafeContactPlanForm(request.POST, channels=reply_channels(person))
    if not form.is_valid():
        messages.error(request, " ".join(str(e) for errors in form.errors.values() for e in errors))
        return redirect("people:detail", person_id=person.pk)
    safe_contact_plan_save(person=person, actor=request.user, **form.cleaned_data)
    _changed(request, person.pk, "safe-contact plan")
    messages.success(request, "Safe-contact plan saved.")
    return redirect("people:detail", person_id=person.pk)


@require_POST
@role_required(*MAY_REPLY)
def code_word_check_view(request: StaffRequest, person_id: int) -> HttpResponse:
    person = get_object_or_404(Person, pk=person_id)
    try:
        look_record(actor=request.user, person_id=person.pk, what="code word check")
    except ReasonNeeded as needed:
        return reason_asked(request, needed)
    matched = code_word_matches(person, request.POST.get("code_word", ""))
    if matched:
        messages.success(request, "The code word matches.")
    else:
        messages.error(request, "The code word does not match (or none is set).")
    return redirect("people:detail", person_id=person.pk)


def _changed(request: StaffRequest, person_id: int, what: str) -> None:
    """A change to the person's record, logged with the reason the reader's work gives (asked
    for before the form was shown)."""
    try:
        look_record(actor=request.user, person_id=person_id, what=what,
                    action=AccessEvent.Action.CHANGE)
    except ReasonNeeded:
        # The reason lapsed between the page and the post: the change stands, flagged.
        access_record(actor=request.user, action=AccessEvent.Action.CHANGE, what=what,
                      why="no current reason", person_id=person_id, flagged=True)
