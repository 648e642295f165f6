"""An admin site of its own with victims' data in it, for tests of VictimDataAdmin: the hub's
admin holds no such model, so these tests register a person and messages here."""

from __future__ import annotations

from django.urls import path
from django_otp.admin import OTPAdminSite

from contact_hub.conversations.admin import VictimDataAdmin
from contact_hub.conversations.models import Message, OutboxEntry
from contact_hub.people.models import Person
from contact_hub.urls import urlpatterns as hub_urlpatterns

site = OTPAdminSite(name="victim_data_test")


class PersonAdmin(VictimDataAdmin):
    person_field = ""


class MessageAdmin(VictimDataAdmin):
    person_field = "conversation__person"
    list_display = ("pk", "direction", "created_at")


class OutboxEntryAdmin(VictimDataAdmin):
    person_field = None


site.register(Person, PersonAdmin)
site.register(Message, MessageAdmin)
site.register(OutboxEntry, OutboxEntryAdmin)

urlpatterns = [path("victim-admin/", site.urls), *hub_urlpatterns]
