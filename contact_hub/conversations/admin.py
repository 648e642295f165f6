from __future__ import annotations

from django.contrib import admin

from contact_hub.conversations.models import MessageTemplate


@admin.register(MessageTemplate)
class MessageTemplateAdmin(admin.ModelAdmin):
    """Templates are checked for neutrality on save (MessageTemplate.clean)."""

    list_display = ("name", "body", "whatsapp_name")
    search_fields = ("name", "body")
