from __future__ import annotations

from django.apps import AppConfig


class ConversationsConfig(AppConfig):
    name = "contact_hub.conversations"
    label = "conversations"
    verbose_name = "Conversations and messages"
