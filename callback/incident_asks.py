"""A victim on an incident asks to be called back from another feature (she pressed "Ask for a
call back instead" in a video call): a 101 callback request for her, in the callback queue
and on the dashboard, linked to the incident. Registered with
contact_hub.incidents.callback_asks from CallbackConfig.ready(), since rvr cannot import this app.

Unlike the public entries, this ask is not anonymous (it comes from the browser her link was
bound to) and carries no preferences of its own: the request takes her safe-contact plan,
which staff agreed with her (its safe hours, voicemail, and texts only if the plan names SMS),
and a plan that does not allow calls means no request. A number that already has a request
stays in it, at its place: her plan's safe hours replace its own (which any entry could have
set), those earlier hours are held for the handler as an unconfirmed change, and of its
voicemail and texts only the plan's safer word is applied.
"""

from __future__ import annotations

from datetime import datetime

from django.db import IntegrityError, transaction

from callback.attempts import callback_changed
from callback.models import ACTIVE_STATUSES, CallbackEntry, CallbackRequest, PreferenceChange
from callback.numbers import NumberRefused, callback_number_check
from callback.windows import window_code
from contact_hub.conversations.models import Channel
from contact_hub.incidents.callback_asks import CallbackAsked
from contact_hub.incidents.models import Incident
from contact_hub.people.models import Identity, SafeContactPlan
from contact_hub.staff.audit import security_event_record

# She was eligible for a video call and has waited for one already: ahead of routine callbacks.
INCIDENT_ASK_PRIORITY = CallbackRequest.Priority.HIGH


def callback_incident_ask(*, incident: Incident, source: str, now: datetime) -> CallbackAsked:
    """Put the incident's person in the callback queue. Asking again on the same incident
    while her request is open changes nothing."""
    if incident.person_id is None:
        return CallbackAsked(None, refusal="the incident has no person to call back")
    plan = SafeContactPlan.objects.filter(person_id=incident.person_id).first()
    if plan is not None and plan.channels and Channel.VOICE not in plan.channels:
        return CallbackAsked(None, refusal="her safe-contact plan does not allow calls")
    identity = _number_to_call(incident)
    if identity is None:
        return CallbackAsked(None, refusal="no phone number to call her back on")
    try:
        callback_number_check(identity.value)
    except NumberRefused as refusal:
        return CallbackAsked(None, refusal=f"the number cannot be called back: {refusal}")
    try:
        return _ask_store(incident, identity, plan, source, now)
    except IntegrityError:
        # Another entry made her number's request at the same moment: join it.
        return _ask_store(incident, identity, plan, source, now)


def _number_to_call(incident: Incident) -> Identity | None:
    """The number she contacted us from on this incident, else her latest number."""
    phones = Identity.objects.filter(person=incident.person, kind=Identity.Kind.PHONE)
    return (phones.filter(conversations__messages__incident_links__incident=incident)
            .order_by("-conversations__messages__created_at").first()
            or phones.order_by("-created_at", "-pk").first())


def _ask_store(incident: Incident, identity: Identity, plan: SafeContactPlan | None,
               source: str, now: datetime) -> CallbackAsked:
    with transaction.atomic():
        existing = (CallbackRequest.objects.select_for_update()
                    .filter(identity=identity, status__in=ACTIVE_STATUSES).first())
        if existing is not None:
            return _join(existing, incident, plan, source, now)
        callback_request = CallbackRequest(
            person_id=incident.person_id, identity=identity, source=source, joined_at=now,
            priority=INCIDENT_ASK_PRIORITY, incident=incident)
        if plan is not None:
            callback_request.safe_from, callback_request.safe_until = (plan.safe_from,
                                                                       plan.safe_until)
            callback_request.voicemail_ok = plan.voicemail_ok
            callback_request.texts_ok = Channel.SMS in plan.channels
        callback_request.save()
        CallbackEntry.objects.create(request=callback_request, source=source, created_at=now)
        callback_changed(callback_request)
    return CallbackAsked(callback_request.pk)


def _join(callback_request: CallbackRequest, incident: Incident, plan: SafeContactPlan | None,
          source: str, now: datetime) -> CallbackAsked:
    asked_before = (callback_request.incident_id == incident.pk
                    and callback_request.entries.filter(source=source).exists())
    if asked_before:
        return CallbackAsked(callback_request.pk, merged=True)
    if callback_request.incident_id is None:
        callback_request.incident = incident
    if plan is not None:
        _plan_window_apply(callback_request, plan, source, now)
    if plan is not None and not plan.voicemail_ok:
        callback_request.voicemail_ok = False
    if plan is not None and plan.channels and Channel.SMS not in plan.channels:
        callback_request.texts_ok = False
    callback_request.save(update_fields=["incident", "safe_from", "safe_until", "voicemail_ok",
                                         "texts_ok"])
    CallbackEntry.objects.create(request=callback_request, source=source, created_at=now)
    callback_changed(callback_request)
    return CallbackAsked(callback_request.pk, merged=True)


def _plan_window_apply(callback_request: CallbackRequest, plan: SafeContactPlan, source: str,
                       now: datetime) -> None:
    """Her plan's hours, which staff agreed with her, replace the request's: those came from an
    entry that proves nothing (the public form takes any number), so they may be the hours he
    is home with her phone. They are kept as an unconfirmed change, for the handler to see and
    check with her on the call, unless a change is already waiting on its own window."""
    earlier = (callback_request.safe_from, callback_request.safe_until)
    if earlier == (plan.safe_from, plan.safe_until):
        return
    callback_request.safe_from, callback_request.safe_until = plan.safe_from, plan.safe_until
    change = (PreferenceChange.objects.select_for_update()
              .filter(request=callback_request, status=PreferenceChange.Status.PENDING).first()
              or PreferenceChange(request=callback_request, source=callback_request.source,
                                  asked_at=callback_request.joined_at))
    if not change.window:
        change.window = window_code(*earlier)
    change.save()
    security_event_record("callback_window_overridden", detail={
        "source": source, "callback_request_id": callback_request.pk,
        "held_from": change.source})
