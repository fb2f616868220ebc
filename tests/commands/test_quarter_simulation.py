"""A quarter of the society's scheduled life, ticked with a frozen clock.

Thirteen weeks from Monday 14 September 2026, across three zones whose clocks
all change inside it (Sydney on 4 October, London on 25 October, New York on
1 November). Each chapter has a Slack and a Discord channel, received by
recording posters. The scheduler ticks every 15 to 60 simulated minutes (a fixed
random sequence), and the app is rebuilt on the same database three times on
the way, as after a deploy. Every digest, reminder, close and decision must have
arrived exactly once, at the first tick after its local moment.
"""

from __future__ import annotations

import random
from collections import Counter
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select

from bot.app import App
from bot.clock import FrozenClock
from bot.reply import Reply
from bot.scheduler import run_due
from chapterhouse.bootstrap import bootstrap
from commands.lookup import name_key
from storage.models import ChannelBinding, Chapter, ChapterStatus, Identity, Member, Poll
from tests.support import make_settings

START = datetime(2026, 9, 14, 0, 0, tzinfo=UTC)
END = START + timedelta(weeks=13)
RESTARTS = (
    START + timedelta(days=17, hours=5),
    START + timedelta(days=44),
    END - timedelta(days=20),
)
CHAPTERS = (
    ("London", "Europe/London", ChapterStatus.ACTIVE, "lena"),
    ("New York", "America/New_York", ChapterStatus.ACTIVE, "nate"),
    ("Sydney", "Australia/Sydney", ChapterStatus.INCUBATING, "sam"),
)
LONDONERS = ("lena", "luke", "lily")
POSITION_DEADLINE = datetime(2026, 10, 28, 12, 0, tzinfo=UTC)
POLL_DEADLINES = (
    datetime(2026, 9, 30, 15, 0, tzinfo=UTC),
    datetime(2026, 10, 26, 11, 30, tzinfo=UTC),  # the day after London's change
    datetime(2026, 11, 20, 17, 45, tzinfo=UTC),
)


@dataclass(frozen=True)
class Sent:
    platform: str
    to: str
    direct: bool
    text: str
    at: datetime


class Recorder:
    """A platform's outgoing side that remembers what it sent, and when."""

    def __init__(self, platform: str, clock: FrozenClock, log: list[Sent]) -> None:
        self.platform = platform
        self.clock = clock
        self.log = log

    async def post(self, channel_id: str, reply: Reply) -> str:
        self.log.append(Sent(self.platform, channel_id, False, reply.text, self.clock.now()))
        return f"{self.platform}-{len(self.log)}"

    async def direct(self, user_id: str, reply: Reply) -> str:
        self.log.append(Sent(self.platform, user_id, True, reply.text, self.clock.now()))
        return f"{self.platform}-{len(self.log)}"

    async def edit(self, channel_id: str, message_id: str, reply: Reply) -> None:
        return None


class Society:
    def __init__(self, url: str) -> None:
        self.url = url
        self.clock = FrozenClock(START)
        self.log: list[Sent] = []
        self.ticks: list[datetime] = []
        self.app: App | None = None

    async def start(self) -> App:
        settings = make_settings(self.url, chapterhouse_admins="console:alice")
        app = await bootstrap(settings, clock=self.clock, migrate=False, live_interval=0)
        for platform in ("slack", "discord"):
            app.notifier.add_poster(Recorder(platform, self.clock, self.log))
        self.app = app
        return app

    async def restart(self) -> App:
        assert self.app is not None
        await self.app.close()
        return await self.start()

    async def command(self, text: str, as_: str = "alice") -> Reply:
        from adapters.console.adapter import ConsoleSession

        assert self.app is not None
        reply = await ConsoleSession(self.app, as_, None).send(text)
        assert reply.ok, f"{text}: {reply.text}"
        return reply

    async def tick(self, at: datetime) -> None:
        assert self.app is not None
        self.clock.set(at)
        report = await run_due(self.app, at)
        assert not report.failed, [(job.name, job.error) for job in report.failed]
        await self.app.notifier.flush()
        self.ticks.append(at)

    def first_tick_from(self, moment: datetime) -> datetime:
        return min(t for t in self.ticks if t >= moment)


@pytest.fixture
async def society(database_url: str) -> AsyncIterator[Society]:
    world = Society(database_url)
    app = await world.start()
    try:
        await seed(world, app)
        yield world
    finally:
        assert world.app is not None
        await world.app.close()


async def seed(world: Society, app: App) -> None:
    """Three chapters, each with a Slack and a Discord channel and a president on Slack."""
    await world.command("/chapter list")  # registers alice
    async with app.sessions.begin() as session:
        for name, zone, status, president in CHAPTERS:
            chapter = Chapter(
                name=name,
                name_key=name_key(name),
                region="Somewhere",
                timezone=zone,
                status=status,
                created_at=START,
                activated_at=START if status is ChapterStatus.ACTIVE else None,
            )
            session.add(chapter)
            await session.flush()
            slug = name_key(name).replace(" ", "-")
            for platform, channel in (("slack", f"C-{slug}"), ("discord", f"D-{slug}")):
                session.add(
                    ChannelBinding(
                        chapter_id=chapter.id,
                        platform=platform,
                        channel_id=channel,
                        channel_name=slug,
                        bound_at=START,
                    )
                )
            people = LONDONERS if name == "London" else (president,)
            for handle in people:
                member = Member(name=handle, chapter_id=chapter.id, joined_at=START)
                session.add(member)
                await session.flush()
                session.add(
                    Identity(
                        member_id=member.id,
                        platform="slack",
                        external_id=f"U-{handle}",
                        display_name=handle,
                        created_at=START,
                    )
                )
                if handle == president:
                    chapter.president_id = member.id
    for deadline in POLL_DEADLINES:
        await world.command(
            f'/poll create "Where next?" "Pub" "Park" --audience chapter:London '
            f"--closes {deadline.isoformat()}"
        )
    await world.command('/position propose "Open notes" --statement "Publish meeting notes."')
    await world.command(f"/position open 1 --closes {POSITION_DEADLINE.isoformat()}")
    world.log.clear()  # the opening posts; the quarter's own work starts now


def local_mondays(zone: ZoneInfo) -> list[datetime]:
    """Every Monday 09:00 in `zone` inside the quarter, as instants."""
    moments: list[datetime] = []
    day = (START - timedelta(days=2)).astimezone(zone).date()
    while True:
        if day.weekday() == 0:
            moment = datetime.combine(day, time(9, 0), tzinfo=zone)
            if moment >= END:
                return moments
            if moment >= START - timedelta(hours=24):
                moments.append(moment)
        day += timedelta(days=1)


async def test_a_quarter_across_three_zones_and_three_restarts(society: Society) -> None:
    steps = random.Random(20260914)
    at = START
    restarts = list(RESTARTS)
    tuesday_checkin = POSITION_DEADLINE - timedelta(days=4)
    checked_in = False
    while at < END:
        if restarts and at >= restarts[0]:
            restarts.pop(0)
            await society.restart()
        if not checked_in and at >= tuesday_checkin:
            society.clock.set(at)
            await society.command('/position checkin 1 --chapter "New York" disagree')
            checked_in = True
        await society.tick(at)
        at += timedelta(minutes=steps.randint(15, 60))
    assert not restarts
    log = society.log

    # Digests: every chapter channel, every week, once, at the first tick after 09:00 local.
    for name, zone_name, _, _ in CHAPTERS:
        zone = ZoneInfo(zone_name)
        slug = name_key(name).replace(" ", "-")
        expected = [society.first_tick_from(m) for m in local_mondays(zone)]
        assert len(expected) in (13, 14)
        for channel in (f"C-{slug}", f"D-{slug}"):
            got = [s.at for s in log if s.to == channel and "weekly digest" in s.text]
            assert got == expected, (channel, got, expected)
            for when in got:
                local = when.astimezone(zone)
                assert local.weekday() == 0 and time(9, 0) <= local.time() <= time(10, 0)

    # Polls: each London non-voter reminded once a day ahead; results once per copy.
    async with society.app.sessions() as session:  # type: ignore[union-attr]
        polls = list(await session.scalars(select(Poll).order_by(Poll.id)))
    assert [p.closed_at for p in polls] == list(POLL_DEADLINES)
    for poll in polls:
        reminders = Counter(s.to for s in log if s.direct and f"poll {poll.id} closes" in s.text)
        assert reminders == {f"U-{h}": 1 for h in LONDONERS}, poll.id
        for s in log:
            if s.direct and f"poll {poll.id} closes" in s.text:
                assert poll.closes_at - timedelta(hours=24) <= s.at < poll.closes_at
        results = [s for s in log if not s.direct and f"Results of poll {poll.id}:" in s.text]
        assert sorted(s.to for s in results) == ["C-london", "D-london"], poll.id
        assert {s.at for s in results} == {society.first_tick_from(poll.closes_at)}

    # The position: a week ahead both active chapters, a day ahead only London (New
    # York has checked in); the decision once in every chapter channel.
    week = [s for s in log if "closes in a week" in s.text]
    day = [s for s in log if "closes in a day" in s.text]
    assert Counter(s.to for s in week) == {
        "C-london": 1,
        "D-london": 1,
        "C-new-york": 1,
        "D-new-york": 1,
        "U-lena": 1,
        "U-nate": 1,
    }
    assert Counter(s.to for s in day) == {"C-london": 1, "D-london": 1, "U-lena": 1}
    for s in week + day:
        if not s.direct:
            before = timedelta(days=7) if s in week else timedelta(days=1)
            assert s.at == society.first_tick_from(POSITION_DEADLINE - before)
    decided = [s for s in log if not s.direct and "Position 1" in s.text and "rejected" in s.text]
    assert sorted(s.to for s in decided) == sorted(
        f"{p}-{name_key(n).replace(' ', '-')}" for n, *_ in CHAPTERS for p in ("C", "D")
    )
    assert {s.at for s in decided} == {society.first_tick_from(POSITION_DEADLINE)}
