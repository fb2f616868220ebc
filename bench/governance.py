"""Governance benchmark: every chapter checking in on one position at once, through the dispatcher.

What it measures
----------------
How many `/position checkin` commands per second `Dispatcher.handle` completes when
the presidents of all active chapters (by default 200, each with a bound console
channel) check in on one open position at the same moment — parse, identity,
roles, the president check, the position's row lock, the check-in and stance
upsert, the rule evaluated over every stance, commit, and for the one check-in
that decides, the announcement delivered to every chapter channel — on SQLite
and, with `--postgres URL`, on PostgreSQL. And, as much as the rate, that the
outcome is decided and announced exactly once:

* "adopted": ~80 % agree in a random order (fixed seed), so the rule adopts the
  position partway through the burst; the check-ins that arrive after that must
  be refused, and exactly one `position.adopted` event must be recorded;
* "rejected": a second position, 50 % agree / 50 % disagree (quorum met, the ⅔
  supermajority not); then the clock moves past the deadline and `decide_due`
  runs twice at once, then once more: exactly one `position.rejected` event.

Each time every bound channel must receive the outcome's announcement exactly once.
In the same run, through the same dispatcher, the same presidents send one plain
`/member profile` each, all at once: check-ins/s over profiles/s says what a
check-in costs next to a light read command, as a comparison, not an absolute.

Why
---
Issue: "`bench/governance.py`: 200 active chapters checking in on one position
concurrently through the dispatcher: check-ins/s, and that the adopted/rejected
outcome is announced exactly once. Run on SQLite and PostgreSQL." A position is
opened to every chapter channel at once and its deadline falls on a day chapters
meet, so check-ins arrive together; the decision is a conditional update under the
position's row lock (`commands/positions/deciding.py`), and this is where a race
between the deciding check-in and the next one, or between two `decide_due`
runs, would announce an outcome twice or never.

How
---
1. Build the app with `chapterhouse.bootstrap.bootstrap` (migrations applied there; a
   `FrozenClock`, so the deadline can be passed without waiting), on a SQLite
   file in a temporary directory and, with `--postgres URL`, on PostgreSQL after
   dropping and recreating its `public` schema. A `ConsolePoster` (writing
   nothing) is added to the notifier, so announcements are really delivered and
   remembered per channel.
2. Seed with SQLAlchemy Core bulk inserts (not measured): `--chapters` active
   chapters, each with a president (a member of that chapter with a console
   account `presNNNN`) and one bound console channel. The HQ admin is
   `CHAPTERHOUSE_ADMINS=console:hq`, registered by its first command.
3. Warm-up (not measured): a position is proposed, opened, checked in by a few
   chapters and withdrawn; a few profiles are read. This fills the statement caches.
4. Measured, with `time.perf_counter` around the whole burst and around each
   command: every president's `/member profile` at once (the baseline); then for
   each scenario, HQ proposes and opens a position (`/position propose`,
   `/position open`) and every president checks in at once, one task per check-in
   under `asyncio.gather`. The burst's time includes the deciding check-in's
   after-commit delivery of the announcement to every channel.
5. Drain the outbox and deliveries (`Notifier.fan_out` and `send_pending` until
   both find nothing, then `live.drain()`), then verify from the database and the
   poster: the position's status, decision events per kind for the position
   (the expected one must be 1, any other 0), the tally recorded in the event
   against the accepted check-ins, the stances stored, deliveries left pending,
   and per bound channel how many posts announce the outcome (once / twice or
   more / never). In "rejected", one more check-in after the decision must be
   refused. In "adopted", the deliveries still unsent when the burst ends are
   printed too: the deciding check-in's after-commit `flush` sends one batch
   (`bot.notifier.BATCH`, 200), so with more channels the rest wait for the next
   flush (`chapterhouse/serve.py` sweeps every minute).

Reading the figures
-------------------
`check-ins/s` counts every check-in sent (accepted or refused) over the burst's
wall time; `accepted/s` only the accepted ones. Check-ins are not a batched
command: each runs in its own transaction and they queue on the position's row
lock (PostgreSQL) or the single writer (SQLite), so `p50`/`p99` are mostly
queueing. The deciding check-in's own reply comes back last: its after-commit
delivery of the outcome to every channel (a transaction per delivery) runs inside
it, queued behind the check-ins that arrived after it. `vs /member profile` is
check-ins/s over the profile burst's commands/s, in the same run.
The checks are what matters most: every `checks` line must say ok, and the
process exits 1 otherwise. As in `core_latency.py`, SQLite's figures on a small
VM move with thread wake-ups across CPUs; `--cpu N` pins the process to one CPU,
and the `host` lines say how busy the machine was.

Usage
-----
    .venv/bin/python bench/governance.py [--chapters 200] [--agree 0.8]
        [--postgres URL] [--cpu N] [--seed 11]
"""

from __future__ import annotations

import argparse
import asyncio
import random
import re
import sys
import time
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import func, insert, select, update

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))  # run as a script from anywhere

from adapters.console.adapter import ConsolePoster
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
from commands.positions.deciding import DECIDED_EVENTS, decide_due, rule_from
from storage.engine import safe_url
from storage.models import (
    ChannelBinding,
    Chapter,
    Delivery,
    DeliveryStatus,
    OutboxEvent,
    Position,
    PositionCheckin,
    PositionStance,
)

PLATFORM = "console"
ADMIN = "hq"
NOWHERE = Place(PLATFORM, "", "")
CRASH_MARK = "Something went wrong on our side"
WARM_UP_CHECKINS = 10
WARM_UP_PROFILES = 20


def president(chapter_id: int) -> str:
    return f"pres{chapter_id:04d}"


def chapter_name(chapter_id: int) -> str:
    return f"Bench {chapter_id:04d}"


def channel(chapter_id: int) -> str:
    return f"bench-{chapter_id:04d}"


def request(user: str, text: str) -> Request:
    return Request(PLATFORM, user, user, NOWHERE, text=text)


# --------------------------------------------------------------------------- seeding


async def seed(app: App, chapters: int) -> None:
    """Active chapters 1..N, each with its president (member N) and a bound channel."""
    now = app.clock.now()
    ids = range(1, chapters + 1)
    async with app.engine.begin() as connection:
        await connection.execute(
            insert(Chapter),
            [
                {
                    "id": i,
                    "name": chapter_name(i),
                    "name_key": chapter_name(i).lower(),
                    "region": "Europe",
                    "timezone": "UTC",
                    "status": "active",
                    "president_id": None,
                    "created_at": now - timedelta(days=900),
                    "activated_at": now - timedelta(days=800),
                    "retired_at": None,
                }
                for i in ids
            ],
        )
        await insert_members(
            connection,
            [(i, president(i), i) for i in ids],
            PLATFORM,
            now - timedelta(days=400),
        )
        # Member i presides over chapter i.
        await connection.execute(update(Chapter).values(president_id=Chapter.id))
        await connection.execute(
            insert(ChannelBinding),
            [
                {
                    "chapter_id": i,
                    "platform": PLATFORM,
                    "channel_id": channel(i),
                    "channel_name": channel(i),
                    "bound_by": i,
                    "bound_at": now - timedelta(days=30),
                }
                for i in ids
            ],
        )
        await catch_up_sequences(connection, "members", "chapters")
    await settle_after_bulk_load(app.engine)


# ------------------------------------------------------------------------ commands


async def command(app: App, user: str, text: str) -> Reply:
    """A command that must succeed (the admin's propose, open, withdraw)."""
    reply = await app.dispatcher.handle(request(user, text))
    if not reply.ok:
        raise RuntimeError(f"{text!r} as {user} failed: {reply.text}")
    return reply


async def open_position(app: App, title: str) -> int:
    reply = await command(
        app, ADMIN, f'/position propose "{title}" --statement "Every chapter does {title}."'
    )
    found = re.match(r"Proposed position (\d+)", reply.text)
    if found is None:
        raise RuntimeError(f"proposing returned no number: {reply.text}")
    position_id = int(found.group(1))
    await command(app, ADMIN, f"/position open {position_id}")
    return position_id


def checkin(position_id: int, chapter_id: int, stance: str) -> tuple[str, str]:
    counts = "--for 12 --against 3" if stance == "agree" else "--for 3 --against 12"
    text = (
        f'/position checkin {position_id} --chapter "{chapter_name(chapter_id)}" {stance} {counts}'
    )
    return president(chapter_id), text


@dataclass
class Burst:
    """Commands sent all at once: one task each under `asyncio.gather`."""

    sent: int = 0
    wall: float = 0.0
    latencies: list[float] = field(default_factory=list)
    """In the order sent."""
    replies: list[Reply] = field(default_factory=list)
    """In the order sent."""
    finished: list[int] = field(default_factory=list)
    """Indexes in the order their replies came back."""

    @property
    def rate(self) -> float:
        return self.sent / self.wall if self.wall else 0.0

    @property
    def refused(self) -> list[Reply]:
        return [r for r in self.replies if not r.ok]

    @property
    def crashed(self) -> int:
        return sum(r.text.startswith(CRASH_MARK) for r in self.replies)


async def burst(app: App, commands: Sequence[tuple[str, str]]) -> Burst:
    result = Burst(sent=len(commands))
    result.replies = [Reply.error("not sent")] * len(commands)
    result.latencies = [0.0] * len(commands)

    async def one(index: int, user: str, text: str) -> None:
        start = time.perf_counter()
        reply = await app.dispatcher.handle(request(user, text))
        result.latencies[index] = time.perf_counter() - start
        result.replies[index] = reply
        result.finished.append(index)

    start = time.perf_counter()
    await asyncio.gather(*(one(i, user, text) for i, (user, text) in enumerate(commands)))
    result.wall = time.perf_counter() - start
    return result


async def drain(app: App) -> tuple[int, int]:
    """Fan out every undispatched event and send every pending delivery; (fanned, sent).

    One `flush` handles at most one batch (200) of each, so it runs until both passes
    find nothing.
    """
    fanned = sent = 0
    while True:
        more = await app.notifier.fan_out()
        posted = await app.notifier.send_pending()
        fanned, sent = fanned + more, sent + posted
        if not more and not posted:
            break
    await app.notifier.flush()
    await app.notifier.live.drain()
    return fanned, sent


# ------------------------------------------------------------------------ checking


@dataclass
class Scenario:
    name: str
    outcome: str
    position_id: int
    checkins: Burst
    agree: int = 0
    disagree: int = 0
    decided_by: str = ""
    decide_seconds: float | None = None
    late_refused: bool | None = None
    status: str = ""
    events: Counter[str] = field(default_factory=Counter)
    event_tally: dict[str, Any] = field(default_factory=dict)
    stances: int = 0
    history: int = 0
    pending: int = 0
    left_by_burst: int | None = None
    """Deliveries still pending when the burst ended, before the drain."""
    once: int = 0
    more: int = 0
    never: int = 0
    opened_once: int = 0
    checks: list[tuple[str, bool]] = field(default_factory=list)

    @property
    def accepted(self) -> int:
        return sum(r.ok for r in self.checkins.replies)

    @property
    def refused_after(self) -> int:
        return sum(after_decision(r, self.position_id) for r in self.checkins.refused)

    @property
    def refused_otherwise(self) -> list[Reply]:
        return [r for r in self.checkins.refused if not after_decision(r, self.position_id)]

    @property
    def ok(self) -> bool:
        return all(passed for _, passed in self.checks)


async def undelivered(app: App) -> int:
    async with app.engine.connect() as connection:
        return int(
            await connection.scalar(
                select(func.count())
                .select_from(Delivery)
                .where(Delivery.status != DeliveryStatus.SENT)
            )
            or 0
        )


def after_decision(reply: Reply, position_id: int) -> bool:
    return (
        not reply.ok
        and f"Position {position_id} was " in reply.text
        and "can no longer be checked in" in reply.text
    )


async def verify(app: App, poster: ConsolePoster, scenario: Scenario, chapters: int) -> None:
    """Read what the scenario left behind and record each exactly-once check."""
    pid = scenario.position_id
    async with app.engine.connect() as connection:
        status = await connection.scalar(select(Position.status).where(Position.id == pid))
        scenario.status = getattr(status, "value", str(status))
        rows = (
            await connection.execute(
                select(OutboxEvent.kind, OutboxEvent.payload).where(
                    OutboxEvent.kind.in_(DECIDED_EVENTS),
                    OutboxEvent.payload["position_id"].as_integer() == pid,
                )
            )
        ).all()
        scenario.events = Counter(kind for kind, _ in rows)
        wanted = f"position.{scenario.outcome}"
        scenario.event_tally = next((dict(p) for k, p in rows if k == wanted), {})
        scenario.stances = int(
            await connection.scalar(
                select(func.count())
                .select_from(PositionStance)
                .where(PositionStance.position_id == pid)
            )
            or 0
        )
        scenario.history = int(
            await connection.scalar(
                select(func.count())
                .select_from(PositionCheckin)
                .where(PositionCheckin.position_id == pid)
            )
            or 0
        )
    scenario.pending = await undelivered(app)
    outcome_mark = f"Position {pid} {scenario.outcome}: "
    opened_mark = f"Position {pid} is open to the chapters"
    heard = Counter(ch for ch, text in poster.posts if outcome_mark in text)
    opened = Counter(ch for ch, text in poster.posts if opened_mark in text)
    bound = [channel(i) for i in range(1, chapters + 1)]
    scenario.once = sum(heard[c] == 1 for c in bound)
    scenario.more = sum(heard[c] >= 2 for c in bound)
    scenario.never = sum(heard[c] == 0 for c in bound)
    scenario.opened_once = sum(opened[c] == 1 for c in bound)
    stray = sum(n for c, n in heard.items() if c not in set(bound))

    t = scenario.event_tally
    counted = sum(int(t.get(k, 0)) for k in ("agree", "disagree", "abstain"))
    others = sum(n for kind, n in scenario.events.items() if kind != wanted)
    scenario.checks = [
        (f"status is {scenario.outcome}", scenario.status == scenario.outcome),
        (f"one {wanted} event", scenario.events[wanted] == 1),
        ("no other decision event", others == 0),
        ("every channel heard the outcome once", scenario.once == chapters and stray == 0),
        ("every channel heard the opening once", scenario.opened_once == chapters),
        ("event tally = accepted check-ins", counted == scenario.accepted),
        ("stances stored = accepted", scenario.stances == scenario.accepted),
        ("check-ins kept = accepted", scenario.history == scenario.accepted),
        ("no refusal but after the decision", not scenario.refused_otherwise),
        ("nothing left pending", scenario.pending == 0),
    ]
    if scenario.late_refused is not None:
        scenario.checks.append(("a late check-in is refused", scenario.late_refused))


# ----------------------------------------------------------------------- scenarios


def order(chapters: int, agree: float, rng: random.Random) -> list[tuple[int, str]]:
    """Every chapter once, in a random arrival order, `agree` of them agreeing."""
    agreeing = round(chapters * agree)
    stances = ["agree"] * agreeing + ["disagree"] * (chapters - agreeing)
    rng.shuffle(stances)
    arrivals = list(range(1, chapters + 1))
    rng.shuffle(arrivals)
    return list(zip(arrivals, stances, strict=True))


def stance_counts(arrivals: list[tuple[int, str]]) -> tuple[int, int]:
    stances = Counter(stance for _, stance in arrivals)
    return stances["agree"], stances["disagree"]


async def adopted(app: App, args: argparse.Namespace, rng: random.Random) -> Scenario:
    position_id = await open_position(app, "Publish chapter budgets")
    await drain(app)  # the opening's announcement, not measured
    arrivals = order(args.chapters, args.agree, rng)
    result = await burst(app, [checkin(position_id, c, s) for c, s in arrivals])
    left = await undelivered(app)
    await drain(app)
    scenario = Scenario("adopted", "adopted", position_id, result, *stance_counts(arrivals))
    scenario.left_by_burst = left
    deciding = [i for i, r in enumerate(result.replies) if r.ok and "is adopted;" in r.text]
    if len(deciding) == 1:
        index = deciding[0]
        accepted_before = sum(r.ok for r in result.replies[:index])
        scenario.decided_by = (
            f"check-in {accepted_before + 1} accepted "
            f"(its reply came back {result.finished.index(index) + 1}th of "
            f"{result.sent}, after {ms(result.latencies[index])}: the announcement's "
            f"delivery runs inside it, after its commit)"
        )
    else:
        scenario.decided_by = f"{len(deciding)} check-ins said adopted"
    await verify(app, app_poster(app), scenario, args.chapters)
    scenario.checks.append(("one check-in reply says adopted", len(deciding) == 1))
    return scenario


async def rejected(
    app: App, clock: FrozenClock, args: argparse.Namespace, rng: random.Random
) -> Scenario:
    position_id = await open_position(app, "Meet on Sundays")
    await drain(app)
    arrivals = order(args.chapters, 0.5, rng)
    result = await burst(app, [checkin(position_id, c, s) for c, s in arrivals])
    await drain(app)
    scenario = Scenario("rejected", "rejected", position_id, result, *stance_counts(arrivals))

    clock.advance(timedelta(days=app.settings.position_days, hours=1))
    rule = rule_from(app.settings)
    start = time.perf_counter()
    first, second = await asyncio.gather(
        decide_due(app.sessions, clock.now(), rule), decide_due(app.sessions, clock.now(), rule)
    )
    third = await decide_due(app.sessions, clock.now(), rule)
    scenario.decide_seconds = time.perf_counter() - start
    runs = [first, second, third]
    scenario.decided_by = "decide_due ×2 at once, then ×1: " + " ".join(map(str, runs))
    user, text = checkin(position_id, arrivals[0][0], "agree")
    late = await app.dispatcher.handle(request(user, text))
    scenario.late_refused = after_decision(late, position_id)
    await drain(app)
    await verify(app, app_poster(app), scenario, args.chapters)
    decided = sum(run.count(position_id) for run in runs)
    scenario.checks.append(("decide_due decided it once", decided == 1))
    return scenario


def app_poster(app: App) -> ConsolePoster:
    poster = app.notifier.posters[PLATFORM]
    assert isinstance(poster, ConsolePoster)
    return poster


async def warm_up(app: App, chapters: int) -> None:
    """Fill the statement caches; nothing here is measured or checked."""
    position_id = await open_position(app, "Warm-up")
    few = min(WARM_UP_CHECKINS, chapters // 4)
    await burst(
        app,
        [checkin(position_id, c, "agree" if c % 2 else "disagree") for c in range(1, few + 1)],
    )
    await burst(
        app,
        [(president(c), "/member profile") for c in range(1, min(WARM_UP_PROFILES, chapters) + 1)],
    )
    await command(app, ADMIN, f"/position withdraw {position_id}")
    await drain(app)


# -------------------------------------------------------------------------- report


def table(backend: str, chapters: int, scenarios: list[Scenario], profile: Burst) -> None:
    def row(label: str, *values: object) -> None:
        print(f"{backend:<8}  {label:<34}" + "".join(f"{v!s:>16}" for v in values))

    row("", *(s.name for s in scenarios))
    row("position", *(s.position_id for s in scenarios))
    row("active chapters / bound channels", *(f"{chapters} / {chapters}" for _ in scenarios))
    row("agree / disagree sent", *(f"{s.agree} / {s.disagree}" for s in scenarios))
    row("check-ins sent", *(s.checkins.sent for s in scenarios))
    row("accepted", *(s.accepted for s in scenarios))
    row("refused after the decision", *(s.refused_after for s in scenarios))
    row("refused otherwise / crashed", *(_refused(s) for s in scenarios))
    row("burst seconds", *(f"{s.checkins.wall:.3f}" for s in scenarios))
    row("check-ins/s (all sent)", *(f"{s.checkins.rate:.0f}" for s in scenarios))
    row("check-ins/s (accepted)", *(f"{s.accepted / s.checkins.wall:.0f}" for s in scenarios))
    row("p50 per check-in", *(ms(percentile(s.checkins.latencies, 50)) for s in scenarios))
    row("p99 per check-in", *(ms(percentile(s.checkins.latencies, 99)) for s in scenarios))
    row("max per check-in", *(ms(max(s.checkins.latencies)) for s in scenarios))
    row(
        "vs /member profile burst (ratio)",
        *(f"{s.checkins.rate / profile.rate:.2f}" for s in scenarios),
    )
    row("status", *(s.status for s in scenarios))
    row(
        "outcome events (must be 1)",
        *(s.events[f"position.{s.outcome}"] for s in scenarios),
    )
    row("other decision events (must be 0)", *(_others(s) for s in scenarios))
    row(
        "event tally agree/disagree/abst.",
        *(
            "/".join(str(s.event_tally.get(k, "?")) for k in ("agree", "disagree", "abstain"))
            for s in scenarios
        ),
    )
    row("channels announced once", *(s.once for s in scenarios))
    row("channels announced twice or more", *(s.more for s in scenarios))
    row("channels never announced", *(s.never for s in scenarios))
    row(
        "unsent deliveries as the burst ends",
        *("-" if s.left_by_burst is None else s.left_by_burst for s in scenarios),
    )
    row("unsent deliveries after the drain", *(s.pending for s in scenarios))
    row(
        "decide_due seconds",
        *("-" if s.decide_seconds is None else f"{s.decide_seconds:.3f}" for s in scenarios),
    )
    for s in scenarios:
        print(f"{backend:<8}  {s.name}: decided by {s.decided_by}")
        for reply in s.refused_otherwise[:3]:
            print(f"{backend:<8}    refused: {reply.text}")
    print(
        f"{backend:<8}  baseline: {profile.sent} /member profile at once, "
        f"seconds={profile.wall:.3f} profiles/s={profile.rate:.0f} "
        f"p50={ms(percentile(profile.latencies, 50))} "
        f"p99={ms(percentile(profile.latencies, 99))} refused={len(profile.refused)}"
    )
    for s in scenarios:
        failed = [name for name, passed in s.checks if not passed]
        verdict = "ok" if not failed else "FAILED: " + "; ".join(failed)
        print(f"{backend:<8}  checks {s.name}: {len(s.checks)} {verdict}")


def _refused(s: Scenario) -> str:
    return f"{len(s.refused_otherwise)} / {s.checkins.crashed}"


def _others(s: Scenario) -> int:
    return sum(n for kind, n in s.events.items() if kind != f"position.{s.outcome}")


# ------------------------------------------------------------------------ backends


async def run_backend(backend: str, url: str, args: argparse.Namespace) -> bool:
    settings = bench_settings(url, f"{PLATFORM}:{ADMIN}")
    if backend == "postgres":
        await fresh_postgres_schema(url)
    clock = FrozenClock(datetime.now(UTC))
    app = await bootstrap(settings, clock=clock)
    try:
        poster = ConsolePoster()
        app.notifier.add_poster(poster)
        rng = random.Random(args.seed)
        start = time.perf_counter()
        await seed(app, args.chapters)
        print(
            f"{backend:<8}  seeded {args.chapters} active chapters with a president and a "
            f"bound channel each in {time.perf_counter() - start:.1f}s (not measured)  "
            f"[{safe_url(url)}]"
        )
        await warm_up(app, args.chapters)
        profile = await burst(
            app, [(president(c), "/member profile") for c in range(1, args.chapters + 1)]
        )
        scenarios = [await adopted(app, args, rng), await rejected(app, clock, args, rng)]
    finally:
        await app.close()
    table(backend, args.chapters, scenarios, profile)
    return all(s.ok for s in scenarios) and not profile.refused


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--chapters", type=int, default=200, help="active chapters checking in")
    parser.add_argument(
        "--agree",
        type=float,
        default=0.8,
        help="share of chapters agreeing in the 'adopted' scenario (must adopt: ≥ 2/3)",
    )
    parser.add_argument("--postgres", metavar="URL", help="also run on this PostgreSQL database")
    parser.add_argument(
        "--cpu",
        type=int,
        metavar="N",
        help="pin this process to CPU N (the event loop and aiosqlite's thread then share it)",
    )
    parser.add_argument("--seed", type=int, default=11, help="random seed (arrival order)")
    args = parser.parse_args(argv)
    if args.chapters < 20 or not 0.7 <= args.agree <= 1:
        parser.error("need at least 20 chapters and --agree from 0.7 to 1")
    return args


async def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    start_run(args.cpu)
    passed = True
    for backend, url in databases("governance", args.postgres):
        passed &= await run_backend(backend, url, args)
    print(host_line("at end"))
    print(f"exactly once: {'all checks passed' if passed else 'SOME CHECKS FAILED'}")
    return 0 if passed else 1


if __name__ == "__main__":
    sys.exit(asyncio.run(main()))
