"""Intake benchmark: signed Twilio SMS webhooks against the hub's ASGI server on PostgreSQL and
Redis, beside a bare Django view doing the same insert (the message row, nothing else) on the same
stack, and a raw one-row SQL insert as a floor.

    .venv/bin/python bench/intake.py [--rate 200] [--seconds 10] [--workers 2] [--rounds 4]

Prints throughput and p50/p99 latency for each. Aims: p99 under 100 ms at 200 messages a
second (issue 3); intake throughput at least 0.6 of the bare view's, with the risk rules and the
dashboard row done at intake (issue 15; half, before). Also prints what one
committed insert costs straight to PostgreSQL at the same rate: every durable write waits for the
disk's flush, so that is the floor under both web figures (on a virtual disk its outliers are
tens to hundreds of milliseconds, and they show in every p99 here).
"""

from __future__ import annotations

import argparse
import asyncio
import sys
import uuid
from pathlib import Path
from urllib.parse import urlencode

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import psycopg
import redis
from twilio.request_validator import RequestValidator

from bench.common import (
    REDIS_URL,
    LoadResult,
    RawHttpClient,
    closed_loop,
    commit_latency_probe,
    free_port,
    fresh_database,
    hub_env,
    hub_server,
    manage,
    open_loop,
)

ACCOUNT_SID = "AC" + "b" * 32
AUTH_TOKEN = "bench-auth-token"
HUB_NUMBER = "+447700900000"
INBOUND = "/sms/twilio/inbound/"
BARE = "/bench/bare/"
RAW = "/bench/raw/"


def signed_sms(base: str, n: int, *, first_contact: bool = False) -> tuple[bytes, dict[str, str]]:
    """One realistic inbound SMS webhook (its body and headers), signed as Twilio signs it: from
    one of 500 numbers, or from a number never seen before (1,000 to 9,999)."""
    sender = f"+44770090{1000 + n % 9000:04d}" if first_contact else f"+447700900{n % 500:03d}"
    form = {"MessageSid": "SM" + uuid.uuid4().hex, "AccountSid": ACCOUNT_SID,
            "From": sender, "To": HUB_NUMBER, "NumMedia": "0",
            "Body": "He has been outside the house again tonight, can someone call me back"}
    signature = RequestValidator(AUTH_TOKEN).compute_signature(base + INBOUND, form)
    return urlencode(form).encode(), {"Content-Type": "application/x-www-form-urlencoded",
                                      "X-Twilio-Signature": signature}


async def run(args: argparse.Namespace) -> None:
    database_url = fresh_database("hub_bench_intake")
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    env = hub_env(database_url, TWILIO_ACCOUNT_SID=ACCOUNT_SID, TWILIO_AUTH_TOKEN=AUTH_TOKEN,
                  TWILIO_SMS_NUMBERS=HUB_NUMBER, PUBLIC_BASE_URL=base)
    manage(env, "migrate", "--noinput")
    with psycopg.connect(database_url, autocommit=True) as conn:
        conn.execute("CREATE TABLE bench_bare (id bigserial PRIMARY KEY, sid text UNIQUE, "
                     "body text)")
    total = int(args.rate * (args.seconds + 2)) * 5 + 40000
    print(f"signing {total} webhooks…", flush=True)
    prepared = [signed_sms(base, n) for n in range(total)]
    cursor = iter(prepared)
    firsts = iter([signed_sms(base, n, first_contact=True) for n in range(9000)])

    probe = commit_latency_probe(database_url, seconds=5, rate=args.rate)
    with hub_server(env, port, args.workers):
        client = RawHttpClient("127.0.0.1", port, connections=256)

        accepted = 0  # intake webhooks answered 200, warm-ups included

        def poster(path: str, requests=cursor):
            async def post(n: int) -> bool:
                nonlocal accepted
                body, headers = next(requests)
                ok = await client.send(client.request("POST", path, body, headers)) == 200
                accepted += ok and path == INBOUND
                return ok
            return post

        # Warm up as a server in service is: every sender known, every thread and pooled
        # connection open, the first full garbage collections done.
        for path in (INBOUND, BARE, RAW):
            await closed_loop("warm-up", 32, 2, poster(path))
            await open_loop("warm-up", args.rate, 2, poster(path))
        results = [
            await open_loop(f"intake @ {args.rate:g}/s", args.rate, args.seconds,
                            poster(INBOUND)),
            await open_loop(f"bare insert @ {args.rate:g}/s", args.rate, args.seconds,
                            poster(BARE)),
        ]
        # Intake and the bare view in turns, so that a spell of a slow machine (a shared
        # virtual one's speed changes by half from one minute to the next) falls on both.
        rounds = []
        for _ in range(args.rounds):
            rounds.append((
                await closed_loop("intake, max throughput", 32, args.seconds / args.rounds,
                                  poster(INBOUND)),
                await closed_loop("bare insert, max throughput", 32,
                                  args.seconds / args.rounds, poster(BARE))))
        results += [
            LoadResult.merged([intake for intake, _ in rounds]),
            LoadResult.merged([bare for _, bare in rounds]),
            await closed_loop("raw SQL insert, max", 32, args.seconds, poster(RAW)),
            await closed_loop("intake, first contacts, max", 32, min(args.seconds, 8),
                              poster(INBOUND, firsts)),
        ]
        await client.close()
    with psycopg.connect(database_url) as conn:
        stored = conn.execute("SELECT count(*) FROM conversations_message "
                              "WHERE provider = 'twilio'").fetchone()[0]
    redis.Redis.from_url(REDIS_URL).flushdb()

    print(f"\nuvicorn workers: {args.workers}; PostgreSQL and Redis on 127.0.0.1; 2 cores shared "
          "with the load generator")
    for result in results:
        print(result.line())
    print(f"{probe.line()}  (the disk's flush, before the server started)")
    ratio = results[2].throughput / results[3].throughput
    turns = ", ".join(f"{intake.throughput / bare.throughput:.2f}" for intake, bare in rounds)
    print(f"\nintake / bare throughput: {ratio:.2f} (aim: at least 0.6); "
          f"in each of {len(rounds)} turns: {turns}")
    print(f"intake p99 at {args.rate:g}/s: {results[0].percentile(99):.1f} ms (aim: under 100)")
    print(f"messages stored: {stored} of {accepted} intake webhooks answered 200"
          + ("" if stored == accepted else "  ← NOT every accepted webhook, once"))
    print("first contacts (a new person, identity and conversation each) take the general path; "
          "everyone else's text is one statement")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rate", type=float, default=200)
    parser.add_argument("--seconds", type=float, default=10)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--rounds", type=int, default=4,
                        help="turns of intake and the bare view at full speed, sharing --seconds")
    asyncio.run(run(parser.parse_args()))


if __name__ == "__main__":
    main()
