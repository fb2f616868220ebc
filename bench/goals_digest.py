"""Goals and digest benchmark: `/goals` and `/digest CHAPTER` at society scale.

What it measures
----------------
The time `/goals` and `/digest CHAPTER` take through `Dispatcher.handle` — parse,
identity, roles, the handler's queries, the member's "last active" write, commit —
when the database holds a large society: by default 100,000 members, 200 chapters
(170 active with a bound channel, 20 incubating, 10 dormant), 50 workgroups,
500 polls (60 open), 40 positions (8 open, checked in by about half the active
chapters), a year of meetings, 20,000 dispatched outbox events (among them the
calls for volunteers the digest reads) and six goals, one per metric. And, as the
scheduler would build them, `chapter_digest` for every chapter in one session.

Why
---
Issue: "`/goals` and `/digest` latency with 100,000 members, 200 chapters, 50
workgroups, 500 polls: p50/p99. Goal p99 < 50 ms on SQLite." A goal counts whole
tables (members) and a digest reads five features at once; a query that scans
is free in the tests and tens of milliseconds here. The scheduler builds a digest
for every chapter channel in one tick, so a slow digest is paid two hundred times.

How
---
1. Build the app with `chapterhouse.bootstrap.bootstrap` (migrations applied there; a
   `FrozenClock` at the real time now), on a SQLite file in a temporary directory
   and, with `--postgres URL`, on PostgreSQL after dropping and recreating its
   `public` schema.
2. Seed with SQLAlchemy Core bulk inserts (`bench/common.py`; not measured), then
   set the goals through the dispatcher as the HQ admin (`console:hq`).
3. Warm-up (not measured) of `--warm-up` runs of each command, to fill the
   statement caches. Then, one command at a time, `--runs` `/goals` from random
   members and `--runs` `/digest "Bench NNNN"` for random chapters from random
   members, each timed with `time.perf_counter` around `Dispatcher.handle`:
   p50/p99 (nearest rank), mean and max. One more of each runs with a statement
   counter on the engine, giving the SQL statements one command costs.
4. `chapter_digest` for every chapter in one unit of work, each timed.
5. Print a table and the goal check, computed from the measured figures. Every
   reply must succeed and each digest must name its chapter; the process exits 1
   otherwise.

Reading the figures
-------------------
As in `core_latency.py`, SQLite's figures on a small VM move with thread wake-ups
across CPUs (every statement is a hop to aiosqlite's thread); `--cpu N` pins the
process to one CPU, and the `host` lines say how busy the machine was. The
digest reads the calls for volunteers from `outbox_events` by kind, which no index
serves: `--events` sets how many events the table holds, to see what that costs.

Usage
-----
    .venv/bin/python bench/goals_digest.py [--members 100000] [--chapters 200]
        [--workgroups 50] [--polls 500] [--events 20000] [--runs 300]
        [--postgres URL] [--cpu N] [--seed 7]
"""

from __future__ import annotations

import argparse
import asyncio
import random
import statistics
import sys
import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import event, insert, select, update
from sqlalchemy.ext.asyncio import AsyncConnection

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))  # run as a script from anywhere

from bench.common import (
    bench_settings,
    catch_up_sequences,
    databases,
    fresh_postgres_schema,
    host_line,
    insert_members,
    ms,
    percentile,
    settle_after_bulk_load,
    start_run,
)
from bot.app import App
from bot.clock import FrozenClock
from bot.context import Place, Request
from bot.reply import Reply
from chapterhouse.bootstrap import bootstrap
from chapterhouse.cli import settle_heap
from commands.digest import chapter_digest
from storage.engine import safe_url
from storage.models import (
    ChannelBinding,
    Chapter,
    Meeting,
    OutboxEvent,
    Poll,
    Position,
    PositionCheckin,
    PositionCheckout,
    PositionStance,
    Workgroup,
    WorkgroupMember,
)
from storage.uow import UnitOfWork

GOAL_MS = 50.0
PLATFORM = "console"
ADMIN = "hq"
NOWHERE = Place(PLATFORM, "", "")
CHUNK = 5_000
TIMEZONES = (
    "Europe/London", "Europe/Berlin", "America/New_York", "America/Chicago",
    "America/Los_Angeles", "America/Sao_Paulo", "Africa/Lagos", "Asia/Kolkata",
    "Asia/Tokyo", "Australia/Sydney",
)  # fmt: skip
EVENT_KINDS = (
    "poll.opened", "poll.closed", "position.opened", "chapter.activated",
    "workgroup.activated", "announcement",
)  # fmt: skip
RECRUIT_CALLS = 25
CALL_DAYS = 60
GOALS = (
    ("chapters", "200 active chapters", 200, "active_chapters"),
    ("members", "150,000 members", 150_000, "members"),
    ("workgroups", "60 active workgroups", 60, "active_workgroups"),
    ("positions", "20 adopted positions", 20, "adopted_positions"),
    ("meetings", "2,000 meetings held", 2_000, "meetings_held"),
    ("conference", "An international conference", 1, "manual"),
)


def chapter_name(chapter_id: int) -> str:
    return f"Bench {chapter_id:04d}"


def handle(member_id: int) -> str:
    return f"m{member_id:06d}"


def request(user: str, text: str) -> Request:
    return Request(PLATFORM, user, user, NOWHERE, text=text)


def _chunks(rows: Sequence[Any]) -> Iterator[Sequence[Any]]:
    for start in range(0, len(rows), CHUNK):
        yield rows[start : start + CHUNK]


# --------------------------------------------------------------------------- seeding


@dataclass
class World:
    chapters: int
    members: int
    statuses: dict[int, str] = field(default_factory=dict)
    counts: dict[str, int] = field(default_factory=dict)


def chapter_status(chapter_id: int, chapters: int) -> str:
    """The first 85 % active, the next 10 % incubating, the rest dormant."""
    if chapter_id <= chapters * 85 // 100:
        return "active"
    if chapter_id <= chapters * 95 // 100:
        return "incubating"
    return "dormant"


async def seed(app: App, args: argparse.Namespace, rng: random.Random) -> World:
    now = app.clock.now()
    world = World(args.chapters, args.members)
    async with app.engine.begin() as connection:
        await _seed_chapters(connection, world, now)
        await _seed_members(connection, world, now, rng)
        await _seed_meetings(connection, world, now, rng)
        await _seed_workgroups(connection, world, args.workgroups, now, rng)
        await _seed_polls(connection, world, args.polls, now, rng)
        await _seed_positions(connection, world, now, rng)
        await _seed_events(connection, world, args.events, now, rng)
        await catch_up_sequences(
            connection,
            "members",
            "chapters",
            "channel_bindings",
            "meetings",
            "workgroups",
            "polls",
            "positions",
            "position_checkins",
            "outbox_events",
        )
    await settle_after_bulk_load(app.engine)
    return world


async def _seed_chapters(connection: AsyncConnection, world: World, now: datetime) -> None:
    start_of_year = datetime(now.year, 1, 1, tzinfo=UTC)
    rows = []
    for i in range(1, world.chapters + 1):
        status = chapter_status(i, world.chapters)
        world.statuses[i] = status
        rows.append(
            {
                "id": i,
                "name": chapter_name(i),
                "name_key": chapter_name(i).lower(),
                "region": "Bench",
                "timezone": TIMEZONES[i % len(TIMEZONES)],
                "status": status,
                "president_id": None,
                "created_at": start_of_year - timedelta(days=400),
                "activated_at": start_of_year - timedelta(days=300)
                if status != "incubating"
                else None,
                "retired_at": now - timedelta(days=20) if status == "dormant" else None,
            }
        )
    await connection.execute(insert(Chapter), rows)
    bound = [i for i, s in world.statuses.items() if s == "active"]
    await connection.execute(
        insert(ChannelBinding),
        [
            {
                "chapter_id": i,
                "platform": PLATFORM,
                "channel_id": f"bench-{i:04d}",
                "channel_name": f"bench-{i:04d}",
                "bound_by": None,
                "bound_at": now - timedelta(days=30),
            }
            for i in bound
        ],
    )
    world.counts["bound channels"] = len(bound)


async def _seed_members(
    connection: AsyncConnection, world: World, now: datetime, rng: random.Random
) -> None:
    """Members 1..N; member i presides over chapter i; 5 % belong to no chapter."""
    people = [
        (
            i,
            handle(i),
            i
            if i <= world.chapters
            else (None if rng.random() < 0.05 else rng.randint(1, world.chapters)),
        )
        for i in range(1, world.members + 1)
    ]
    for chunk in _chunks(people):
        await insert_members(connection, chunk, PLATFORM, now - timedelta(days=200))
    for i in range(1, world.chapters + 1):
        await connection.execute(update(Chapter).where(Chapter.id == i).values(president_id=i))


async def _seed_meetings(
    connection: AsyncConnection, world: World, now: datetime, rng: random.Random
) -> None:
    """For each active or dormant chapter, up to eight meetings this year and four last year."""
    today = now.date()
    rows: list[dict[str, Any]] = []
    for i, status in world.statuses.items():
        if status == "incubating":
            continue
        days: set[tuple[str, date]] = set()
        for year, count in ((today.year, 8), (today.year - 1, 4)):
            first = date(year, 1, 1)
            last = today if year == today.year else date(year, 12, 31)
            for _ in range(count):
                held = first + timedelta(days=rng.randint(0, max(0, (last - first).days)))
                kind = rng.choice(("working", "social"))
                if (kind, held) in days:
                    continue
                days.add((kind, held))
                rows.append(
                    {
                        "chapter_id": i,
                        "kind": kind,
                        "held_on": held,
                        "topic": f"Bench meeting {len(rows)}",
                        "attendance": rng.randint(5, 60),
                        "logged_by": i,
                        "logged_at": now,
                    }
                )
    await connection.execute(insert(Meeting), rows)
    world.counts["meetings"] = len(rows)


async def _seed_workgroups(
    connection: AsyncConnection, world: World, count: int, now: datetime, rng: random.Random
) -> None:
    """70 % active, 10 % proposed, the rest completed or archived; 20 members per active one."""
    rows = []
    memberships = []
    for i in range(1, count + 1):
        share = i / count
        status = (
            "active"
            if share <= 0.7
            else "proposed"
            if share <= 0.8
            else "completed"
            if share <= 0.9
            else "archived"
        )
        lead = rng.randint(1, world.members)
        rows.append(
            {
                "id": i,
                "name": f"Workgroup {i:03d}",
                "name_key": f"workgroup {i:03d}",
                "purpose": "Work the benchmark needs",
                "not_responsible": None,
                "status": status,
                "lead_id": lead,
                "proposer_id": lead,
                "created_at": now
                - timedelta(
                    days=rng.randint(
                        1 if status == "proposed" else 60, 20 if status == "proposed" else 400
                    )
                ),
                "activated_at": now - timedelta(days=50) if status != "proposed" else None,
                "closed_at": now - timedelta(days=5)
                if status in ("completed", "archived")
                else None,
                "last_activity_at": now - timedelta(hours=rng.randint(1, 24 * 60)),
            }
        )
        if status == "active":
            for member in {lead, *rng.sample(range(1, world.members + 1), 19)}:
                memberships.append({"workgroup_id": i, "member_id": member, "joined_at": now})
    await connection.execute(insert(Workgroup), rows)
    await connection.execute(insert(WorkgroupMember), memberships)
    world.counts["workgroups"] = len(rows)
    world.counts["active workgroups"] = sum(r["status"] == "active" for r in rows)


async def _seed_polls(
    connection: AsyncConnection, world: World, count: int, now: datetime, rng: random.Random
) -> None:
    """12 % open (a third society-wide), the rest closed over the past year."""
    rows = []
    for i in range(1, count + 1):
        open_ = i > count * 88 // 100
        society = rng.random() < (1 / 3 if open_ else 0.2)
        chapter = None if society else rng.randint(1, world.chapters)
        created = now - timedelta(days=rng.randint(1, 3) if open_ else rng.randint(5, 365))
        closes = (
            now + timedelta(hours=rng.randint(2, 24 * 14)) if open_ else created + timedelta(days=3)
        )
        rows.append(
            {
                "id": i,
                "question": f"Bench question {i}?",
                "options": ["Yes", "No", "Later"],
                "multi": 1,
                "ranked": False,
                "anonymous": False,
                "hidden": False,
                "audience": "society" if society else "chapter",
                "chapter_id": chapter,
                "origin_platform": PLATFORM,
                "origin_channel_id": "bench-0001",
                "origin_channel_name": "bench-0001",
                "timezone": "UTC",
                "creator_id": 1,
                "created_at": created,
                "closes_at": closes,
                "closed_at": None if open_ else closes,
                "closed_by": None,
                "reminded_on": None,
                "auto_reminded_at": None,
            }
        )
    await connection.execute(insert(Poll), rows)
    world.counts["polls"] = len(rows)
    world.counts["open polls"] = sum(r["closed_at"] is None for r in rows)


async def _seed_positions(
    connection: AsyncConnection, world: World, now: datetime, rng: random.Random
) -> None:
    """8 open positions, each checked in by about half the active chapters; 32 decided."""
    active = [i for i, s in world.statuses.items() if s == "active"]
    positions: list[dict[str, Any]] = []
    checkins: list[dict[str, Any]] = []
    stances: list[dict[str, Any]] = []
    checkouts: list[dict[str, Any]] = []
    for i in range(1, 41):
        open_ = i <= 8
        status = "open" if open_ else ("adopted", "rejected", "expired")[i % 3]
        positions.append(
            {
                "id": i,
                "title": f"Bench position {i}",
                "statement": "Chapters do what the benchmark says.",
                "status": status,
                "proposer_id": 1,
                "created_at": now - timedelta(days=60),
                "requested_closes_at": None,
                "opened_at": now - timedelta(days=20),
                "closes_at": now + timedelta(days=rng.randint(1, 30))
                if open_
                else now - timedelta(days=rng.randint(1, 200)),
                "decided_at": None if open_ else now - timedelta(days=1),
            }
        )
        if not open_:
            continue
        for chapter in active:
            roll = rng.random()
            if roll < 0.5:
                checkin_id = len(checkins) + 1
                stance = rng.choice(("agree", "agree", "disagree", "abstain"))
                checkins.append(
                    {
                        "id": checkin_id,
                        "position_id": i,
                        "chapter_id": chapter,
                        "stance": stance,
                        "votes_for": 10,
                        "votes_against": 2,
                        "votes_abstain": 0,
                        "summary": None,
                        "by_id": chapter,
                        "at": now - timedelta(days=2),
                    }
                )
                stances.append(
                    {
                        "position_id": i,
                        "chapter_id": chapter,
                        "checkin_id": checkin_id,
                        "stance": stance,
                    }
                )
            elif roll < 0.7:
                checkouts.append(
                    {
                        "position_id": i,
                        "chapter_id": chapter,
                        "meeting_on": now.date() + timedelta(days=5),
                        "by_id": chapter,
                        "at": now - timedelta(days=3),
                    }
                )
    await connection.execute(insert(Position), positions)
    await connection.execute(insert(PositionCheckin), checkins)
    await connection.execute(insert(PositionStance), stances)
    await connection.execute(insert(PositionCheckout), checkouts)
    world.counts["positions"] = len(positions)
    world.counts["check-ins"] = len(checkins)


async def _seed_events(
    connection: AsyncConnection, world: World, count: int, now: datetime, rng: random.Random
) -> None:
    """A year of dispatched events, ids in time order, with calls for volunteers among them."""
    active_workgroups = world.counts["active workgroups"]
    timed: list[tuple[datetime, str, dict[str, Any]]] = [
        (now - timedelta(seconds=rng.randint(60, 365 * 86400)), rng.choice(EVENT_KINDS), {"id": n})
        for n in range(count)
    ]
    timed += [
        (
            now - timedelta(seconds=rng.randint(60, CALL_DAYS * 86400)),
            "workgroup.recruit",
            {
                "workgroup_id": rng.randint(1, active_workgroups),
                "need": "Two more volunteers",
                "by": 1,
            },
        )
        for _ in range(RECRUIT_CALLS)
    ]
    timed.sort(key=lambda item: item[0])
    rows = [
        {
            "id": n,
            "kind": kind,
            "payload": payload,
            "created_at": at,
            "dispatched_at": at + timedelta(seconds=1),
        }
        for n, (at, kind, payload) in enumerate(timed, 1)
    ]
    for chunk in _chunks(rows):
        await connection.execute(insert(OutboxEvent), chunk)
    world.counts["outbox events"] = len(rows)


async def set_goals(app: App) -> None:
    deadline = (app.clock.now() + timedelta(days=200)).date().isoformat()
    for key, title, target, metric in GOALS:
        text = (
            f'/goal set {key} --title "{title}" --target {target} --deadline {deadline} '
            f"--metric {metric}"
        )
        reply = await app.dispatcher.handle(request(ADMIN, text))
        if not reply.ok:
            raise RuntimeError(f"{text!r} failed: {reply.text}")


# ----------------------------------------------------------------------- measuring


@dataclass
class Series:
    label: str
    seconds: list[float] = field(default_factory=list)
    failures: list[str] = field(default_factory=list)
    statements: int | None = None

    def row(self, backend: str) -> str:
        s = self.seconds
        statements = "-" if self.statements is None else str(self.statements)
        return (
            f"{backend:<8}  {self.label:<28}{len(s):>6}{ms(percentile(s, 50)):>10}"
            f"{ms(percentile(s, 99)):>10}{ms(statistics.fmean(s)):>10}{ms(max(s)):>10}"
            f"{statements:>12}{len(self.failures):>10}"
        )


class StatementCounter:
    """Counts the SQL statements the engine runs while active."""

    def __init__(self, app: App) -> None:
        self.engine = app.engine.sync_engine
        self.count = 0

    def _seen(self, *_: Any) -> None:
        self.count += 1

    def __enter__(self) -> StatementCounter:
        event.listen(self.engine, "before_cursor_execute", self._seen)
        return self

    def __exit__(self, *_: object) -> None:
        event.remove(self.engine, "before_cursor_execute", self._seen)


def check_digest(reply: Reply, chapter_id: int) -> str | None:
    if not reply.ok:
        return reply.text
    if not reply.text.startswith(f"{chapter_name(chapter_id)} weekly digest"):
        return f"digest of the wrong chapter: {reply.text[:80]}"
    return None


def check_goals(reply: Reply) -> str | None:
    if not reply.ok:
        return reply.text
    if GOALS[0][1] not in reply.all_text():
        return f"goals without the first goal: {reply.text[:80]}"
    return None


async def measure(
    app: App, world: World, runs: int, warm_up: int, rng: random.Random
) -> list[Series]:
    def goals_call() -> tuple[Request, int]:
        return request(handle(rng.randint(1, world.members)), "/goals"), 0

    def digest_call() -> tuple[Request, int]:
        chapter = rng.randint(1, world.chapters)
        text = f'/digest "{chapter_name(chapter)}"'
        return request(handle(rng.randint(1, world.members)), text), chapter

    results = []
    for label, make in (("/goals", goals_call), ("/digest CHAPTER", digest_call)):
        for _ in range(warm_up):
            await app.dispatcher.handle(make()[0])
        series = Series(label)
        for _ in range(runs):
            call, chapter = make()
            start = time.perf_counter()
            reply = await app.dispatcher.handle(call)
            series.seconds.append(time.perf_counter() - start)
            problem = check_goals(reply) if label == "/goals" else check_digest(reply, chapter)
            if problem:
                series.failures.append(problem)
        call, _ = make()
        with StatementCounter(app) as counter:
            await app.dispatcher.handle(call)
        series.statements = counter.count
        results.append(series)
    return results


async def every_chapter(app: App, world: World) -> Series:
    """As the scheduler's weekly tick would: a digest per chapter, in one session."""
    series = Series("chapter_digest, every chapter")
    async with UnitOfWork(app.sessions, app.clock.now()) as uow:
        chapters = list(await uow.session.scalars(select(Chapter).order_by(Chapter.id)))
        with StatementCounter(app) as counter:
            for chapter in chapters:
                start = time.perf_counter()
                reply = await chapter_digest(uow.session, chapter, uow.now, app.settings)
                series.seconds.append(time.perf_counter() - start)
                problem = check_digest(reply, chapter.id)
                if problem:
                    series.failures.append(problem)
        series.statements = round(counter.count / max(1, len(chapters)))
    return series


# ------------------------------------------------------------------------ backends


@dataclass
class Result:
    backend: str
    series: list[Series]

    def p99(self, label: str) -> float:
        return percentile(next(s for s in self.series if s.label == label).seconds, 99)

    @property
    def ok(self) -> bool:
        return not any(s.failures for s in self.series)


async def run_backend(backend: str, url: str, args: argparse.Namespace) -> Result:
    settings = bench_settings(url, f"{PLATFORM}:{ADMIN}")
    if backend == "postgres":
        await fresh_postgres_schema(url)
    app = await bootstrap(settings, clock=FrozenClock(datetime.now(UTC)))
    try:
        rng = random.Random(args.seed)
        start = time.perf_counter()
        world = await seed(app, args, rng)
        await set_goals(app)
        counts = ", ".join(f"{n:,} {what}" for what, n in world.counts.items())
        print(
            f"{backend:<8}  seeded {args.members:,} members, {args.chapters} chapters, {counts}, "
            f"{len(GOALS)} goals in {time.perf_counter() - start:.1f}s (not measured)  "
            f"[{safe_url(url)}]"
        )
        settle_heap()  # as the long-running entry points do once start-up is over
        series = await measure(app, world, args.runs, args.warm_up, rng)
        series.append(await every_chapter(app, world))
    finally:
        await app.close()
    print(
        f"{backend:<8}  {'':<28}{'n':>6}{'p50':>10}{'p99':>10}{'mean':>10}{'max':>10}"
        f"{'statements':>12}{'failures':>10}"
    )
    for s in series:
        print(s.row(backend))
        for failure in s.failures[:3]:
            print(f"{backend:<8}    failed: {failure}")
    return Result(backend, series)


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--members", type=int, default=100_000)
    parser.add_argument("--chapters", type=int, default=200)
    parser.add_argument("--workgroups", type=int, default=50)
    parser.add_argument("--polls", type=int, default=500)
    parser.add_argument("--events", type=int, default=20_000, help="dispatched outbox events")
    parser.add_argument("--runs", type=int, default=300, help="measured runs of each command")
    parser.add_argument("--warm-up", type=int, default=20, help="unmeasured runs of each first")
    parser.add_argument("--postgres", metavar="URL", help="also run on this PostgreSQL database")
    parser.add_argument("--cpu", type=int, metavar="N", help="pin this process to CPU N")
    parser.add_argument("--seed", type=int, default=7, help="random seed")
    args = parser.parse_args(argv)
    if args.chapters < 20 or args.members < args.chapters or args.workgroups < 10:
        parser.error("need at least 20 chapters, 10 workgroups and a member per chapter")
    return args


async def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    start_run(args.cpu)
    results = []
    for backend, url in databases("goals-digest", args.postgres):
        results.append(await run_backend(backend, url, args))
    print(host_line("at end"))
    sqlite = results[0]
    for label in ("/goals", "/digest CHAPTER"):
        p99 = sqlite.p99(label) * 1000
        verdict = "met" if p99 < GOAL_MS else "NOT met"
        print(f"goal      {label} p99 < {GOAL_MS:.0f} ms on SQLite: {verdict} (p99 {p99:.1f} ms)")
    passed = all(r.ok for r in results)
    print(f"replies   {'all succeeded' if passed else 'SOME FAILED'}")
    return 0 if passed else 1


if __name__ == "__main__":
    sys.exit(asyncio.run(main()))
