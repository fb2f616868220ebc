"""Supervised Discord restart: from the gateway dropping to commands answered again.

What it measures
----------------
`chapterhouse serve` with the real discord.py client against the fake Discord
(`chapterhouse/testing/discord/`, gateway and REST on 127.0.0.1). `-n` times (10
by default) the fake closes the gateway with a close code discord.py does not
retry (4013, invalid intents), so the client's task ends, as it does when
discord.py gives up. The adapter's supervisor (`DiscordAdapter.supervise`) notices,
waits its first backoff (1 s), starts a new client, which logs in and identifies.
For each restart, from the instant the fake closed the socket:

* ready: until `/healthz` says 200 again (polled every 10 ms: the figure's
  resolution), having said 503 first;
* serving: until a `/chapter list` sent right after that is answered (the
  interaction's callback reaches the fake REST).

Printed: p50/p99/max of both over the run, and the supervisor's restarts as
counted by `/metrics` (goal: one per drop). Each restart is checked to answer the
command with the chapters, so a restart that comes back deaf counts as a failure.

Why
---
discord.py reconnects a dropped gateway by itself; when its task ends instead,
nothing of discord.py brings it back. The time a society's Discord is deaf after
such a drop is this figure: mostly the first backoff, then login and identify.

Usage
-----
    .venv/bin/python bench/discord_restart.py [-n 10] [--quick] [--postgres URL] [--cpu N]
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import sys
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))  # run as a script from anywhere

import aiohttp

from bench.common import (
    bench_settings,
    databases,
    fresh_postgres_schema,
    host_line,
    ms,
    percentile,
    start_run,
)
from chapterhouse.bootstrap import bootstrap
from chapterhouse.serve import serve
from chapterhouse.testing.discord import FakeDiscord
from chapterhouse.testing.probes import CLOSE_NOT_RETRIED, restarts, until_health
from commands.demo import seed_demo
from storage.uow import UnitOfWork
from tests.support import free_port

TOKEN = "fake-discord-token-for-the-restart-bench"
MEMBER = 1_300_000_000_000_002_001
POLL = 0.01
"""How often /healthz is asked: the resolution of the "ready" figure."""


@dataclass
class Figures:
    ready: list[float] = field(default_factory=list)
    serving: list[float] = field(default_factory=list)
    restarts: float = 0.0
    deaf: int = 0
    """Restarts after which the command was not answered with the chapters."""


async def answered(fake: FakeDiscord) -> bool:
    payload = fake.slash_command(MEMBER, "chapter", "list", None)
    await fake.send_interaction(payload)
    call = await fake.callback_for(payload, timeout=30)
    return "Boston" in str(call.data)


async def measure(url: str, drops: int) -> Figures:
    fake = FakeDiscord(members={MEMBER: "member"})
    await fake.start()
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    settings = bench_settings(
        url,
        "",
        discord_bot_token=TOKEN,
        discord_api_url=fake.api_base,
        discord_gateway_url=fake.gateway_url,
        http_port=port,
    )
    figures = Figures()
    try:
        with fake.point_discord_py_here():
            app = await bootstrap(settings, live_interval=0)
            # Each drop is logged as an error and every 503 polled as a warning: the
            # bench causes them, and the figures would drown in them.
            for name in ("chapterhouse.discord", "chapterhouse.http", "discord"):
                logging.getLogger(name).setLevel(logging.CRITICAL)
            try:
                async with UnitOfWork(app.sessions, app.clock.now()) as uow:
                    await seed_demo(uow.session, uow.now)
                    await uow.commit()
                done = asyncio.Event()

                async def stopped() -> None:
                    await done.wait()

                server = asyncio.create_task(serve(app, until=stopped))
                try:
                    async with aiohttp.ClientSession() as http:
                        await until_health(http, base, 200, every=POLL)
                        await answered(fake)  # warm: the first command fills the caches
                        before = await restarts(http, base)
                        for _ in range(drops):
                            dropped = time.perf_counter()
                            await fake.close_gateway(CLOSE_NOT_RETRIED)
                            await until_health(http, base, 503, every=POLL)
                            await until_health(http, base, 200, every=POLL)
                            figures.ready.append(time.perf_counter() - dropped)
                            ok = await answered(fake)
                            figures.serving.append(time.perf_counter() - dropped)
                            figures.deaf += 0 if ok else 1
                        figures.restarts = await restarts(http, base) - before
                finally:
                    done.set()
                    await asyncio.wait_for(server, 30)
            finally:
                await app.close()
    finally:
        await fake.stop()
    return figures


def report(backend: str, drops: int, figures: Figures) -> None:
    for name, values in (("ready", figures.ready), ("serving", figures.serving)):
        print(
            f"{backend:9} {name:8} p50 {ms(percentile(values, 50))}  "
            f"p99 {ms(percentile(values, 99))}  max {ms(max(values))}  over {len(values)} drops"
        )
    print(
        f"{backend:9} restarts counted {figures.restarts:.0f} for {drops} drops (goal equal); "
        f"deaf after a restart: {figures.deaf} (goal 0)"
    )


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("-n", "--drops", type=int, default=10, help="gateway drops (restarts)")
    parser.add_argument("--quick", action="store_true", help="3 drops")
    parser.add_argument("--postgres", metavar="URL", help="also run on this PostgreSQL database")
    parser.add_argument("--cpu", type=int, metavar="N", help="pin this process to CPU N")
    args = parser.parse_args(argv)
    if args.quick:
        args.drops = 3
    return args


async def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    start_run(args.cpu)
    ok = True
    for backend, url in databases("discord-restart", args.postgres):
        if backend == "postgres":
            await fresh_postgres_schema(url)
        figures = await measure(url, args.drops)
        report(backend, args.drops, figures)
        ok = ok and figures.deaf == 0 and figures.restarts == args.drops
    print(host_line("at end"))
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(asyncio.run(main()))
