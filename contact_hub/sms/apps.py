from __future__ import annotations

from django.apps import AppConfig


class SmsConfig(AppConfig):
    name = "contact_hub.sms"
    label = "sms"
    verbose_name = "SMS through Twilio"
