"""Vote burst benchmark: a whole society voting on one poll at once, through the dispatcher.

What it measures
----------------
How many `/poll vote` commands per second `Dispatcher.handle` completes when every
eligible member (by default 5,000, all in one chapter, polled `--audience society`)
votes on one single-choice poll of 10 options at the same moment — parse, identity,
roles, poll lookup, the ballot upsert, commit and the after-commit work (the
live poll card's refresh) included — on SQLite and, with `--postgres URL`, on
PostgreSQL. In the same run, on the same database, it measures the storage floor:
the same 5,000 ballot rows written by the raw driver (aiosqlite, asyncpg), one
transaction per row, with no ORM and no command around them. Our votes/s over the
floor's rows/s is the figure to watch. It also times the instant-runoff count of
5,000 ranked ballots over 10 options.

Why
---
Issue: "5,000 eligible members voting on one poll concurrently through the
dispatcher on SQLite and PostgreSQL; print votes/s, lost = 0, doubled = 0, and in
the same run the storage floor and our ratio to it. Goal: ≥ 0.5 of the floor on
SQLite. Also the IRV count time for 5,000 ballots × 10 options." A society poll is
announced in every chapter channel at once, so its votes arrive as a burst; each
must be counted exactly once, and the burst must not take minutes.

How
---
1. Build the app with `chapterhouse.bootstrap.bootstrap` (migrations applied there; the
   live-card interval left at its default), on a SQLite file in a temporary
   directory and, with `--postgres URL`, on PostgreSQL after dropping and
   recreating its `public` schema. Seed members with console identities in one
   chapter with SQLAlchemy Core bulk inserts (not measured). The HQ admin comes
   from `CHAPTERHOUSE_ADMINS` and is registered by its first command.
2. The admin creates the polls through the dispatcher (`/poll create "…" "A" …
   --audience society --closes 7d`). A short warm-up poll fills SQLAlchemy's
   statement caches; before each measured poll every member's `last_active_at` is
   set back a day, so each first vote also records activity, as in a real burst.
3. Measured, with `time.perf_counter` around the whole phase:
   * burst: every member votes once, a random option (fixed seed), all at once —
     one task per vote under `asyncio.gather`, or `--workers N` tasks sharing a
     queue;
   * changers: a tenth of the members, concurrently, change to another option;
   * one member: 50 concurrent votes by the same member.
   Every reply must be ok: refusals and crashes are counted and printed.
4. Verify from the table: one row per member under the member's voter key
   (`lost` = members without one, `doubled` = rows beyond one per member, voter
   ids counted too), each row holding the member's last choice (`wrong`; for the
   member who voted 50 times at once, one of the choices sent), and the per-option
   counts matching. With `--anonymous`, the same poll is then run again as an
   anonymous poll (no voter id, no time on its rows: checked as `named`); it
   costs the same, so it is left out by default to keep the run short.
5. Storage floor, on a fresh table of the same shape as `poll_ballots` (primary
   key, voter index; no foreign keys) in the same database: SQLite — one aiosqlite
   connection with the engine's pragmas (WAL, synchronous=NORMAL), sequentially,
   for each row INSERT then COMMIT (the driver opens the transaction); PostgreSQL —
   an asyncpg pool of `--floor-pool` connections, rows concurrently, each in its
   own BEGIN / INSERT / COMMIT.
6. IRV: `commands.polls.irv.instant_runoff` over 5,000 random rankings (skewed
   popularity, mixed lengths, fixed seed), median of `--irv-repeat` counts.

Reading the figures
-------------------
`votes_per_s` is votes over the wall time of the burst; `p50`/`p99` are what one
voter waited for the reply, which under a burst is mostly queueing. Votes are a
batched command: concurrent `/poll vote` requests queue behind one drainer and run
up to 250 at a time in one transaction (accounts, roles and ballots read in one
query each, the changed ballots written in one statement), so a voter waits for
the batches ahead of theirs, not for thousands of single transactions.
`ratio` is our votes/s over the floor's rows/s: the floor is what the database
itself costs for one row per transaction, written by the raw driver. Batching is
why the ratio can pass 1 on SQLite: one commit serves many votes. The goal line is
computed from these figures. The check lines matter as much as the rate: every
ballot must be there once, with the member's last choice. As in `core_latency.py`,
on a small VM SQLite's figures move with thread wake-ups across CPUs; `--cpu N`
pins the process to one CPU, and the `host` lines say how busy the machine was.

Usage
-----
    .venv/bin/python bench/vote_burst.py [--members 5000] [--postgres URL] [--cpu N]
        [--workers 0] [--anonymous] [--floor-pool 10] [--irv-repeat 9] [--seed 7]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import random
import re
import statistics
import sys
import time
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import aiosqlite
import asyncpg  # type: ignore[import-untyped]
from sqlalchemy import func, select, update
from sqlalchemy.engine import make_url

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))  # run as a script from anywhere

from bench.common import (
    bench_settings,
    databases,
    fresh_postgres_schema,
    handle,
    host_line,
    ms,
    percentile,
    request,
    seed_chapter,
    start_run,
)
from bench.irv_count import make_ballots
from bot.app import App
from bot.config import Settings
from bot.context import Place
from chapterhouse.bootstrap import bootstrap
from commands.polls.ballots import voter_key
from commands.polls.irv import instant_runoff
from storage.engine import BUSY_TIMEOUT_MS, safe_url
from storage.models import Ballot, Member, Poll

PLATFORM = "console"
ADMIN = "admin"
PLACE = Place(PLATFORM, "bench", "bench")
OPTIONS = 10
CHANGERS = 0.10
SAME_MEMBER_VOTES = 50
WARM_UP_VOTES = 100
IRV_BALLOTS = 5_000
GOAL_RATIO = 0.5
BALLOT_SECRET = "bench-ballot-secret-0123456789"
CRASH_MARK = "Something went wrong on our side"
FLOOR_TABLE = "bench_floor_ballots"


async def seed(app: App, members: int) -> None:
    await seed_chapter(app.engine, members)


async def age_activity(app: App) -> None:
    """Everyone last seen a day ago: a first vote then records activity, as in a real burst."""
    async with app.engine.begin() as connection:
        await connection.execute(
            update(Member).values(last_active_at=datetime.now(UTC) - timedelta(days=1))
        )


# ------------------------------------------------------------------------- voting


@dataclass
class Phase:
    name: str
    votes: int = 0
    wall: float = 0.0
    latencies: list[float] = field(default_factory=list)
    refused: list[str] = field(default_factory=list)
    crashed: int = 0

    @property
    def rate(self) -> float:
        return self.votes / self.wall if self.wall else 0.0

    def line(self, backend: str, tasks: str) -> str:
        return (
            f"{backend:<8}  {self.name:<11} votes={self.votes:<5} tasks={tasks:<5} "
            f"seconds={self.wall:.2f}  votes_per_s={self.rate:.0f}  "
            f"p50={ms(percentile(self.latencies, 50))}  p99={ms(percentile(self.latencies, 99))}  "
            f"max={ms(max(self.latencies))}  refused={len(self.refused)}  crashed={self.crashed}"
        )


async def vote_phase(
    app: App, name: str, poll_id: int, votes: Sequence[tuple[int, int]], workers: int
) -> Phase:
    """Send `(member, option)` votes at once: a task each (workers=0) or through N tasks."""
    phase = Phase(name, votes=len(votes))

    async def one(member: int, option: int) -> None:
        start = time.perf_counter()
        reply = await app.dispatcher.handle(
            request(handle(member), f"/poll vote {poll_id} {option}")
        )
        phase.latencies.append(time.perf_counter() - start)
        if not reply.ok:
            phase.refused.append(f"{handle(member)}: {reply.text}")
            phase.crashed += reply.text.startswith(CRASH_MARK)

    queue = iter(votes)

    async def worker() -> None:
        for member, option in queue:
            await one(member, option)

    start = time.perf_counter()
    if workers:
        await asyncio.gather(*(worker() for _ in range(workers)))
    else:
        await asyncio.gather(*(one(member, option) for member, option in votes))
    phase.wall = time.perf_counter() - start
    return phase


async def create_poll(app: App, question: str, anonymous: bool) -> int:
    options = " ".join(f'"Option {n}"' for n in range(1, OPTIONS + 1))
    flags = " --anonymous" if anonymous else ""
    text = f'/poll create "{question}" {options} --audience society --closes 7d{flags}'
    reply = await app.dispatcher.handle(request(ADMIN, text))
    found = re.match(r"Poll (\d+) is open", reply.text)
    if not reply.ok or found is None:
        raise RuntimeError(f"creating the poll failed: {reply.text}")
    return int(found.group(1))


@dataclass
class Check:
    rows: int
    lost: int
    doubled: int
    wrong: int
    named: int
    counts_match: bool


async def verify(
    app: App, poll_id: int, final: dict[int, int], hammered: int, sent: set[int], anonymous: bool
) -> Check:
    """Compare the stored ballots with each member's last vote."""
    async with app.engine.connect() as connection:
        rows = (
            await connection.execute(
                select(Ballot.voter_key, Ballot.voter_id, Ballot.choices, Ballot.cast_at).where(
                    Ballot.poll_id == poll_id
                )
            )
        ).all()
    member_of = {voter_key(app.settings, poll_id, m): m for m in final}
    stored: dict[int, list[int]] = {}
    for key, _, choices, _ in rows:
        member = member_of.get(key)
        if member is not None:
            stored[member] = list(choices)
    voter_ids = [voter_id for _, voter_id, _, _ in rows if voter_id is not None]
    doubled = (len(rows) - len(stored)) + (len(voter_ids) - len(set(voter_ids)))
    wrong = 0
    for member, choices in stored.items():
        if member == hammered:
            wrong += not (len(choices) == 1 and choices[0] in sent)
        else:
            wrong += choices != [final[member]]
    expected = Counter(final[m] for m in final if m != hammered)
    counted = Counter(c for m, choices in stored.items() if m != hammered for c in choices)
    if anonymous:
        named = sum(voter_id is not None or cast_at is not None for _, voter_id, _, cast_at in rows)
    else:
        named = sum(voter_id is None or cast_at is None for _, voter_id, _, cast_at in rows)
    return Check(
        rows=len(rows),
        lost=len(final) - len(stored),
        doubled=doubled,
        wrong=wrong,
        named=named,
        counts_match=expected == counted,
    )


@dataclass
class PollRun:
    burst: Phase
    phases: list[Phase]
    check: Check

    @property
    def refused(self) -> int:
        return sum(len(p.refused) for p in self.phases)


async def run_poll(
    app: App, backend: str, args: argparse.Namespace, rng: random.Random, anonymous: bool
) -> PollRun:
    label = "anonymous" if anonymous else "plain"
    await age_activity(app)
    poll_id = await create_poll(app, f"Bench question ({label})?", anonymous)
    members = list(range(1, args.members + 1))
    rng.shuffle(members)  # arrival order
    final = {m: rng.randint(1, OPTIONS) for m in members}
    tasks = str(args.workers) if args.workers else "each"

    burst = await vote_phase(app, "burst", poll_id, [(m, final[m]) for m in members], args.workers)
    changers = rng.sample(members, int(len(members) * CHANGERS))
    changes = []
    for member in changers:
        final[member] = rng.choice([o for o in range(1, OPTIONS + 1) if o != final[member]])
        changes.append((member, final[member]))
    changed = await vote_phase(app, "changers", poll_id, changes, args.workers)
    hammered = rng.choice([m for m in members if m not in set(changers)])
    repeat = [(hammered, rng.randint(1, OPTIONS)) for _ in range(SAME_MEMBER_VOTES)]
    same = await vote_phase(app, "one member", poll_id, repeat, 0)
    await app.notifier.live.drain()  # the last live-card refresh, not measured

    check = await verify(app, poll_id, final, hammered, {o for _, o in repeat}, anonymous)
    phases = [burst, changed, same]
    print(f"{backend:<8}  poll {poll_id}: {label}, single choice, {OPTIONS} options, society")
    for phase in phases:
        print(phase.line(backend, "each" if phase is same else tasks))
        for refusal in phase.refused[:3]:
            print(f"{backend:<8}    refused {refusal}")
    print(
        f"{backend:<8}  check       rows={check.rows} lost={check.lost} doubled={check.doubled} "
        f"wrong={check.wrong} counts_match={'yes' if check.counts_match else 'NO'} "
        + (f"named={check.named}" if anonymous else f"unnamed={check.named}")
    )
    return PollRun(burst, phases, check)


async def warm_up(app: App, rng: random.Random) -> None:
    """Fill the statement caches (and open the pool's connections); not measured."""
    poll_id = await create_poll(app, "Warm-up?", anonymous=False)
    votes = [(m, rng.randint(1, OPTIONS)) for m in range(1, WARM_UP_VOTES + 1)]
    await vote_phase(app, "warm-up", poll_id, votes, 0)
    await vote_phase(app, "warm-up", poll_id, [(m, o % OPTIONS + 1) for m, o in votes[:10]], 0)
    await app.notifier.live.drain()


# -------------------------------------------------------------------- the floor


def floor_rows(settings: Settings, poll_id: int, members: int, seed: int) -> list[dict[str, Any]]:
    """The same kind of rows a burst writes: key, voter, one choice, the time."""
    rng = random.Random(seed)
    now = datetime.now(UTC)
    return [
        {
            "poll_id": poll_id,
            "voter_key": voter_key(settings, poll_id, m),
            "voter_id": m,
            "choices": json.dumps([rng.randint(1, OPTIONS)]),
            "cast_at": now,
        }
        for m in range(1, members + 1)
    ]


async def sqlite_floor(path: str, rows: list[dict[str, Any]]) -> float:
    """Rows per second: one aiosqlite connection, each row INSERT then COMMIT."""
    async with aiosqlite.connect(path, timeout=BUSY_TIMEOUT_MS / 1000) as db:
        for pragma in (
            "PRAGMA journal_mode=WAL",
            f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}",
            "PRAGMA synchronous=NORMAL",
        ):
            await db.execute(pragma)
        await db.execute(f"DROP TABLE IF EXISTS {FLOOR_TABLE}")
        await db.execute(
            f"CREATE TABLE {FLOOR_TABLE} (poll_id INTEGER NOT NULL, "
            "voter_key VARCHAR(64) NOT NULL, voter_id INTEGER, choices JSON NOT NULL, "
            "cast_at DATETIME, PRIMARY KEY (poll_id, voter_key)) WITHOUT ROWID"
        )
        await db.execute(f"CREATE INDEX ix_{FLOOR_TABLE}_voter ON {FLOOR_TABLE} (voter_id)")
        await db.commit()
        sql = f"INSERT INTO {FLOOR_TABLE} VALUES (?, ?, ?, ?, ?)"
        values = [
            (
                r["poll_id"],
                r["voter_key"],
                r["voter_id"],
                r["choices"],
                r["cast_at"].strftime("%Y-%m-%d %H:%M:%S.%f"),
            )
            for r in rows
        ]
        start = time.perf_counter()
        for row in values:
            await db.execute(sql, row)
            await db.commit()
        seconds = time.perf_counter() - start
        await db.execute(f"DROP TABLE {FLOOR_TABLE}")
        await db.commit()
    return len(rows) / seconds


async def postgres_floor(url: str, rows: list[dict[str, Any]], pool_size: int) -> float:
    """Rows per second: an asyncpg pool, rows concurrently, each BEGIN / INSERT / COMMIT."""
    dsn = make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)
    pool = await asyncpg.create_pool(dsn, min_size=pool_size, max_size=pool_size)
    try:
        async with pool.acquire() as connection:
            await connection.execute(f"DROP TABLE IF EXISTS {FLOOR_TABLE}")
            await connection.execute(
                f"CREATE TABLE {FLOOR_TABLE} (poll_id integer NOT NULL, "
                "voter_key varchar(64) NOT NULL, voter_id integer, choices json NOT NULL, "
                "cast_at timestamptz, PRIMARY KEY (poll_id, voter_key))"
            )
            await connection.execute(
                f"CREATE INDEX ix_{FLOOR_TABLE}_voter ON {FLOOR_TABLE} (voter_id)"
            )
        sql = f"INSERT INTO {FLOOR_TABLE} VALUES ($1, $2, $3, $4, $5)"
        queue = iter(rows)

        async def worker() -> None:
            async with pool.acquire() as connection:
                for r in queue:
                    async with connection.transaction():
                        await connection.execute(
                            sql, r["poll_id"], r["voter_key"], r["voter_id"], r["choices"],
                            r["cast_at"],
                        )  # fmt: skip

        start = time.perf_counter()
        await asyncio.gather(*(worker() for _ in range(pool_size)))
        seconds = time.perf_counter() - start
        async with pool.acquire() as connection:
            await connection.execute(f"DROP TABLE {FLOOR_TABLE}")
    finally:
        await pool.close()
    return len(rows) / seconds


# ------------------------------------------------------------------------- IRV


def irv_line(repeat: int, seed: int) -> str:
    ballots = make_ballots(IRV_BALLOTS, OPTIONS, seed)
    times = []
    result = None
    for _ in range(repeat):
        start = time.perf_counter()
        result = instant_runoff(ballots, OPTIONS)
        times.append(time.perf_counter() - start)
    assert result is not None
    return (
        f"irv ballots={len(ballots)} options={OPTIONS} "
        f"median_ms={statistics.median(times) * 1000:.2f} best_ms={min(times) * 1000:.2f} "
        f"rounds={len(result.rounds)} runs={repeat}"
    )


# -------------------------------------------------------------------- a backend


@dataclass
class Result:
    backend: str
    votes_per_s: float
    floor_per_s: float

    @property
    def ratio(self) -> float:
        return self.votes_per_s / self.floor_per_s


async def run_backend(backend: str, url: str, args: argparse.Namespace) -> Result:
    settings = bench_settings(url, f"{PLATFORM}:{ADMIN}", ballot_secret=BALLOT_SECRET)
    if backend == "postgres":
        await fresh_postgres_schema(url)
    app = await bootstrap(settings)
    try:
        rng = random.Random(args.seed)
        start = time.perf_counter()
        await seed(app, args.members)
        print(
            f"{backend:<8}  seeded {args.members:,} members in one chapter "
            f"in {time.perf_counter() - start:.1f}s (not measured)  [{safe_url(url)}]"
        )
        await warm_up(app, rng)
        runs = [await run_poll(app, backend, args, rng, anonymous=False)]
        if args.anonymous:
            runs.append(await run_poll(app, backend, args, rng, anonymous=True))
        async with app.engine.connect() as connection:
            last_poll = int(await connection.scalar(select(func.max(Poll.id))) or 0)
        rows = floor_rows(app.settings, last_poll + 1, args.members, args.seed)
        if backend == "sqlite":
            database = make_url(url).database
            assert database is not None
            floor = await sqlite_floor(database, rows)
            how = "aiosqlite, 1 connection, sequential, INSERT+COMMIT per row"
        else:
            floor = await postgres_floor(url, rows, args.floor_pool)
            how = f"asyncpg pool of {args.floor_pool}, BEGIN/INSERT/COMMIT per row"
    finally:
        await app.close()

    main = runs[0]
    for run in runs:
        kind = "" if run is main else " anonymous"
        print(
            f"{backend}{kind} votes={run.burst.votes} seconds={run.burst.wall:.2f} "
            f"votes_per_s={run.burst.rate:.0f} lost={run.check.lost} "
            f"doubled={run.check.doubled} refused={run.refused} "
            f"crashed={sum(p.crashed for p in run.phases)}"
        )
    result = Result(backend, main.burst.rate, floor)
    goal = ""
    if backend == "sqlite":
        goal = f" goal_{GOAL_RATIO}={'met' if result.ratio >= GOAL_RATIO else 'missed'}"
    print(f"{backend} floor_rows_per_s={floor:.0f} ratio={result.ratio:.2f}{goal}  (floor: {how})")
    return result


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--members", type=int, default=5_000, help="eligible members who vote")
    parser.add_argument(
        "--workers",
        type=int,
        default=0,
        help="tasks sending the votes; 0 (default): one task per vote, all gathered at once",
    )
    parser.add_argument("--postgres", metavar="URL", help="also run on this PostgreSQL database")
    parser.add_argument(
        "--cpu",
        type=int,
        metavar="N",
        help="pin this process to CPU N (the event loop and aiosqlite's thread then share it)",
    )
    parser.add_argument(
        "--anonymous",
        action="store_true",
        help="also run the same poll --anonymous (as long again as the plain one)",
    )
    parser.add_argument(
        "--floor-pool", type=int, default=10, help="asyncpg connections for the PostgreSQL floor"
    )
    parser.add_argument(
        "--irv-repeat", type=int, default=9, help="IRV counts to take the median of"
    )
    parser.add_argument("--seed", type=int, default=7, help="random seed")
    args = parser.parse_args(argv)
    if args.members < 20 or args.workers < 0 or args.floor_pool < 1 or args.irv_repeat < 1:
        parser.error("need at least 20 members, 0+ workers, 1+ floor connections, 1+ IRV runs")
    return args


async def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    start_run(args.cpu)
    for backend, url in databases("votes", args.postgres):
        await run_backend(backend, url, args)
    print(irv_line(args.irv_repeat, args.seed))
    print(host_line("at end"))
    return 0


if __name__ == "__main__":
    sys.exit(asyncio.run(main()))
