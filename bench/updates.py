"""Status updates benchmark: drafting every group's monthly update, and one tick of prompts.

What it measures
----------------
1. `commands.updates.draft.draft` — the first draft of an update, written from the
   records of the period — for every one of 200 chapters and 50 workgroups (and
   the society's report), for the month just ended, each timed alone in one unit
   of work: p50/p99/max and SQL statements per draft.
2. One scheduler tick of `updates.prompt` at the moment every group's update is
   due (the first working day of the next month, late enough that 09:00 has come
   in every lead's zone): all 250 prompts — each a claim, a draft and a direct
   message queued — until the job stops asking to run again, commits included.

Wall time is the figure the goals speak of; CPU time (this process, all threads)
is printed beside it, since on a shared machine the difference is time spent
waiting for a CPU (the `host` lines give the load average). Compare CPU time
between commits. Each measured phase starts after a full garbage collection, so it
is not billed for what the seeding or the phase before left behind; the collector's
own time inside the tick is printed (a collection of the oldest generation walks
every object the process holds: about a tenth of a second here).

`--profile FILE` writes a cProfile of the tick to FILE (`python -m pstats FILE`)
and prints its costliest functions.

The society is the one `bench/goals_digest.py` seeds (100,000 members by default,
a year of meetings, 500 polls, 40 positions, 20,000 outbox events, six goals), plus
what updates read: every chapter made active with a president and every
workgroup active with a lead, 12 outputs per workgroup over the year, and two
charter metrics per group (one owned and counted, one influenced by a goal).

Why
---
Issue: "Drafting the monthly report for 200 chapters and 50 workgroups from a year
of records: p99 per group < 50 ms on SQLite with 100,000 members; the whole
month's prompts (250) queued by one scheduler tick in under 2 s."

Usage
-----
    .venv/bin/python bench/updates.py [--quick] [--members 100000] [--chapters 200]
        [--workgroups 50] [--postgres URL] [--cpu N] [--seed 7] [--profile FILE]

`--quick` seeds 10,000 members and 2,000 events, for a run of a few seconds.
"""

from __future__ import annotations

import argparse
import asyncio
import cProfile
import gc
import io
import pstats
import random
import sys
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from datetime import time as clock_time
from pathlib import Path
from typing import Any

from sqlalchemy import func, insert, select, update

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))  # run as a script from anywhere

from bench.common import (
    bench_settings,
    databases,
    fresh_postgres_schema,
    host_line,
    ms,
    percentile,
    start_run,
)
from bench.goals_digest import ADMIN, PLATFORM, StatementCounter, seed, set_goals
from bot.app import App
from bot.clock import FrozenClock
from bot.due import DueRun
from chapterhouse.bootstrap import bootstrap
from commands.charters.group import SOCIETY, of_chapter, of_workgroup
from commands.updates.draft import draft
from commands.updates.due import prompt_updates
from commands.updates.periods import period_of, previous
from commands.updates.status import zone_of
from storage.engine import safe_url
from storage.models import (
    Chapter,
    CharterMetric,
    Delivery,
    Goal,
    Workgroup,
    WorkgroupOutput,
)
from storage.uow import UnitOfWork

DRAFT_GOAL_MS = 50.0
TICK_GOAL_S = 2.0
OUTPUTS_PER_WORKGROUP = 12


async def seed_updates(app: App, rng: random.Random) -> dict[str, int]:
    """What updates read beyond the digest's society: leaders, outputs, charter metrics."""
    now = app.clock.now()
    async with app.engine.begin() as connection:
        await connection.execute(
            update(Chapter).values(
                status="active", retired_at=None, activated_at=now - timedelta(days=300)
            )
        )
        await connection.execute(
            update(Chapter).where(Chapter.president_id.is_(None)).values(president_id=Chapter.id)
        )
        await connection.execute(
            update(Workgroup).values(
                status="active", closed_at=None, activated_at=now - timedelta(days=300)
            )
        )
        workgroups = list(await connection.scalars(select(Workgroup.id)))
        chapters = list(await connection.scalars(select(Chapter.id)))
        goal = await connection.scalar(select(Goal.id).where(Goal.key == "members"))
        outputs = []
        for workgroup_id in workgroups:
            for n in range(OUTPUTS_PER_WORKGROUP):
                at = now - timedelta(days=rng.randint(1, 365))
                outputs.append(
                    {
                        "workgroup_id": workgroup_id,
                        "title": f"Output {workgroup_id}-{n}",
                        "status": rng.choice(("planned", "in-progress", "published")),
                        "link": None,
                        "author_id": 1,
                        "created_at": at,
                        "updated_at": at + timedelta(days=rng.randint(0, 20)),
                    }
                )
        await connection.execute(insert(WorkgroupOutput), outputs)
        metrics = []
        today = now.date()
        for kind, ids, figure in (
            ("workgroup", workgroups, "members"),
            ("chapter", chapters, "meetings"),
        ):
            for group_id in ids:
                common = {
                    "workgroup_id": group_id if kind == "workgroup" else None,
                    "chapter_id": group_id if kind == "chapter" else None,
                    "group_key": f"{kind}:{group_id}",
                    "unit": "",
                    "value": None,
                    "baseline_value": 0.0,
                    "baseline_on": today - timedelta(days=200),
                    "created_at": now,
                    "updated_at": now,
                    "updated_by": None,
                }
                metrics.append(
                    {
                        **common,
                        "name": figure,
                        "name_key": figure,
                        "kind": "owned",
                        "figure": figure,
                        "target": 40.0,
                        "due_on": today + timedelta(days=100),
                        "goal_id": None,
                    }
                )
                metrics.append(
                    {
                        **common,
                        "name": "society members",
                        "name_key": "society members",
                        "kind": "influenced",
                        "figure": None,
                        "target": None,
                        "due_on": None,
                        "goal_id": goal,
                    }
                )
        await connection.execute(insert(CharterMetric), metrics)
    return {"outputs": len(outputs), "charter metrics": len(metrics)}


async def measure_drafts(app: App) -> tuple[list[float], list[float], int, list[str]]:
    """Every group's draft for the month just ended, each timed alone."""
    now = app.clock.now()
    seconds: list[float] = []
    cpu_seconds: list[float] = []
    failures: list[str] = []
    async with UnitOfWork(app.sessions, now) as uow:
        session = uow.session
        groups = [
            *(of_chapter(c) for c in await session.scalars(select(Chapter).order_by(Chapter.id))),
            *(
                of_workgroup(w)
                for w in await session.scalars(select(Workgroup).order_by(Workgroup.id))
            ),
            SOCIETY,
        ]
        # Warm-up: statement caches, for each kind of group (as a running process has them).
        for group in [*groups[:5], *[g for g in groups if g.kind == "workgroup"][:1], SOCIETY]:
            zone = zone_of(group, app.settings.tz)
            await draft(session, group, previous(period_of("monthly", now.date())), zone)
        gc.collect()
        with StatementCounter(app) as counter:
            for group in groups:
                zone = zone_of(group, app.settings.tz)
                period = previous(period_of("monthly", now.astimezone(zone).date()))
                start, cpu = time.perf_counter(), time.process_time()
                written = await draft(session, group, period, zone)
                seconds.append(time.perf_counter() - start)
                cpu_seconds.append(time.process_time() - cpu)
                if written.empty and group.kind != "workgroup":
                    failures.append(f"{group.name}: empty draft")
        statements = round(counter.count / max(1, len(groups)))
    return seconds, cpu_seconds, statements, failures


@dataclass
class Tick:
    wall: float
    cpu: float
    collector: float
    """CPU time the garbage collector took during the tick."""
    queued: int
    transactions: int
    statements: int


@contextmanager
def collector_time() -> Iterator[list[float]]:
    """The CPU time spent in garbage collections while active, in a one-item list."""
    spent, started = [0.0], [0.0]

    def watch(phase: str, info: dict[str, Any]) -> None:
        if phase == "start":
            started[0] = time.process_time()
        else:
            spent[0] += time.process_time() - started[0]

    gc.callbacks.append(watch)
    try:
        yield spent
    finally:
        gc.callbacks.remove(watch)


async def measure_tick(app: App, profile: str | None = None) -> Tick:
    """One tick of the prompt job at the moment every group's next update is due."""
    today = app.clock.now().date()
    due_day = period_of("monthly", today).due_on
    # 18:00 UTC: 09:00 has come in every zone from Sydney to Los Angeles.
    at = datetime.combine(due_day, clock_time(18, 0), UTC)
    clock = app.clock
    assert isinstance(clock, FrozenClock)
    clock.set(at)
    batches = 0
    # Timed by CPU (all threads), so SQLite's work in its driver thread shows under
    # whatever the event loop was doing meanwhile, and waiting for a CPU not at all.
    profiler = cProfile.Profile(time.process_time) if profile else None
    gc.collect()
    with StatementCounter(app) as counter, collector_time() as collected:
        start, cpu = time.perf_counter(), time.process_time()
        if profiler is not None:
            profiler.enable()
        more = True
        while more:
            async with UnitOfWork(app.sessions, at) as uow:
                run = DueRun(uow, app.settings)
                await prompt_updates(run)
                await uow.commit()
                more = run.more
                batches += 1
        if profiler is not None:
            profiler.disable()
        elapsed, cpu_used = time.perf_counter() - start, time.process_time() - cpu
    if profiler is not None and profile:
        profiler.dump_stats(profile)
    async with UnitOfWork(app.sessions, at) as uow:
        queued = await uow.session.scalar(
            select(func.count()).where(Delivery.key.startswith("update-prompt:"))
        )
    return Tick(elapsed, cpu_used, collected[0], int(queued or 0), batches, counter.count)


async def run_backend(
    backend: str, url: str, args: argparse.Namespace
) -> tuple[float, float, Tick, bool]:
    settings = bench_settings(url, f"{PLATFORM}:{ADMIN}")
    if backend == "postgres":
        await fresh_postgres_schema(url)
    app = await bootstrap(settings, clock=FrozenClock(datetime.now(UTC)))
    try:
        rng = random.Random(args.seed)
        start = time.perf_counter()
        world = await seed(app, args, rng)
        await set_goals(app)
        extra = await seed_updates(app, rng)
        counts = ", ".join(f"{n:,} {what}" for what, n in {**world.counts, **extra}.items())
        print(
            f"{backend:<8}  seeded {args.members:,} members, {args.chapters} chapters, {counts} "
            f"in {time.perf_counter() - start:.1f}s (not measured)  [{safe_url(url)}]"
        )
        seconds, cpu_seconds, statements, failures = await measure_drafts(app)
        tick = await measure_tick(app, args.profile if backend == "sqlite" else None)
    finally:
        await app.close()
    p99 = percentile(seconds, 99)
    print(
        f"{backend:<8}  draft per group   n={len(seconds)}  p50 {ms(percentile(seconds, 50))}  "
        f"p99 {ms(p99)}  max {ms(max(seconds))}  {statements} statements each"
    )
    print(
        f"{backend:<8}  draft CPU time    p50 {ms(percentile(cpu_seconds, 50))}  "
        f"p99 {ms(percentile(cpu_seconds, 99))}  (this process, all threads: wall time above "
        "less what waited for a CPU)"
    )
    print(
        f"{backend:<8}  prompt tick       {tick.queued} prompts queued in {tick.wall:.2f}s wall, "
        f"CPU time {tick.cpu:.2f}s ({ms(tick.collector)} of it collecting garbage); "
        f"{tick.transactions} transactions, {tick.statements} statements, "
        f"{ms(tick.cpu / max(1, tick.queued))} CPU a prompt"
    )
    if args.profile and backend == "sqlite":
        shown = io.StringIO()
        pstats.Stats(args.profile, stream=shown).sort_stats("tottime").print_stats(20)
        print(f"{backend:<8}  (the tick ran under cProfile: its CPU time includes the profiler's)")
        print(f"cProfile of the tick by own CPU time (all of it in {args.profile}):")
        print(shown.getvalue().strip())
    for failure in failures[:3]:
        print(f"{backend:<8}    failed: {failure}")
    expected = args.chapters + args.workgroups
    ok = not failures and tick.queued >= expected
    if tick.queued < expected:
        print(f"{backend:<8}    failed: {tick.queued} prompts queued, expected {expected} or more")
    return p99, percentile(cpu_seconds, 99), tick, ok


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--quick", action="store_true", help="10,000 members, 2,000 events")
    parser.add_argument("--members", type=int, default=100_000)
    parser.add_argument("--chapters", type=int, default=200)
    parser.add_argument("--workgroups", type=int, default=50)
    parser.add_argument("--polls", type=int, default=500)
    parser.add_argument("--events", type=int, default=20_000)
    parser.add_argument("--postgres", metavar="URL", help="also run on this PostgreSQL database")
    parser.add_argument("--cpu", type=int, metavar="N", help="pin this process to CPU N")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--profile", metavar="FILE", help="write a cProfile of the tick here")
    args = parser.parse_args(argv)
    if args.quick:
        args.members, args.events = 10_000, 2_000
    return args


async def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    start_run(args.cpu)
    results = []
    for backend, url in databases("updates", args.postgres):
        results.append(await run_backend(backend, url, args))
    print(host_line("at end"))
    p99, p99_cpu, tick, _ = results[0]
    verdict = "met" if p99 * 1000 < DRAFT_GOAL_MS else "NOT met"
    print(
        f"goal      draft p99 < {DRAFT_GOAL_MS:.0f} ms on SQLite: {verdict} "
        f"(p99 {ms(p99)} wall, {ms(p99_cpu)} CPU)"
    )
    verdict = "met" if tick.wall < TICK_GOAL_S else "NOT met"
    print(
        f"goal      250 prompts in one tick < {TICK_GOAL_S:.0f} s on SQLite: {verdict} "
        f"({tick.wall:.2f}s wall, {tick.cpu:.2f}s CPU)"
    )
    return 0 if all(ok for *_, ok in results) else 1


if __name__ == "__main__":
    sys.exit(asyncio.run(main()))
