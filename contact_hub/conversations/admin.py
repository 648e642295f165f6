"""The admin of conversations' own settings, and the rule for any admin of victims' data.

Administrators run the system; they do no work on a person, so no model holding a victim's data
(people, identities, safe-contact plans, conversations, messages, the outbox, incidents and
their logs, triage, markers, referrals, callbacks, video sessions and their evidence) is in the
admin at all: those records are read through the hub's pages, under the access rules every
page applies. Should one ever be registered, it is registered with a subclass of
`VictimDataAdmin`, so an administrator's look at it goes in the access log like anyone's;
tests/security/test_admin.py enumerates the admin's registry and fails for any other. A model
of the people app is registered from here or above (people may not import this layer).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.contrib import admin
from django.contrib.admin.utils import unquote
from django.db import models, transaction
from django.http import HttpRequest, HttpResponse

from contact_hub.conversations.models import MessageTemplate
from contact_hub.live import CONDUCT_GROUP, LiveEvent, live_event_send
from contact_hub.staff.audit import access_record
from contact_hub.staff.models import AccessEvent, AccessEventPerson

ADMINISTRATION = "administration"


@admin.register(MessageTemplate)
class MessageTemplateAdmin(admin.ModelAdmin):
    """Templates are checked for neutrality on save (MessageTemplate.clean)."""

    list_display = ("name", "body", "whatsapp_name")
    search_fields = ("name", "body")


class VictimDataAdmin(admin.ModelAdmin):
    """The admin of a model that holds a victim's data. Each list page an administrator opens
    is one access event naming the people it shows, and each record opened, changed or about to
    be deleted is an access event for its person: why "administration", flagged (it is no work
    on the person), and sent to professional standards live."""

    # The path from a row to the person it is about ("" for a Person itself, None for rows tied
    # to no person, e.g. the demo outbox): "person", "conversation__person"...
    person_field: str | None = "person"

    def changelist_view(self, request: HttpRequest,
                        extra_context: dict[str, Any] | None = None) -> HttpResponse:
        response = super().changelist_view(request, extra_context)
        changelist = (getattr(response, "context_data", None) or {}).get("cl")
        if changelist is not None:
            rows = list(changelist.result_list)
            admin_look_record(actor=request.user, what=f"admin: {self.opts.label} list",
                              person_ids=self._person_ids(rows), listing=True)
        return response

    def change_view(self, request: HttpRequest, object_id: str, form_url: str = "",
                    extra_context: dict[str, Any] | None = None) -> HttpResponse:
        self._record_look(request, object_id, AccessEvent.Action.VIEW)
        return super().change_view(request, object_id, form_url, extra_context)

    def delete_view(self, request: HttpRequest, object_id: str,
                    extra_context: dict[str, Any] | None = None) -> HttpResponse:
        self._record_look(request, object_id, AccessEvent.Action.VIEW)
        return super().delete_view(request, object_id, extra_context)

    def history_view(self, request: HttpRequest, object_id: str,
                     extra_context: dict[str, Any] | None = None) -> HttpResponse:
        self._record_look(request, object_id, AccessEvent.Action.VIEW)
        return super().history_view(request, object_id, extra_context)

    def save_model(self, request: HttpRequest, obj: Any, form: Any, change: bool) -> None:
        super().save_model(request, obj, form, change)
        admin_look_record(actor=request.user, what=f"admin: {self.opts.label} {obj.pk}",
                          person_ids=self._person_ids([obj]), action=AccessEvent.Action.CHANGE)

    def _record_look(self, request: HttpRequest, object_id: str, action: str) -> None:
        obj = self.get_object(request, unquote(object_id))
        if obj is not None:
            admin_look_record(actor=request.user, what=f"admin: {self.opts.label} {obj.pk}",
                              person_ids=self._person_ids([obj]), action=action)

    def _person_ids(self, rows: Iterable[models.Model]) -> list[int]:
        keys = [row.pk for row in rows]
        if self.person_field is None or not keys:
            return []
        return [pk for pk in self.model._default_manager.filter(pk__in=keys)
                .values_list(self.person_field or "pk", flat=True) if pk is not None]


def admin_look_record(*, actor: Any, what: str, person_ids: Iterable[int],
                      action: str = AccessEvent.Action.VIEW,
                      listing: bool = False) -> AccessEvent:
    """An administrator's look at victims' data through the admin: one flagged access event,
    for the record's person or (`listing`) naming every person a list page shows, and a live
    alert to professional standards."""
    ids = sorted(set(person_ids))
    with transaction.atomic():
        event = access_record(actor=actor, action=action, what=what, why=ADMINISTRATION,
                              person_id=ids[0] if ids and not listing else None, flagged=True)
        if listing:
            AccessEventPerson.objects.bulk_create(
                [AccessEventPerson(event=event, person_id=pk) for pk in ids])
        live_event_send(LiveEvent.LOOK_FLAGGED, group=CONDUCT_GROUP, access_event_id=event.pk)
    return event
