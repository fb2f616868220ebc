"""Directory benchmark: `/member find` at society scale.

What it measures
----------------
The time `/member find --skill X` and free-text `/member find WORDS` take through
`Dispatcher.handle` (parse, identity, roles, the find, commit) when the society has
`--members` members (100,000) with profiles (a tenth hidden, a third visible to the
society, the rest to their chapter) and `--tags` skills and interests (300,000)
over `--distinct` society tags (2,000) used as words are (Zipf: the most used tag
is held by about a third of members), in 200 chapters. Askers are random members
of random chapters, so visibility is applied as it is for everyone but HQ.

Why
---
Issue 19: "`/member find --skill X` and free-text find with 100,000 members and
300,000 tags: p99 < 30 ms on SQLite and PostgreSQL."

How
---
Seed with Core bulk inserts (not measured): chapters, members with one console
account each, profiles (title, company, city from short lists), member tags and the
word index (`member_terms`) as `/member edit` writes it. Warm up, then `--runs` of
each command, timed with `time.perf_counter` (wall) and `time.process_time` (this
process's CPU, so a busy shared machine shows as wall time well above CPU time; the
database server's CPU on PostgreSQL is not in it); p50/p99 by nearest rank. Each reply
must succeed; the process exits 1 otherwise. Then `--recruits` targeted calls,
each `/workgroup recruit W "NEED" --skills X,Y --max 200` from a fresh workgroup's
lead, timed the same way: each must queue 200 direct messages (issue goal: < 200 ms).
`--quick` is a smoke run (10,000 members, 30,000 tags, 50 runs, 10 recruits).

Usage
-----
    .venv/bin/python bench/directory.py [--quick] [--members 100000] [--tags 300000]
        [--distinct 2000] [--runs 300] [--postgres URL] [--cpu N] [--seed 7]
"""

from __future__ import annotations

import argparse
import asyncio
import random
import statistics
import sys
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import func, insert, select

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))  # run as a script from anywhere

from bench.common import (
    bench_settings,
    catch_up_sequences,
    databases,
    fresh_postgres_schema,
    host_line,
    insert_members,
    percentile,
    settle_after_bulk_load,
    start_run,
)
from bot.app import App
from bot.clock import FrozenClock
from bot.context import Place, Request
from chapterhouse.bootstrap import bootstrap
from commands.profiles.fields import words
from storage.engine import safe_url
from storage.models import (
    Chapter,
    ChapterStatus,
    Delivery,
    MemberProfile,
    MemberTag,
    MemberTerm,
    ProfileVisibility,
    Tag,
    Workgroup,
    WorkgroupStatus,
)
from storage.uow import UnitOfWork

GOAL_MS = 30.0
CHAPTERS = 200
CHUNK = 5_000
TITLES = [
    f"{level} {role}"
    for level in ("Junior", "Senior", "Lead", "Principal", "Staff")
    for role in (
        "Data Engineer",
        "Software Engineer",
        "Product Manager",
        "Designer",
        "Analyst",
        "Researcher",
        "Consultant",
        "Architect",
    )
]
COMPANIES = [f"Company {name}" for name in ("Acme", "Globex", "Initech", "Umbrella", "Hooli")] + [
    f"Firm{i:03}" for i in range(200)
]
CITIES = [f"City{i:03}" for i in range(300)]
PLATFORM = "console"


@dataclass
class Series:
    label: str
    seconds: list[float] = field(default_factory=list)
    cpu: list[float] = field(default_factory=list)
    """This process's CPU time per op (every thread: the driver's too; not the server's)."""
    failures: list[str] = field(default_factory=list)

    def row(self, backend: str) -> str:
        s = sorted(self.seconds)
        c = sorted(self.cpu)
        return (
            f"{backend:<8}  {self.label:<28}{len(s):>6}{percentile(s, 50) * 1000:>9.1f}ms"
            f"{percentile(s, 99) * 1000:>9.1f}ms{statistics.mean(s) * 1000:>9.1f}ms"
            f"{s[-1] * 1000:>9.1f}ms{percentile(c, 50) * 1000:>9.1f}ms"
            f"{percentile(c, 99) * 1000:>9.1f}ms{len(self.failures):>10}"
        )


def zipf_weights(n: int) -> list[float]:
    """Tags are used as words are: the k-th most used one about 1/k as often as the first."""
    return [1 / (k + 1) for k in range(n)]


async def seed(app: App, args: argparse.Namespace, rng: random.Random) -> list[str]:
    """The society; returns the tag labels, for askers to search by."""
    now = app.clock.now()
    labels = [f"skill{i:04}" for i in range(args.distinct)]
    async with app.engine.begin() as connection:
        await connection.execute(
            insert(Chapter),
            [
                {
                    "id": c,
                    "name": f"Bench {c:04}",
                    "name_key": f"bench {c:04}",
                    "region": "Bench",
                    "timezone": "UTC",
                    "status": ChapterStatus.ACTIVE,
                    "created_at": now,
                }
                for c in range(1, CHAPTERS + 1)
            ],
        )
        await connection.execute(
            insert(Tag), [{"id": i + 1, "key": k, "label": k} for i, k in enumerate(labels)]
        )
        per_member = max(1, args.tags // args.members)
        weights = zipf_weights(args.distinct)
        extra = args.tags - per_member * args.members
        for first in range(1, args.members + 1, CHUNK):
            ids = range(first, min(first + CHUNK, args.members + 1))
            people = [(m, f"m{m:06}", rng.randint(1, CHAPTERS)) for m in ids]
            await insert_members(connection, people, PLATFORM, now)
            profiles, tags, terms = [], [], []
            for member_id, handle, _ in people:
                title, company, city = rng.choice(TITLES), rng.choice(COMPANIES), rng.choice(CITIES)
                draw = rng.random()
                visibility = (
                    ProfileVisibility.HIDDEN
                    if draw < 0.1
                    else ProfileVisibility.SOCIETY
                    if draw < 0.43
                    else ProfileVisibility.CHAPTER
                )
                profiles.append(
                    {
                        "member_id": member_id,
                        "title": title,
                        "company": company,
                        "city": city,
                        "visibility": visibility,
                        "edited": [],
                        "updated_at": now,
                    }
                )
                count = per_member + (1 if rng.random() < extra / args.members else 0)
                chosen = set(rng.choices(range(args.distinct), weights, k=count))
                for n, tag in enumerate(sorted(chosen)):
                    kind = "skill" if n % 2 == 0 else "interest"
                    tags.append({"member_id": member_id, "tag_id": tag + 1, "kind": kind})
                found = words(handle, title, company, city, *(labels[t] for t in chosen))
                terms += [{"member_id": member_id, "term": w} for w in found]
            await connection.execute(insert(MemberProfile), profiles)
            await connection.execute(insert(MemberTag), tags)
            await connection.execute(insert(MemberTerm), terms)
        await catch_up_sequences(connection, "chapters", "members", "identities", "tags")
    await settle_after_bulk_load(app.engine)
    return labels


async def timed(app: App, series: Series, handle: str, text: str) -> None:
    request = Request(PLATFORM, handle, handle, Place(PLATFORM, "bench"), text=text)
    start, used = time.perf_counter(), time.process_time()
    reply = await app.dispatcher.handle(request)
    series.seconds.append(time.perf_counter() - start)
    series.cpu.append(time.process_time() - used)
    if not reply.ok:
        series.failures.append(f"{text}: {reply.text}")


async def measure(
    app: App, args: argparse.Namespace, labels: list[str], rng: random.Random
) -> list[Series]:
    def asker() -> str:
        return f"m{rng.randint(1, args.members):06}"

    def by_skill() -> str:
        # Popular and rare tags alike: the tag drawn as the seeding drew them.
        return f"/member find --skill {rng.choices(labels, weights)[0]}"

    def by_text() -> str:
        title = rng.choice(TITLES).split()
        return "/member find " + rng.choice(
            [" ".join(title[1:]), title[-1].lower(), rng.choice(CITIES), title[1][:4]]
        )

    weights = zipf_weights(len(labels))
    series = [Series("/member find --skill X"), Series("/member find TEXT")]
    for _ in range(args.warm_up):
        await timed(app, Series("warm"), asker(), by_skill())
        await timed(app, Series("warm"), asker(), by_text())
    for _ in range(args.runs):
        await timed(app, series[0], asker(), by_skill())
    for _ in range(args.runs):
        await timed(app, series[1], asker(), by_text())
    return series


RECRUIT_GOAL_MS = 200.0


async def recruit(app: App, args: argparse.Namespace, labels: list[str]) -> Series:
    """`/workgroup recruit W "NEED" --skills X,Y --max 200`: a fresh workgroup each run."""
    now = app.clock.now()
    lead = "m000001"
    series = Series("/workgroup recruit --max 200")
    async with app.engine.begin() as connection:
        await connection.execute(
            insert(Workgroup),
            [
                {
                    "id": w,
                    "name": f"Bench WG {w:03}",
                    "name_key": f"bench wg {w:03}",
                    "purpose": "Benchmarking",
                    "status": WorkgroupStatus.ACTIVE,
                    "lead_id": 1,
                    "proposer_id": 1,
                    "created_at": now,
                    "activated_at": now,
                    "last_activity_at": now,
                }
                for w in range(1, args.recruits + 2)
            ],
        )
        await catch_up_sequences(connection, "workgroups")
    for w in range(1, args.recruits + 2):
        # Two popular-enough tags: far more matching members than the 200 asked.
        skills = f"{labels[(w * 2) % 10]},{labels[(w * 2 + 1) % 10]}"
        text = f'/workgroup recruit "Bench WG {w:03}" "Help wanted" --skills {skills} --max 200'
        target = series if w > 1 else Series("warm")  # the first is a warm-up
        await timed(app, target, lead, text)
    async with UnitOfWork(app.sessions, app.clock.now()) as uow:
        queued = await uow.session.scalar(
            select(func.count()).select_from(Delivery).where(Delivery.direct.is_(True))
        )
    expected = 200 * (args.recruits + 1)
    if queued != expected:
        series.failures.append(f"{queued} direct messages queued, expected {expected}")
    return series


async def run_backend(backend: str, url: str, args: argparse.Namespace) -> list[Series]:
    if backend == "postgres":
        await fresh_postgres_schema(url)
    app = await bootstrap(bench_settings(url, ""), clock=FrozenClock(datetime.now(UTC)))
    try:
        rng = random.Random(args.seed)
        start = time.perf_counter()
        labels = await seed(app, args, rng)
        print(
            f"{backend:<8}  seeded {args.members:,} members, {args.tags:,} tags over "
            f"{args.distinct:,} names in {time.perf_counter() - start:.1f}s (not measured)  "
            f"[{safe_url(url)}]"
        )
        series = await measure(app, args, labels, rng)
        series.append(await recruit(app, args, labels))
    finally:
        await app.close()
    heads = "".join(f"{h:>11}" for h in ("p50", "p99", "mean", "max", "cpu p50", "cpu p99"))
    print(f"{backend:<8}  {'':<28}{'n':>6}{heads}{'failures':>10}")
    for s in series:
        print(s.row(backend))
        for failure in s.failures[:3]:
            print(f"{backend:<8}    failed: {failure}")
    return series


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--quick", action="store_true", help="a smoke run at a tenth the size")
    parser.add_argument("--members", type=int, default=100_000)
    parser.add_argument("--tags", type=int, default=300_000, help="member tags in all")
    parser.add_argument("--distinct", type=int, default=2_000, help="society tags")
    parser.add_argument("--runs", type=int, default=300, help="measured runs of each command")
    parser.add_argument("--recruits", type=int, default=30, help="measured targeted recruits")
    parser.add_argument("--warm-up", type=int, default=20, help="unmeasured runs of each first")
    parser.add_argument("--postgres", metavar="URL", help="also run on this PostgreSQL database")
    parser.add_argument("--cpu", type=int, metavar="N", help="pin this process to CPU N")
    parser.add_argument("--seed", type=int, default=7, help="random seed")
    args = parser.parse_args(argv)
    if args.quick:
        args.members, args.tags, args.runs, args.warm_up = 10_000, 30_000, 50, 5
        args.recruits = 10
    return args


async def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    start_run(args.cpu)
    results = []
    for backend, url in databases("directory", args.postgres):
        results.append((backend, await run_backend(backend, url, args)))
    print(host_line("at end"))
    passed = True
    for backend, series in results:
        for s in series:
            p99 = percentile(s.seconds, 99) * 1000
            goal = RECRUIT_GOAL_MS if s.label.startswith("/workgroup") else GOAL_MS
            verdict = "met" if p99 < goal else "NOT met"
            print(f"goal      {backend} {s.label} p99 < {goal:.0f} ms: {verdict} ({p99:.1f} ms)")
            passed = passed and not s.failures
    print(f"replies   {'all succeeded' if passed else 'SOME FAILED'}")
    return 0 if passed else 1


if __name__ == "__main__":
    sys.exit(asyncio.run(main()))
