"""Several instances on one database: exactly once, and anonymity on PostgreSQL.

What it measures
----------------
* The multi-instance probe: two Chapterhouse instances (each its own app, engine
  and real Bolt app over HTTP on 127.0.0.1) share one database and one fake Slack,
  as two `chapterhouse serve` processes behind a load balancer would. HQ has bound
  two chapter channels. `-n` times, one signed `/announce` is POSTed to the first
  instance and the very same body, marked as Slack's retry (`X-Slack-Retry-Num: 1`),
  to the second, both at once. Printed: executions per retried request (the
  announcements written ÷ requests; goal 1) and posts per channel per
  announcement (goal 1). The same for a button click delivered to both.
* The cost of the claim that makes it so: one insert in a transaction of its own
  before a request runs (`bot.inbound.first_delivery`), p50 and p99 over `-n`×10
  claims, next to the whole retried `/announce` round trip.
* The anonymity probe (PostgreSQL only; SQLite rows carry no transaction id):
  the demo society holds an anonymous poll that five members vote in, one after
  the other, on an app configured as a server is; then an attacker with the
  database and no ballot key tries the xmin join against every table naming a
  member, the ballots' ctid and xmin order against every voter column written
  while the votes came in, and every column of the ballot table
  (`tests/probe_anonymity.py`). Printed: voters recovered (goal 0).

Usage
-----
    .venv/bin/python bench/multi_instance.py [--quick] [-n 20] [--postgres URL]
"""

from __future__ import annotations

import argparse
import asyncio
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Sequence
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))  # run as a script from anywhere

from sqlalchemy import select

from bench.common import fresh_postgres_schema, host_line, ms, percentile
from bot.inbound import RETENTION, first_delivery
from storage.engine import create_engine, safe_url
from storage.migrate import upgrade
from storage.models import AnnouncementRecord, Ballot, Poll
from tests.adapters.slack.harness import SlackHarness, button, start_slack
from tests.adapters.slack.multi_instance import dropped, second_instance, until
from tests.probe_anonymity import run_probe

ALICE = "U0ALICE"
CHANNELS = {"C0BOSTON": "Boston", "C0LONDON": "London"}


async def migrated(url: str) -> None:
    engine = create_engine(url)
    try:
        await upgrade(engine)
    finally:
        await engine.dispose()


async def retries(slack: SlackHarness, url: str, n: int) -> dict[str, Any]:
    for channel, chapter in CHANNELS.items():
        await slack.command(ALICE, f"/chapter bind {chapter}", channel=channel)
    announced_before = await slack.bot.count(AnnouncementRecord)
    posts_before = len(slack.fake.of("chat.postMessage"))
    seconds: list[float] = []
    async with second_instance(slack, url) as other:
        for round_ in range(n):
            body, token = slack.command_body(
                ALICE, f"/announce “Round {round_}” --chapters Boston,London --platform slack"
            )
            before = dropped()
            started = time.perf_counter()
            await asyncio.gather(slack.post(body), other.post(body, retry=True))
            await until(lambda before=before: dropped() >= before + 1)  # type: ignore[misc]
            await slack.fake.response(token)
            seconds.append(time.perf_counter() - started)
        await slack.bot.app.notifier.flush()
        await other.bot.app.notifier.flush()
        announced = await slack.bot.count(AnnouncementRecord) - announced_before
        posts = Counter(
            p.params["channel"] for p in slack.fake.of("chat.postMessage")[posts_before:]
        )

        # A click delivered to both instances: a toggle that must flip once.
        await slack.command(
            ALICE, '/poll create "Where next?" "Lisbon" "Denver" --audience society --multi 2'
        )
        posted = await slack.posted_to("C0BOSTON", count=n + 1)
        async with slack.bot.uow() as uow:
            poll_id = max(await uow.session.scalars(select(Poll.id)))
        body, token = slack.click_body(
            "U0BEA", button(posted, "1."), channel="C0BOSTON", message_ts="1.0"
        )
        before = dropped()
        await asyncio.gather(slack.post(body), other.post(body, retry=True))
        await until(lambda: dropped() >= before + 1)
        await slack.fake.response(token)
        async with slack.bot.uow() as uow:
            ballots = list(
                await uow.session.scalars(select(Ballot.choices).where(Ballot.poll_id == poll_id))
            )
    claims: list[float] = []
    for index in range(n * 10):
        started = time.perf_counter()
        await first_delivery(slack.bot.app.sessions, [(f"bench:{time.time()}:{index}", RETENTION)])
        claims.append(time.perf_counter() - started)
    return {
        "executions": announced / n,
        "posts_per_channel": max(posts.values()) / max(announced, 1),
        "channels": len(posts),
        "click_ballot": [list(b) for b in ballots],
        "round_p50": percentile(seconds, 50),
        "claim_p50": percentile(claims, 50),
        "claim_p99": percentile(claims, 99),
    }


async def run_backend(backend: str, url: str, n: int) -> None:
    if backend == "postgresql":
        await fresh_postgres_schema(url)
    await migrated(url)
    async for slack in start_slack(url, chapterhouse_admins=f"slack:{ALICE}"):
        await slack.bot.seed_demo()
        figures = await retries(slack, url, n)
    print(f"[{backend}] {safe_url(url)}")
    print(
        f"  same Slack retry to both instances: executions = {figures['executions']:.2f} "
        f"per request ({n} requests), posts per channel per announcement = "
        f"{figures['posts_per_channel']:.0f} ({figures['channels']:.0f} channels)"
    )
    print(
        f"  same toggle click to both instances: ballots {figures['click_ballot']} "
        "(goal [[1]]: toggled once, not on and off)"
    )
    print(
        f"  claim before running: p50 {ms(figures['claim_p50'])}, p99 {ms(figures['claim_p99'])}"
        f"; a retried /announce round trip p50 {ms(figures['round_p50'])} "
        f"(claim = {figures['claim_p50'] / figures['round_p50']:.1%} of it)"
    )
    if backend == "postgresql":
        await fresh_postgres_schema(url)
        await migrated(url)
        probe = await run_probe(url)
        channels = ", ".join(f"{k}: {v}" for k, v in probe.channels.items()) or "none"
        print(
            f"  anonymity probe: voters recovered {len(probe.recovered)} of {probe.voters} "
            f"(channels that named anyone: {channels})"
        )
    else:
        print("  anonymity probe: PostgreSQL only (give --postgres URL)")


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("-n", type=int, default=20, help="retried requests per backend")
    parser.add_argument("--quick", action="store_true", help="5 requests per backend")
    parser.add_argument("--postgres", metavar="URL", help="also run on this PostgreSQL database")
    args = parser.parse_args(argv)
    if args.quick:
        args.n = 5
    return args


async def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    print(host_line("before"))
    with tempfile.TemporaryDirectory() as folder:
        await run_backend("sqlite", f"sqlite+aiosqlite:///{Path(folder) / 'bench.db'}", args.n)
    if args.postgres:
        await run_backend("postgresql", args.postgres, args.n)
    print(host_line("after"))
    return 0


if __name__ == "__main__":
    sys.exit(asyncio.run(main()))
