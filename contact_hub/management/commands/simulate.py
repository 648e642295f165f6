from __future__ import annotations

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser

from contact_hub.demo_simulator import demo_credentials_apply, webhook_for, webhook_post

CHANNELS = ["sms", "whatsapp", "messenger", "instagram", "x"]


class Command(BaseCommand):
    help = ("Demo: post one correctly signed inbound webhook (as Twilio, Meta or X would) to "
            "a hub started with `manage.py demo`, e.g.\n"
            "  manage.py simulate --channel sms --sender +447700900123 'Can someone call me?'")

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("text")
        parser.add_argument("--channel", choices=CHANNELS, default="sms")
        parser.add_argument("--sender", default="+447700900123",
                            help="a number for sms/whatsapp, a platform user id otherwise")
        parser.add_argument("--hub", default="http://127.0.0.1:8000",
                            help="the running demo hub's address")

    def handle(self, *args: object, text: str, channel: str, sender: str, hub: str,
               **options: object) -> None:
        if not settings.EMBEDDED:
            raise CommandError("simulate signs with the demo's credentials; use it on the demo.")
        demo_credentials_apply(hub)
        try:
            status = webhook_post(hub, webhook_for(channel, sender, text))
        except OSError as error:
            raise CommandError(f"The hub at {hub} did not answer: {error}") from error
        self.stdout.write(f"Posted a signed {channel} webhook: the hub answered {status}.")
