from __future__ import annotations

import os
from datetime import timedelta

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import transaction
from django.utils import timezone
from django.utils.module_loading import import_string

from callback.demo import CallbackTrafficPlayer
from contact_hub.conversations.intake import InboundMessage, message_intake
from contact_hub.conversations.models import MessageTemplate
from contact_hub.demo_simulator import demo_credentials_apply
from contact_hub.demo_traffic import SCRIPT, TrafficPlayer
from contact_hub.incidents.models import Incident
from contact_hub.incidents.services import incident_assign, incident_divert, incident_open
from contact_hub.management.commands.serve import serve
from contact_hub.staff.models import Role, StaffUser
from contact_hub.staff.services import staff_create
from contact_hub.triage.markers import marker_set

DEMO_STAFF = [
    ("coordinator", Role.COORDINATOR, "Casey Coordinator"),
    ("officer", Role.RVR_OFFICER, "Olu Officer"),
    ("supervisor", Role.SUPERVISOR, "Sam Supervisor"),
    ("standards", Role.PROFESSIONAL_STANDARDS, "Pat Standards"),
    ("admin", Role.ADMINISTRATOR, "Alex Admin"),
]
DEMO_PASSWORD_SUFFIX = "-demo-pass"
DEMO_TEMPLATES = [
    ("Good time to talk?", "Hello, is now a good time to talk? Reply YES or NO.",
     "good_time_check"),
    ("We will call soon", "Thanks for getting in touch. We will call you soon.", ""),
    ("Are you safe?", "Are you somewhere safe to reply? You can reply SAFE or NOT SAFE.", ""),
]


class Command(BaseCommand):
    help = ("Run the whole hub on the embedded default for a demo: create the database, demo "
            "staff for every role, some history, then serve the hub and play in inbound traffic.")

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--host", default="127.0.0.1")
        parser.add_argument("--port", type=int, default=8000)
        parser.add_argument("--traffic-interval", type=float, default=10.0,
                            help="seconds between demo messages (0 turns traffic off)")
        parser.add_argument("--setup-only", action="store_true",
                            help="prepare the database and accounts, then exit")

    def handle(self, *args: object, host: str, port: int, traffic_interval: float,
               setup_only: bool, **options: object) -> None:
        if not settings.DEMO:
            raise CommandError("The demo runs on the embedded default: unset DATABASE_URL "
                               "and REDIS_URL.")
        call_command("migrate", interactive=False, verbosity=0)
        self._staff()
        self._history()
        self._print_welcome(host, port)
        if setup_only:
            return
        base_url = f"http://{host}:{port}"
        demo_credentials_apply(base_url)
        if not os.environ.get("RVR_LINK_BASE_URL"):
            settings.RVR_LINK_BASE_URL = base_url  # victims' links open on this demo server
        if traffic_interval > 0:
            TrafficPlayer(base_url, traffic_interval).start()
            CallbackTrafficPlayer(traffic_interval * 2).start()
        serve(host=host, port=port)

    def _staff(self) -> None:
        for username, role, name in DEMO_STAFF:
            if not StaffUser.objects.filter(username=username).exists():
                staff_create(username=username, role=role, full_name=name,
                             password=username + DEMO_PASSWORD_SUFFIX)

    @transaction.atomic
    def _history(self) -> None:
        """A little history so the pages are not empty on first look: a graded incident with a
        MARAC marker on the caller (its review already due), and a diverted unit."""
        for name, body, whatsapp_name in DEMO_TEMPLATES:
            MessageTemplate.objects.get_or_create(
                name=name, defaults={"body": body, "whatsapp_name": whatsapp_name})
        if Incident.objects.exists():
            return
        coordinator = StaffUser.objects.get(username="coordinator")
        officer = StaffUser.objects.get(username="officer")
        channel, sender, text = SCRIPT[0]
        first = message_intake(_history_message(channel, sender, text, 1)).message
        incident_open(opening_code="DOMESTIC", grade="priority", actor=coordinator,
                      message=first, flags=["domestic_abuse"], thrive={
                          "threat": "ex-partner returning to the address",
                          "vulnerability": "lives alone, previous contact",
                          "engagement": "asks for a call after 6pm",
                      })
        marker_set(person=first.conversation.person, kind="marac", officer=officer,
                   actor=coordinator, expires_at=timezone.now() + timedelta(days=10),
                   note="heard at MARAC; high risk", address="Flat 2, 10 Elm Road")
        channel, sender, text = SCRIPT[7]
        kids = message_intake(_history_message(channel, sender, text, 2)).message
        diverted = incident_open(opening_code="DOMESTIC", grade="immediate", actor=coordinator,
                                 message=kids, flags=["domestic_abuse", "child_at_risk"])
        incident_assign(incident=diverted, unit="ALPHA-21", actor=coordinator)
        incident_divert(incident=diverted, actor=coordinator,
                        reason="sent on to a grade 1 road collision")

    def _print_welcome(self, host: str, port: int) -> None:
        url = f"http://{host}:{port}/"
        lines = [
            "",
            f"Contact hub demo: open {url}",
            "",
            "Sign in as any of these (username / password), with the 6-digit code from:",
            "  .venv/bin/python manage.py staff_code USERNAME",
            "  (it stands in for the authenticator app staff use in production)",
            "",
        ]
        lines += [f"  {u:<12} {u + DEMO_PASSWORD_SUFFIX:<24} {r.label}" for u, r, _ in DEMO_STAFF]
        lines += ["",
                  "Traffic arrives as signed webhooks for every channel (SMS, WhatsApp, Messenger,",
                  "Instagram, X), plus 101 calls and web callback requests.",
                  "Send your own message: .venv/bin/python manage.py simulate --help",
                  "Outbound texts and callback calls land in the Outbox page; work the 101",
                  "callback queue on the Callbacks page.",
                  "",
                  "Rapid Video Response: as coordinator, open the DOMESTIC incident (Incidents),",
                  "'Open the RVR check', answer the checks, record consent and send the link.",
                  "Open the link from the Outbox in another tab (the victim), press Join; then",
                  "sign in as officer in a private window, open Video calls and Accept.",
                  "Ctrl-C stops the hub.", ""]
        self.stdout.write("\n".join(lines))


def _history_message(channel: str, sender: str, text: str, n: int) -> InboundMessage:
    # The channel's real provider, whatever backend the demo sends through.
    provider = import_string(settings.HUB_TEXT_BACKENDS[channel]).provider
    return InboundMessage(channel=channel, provider=provider,
                          provider_message_id=f"demo-history-{n}", sender=sender, text=text)
