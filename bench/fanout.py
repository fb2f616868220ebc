"""Fan-out benchmark: the weekly digest to 1,000 channels under a platform's rate limits,
and `run_due` on a quiet minute with 10,000 open polls.

What it measures
----------------
1. **Digest fan-out.** `--channels` active chapters (1,000), each with one bound
   channel, all in one time zone, so their weekly digests fall due at the same
   minute. `run_due` at that minute runs the real due jobs (`nudges.digest` builds
   each chapter's digest and queues one delivery per channel; not timed as
   sending, but shown as "queued in"), then the notifier sends them through a fake
   platform. The figure is the sending time against the **rate-limit minimum
   computed in the same run**: the least time any sender could take to have the
   platform accept exactly the posts it accepted, given its limits (below). The
   goal is a ratio of at most 1.1.
2. **Per-channel burst.** `--burst-channels` channels (20) receive `--burst-posts`
   posts each (10), queued at once: here the per-channel limit, not the workspace
   cap, sets the minimum, and each channel's posts must arrive in order.
3. **Quiet minute.** `--polls` open polls (10,000) closing 3 to 30 days later, in
   the same database. After a warm-up that lets the day's once-a-day work happen
   (goal snapshots), `run_due` runs `--ticks` times (200) at successive minutes in
   which nothing is due; each tick must report nothing due. p50/p99 of a tick and
   of each job; the goal is a tick under 20 ms.

The fake platform
-----------------
An in-process `Poster` standing in for Slack's Web API: each call takes
`--latency` (80 ms, half on the way there, half back) and is checked against
leaky buckets like the platform's — `--per-channel` posts a second per channel
(1, no burst) and `--workspace` posts a second across the workspace (50, a burst
of one second's worth). A post over either limit is refused as a transient
failure with Retry-After (a 429), which the notifier holds with backoff: any 429
shows up as a large ratio, and is counted. The notifier is told a pace of
`--pace-margin` (97 %) of those limits: like any client of a rate-limited API it
keeps a little under the line rather than on it, since the platform's clock and
ours never agree to the millisecond.

The minimum, for the posts the platform accepted: with N posts in all and n_c to
channel c, max((N − burst) / workspace rate, max_c (n_c − 1) / per-channel rate)
plus one round trip (the last post's).

`--sequential` also runs the digest fan-out with one post in flight at a time (the
notifier's send loop before it sent channels side by side), for comparison.

Usage
-----
    .venv/bin/python bench/fanout.py [--channels 1000] [--polls 10000] [--ticks 200]
        [--workspace 50] [--per-channel 1] [--latency 0.08] [--sequential]
        [--postgres URL] [--cpu N] [--quick] [--profile N]

`--quick` is a smoke run: 20 chapters (so the digest is quick) and 50 quiet ticks,
still over 10,000 open polls. `--profile N` profiles the quiet ticks and prints
the N costliest calls.
"""

from __future__ import annotations

import argparse
import asyncio
import cProfile
import gc
import io
import pstats
import sys
import time
from collections import Counter, defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path

from aiolimiter import AsyncLimiter
from sqlalchemy import event, func, insert, select

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))  # run as a script from anywhere

import bot.notifier
from bench.common import (
    bench_settings,
    databases,
    fresh_postgres_schema,
    host_line,
    ms,
    percentile,
    settle_after_bulk_load,
    start_run,
)
from bot.app import App
from bot.clock import FrozenClock
from bot.notifier import DeliveryFailed, Pace
from bot.reply import Reply
from bot.scheduler import run_due
from chapterhouse.bootstrap import bootstrap
from storage.engine import safe_url
from storage.models import (
    ChannelBinding,
    Chapter,
    ChapterStatus,
    Delivery,
    DeliveryStatus,
    Poll,
)
from storage.uow import UnitOfWork

PLATFORM = "slack"
DIGEST_AT = datetime(2027, 1, 11, 9, 0, tzinfo=UTC)
"""A Monday, 09:00 in the chapters' zone (UTC): every digest is due this minute."""
QUIET_FROM = datetime(2027, 1, 19, 10, 0, tzinfo=UTC)
"""A Tuesday morning, after every scenario: no digest, no poll closing within a day."""


@dataclass
class FakePlatform:
    """Accepts posts within its limits, refuses the rest with a 429, after a round trip."""

    per_channel: float
    workspace: float
    latency: float
    platform: str = PLATFORM
    accepted: list[tuple[str, float]] = field(default_factory=list)
    refused: int = 0

    def __post_init__(self) -> None:
        self._workspace = AsyncLimiter(self.workspace, 1)
        self._channels: dict[str, AsyncLimiter] = defaultdict(
            lambda: AsyncLimiter(1, 1 / self.per_channel)
        )

    async def post(self, channel_id: str, reply: Reply) -> str:
        await asyncio.sleep(self.latency / 2)
        channel = self._channels[channel_id]
        if not (self._workspace.has_capacity() and channel.has_capacity()):
            self.refused += 1
            raise DeliveryFailed("fake: 429 ratelimited", permanent=False, retry_after=1)
        await self._workspace.acquire()
        await channel.acquire()
        self.accepted.append((channel_id, asyncio.get_running_loop().time()))
        await asyncio.sleep(self.latency / 2)
        return f"{channel_id}/{len(self.accepted)}"

    async def direct(self, user_id: str, reply: Reply) -> str:
        return await self.post(f"D{user_id}", reply)

    async def edit(self, channel_id: str, message_id: str, reply: Reply) -> None:
        return None

    def minimum(self) -> float:
        """The least time for the posts accepted so far, under these limits."""
        per_channel = Counter(channel for channel, _ in self.accepted)
        total = sum(per_channel.values())
        workspace = max(0.0, (total - self.workspace) / self.workspace)
        channel = max(((n - 1) / self.per_channel for n in per_channel.values()), default=0.0)
        return max(workspace, channel) + self.latency


@dataclass
class Fanout:
    name: str
    posts: int
    sent: int
    queued_in: float
    sent_in: float
    minimum: float
    refused: int
    in_order: bool

    @property
    def ratio(self) -> float:
        return self.sent_in / self.minimum


# ------------------------------------------------------------------------ seeding


async def seed(app: App, channels: int, polls: int) -> None:
    """Chapters with a bound channel each, and open polls; bulk inserts, not measured."""
    created = DIGEST_AT - timedelta(days=60)
    async with app.engine.begin() as connection:
        await connection.execute(
            insert(Chapter),
            [
                {
                    "id": n,
                    "name": f"Chapter {n:04d}",
                    "name_key": f"chapter {n:04d}",
                    "region": "Bench",
                    "timezone": "UTC",
                    "status": ChapterStatus.ACTIVE,
                    "created_at": created,
                    "activated_at": created,
                }
                for n in range(1, channels + 1)
            ],
        )
        await connection.execute(
            insert(ChannelBinding),
            [
                {
                    "chapter_id": n,
                    "platform": PLATFORM,
                    "channel_id": f"C{n:05d}",
                    "channel_name": f"chapter-{n:04d}",
                    "bound_at": created,
                }
                for n in range(1, channels + 1)
            ],
        )
        rows = [
            {
                "question": f"Question {n}?",
                "options": ["Yes", "No"],
                "audience": "chapter",
                "chapter_id": 1 + n % channels,
                "origin_platform": PLATFORM,
                "origin_channel_id": f"C{1 + n % channels:05d}",
                "origin_channel_name": "bench",
                "timezone": "UTC",
                "created_at": created,
                "closes_at": QUIET_FROM + timedelta(days=3, minutes=n % (27 * 24 * 60)),
            }
            for n in range(polls)
        ]
        for start in range(0, len(rows), 2000):
            await connection.execute(insert(Poll), rows[start : start + 2000])
        if connection.dialect.name == "postgresql":
            await connection.exec_driver_sql(
                "SELECT setval(pg_get_serial_sequence('chapters', 'id'), "
                "(SELECT max(id) FROM chapters))"
            )
    await settle_after_bulk_load(app.engine)


async def in_order(app: App, platform: FakePlatform, keys_prefix: str) -> bool:
    """Did every channel receive its posts in the order they were queued?"""
    async with UnitOfWork(app.sessions, app.clock.now()) as uow:
        rows = await uow.session.execute(
            select(Delivery.channel_id, Delivery.message_id)
            .where(Delivery.key.like(f"{keys_prefix}%"), Delivery.status == DeliveryStatus.SENT)
            .order_by(Delivery.id)
        )
        sequence: dict[str, list[int]] = defaultdict(list)
        for channel, message in rows:
            sequence[channel].append(int(str(message).rsplit("/", 1)[1]))
    return all(numbers == sorted(numbers) for numbers in sequence.values())


# ------------------------------------------------------------------------ scenarios


async def digest(app: App, clock: FrozenClock, args: argparse.Namespace) -> Fanout:
    clock.set(DIGEST_AT)
    platform = FakePlatform(args.per_channel, args.workspace, args.latency)
    start = time.perf_counter()
    report = await run_due(app, DIGEST_AT)  # no poster yet: the posts are queued only
    queued_in = time.perf_counter() - start
    failed = [f"{job.name}: {job.error}" for job in report.failed]
    if failed:
        raise SystemExit(f"due jobs failed: {failed}")
    posts = sum(1 for post in report.posts if post.platform == PLATFORM)
    if "nudges.digest" not in app.registry.due_jobs or posts < args.channels:
        raise SystemExit(f"expected {args.channels} digests, the due jobs queued {posts}")
    app.notifier.add_poster(platform, pace(args))
    start = time.perf_counter()
    sent = await app.notifier.send_all()
    sent_in = time.perf_counter() - start
    return Fanout(
        "digest",
        posts,
        sent,
        queued_in,
        sent_in,
        platform.minimum(),
        platform.refused,
        await in_order(app, platform, "digest:"),
    )


async def burst(app: App, clock: FrozenClock, args: argparse.Namespace) -> Fanout:
    """`--burst-posts` posts to each of `--burst-channels` channels, queued at once."""
    platform = FakePlatform(args.per_channel, args.workspace, args.latency)
    start = time.perf_counter()
    async with UnitOfWork(app.sessions, clock.now()) as uow:
        for n in range(args.burst_posts):
            for c in range(1, args.burst_channels + 1):
                uow.deliver(
                    Delivery(
                        key=f"burst:{n}:{c}",
                        platform=PLATFORM,
                        channel_id=f"C{c:05d}",
                        reply=Reply.public(f"post {n}").to_json(),
                        created_at=uow.now,
                    )
                )
        await uow.commit()
    queued_in = time.perf_counter() - start
    app.notifier.add_poster(platform, pace(args))
    start = time.perf_counter()
    sent = await app.notifier.send_all()
    sent_in = time.perf_counter() - start
    return Fanout(
        "burst",
        args.burst_posts * args.burst_channels,
        sent,
        queued_in,
        sent_in,
        platform.minimum(),
        platform.refused,
        await in_order(app, platform, "burst:"),
    )


def pace(args: argparse.Namespace) -> Pace:
    return Pace(
        per_channel=args.per_channel * args.pace_margin,
        overall=args.workspace * args.pace_margin,
    )


@dataclass
class Quiet:
    ticks: list[float]
    jobs: dict[str, list[float]]
    busy: int
    cpu: list[float]
    """This process's CPU time per tick: what the tick costs, whatever else the machine runs."""
    statements: list[int]
    """SQL statements per tick (BEGIN and COMMIT are not statements the driver counts)."""
    profile: str | None = None


async def quiet_minutes(app: App, clock: FrozenClock, args: argparse.Namespace) -> Quiet:
    for warm in range(5):  # the day's first tick does the daily work (goal snapshots)
        clock.set(QUIET_FROM + timedelta(minutes=warm))
        await run_due(app, clock.now())
    gc.collect()  # the digest's and burst's garbage is theirs, not the quiet ticks'
    ticks: list[float] = []
    cpu: list[float] = []
    statements: list[int] = []
    jobs: dict[str, list[float]] = defaultdict(list)
    busy = 0
    count = [0]

    def counted(*_: object) -> None:
        count[0] += 1

    event.listen(app.engine.sync_engine, "before_cursor_execute", counted)
    profiler = cProfile.Profile() if args.profile else None
    try:
        for n in range(args.ticks):
            clock.set(QUIET_FROM + timedelta(minutes=10 + n))
            count[0] = 0
            if profiler is not None:
                profiler.enable()
            start, used = time.perf_counter(), time.process_time()
            report = await run_due(app, clock.now())
            ticks.append(time.perf_counter() - start)
            cpu.append(time.process_time() - used)
            if profiler is not None:
                profiler.disable()
            statements.append(count[0])
            busy += 0 if report.quiet else 1
            for job in report.jobs:
                jobs[job.name].append(job.seconds)
    finally:
        event.remove(app.engine.sync_engine, "before_cursor_execute", counted)
    quiet = Quiet(ticks, jobs, busy, cpu, statements)
    if profiler is not None:
        out = io.StringIO()
        pstats.Stats(profiler, stream=out).sort_stats("tottime").print_stats(args.profile)
        quiet.profile = out.getvalue()
    return quiet


# ------------------------------------------------------------------------ backends


async def run_backend(backend: str, url: str, args: argparse.Namespace) -> bool:
    if backend == "postgres":
        await fresh_postgres_schema(url)
    settings = bench_settings(url, "", digest_day="monday", digest_time="09:00")
    clock = FrozenClock(DIGEST_AT - timedelta(days=1))
    app = await bootstrap(settings, clock=clock, live_interval=0)
    try:
        start = time.perf_counter()
        await seed(app, args.channels, args.polls)
        print(
            f"{backend:<8}  seeded {args.channels} chapters with a bound channel each and "
            f"{args.polls} open polls in {time.perf_counter() - start:.1f}s (not measured)  "
            f"[{safe_url(url)}]"
        )
        results = [await digest(app, clock, args)]
        if args.sequential:
            results.append(await sequential_digest(app, clock, args))
        results.append(await burst(app, clock, args))
        quiet = await quiet_minutes(app, clock, args)
        async with UnitOfWork(app.sessions, clock.now()) as uow:
            open_polls = await uow.session.scalar(
                select(func.count()).select_from(Poll).where(Poll.closed_at.is_(None))
            )
    finally:
        await app.close()
    ok = True
    for r in results:
        good = r.ratio <= 1.1 and r.refused == 0 and r.in_order and r.sent == r.posts
        ok &= good or r.name == "sequential"
        print(
            f"{backend:<8}  {r.name:<10} {r.sent:>5}/{r.posts} posts sent  "
            f"queued in {r.queued_in:6.2f}s  "
            f"sent in {r.sent_in:6.2f}s  minimum {r.minimum:6.2f}s  ratio {r.ratio:5.2f}×  "
            f"429s {r.refused}  per-channel order {'kept' if r.in_order else 'BROKEN'}"
            + ("" if r.name == "sequential" else f"  goal ≤ 1.10× {'ok' if good else 'MISSED'}")
        )
    p50, p99 = percentile(quiet.ticks, 50), percentile(quiet.ticks, 99)
    quiet_ok = quiet.busy == 0 and p99 < 0.020
    ok &= quiet.busy == 0
    print(
        f"{backend:<8}  quiet minute with {open_polls} open polls, {args.channels} chapters: "
        f"run_due p50 {ms(p50)}  p99 {ms(p99)}  "
        f"cpu p50 {ms(percentile(quiet.cpu, 50))}  p99 {ms(percentile(quiet.cpu, 99))}  "
        f"statements {min(quiet.statements)}–{max(quiet.statements)}  "
        f"over {len(quiet.ticks)} ticks  "
        f"({quiet.busy} found work)  goal < 20 ms {'ok' if quiet_ok else 'MISSED'}"
    )
    slowest = sorted(quiet.jobs.items(), key=lambda item: -percentile(item[1], 50))
    print(
        f"{backend:<8}    per job p50: "
        + ", ".join(
            f"{name} {ms(percentile(times, 50))}"
            for name, times in slowest
            if percentile(times, 50) >= 0.00005
        )
    )
    if quiet.profile is not None:
        print(quiet.profile)
    return ok


async def sequential_digest(app: App, clock: FrozenClock, args: argparse.Namespace) -> Fanout:
    """The digest again, a week later, one post in flight at a time."""
    clock.set(DIGEST_AT + timedelta(days=7))
    platform = FakePlatform(args.per_channel, args.workspace, args.latency)
    app.notifier.posters.pop(PLATFORM, None)  # queue only, as in the first run
    start = time.perf_counter()
    await run_due(app, clock.now())
    queued_in = time.perf_counter() - start
    app.notifier.add_poster(platform, pace(args))
    concurrency, bot.notifier.SEND_CONCURRENCY = bot.notifier.SEND_CONCURRENCY, 1
    try:
        start = time.perf_counter()
        sent = await app.notifier.send_all()
        sent_in = time.perf_counter() - start
    finally:
        bot.notifier.SEND_CONCURRENCY = concurrency
    return Fanout(
        "sequential", sent, sent, queued_in, sent_in, platform.minimum(), platform.refused, True
    )


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--channels", type=int, default=1000, help="chapters, one channel each")
    parser.add_argument("--polls", type=int, default=10_000, help="open polls")
    parser.add_argument("--ticks", type=int, default=200, help="quiet-minute ticks measured")
    parser.add_argument("--workspace", type=float, default=50.0, help="posts/s, workspace-wide")
    parser.add_argument("--per-channel", type=float, default=1.0, help="posts/s per channel")
    parser.add_argument("--latency", type=float, default=0.08, help="seconds per API call")
    parser.add_argument(
        "--pace-margin", type=float, default=0.97, help="our pace as a share of the limits"
    )
    parser.add_argument("--burst-channels", type=int, default=20)
    parser.add_argument("--burst-posts", type=int, default=10)
    parser.add_argument(
        "--sequential", action="store_true", help="also send the digest one post at a time"
    )
    parser.add_argument("--postgres", metavar="URL", help="also run on this PostgreSQL database")
    parser.add_argument("--cpu", type=int, metavar="N", help="pin this process to CPU N")
    parser.add_argument(
        "--quick", action="store_true", help="20 chapters and 50 ticks (the 10,000 polls stay)"
    )
    parser.add_argument(
        "--profile",
        type=int,
        metavar="N",
        help="profile the quiet ticks and print the N calls with the most time of their own",
    )
    args = parser.parse_args(argv)
    if args.quick:
        args.channels, args.ticks = args.burst_channels, min(args.ticks, 50)
    if args.channels < args.burst_channels or args.ticks < 1:
        parser.error("need at least --burst-channels channels and one tick")
    return args


async def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    start_run(args.cpu)
    print(
        f"platform  {args.per_channel:g} post/s per channel, {args.workspace:g} posts/s "
        f"workspace-wide, {args.latency * 1000:.0f} ms a call; our pace "
        f"{args.pace_margin:.0%} of that, up to {bot.notifier.SEND_CONCURRENCY} posts in flight"
    )
    passed = True
    for backend, url in databases("fanout", args.postgres):
        passed &= await run_backend(backend, url, args)
    print(host_line("at end"))
    print(f"checks: {'all passed' if passed else 'SOME FAILED'}")
    return 0 if passed else 1


if __name__ == "__main__":
    sys.exit(asyncio.run(main()))
