from __future__ import annotations

from django.apps import AppConfig


class PeopleConfig(AppConfig):
    name = "contact_hub.people"
    label = "people"
    verbose_name = "People and their identities"
