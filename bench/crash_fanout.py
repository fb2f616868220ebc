"""Crash fan-out: a 1,000-channel post, its sender killed with SIGKILL at random points.

What it measures
----------------
For each platform (Slack and Discord, each through its own fake server in this
process), `--channels` deliveries (1,000) are queued, one per channel, as an
announcement or a poll's results are. A sender (this script with `--sender`, a
separate process holding the real poster: slack_sdk's client, discord.py's REST
client) sends them; it is killed with SIGKILL `--kills` times (3), each time once
the fake has received a random number of posts, so the kill lands wherever the
sender happens to be: between a claim and its request, with requests in flight,
between a post and recording it. A last sender runs to the end. The figure is the
number of channels that hold exactly one post, out of `--channels`: the goal is
all of them, none missing and none doubled.

A restarted sender settles what the killed one left in doubt (see
`bot.notifier`): on Slack by looking for the delivery's metadata in the channel's
history, on Discord by resending with the delivery's enforced nonce. A restart
here is the only sender, so it settles those at once (`abandoned_after` 0)
rather than after the two minutes a process sharing the ledger would wait.

Usage: `python -m bench.crash_fanout [--quick] [--postgres URL]`.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import os
import random
import signal
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

from sqlalchemy import func, select

from bench.common import bench_settings, fresh_postgres_schema, host_line
from bot.clock import SystemClock
from bot.notifier import queue_posts
from bot.reply import Reply
from chapterhouse.bootstrap import bootstrap
from storage.models import Delivery, DeliveryStatus
from storage.uow import UnitOfWork

FIRST_DISCORD_CHANNEL = 1_400_000_000_000_000_000
SLACK_TOKEN = "xoxb-crash-fanout"
DISCORD_TOKEN = "fake-discord-token-for-the-crash-bench"


@dataclass
class Outcome:
    platform: str
    channels: int
    exactly_one: int
    missing: int
    doubled: int
    kills: int
    unsettled: int
    """Deliveries not `sent` at the end (should be none)."""
    seconds: float

    def line(self) -> str:
        return (
            f"{self.platform:8} channels with exactly one post {self.exactly_one}/{self.channels}"
            f"  (missing {self.missing}, doubled {self.doubled}; sender killed {self.kills}x; "
            f"deliveries not sent {self.unsettled}; {self.seconds:.1f}s)"
        )


def channel_ids(platform: str, count: int) -> list[str]:
    if platform == "slack":
        return [f"C{index:08d}" for index in range(count)]
    return [str(FIRST_DISCORD_CHANNEL + index) for index in range(count)]


async def queue(url: str, platform: str, count: int) -> None:
    """One post per channel, as a fan-out leaves them in the ledger."""
    app = await bootstrap(bench_settings(url, ""), clock=SystemClock())
    try:
        async with UnitOfWork(app.sessions, app.clock.now()) as uow:
            reply = Reply(text="Results: *Host the spring summit in Lisbon?* Yes 61, No 12")
            targets = [(platform, channel) for channel in channel_ids(platform, count)]
            await queue_posts(uow, reply, "poll:1:results", targets)
            await uow.commit()
    finally:
        await app.engine.dispose()


async def unsettled(url: str) -> int:
    app = await bootstrap(bench_settings(url, ""), clock=SystemClock(), migrate=False)
    try:
        async with app.sessions() as session:
            count = await session.scalar(
                select(func.count())
                .select_from(Delivery)
                .where(Delivery.status != DeliveryStatus.SENT)
            )
        return int(count or 0)
    finally:
        await app.engine.dispose()


async def sender(platform: str, url: str, api: str) -> None:
    """The process that is killed: the real poster for `platform`, sending what is pending."""
    settings = bench_settings(url, "")
    app = await bootstrap(settings, clock=SystemClock(), migrate=False)
    # A restart of the only sender: no one else can be mid-request, settle at once.
    app.notifier.abandoned_after = timedelta(0)
    try:
        if platform == "slack":
            from slack_sdk.web.async_client import AsyncWebClient

            from adapters.slack.poster import SlackPoster

            app.notifier.add_poster(
                SlackPoster(
                    AsyncWebClient(token=SLACK_TOKEN, base_url=api), per_channel_per_second=50
                )
            )
            await app.notifier.send_all()
        else:
            from adapters.discord.app import DiscordAdapter, point_at

            point_at(api, None)
            adapter = DiscordAdapter(app)
            await adapter.client.login(DISCORD_TOKEN)
            try:
                app.notifier.add_poster(adapter.poster)
                await app.notifier.send_all()
            finally:
                await adapter.close()
    finally:
        await app.engine.dispose()


async def run_sender(
    platform: str, url: str, api: str, posts: Callable[[], int], kill_at: int | None
) -> bool:
    """One sender process; killed with SIGKILL once `posts()` reaches `kill_at`.

    True when it was killed (False: it finished first).
    """
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "bench.crash_fanout",
        "--sender",
        platform,
        "--database-url",
        url,
        "--api",
        api,
        cwd=Path(__file__).resolve().parent.parent,
        env={**os.environ, "PYTHONUNBUFFERED": "1"},
    )
    if kill_at is None:
        code = await process.wait()
        if code != 0:
            raise RuntimeError(f"the last {platform} sender exited with {code}")
        return False
    while process.returncode is None and posts() < kill_at:
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(process.wait(), 0.002)
    if process.returncode is not None:
        return False
    process.send_signal(signal.SIGKILL)
    await process.wait()
    return True


async def crash_fanout(
    platform: str, url: str, *, channels: int = 1000, kills: int = 3, seed: int = 16
) -> Outcome:
    """Queue, send with `kills` SIGKILLs at random points, finish; count posts per channel."""
    from chapterhouse.testing.discord import FakeDiscord
    from chapterhouse.testing.slack import FakeSlack

    started = time.perf_counter()
    chance = random.Random(seed)
    await queue(url, platform, channels)
    ids = channel_ids(platform, channels)
    killed = 0
    if platform == "slack":
        slack = FakeSlack()
        await slack.start()
        try:

            def slack_posts() -> int:
                return len(slack.of("chat.postMessage"))

            points = sorted(chance.sample(range(1, channels), kills))
            for point in points:
                killed += await run_sender(platform, url, slack.api_url, slack_posts, point)
            await run_sender(platform, url, slack.api_url, slack_posts, None)
            counts = [len(slack.history.get(channel, [])) for channel in ids]
        finally:
            await slack.stop()
    else:
        fake = FakeDiscord(channels={int(c): f"chapter-{i}" for i, c in enumerate(ids)})
        await fake.start()
        try:

            def discord_posts() -> int:
                return len(fake.messages)

            points = sorted(chance.sample(range(1, channels), kills))
            for point in points:
                killed += await run_sender(platform, url, fake.api_base, discord_posts, point)
            await run_sender(platform, url, fake.api_base, discord_posts, None)
            counts = [len(fake.messages_in(int(channel))) for channel in ids]
        finally:
            await fake.stop()
    return Outcome(
        platform=platform,
        channels=channels,
        exactly_one=sum(1 for c in counts if c == 1),
        missing=sum(1 for c in counts if c == 0),
        doubled=sum(1 for c in counts if c > 1),
        kills=killed,
        unsettled=await unsettled(url),
        seconds=time.perf_counter() - started,
    )


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--channels", type=int, default=1000)
    parser.add_argument("--kills", type=int, default=3)
    parser.add_argument("--seed", type=int, default=16)
    parser.add_argument("--quick", action="store_true", help="200 channels, 2 kills")
    parser.add_argument("--postgres", metavar="URL", help="run on this PostgreSQL database")
    parser.add_argument("--sender", choices=("slack", "discord"), help=argparse.SUPPRESS)
    parser.add_argument("--database-url", help=argparse.SUPPRESS)
    parser.add_argument("--api", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.quick:
        args.channels, args.kills = 200, 2
    return args


async def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    if args.sender:
        await sender(args.sender, args.database_url, args.api)
        return 0
    print(host_line("at start"))
    ok = True
    with tempfile.TemporaryDirectory() as folder:
        for platform in ("slack", "discord"):
            if args.postgres:
                await fresh_postgres_schema(args.postgres)
                url = args.postgres
            else:
                url = f"sqlite+aiosqlite:///{Path(folder) / f'{platform}.db'}"
            outcome = await crash_fanout(
                platform, url, channels=args.channels, kills=args.kills, seed=args.seed
            )
            print(outcome.line())
            ok = ok and outcome.exactly_one == outcome.channels and not outcome.unsettled
    print(host_line("at end"))
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(asyncio.run(main()))
