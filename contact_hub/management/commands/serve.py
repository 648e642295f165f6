from __future__ import annotations

import uvicorn
from django.conf import settings
from django.core.management.base import BaseCommand, CommandParser

from contact_hub.celery import app as celery_app
from contact_hub.embedded_beat import EmbeddedBeat


class Command(BaseCommand):
    help = ("Run the hub's ASGI web server (HTTP and websockets). When the hub runs embedded "
            "(no REDIS_URL), the periodic scheduler runs in this process too.")

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--host", default="127.0.0.1")
        parser.add_argument("--port", type=int, default=8000)
        parser.add_argument("--workers", type=int, default=1,
                            help="web processes (PostgreSQL and Redis only)")

    def handle(self, *args: object, host: str, port: int, workers: int,
               **options: object) -> None:
        serve(host=host, port=port, workers=workers)


def serve(*, host: str, port: int, workers: int = 1) -> None:
    if settings.EMBEDDED:
        # One process holds the in-process channel layer and runs the scheduler.
        workers = 1
        EmbeddedBeat(celery_app).start()
    uvicorn.run("contact_hub.asgi:application", host=host, port=port, workers=workers,
                log_config=None, lifespan="off",
                # The ASGI app itself decides which proxies to believe (HUB_TRUSTED_PROXIES);
                # uvicorn's own default would trust X-Forwarded-* from 127.0.0.1.
                proxy_headers=False,
                # No websocket message the hub takes comes near this; refuse bigger ones early.
                ws_max_size=max(4 * settings.RVR_SIGNAL_MAX_BYTES, 64 * 1024))
