"""Events benchmark: an RSVP burst against a capacity, next to a vote burst, and a feed.

What it measures
----------------
1. RSVP burst: every member of a chapter (2,000 by default) answers "going" to one
   event with 500 places at the same moment, through `Dispatcher.handle` (parse,
   identity, the event locked, the answer, the waitlist, the confirmation direct
   message with its calendar file queued, commit, the live card's refresh).
   Checked from the table: nobody lost, nobody twice, exactly `capacity` going and
   the rest waitlisted, in the order the answers arrived.
2. In the same run, on the same database, the same members vote once each on a
   society poll: the vote burst. RSVPs/s over votes/s is the figure to watch
   (goal ≥ 0.8).
3. Reminder fan-out: 200 events with 50 members going each, all starting in the
   same minute, so their day-before reminders fall due together. `run_due` at that
   minute queues them (timed as "queued in"); the notifier sends them through the
   fake rate-limited platform of `bench/fanout.py` (80 ms round trips, 50 posts a
   second across the workspace, 1 a second per channel). The sending time is set
   against the least time any sender could take for the posts the platform
   accepted (goal ≤ 1.1×), and each member must get one reminder per event.
4. Feed: a chapter of 500 events, its calendar feed fetched over HTTP from the
   route `chapterhouse serve` mounts (`/calendar/<token>.ics`), p50/p99 of
   sequential fetches (goal p99 < 50 ms); the last body is parsed by `icalendar`
   and by a second, independent parser (`vobject`) and its events counted.

How
---
The app is built with `chapterhouse.bootstrap.bootstrap` on a SQLite file in a
temporary directory and, with `--postgres URL`, on PostgreSQL after its schema is
recreated. Members are bulk-inserted with console identities (not measured); the
HQ admin (from CHAPTERHOUSE_ADMINS) plans the event and opens the poll through the
dispatcher. A warm-up event and poll fill the statement caches first. Arrival
order is the order the requests reach the dispatcher: one task per request under
`asyncio.gather`, started in a shuffled order (fixed seed).

Usage
-----
    .venv/bin/python bench/events.py [--members 2000] [--capacity 500] [--feed-events 500]
        [--fetches 200] [--remind-events 200] [--remind-going 50] [--postgres URL]
        [--cpu N] [--quick] [--seed 7]
"""

from __future__ import annotations

import argparse
import asyncio
import random
import re
import secrets
import sys
import time
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import aiohttp
import vobject  # type: ignore[import-untyped]
from aiohttp import web
from icalendar import Calendar
from sqlalchemy import func, insert, select

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))  # run as a script from anywhere

from bench.common import (
    SEED_CHUNK,
    bench_settings,
    catch_up_sequences,
    databases,
    fresh_postgres_schema,
    handle,
    host_line,
    insert_members,
    ms,
    percentile,
    request,
    seed_chapter,
    settle_after_bulk_load,
    start_run,
)
from bench.fanout import FakePlatform
from bot.app import App
from bot.clock import FrozenClock
from bot.context import Place
from bot.notifier import Pace
from bot.scheduler import run_due
from chapterhouse.bootstrap import bootstrap
from chapterhouse.calendar_http import add_calendar_routes
from commands.events.feeds import links
from storage.engine import safe_url
from storage.models import (
    Chapter,
    ChapterEvent,
    Delivery,
    DeliveryStatus,
    EventRsvp,
    Identity,
    MeetingKind,
    Member,
    RsvpStatus,
)
from storage.uow import UnitOfWork

PLATFORM = "console"
ADMIN = "admin"
PLACE = Place(PLATFORM, "bench", "bench")
GOAL_RATIO = 0.8
GOAL_FEED_P99 = 0.050
WARM_UP = 50


async def seed(app: App, members: int) -> None:
    await seed_chapter(app.engine, members, timezone="Europe/Lisbon")


async def command(app: App, text: str, pattern: str) -> int:
    reply = await app.dispatcher.handle(request(ADMIN, text))
    found = re.search(pattern, reply.text)
    if not reply.ok or found is None:
        raise RuntimeError(f"{text!r} failed: {reply.text}")
    return int(found.group(1))


async def plan_event(app: App, title: str, capacity: int) -> int:
    day = (datetime.now(UTC) + timedelta(days=30)).date().isoformat()
    return await command(
        app,
        f'/event create Bench social {day}T18:00 "{title}" --capacity {capacity}',
        r"Event (\d+) is planned",
    )


async def open_poll(app: App, question: str) -> int:
    options = " ".join(f'"Option {n}"' for n in range(1, 11))
    return await command(
        app,
        f'/poll create "{question}" {options} --audience society --closes 7d',
        r"Poll (\d+) is open",
    )


@dataclass
class Burst:
    count: int
    wall: float
    latencies: list[float]
    refused: list[str]

    @property
    def rate(self) -> float:
        return self.count / self.wall if self.wall else 0.0

    def line(self, backend: str, name: str, unit: str) -> str:
        return (
            f"{backend:<8}  {name:<6} {unit}={self.count} seconds={self.wall:.2f} "
            f"{unit}_per_s={self.rate:.0f} p50={ms(percentile(self.latencies, 50))} "
            f"p99={ms(percentile(self.latencies, 99))} refused={len(self.refused)}"
        )


async def burst(app: App, texts: Sequence[tuple[str, str]]) -> Burst:
    latencies: list[float] = []
    refused: list[str] = []

    async def one(user: str, text: str) -> None:
        start = time.perf_counter()
        reply = await app.dispatcher.handle(request(user, text))
        latencies.append(time.perf_counter() - start)
        if not reply.ok:
            refused.append(f"{user}: {reply.text}")

    start = time.perf_counter()
    await asyncio.gather(*(one(user, text) for user, text in texts))
    wall = time.perf_counter() - start
    await app.notifier.live.drain()
    return Burst(len(texts), wall, latencies, refused)


@dataclass
class RsvpCheck:
    going: int
    waitlisted: int
    lost: int
    doubled: int
    in_order: bool


async def verify_rsvps(app: App, event_id: int, arrival: list[int], capacity: int) -> RsvpCheck:
    async with app.engine.connect() as connection:
        rows = (
            await connection.execute(
                select(Identity.external_id, EventRsvp.status)
                .join(Identity, Identity.member_id == EventRsvp.member_id)
                .where(EventRsvp.event_id == event_id)
                .order_by(EventRsvp.queued_at, EventRsvp.id)
            )
        ).all()
    handles = [who for who, _ in rows]
    going = [who for who, status in rows if status == RsvpStatus.GOING]
    waiting = [who for who, status in rows if status == RsvpStatus.WAITLIST]
    expected = [handle(m) for m in arrival]
    in_order = set(going) == set(expected[:capacity]) and waiting == expected[capacity:]
    return RsvpCheck(
        going=len(going),
        waitlisted=len(waiting),
        lost=len(set(expected) - set(handles)),
        doubled=len(handles) - len(set(handles)),
        in_order=in_order,
    )


async def seed_feed_events(app: App, count: int) -> None:
    """`count` events of the bench chapter over the coming year; not measured."""
    now = datetime.now(UTC)
    rows = []
    for n in range(count):
        starts = now + timedelta(days=1 + n % 360, hours=n % 7)
        rows.append(
            {
                "uid": f"{secrets.token_hex(16)}@chapterhouse",
                "title": f"Bench meeting {n}",
                "kind": MeetingKind.WORKING if n % 2 else MeetingKind.SOCIAL,
                "status": "scheduled",
                "chapter_id": 1,
                "timezone": "Europe/Lisbon",
                "starts_at": starts,
                "ends_at": starts + timedelta(hours=2),
                "place": f"Room {n % 12}",
                "rsvp_closes_at": starts,
                "offer_hours": 24,
                "sequence": n % 3,
                "guests": 0,
                "created_at": now,
                "updated_at": now,
                "not_held": False,
            }
        )
    async with app.engine.begin() as connection:
        await connection.execute(insert(ChapterEvent), rows)


async def feed_figures(app: App, backend: str, fetches: int) -> tuple[float, int, int]:
    """(p99 seconds, events by icalendar, events by vobject) of the chapter feed."""
    async with UnitOfWork(app.sessions, datetime.now(UTC)) as uow:
        member = await uow.session.get(Member, 1)
        assert member is not None
        chapter_token, _, _ = await links(uow.session, app.settings, member, uow.now, False)
        await uow.commit()
    web_app = web.Application()
    add_calendar_routes(web_app, app)
    runner = web.AppRunner(web_app, access_log=None)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = runner.addresses[0][1]
    url = f"http://127.0.0.1:{port}/calendar/{chapter_token}.ics"
    times: list[float] = []
    body = ""
    try:
        async with aiohttp.ClientSession() as http:
            for n in range(fetches + 5):
                start = time.perf_counter()
                async with http.get(url) as response:
                    body = await response.text()
                    assert response.status == 200, response.status
                if n >= 5:  # the first few fill caches
                    times.append(time.perf_counter() - start)
    finally:
        await runner.cleanup()
    by_icalendar = len(Calendar.from_ical(body).walk("VEVENT"))
    by_vobject = len(vobject.readOne(body).vevent_list)
    print(
        f"{backend:<8}  feed   events={by_icalendar} bytes={len(body.encode()):,} "
        f"fetches={fetches} p50={ms(percentile(times, 50))} p99={ms(percentile(times, 99))} "
        f"goal_p99<{GOAL_FEED_P99 * 1000:.0f}ms="
        f"{'met' if percentile(times, 99) < GOAL_FEED_P99 else 'missed'}  "
        f"parsed: icalendar={by_icalendar} vobject={by_vobject}"
    )
    return percentile(times, 99), by_icalendar, by_vobject


REMIND_AT = datetime(2027, 3, 10, 12, 0, tzinfo=UTC)
"""A Wednesday noon (UTC, the members' zone): outside quiet hours."""
WORKSPACE, PER_CHANNEL, LATENCY, PACE_MARGIN = 50.0, 1.0, 0.08, 0.97


async def pending(app: App) -> int:
    """Deliveries not yet sent, whenever they are due: the send loop runs until none."""
    async with app.engine.connect() as connection:
        return int(
            await connection.scalar(
                select(func.count())
                .select_from(Delivery)
                .where(Delivery.status.in_([DeliveryStatus.PENDING, DeliveryStatus.SENDING]))
            )
            or 0
        )


async def reminder_fanout(backend: str, url: str, args: argparse.Namespace) -> None:
    """Day-before reminders of many events due in one minute, sent under rate limits."""
    if backend == "postgres":
        await fresh_postgres_schema(url)
    settings = bench_settings(url, "")
    clock = FrozenClock(REMIND_AT - timedelta(days=2))
    app = await bootstrap(settings, clock=clock, live_interval=0)
    platform = FakePlatform(PER_CHANNEL, WORKSPACE, LATENCY, platform="slack")
    try:
        events, going = args.remind_events, args.remind_going
        members = events * going
        now = clock.now()
        starts = REMIND_AT + timedelta(hours=24)
        async with app.engine.begin() as connection:
            await connection.execute(
                insert(Chapter),
                [
                    {
                        "id": 1,
                        "name": "Bench",
                        "name_key": "bench",
                        "region": "Europe",
                        "timezone": "UTC",
                        "status": "active",
                        "created_at": now,
                    }
                ],
            )
            for first in range(1, members + 1, SEED_CHUNK):
                ids = range(first, min(first + SEED_CHUNK, members + 1))
                await insert_members(connection, [(i, f"U{i:06d}", 1) for i in ids], "slack", now)
            await connection.execute(
                insert(ChapterEvent),
                [
                    {
                        "id": n,
                        "uid": f"{secrets.token_hex(16)}@chapterhouse",
                        "title": f"Meeting {n}",
                        "kind": MeetingKind.WORKING,
                        "status": "scheduled",
                        "chapter_id": 1,
                        "timezone": "UTC",
                        "starts_at": starts,
                        "ends_at": starts + timedelta(hours=2),
                        "rsvp_closes_at": starts,
                        "offer_hours": 24,
                        "sequence": 0,
                        "guests": 0,
                        "created_at": now,
                        "updated_at": now,
                        "not_held": False,
                    }
                    for n in range(1, events + 1)
                ],
            )
            await connection.execute(
                insert(EventRsvp),
                [
                    {
                        "event_id": n,
                        "member_id": (n - 1) * going + k,
                        "status": RsvpStatus.GOING,
                        "answered_at": now,
                    }
                    for n in range(1, events + 1)
                    for k in range(1, going + 1)
                ],
            )
            await catch_up_sequences(connection, "members", "chapters", "events")
        await settle_after_bulk_load(app.engine)
        clock.set(REMIND_AT)
        start = time.perf_counter()
        report = await run_due(app, REMIND_AT)  # no poster yet: queued only
        queued_in = time.perf_counter() - start
        if report.failed:
            raise SystemExit(f"due jobs failed: {[(j.name, j.error) for j in report.failed]}")
        pace = Pace(per_channel=PER_CHANNEL * PACE_MARGIN, overall=WORKSPACE * PACE_MARGIN)
        app.notifier.add_poster(platform, pace)
        start = time.perf_counter()
        sent = 0
        while True:
            # The clock follows the wall, so a delivery a 429 put off comes due again.
            clock.set(REMIND_AT + timedelta(seconds=time.perf_counter() - start))
            sent += await app.notifier.send_all()
            if not await pending(app):
                break
            await asyncio.sleep(0.005)  # put off by the platform: wait, then try again
        sent_in = time.perf_counter() - start
        again = await run_due(app, REMIND_AT + timedelta(minutes=1))  # a second tick: nothing
        resent = await app.notifier.send_all()
    finally:
        await app.close()
    per_member = [channel for channel, _ in platform.accepted]
    once_each = len(set(per_member)) == members == len(per_member)
    minimum = platform.minimum()
    ratio = sent_in / minimum
    print(
        f"{backend:<8}  remind {events} events × {going} going: {sent}/{members} reminders "
        f"queued in {queued_in:.2f}s sent in {sent_in:.2f}s minimum {minimum:.2f}s "
        f"ratio {ratio:.2f}× goal ≤ 1.10× {'met' if ratio <= 1.1 else 'missed'}  "
        f"429s {platform.refused}  once_each={'yes' if once_each else 'NO'}  "
        f"second_tick_sent={resent + sum(len(j.posts) for j in again.jobs)}"
    )


async def run_backend(backend: str, url: str, args: argparse.Namespace) -> None:
    settings = bench_settings(url, f"{PLATFORM}:{ADMIN}")
    if backend == "postgres":
        await fresh_postgres_schema(url)
    app = await bootstrap(settings)
    try:
        rng = random.Random(args.seed)
        start = time.perf_counter()
        await seed(app, args.members)
        print(
            f"{backend:<8}  seeded {args.members:,} members in one chapter in "
            f"{time.perf_counter() - start:.1f}s (not measured)  [{safe_url(url)}]"
        )
        # Warm-up: statement caches, pool connections; not measured.
        warm_event = await plan_event(app, "Warm-up", WARM_UP // 2)
        warm_poll = await open_poll(app, "Warm-up?")
        await burst(
            app, [(handle(m), f"/event rsvp {warm_event} going") for m in range(1, WARM_UP)]
        )
        await burst(app, [(handle(m), f"/poll vote {warm_poll} 1") for m in range(1, WARM_UP)])

        event_id = await plan_event(app, "Bench night", args.capacity)
        arrival = list(range(1, args.members + 1))
        rng.shuffle(arrival)
        rsvps = await burst(app, [(handle(m), f"/event rsvp {event_id} going") for m in arrival])
        check = await verify_rsvps(app, event_id, arrival, args.capacity)
        poll_id = await open_poll(app, "Bench question?")
        rng.shuffle(arrival)
        votes = await burst(
            app, [(handle(m), f"/poll vote {poll_id} {rng.randint(1, 10)}") for m in arrival]
        )
        print(rsvps.line(backend, "rsvp", "rsvps"))
        print(votes.line(backend, "vote", "votes"))
        for refusal in (rsvps.refused + votes.refused)[:3]:
            print(f"{backend:<8}    refused {refusal}")
        ratio = rsvps.rate / votes.rate if votes.rate else 0.0
        print(
            f"{backend:<8}  check  going={check.going} waitlisted={check.waitlisted} "
            f"lost={check.lost} doubled={check.doubled} "
            f"arrival_order={'yes' if check.in_order else 'NO'}"
        )
        print(
            f"{backend} rsvps_per_s={rsvps.rate:.0f} votes_per_s={votes.rate:.0f} "
            f"ratio={ratio:.2f} goal_{GOAL_RATIO}={'met' if ratio >= GOAL_RATIO else 'missed'}"
        )
        async with app.engine.connect() as connection:
            have = int(
                await connection.scalar(
                    select(func.count())
                    .select_from(ChapterEvent)
                    .where(ChapterEvent.chapter_id == 1)
                )
                or 0
            )
        await seed_feed_events(app, max(args.feed_events - have, 0))
        await feed_figures(app, backend, args.fetches)
    finally:
        await app.close()


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--members", type=int, default=2_000, help="members who answer at once")
    parser.add_argument("--capacity", type=int, default=500, help="the event's places")
    parser.add_argument("--feed-events", type=int, default=500, help="events in the chapter feed")
    parser.add_argument("--fetches", type=int, default=200, help="feed fetches timed")
    parser.add_argument("--remind-events", type=int, default=200, help="events due at once")
    parser.add_argument("--remind-going", type=int, default=50, help="members going to each")
    parser.add_argument("--postgres", metavar="URL", help="also run on this PostgreSQL database")
    parser.add_argument("--cpu", type=int, metavar="N", help="pin this process to CPU N")
    parser.add_argument("--quick", action="store_true", help="a small run: 400 members, 100 places")
    parser.add_argument("--seed", type=int, default=7, help="random seed")
    args = parser.parse_args(argv)
    if args.quick:
        args.members, args.capacity, args.feed_events, args.fetches = 400, 100, 100, 40
        args.remind_events, args.remind_going = 20, 10
    if args.members <= WARM_UP or not 1 <= args.capacity < args.members or args.fetches < 1:
        parser.error(f"need more than {WARM_UP} members, 1 ≤ capacity < members, 1+ fetches")
    return args


async def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    start_run(args.cpu)
    for backend, url in databases("events", args.postgres):
        await run_backend(backend, url, args)
    for backend, url in databases("event-reminders", args.postgres):
        await reminder_fanout(backend, url, args)
    print(host_line("at end"))
    return 0


if __name__ == "__main__":
    sys.exit(asyncio.run(main()))
