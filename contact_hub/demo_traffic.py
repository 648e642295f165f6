"""Realistic inbound traffic for the demo, posted as signed webhooks through the real adapters."""

from __future__ import annotations

import itertools
import logging
import threading
import time

from contact_hub.demo_simulator import webhook_for, webhook_post

log = logging.getLogger(__name__)

# Drawn from the kinds of contact a control room's non-emergency channels receive. The numbers
# are from Ofcom's range reserved for drama (07700 900000 to 900999), so they reach nobody.
SCRIPT: list[tuple[str, str, str]] = [
    ("sms", "+447700900101", "Hi, my ex has been turning up outside my flat again. He's gone "
                             "now but I'm scared he'll come back tonight. Can someone call me "
                             "after 6?"),
    ("whatsapp", "+447700900102", "I want to report my car was broken into overnight on Elm "
                                  "Road, nothing urgent"),
    ("messenger", "2718281828459045", "my partner took my phone and pushed me, i'm at my mums "
                                      "now. i can't talk on the phone, can i message?"),
    ("sms", "+447700900104", "Someone keeps ringing my mum pretending to be from the bank"),
    ("instagram", "1414213562373095", "The officer who came last week keeps messaging me on "
                                      "here. Is that allowed? It's making me uncomfortable"),
    ("sms", "+447700900101", "Sorry, it's me again. He sent me 20 messages in the last hour."),
    ("x", "1618033988749894", "Loud party every night at number 12, been going on for weeks"),
    ("whatsapp", "+447700900108", "He said if I leave he'll hurt the kids. He's at work till 5."),
]


class TrafficPlayer(threading.Thread):
    """Plays the script on a loop against the hub at `base_url`, one message every `interval`."""

    def __init__(self, base_url: str, interval: float) -> None:
        super().__init__(name="demo-traffic", daemon=True)
        self.base_url = base_url
        self.interval = interval

    def run(self) -> None:
        for channel, sender, text in itertools.cycle(SCRIPT):
            time.sleep(self.interval)
            try:
                webhook_post(self.base_url, webhook_for(channel, sender, text))
            except OSError:
                log.warning("demo traffic: the hub did not take a %s webhook", channel)
