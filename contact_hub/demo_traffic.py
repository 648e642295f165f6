"""Realistic inbound traffic for the demo, played through the same intake as real channels."""

from __future__ import annotations

import itertools
import logging
import threading
import uuid

from django.db import close_old_connections

from contact_hub.conversations.intake import InboundMessage, message_intake

log = logging.getLogger(__name__)

# Drawn from the kinds of contact a control room's non-emergency channels receive. The numbers
# are from Ofcom's range reserved for drama (07700 900000 to 900999), so they reach nobody.
SCRIPT: list[tuple[str, str, str]] = [
    ("sms", "07700900101", "Hi, my ex has been turning up outside my flat again. He's gone now "
                            "but I'm scared he'll come back tonight. Can someone call me after 6?"),
    ("whatsapp", "+447700900102", "I want to report my car was broken into overnight on Elm "
                                  "Road, nothing urgent"),
    ("messenger", "2718281828459045", "my partner took my phone and pushed me, i'm at my mums "
                                      "now. i can't talk on the phone, can i message?"),
    ("sms", "07700900104", "Someone keeps ringing my mum pretending to be from the bank"),
    ("instagram", "1414213562373095", "The officer who came last week keeps messaging me on "
                                      "here. Is that allowed? It's making me uncomfortable"),
    ("sms", "07700900101", "Sorry, it's me again. He sent me 20 messages in the last hour."),
    ("x", "1618033988749894", "Loud party every night at number 12, been going on for weeks"),
    ("whatsapp", "+447700900108", "He said if I leave he'll hurt the kids. He's at work till 5."),
]


def demo_message(channel: str, sender: str, text: str) -> InboundMessage:
    provider = {"sms": "twilio", "whatsapp": "meta", "messenger": "meta", "instagram": "meta",
                "x": "x"}[channel]
    return InboundMessage(channel=channel, provider=provider,
                          provider_message_id=f"demo-{uuid.uuid4().hex}", sender=sender,
                          text=text)


class TrafficPlayer(threading.Thread):
    """Plays the script on a loop, one message every `interval` seconds."""

    def __init__(self, interval: float) -> None:
        super().__init__(name="demo-traffic", daemon=True)
        self.interval = interval
        self.stopping = threading.Event()

    def run(self) -> None:
        for channel, sender, text in itertools.cycle(SCRIPT):
            if self.stopping.wait(self.interval):
                return
            close_old_connections()
            try:
                message_intake(demo_message(channel, sender, text))
            except Exception:
                log.exception("demo traffic: intake failed")

    def stop(self) -> None:
        self.stopping.set()
