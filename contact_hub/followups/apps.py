from __future__ import annotations

from django.apps import AppConfig


class FollowupsConfig(AppConfig):
    name = "contact_hub.followups"
    label = "followups"
    verbose_name = "Follow-up work"
