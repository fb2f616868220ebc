"""A due job's probe never hides work, and a quiet minute runs no probed job.

The scheduler asks every job's probe in one statement and skips the jobs whose
probe finds nothing (see `bot.due`). A wrong probe would silently stop polls from
closing or reminders from going out, so each probe is checked against its own job
over the demo society's coming weeks: wherever the probe says "nothing", the job,
run anyway and rolled back, must find nothing either.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import ColumnElement, event, select

from bot.config import Settings
from bot.due import DueProbe, DueRun, Tick, ask
from bot.scheduler.run import run_due
from commands.events.demo import seed_demo_events
from commands.updates.periods import CADENCES
from commands.updates.probe import SLOTS, candidates
from storage.models import (
    ChapterEvent,
    EventRsvp,
    InboundClaim,
    LiveClaim,
    Member,
    Position,
    Workgroup,
)
from tests.support import TestBot

STEP, WEEKS = timedelta(hours=12), 2


async def job_finds_work(bot: TestBot, name: str) -> bool:
    """Run one job now and roll it back: did it note, queue or record anything?"""
    async with bot.uow() as uow:
        run = DueRun(uow, bot.app.settings)
        await bot.app.registry.due_jobs[name](run)
        await uow.session.flush()
        found = bool(run.notes or uow.events or uow.queued or run.more)
        await uow.session.rollback()
    return found


async def probe_says(bot: TestBot, name: str) -> bool:
    verdict, tick = ask(bot.app.registry.due_probes[name], bot.app.settings)
    if isinstance(verdict, bool):
        return verdict
    async with bot.uow() as uow:
        return bool(await uow.session.scalar(select(verdict), tick.params(bot.clock.now())))


async def moments(bot: TestBot) -> list[datetime]:
    """Twice a day for two weeks, and just inside the window of each event, offer,
    position, newcomer's onboarding and proposal's expiry."""
    start = bot.clock.now()
    times = {start + STEP * k for k in range(WEEKS * 14)}
    settings = bot.app.settings
    async with bot.uow() as uow:
        for starts, ends in await uow.session.execute(
            select(ChapterEvent.starts_at, ChapterEvent.ends_at)
        ):
            times |= {starts - timedelta(minutes=30), ends + timedelta(minutes=1)}
        for closes in await uow.session.scalars(
            select(Position.closes_at).where(Position.closes_at.is_not(None))
        ):
            times |= {closes - timedelta(hours=23), closes + timedelta(minutes=1)}
        for joined in await uow.session.scalars(select(Member.joined_at)):
            times.add(joined + timedelta(days=settings.onboarding_days, minutes=1))
        for created in await uow.session.scalars(select(Workgroup.created_at)):
            times.add(created + timedelta(days=settings.workgroup_expiry_days, minutes=1))
        for until in await uow.session.scalars(
            select(EventRsvp.offered_until).where(EventRsvp.offered_until.is_not(None))
        ):
            times.add(until + timedelta(minutes=1))
    return sorted(times)


async def test_a_probe_says_nothing_is_due_only_when_its_job_finds_nothing(demo: TestBot) -> None:
    await demo.ok(
        '/poll create "Picnic or pub?" Picnic Pub --closes 2h --audience society', as_="alice"
    )
    async with demo.uow() as uow:
        await seed_demo_events(uow.session, uow.now)
        # A platform's delivery and a card's edit stream, both forgotten after an hour.
        uow.session.add(InboundClaim(key="slack:T0-trigger", claimed_at=uow.now))
        uow.session.add(LiveClaim(subject="poll:0", lease_until=uow.now))
        await uow.commit()
    async with demo.uow() as uow:
        walk = await uow.session.scalar(
            select(ChapterEvent.id).where(ChapterEvent.title == "Harbour walk")
        )
    await demo.ok(f"/event rsvp {walk} no", as_="bob")  # the walk is full: carol is offered
    await demo.ok("/whoami", as_="yan")  # a newcomer: welcomed, and later shown where to start
    await demo.ok('/workgroup propose Podcast --purpose "A monthly episode"', as_="zed")
    probed = sorted(demo.app.registry.due_probes)
    assert {"polls.close", "events.remind", "positions.decide"} <= set(probed)
    worked: set[str] = set()
    for at in await moments(demo):
        demo.clock.set(at)
        for name in probed:
            found = await job_finds_work(demo, name)
            if not await probe_says(demo, name):
                assert not found, f"{name}'s probe hid work due at {at}"
            worked |= {name} if found else set()
    # Not vacuous: over these weeks every probed job has work to find somewhere.
    assert set(probed) <= worked


async def test_a_quiet_minute_opens_no_savepoint_for_a_probed_job(bot: TestBot) -> None:
    statements: list[str] = []

    def seen(_conn: Any, _cursor: Any, statement: str, *_: Any) -> None:
        statements.append(statement)

    await run_due(bot.app, bot.clock.now())  # the day's first tick does the daily work
    bot.clock.set(bot.clock.now() + timedelta(minutes=10))
    engine = bot.app.sessions.kw["bind"].sync_engine
    event.listen(engine, "before_cursor_execute", seen)
    try:
        report = await run_due(bot.app, bot.clock.now())
    finally:
        event.remove(engine, "before_cursor_execute", seen)
    assert report.quiet
    unprobed = set(bot.app.registry.due_jobs) - set(bot.app.registry.due_probes)
    savepoints = [s for s in statements if s.lstrip().upper().startswith("SAVEPOINT")]
    assert len(savepoints) == len(unprobed)
    probes = [s for s in statements if "probe_0" in s]
    assert len(probes) == 1


async def test_the_update_prompt_probe_never_hides_a_prompt_or_a_reminder(demo: TestBot) -> None:
    """Every three hours around June's and July's updates, the prompt job runs for real
    after its probe is checked, so its claims build up as they would: weekly, fortnightly,
    monthly and quarterly groups, a lead on the earliest clock, an away lead, and an
    update posted before its reminder."""
    await demo.ok("/update cadence Mentoring weekly", as_="alice")
    await demo.ok("/update cadence Boston fortnightly", as_="alice")
    await demo.ok("/update cadence society quarterly", as_="alice")
    await demo.ok("/update away --until 2026-07-02", as_="carol")
    await demo.ok("/member edit --timezone Pacific/Kiritimati", as_="grace")  # UTC+14
    start, step = datetime(2026, 6, 26, tzinfo=UTC), timedelta(hours=3)
    job = demo.app.registry.due_jobs["updates.prompt"]
    worked = quiet = 0
    for k in range(int(timedelta(days=24) / step)):
        at = start + step * k
        demo.clock.set(at)
        if at == datetime(2026, 7, 2, 12, tzinfo=UTC):
            await demo.ok('/update post Boston --got "Held the ethics debate"', as_="bob")
        found = await job_finds_work(demo, "updates.prompt")
        if not await probe_says(demo, "updates.prompt"):
            assert not found, f"the update prompt probe hid work due at {at}"
            quiet += 1
        if found:
            worked += 1
            async with demo.uow() as uow:
                await job(DueRun(uow, demo.app.settings))
                await uow.commit()
    # Not vacuous: prompts and reminders went out, and most of the time the job is skipped.
    assert worked >= 4 and quiet > worked


def test_no_cadence_has_more_update_candidates_than_the_probe_asks_about() -> None:
    at = datetime(2026, 1, 1, tzinfo=UTC)
    while at < datetime(2028, 1, 1, tzinfo=UTC):
        for cadence in CADENCES:
            assert len(candidates(cadence, at)) <= SLOTS, (cadence, at)
        at += timedelta(hours=5)


async def test_quiet_minutes_ask_probes_built_once(bot: TestBot) -> None:
    """Each tick executes the statement built on the first; no probe is built again."""
    calls: list[str] = []
    probes = bot.app.registry.due_probes

    def counted(name: str, probe: DueProbe) -> DueProbe:
        def build(tick: Tick, settings: Settings) -> ColumnElement[bool] | bool:
            calls.append(name)
            return probe(tick, settings)

        return build

    for name, probe in list(probes.items()):
        probes[name] = counted(name, probe)
    await run_due(bot.app, bot.clock.now())  # the day's first tick does the daily work
    for minute in range(1, 4):
        report = await run_due(bot.app, bot.clock.now() + timedelta(minutes=10 * minute))
        assert report.quiet
    assert sorted(calls) == sorted(probes)


async def test_the_closing_probe_reads_the_first_open_deadline_not_a_closed_one(
    demo: TestBot,
) -> None:
    """A closed poll's deadline comes first; the probe asks about the open ones
    only, and finds the earliest of them once it passes."""
    await demo.ok('/poll create "Early?" Yes No --closes 1h --audience society', as_="alice")
    await demo.ok('/poll create "Later?" Yes No --closes 3d --audience society', as_="alice")
    start = demo.clock.now()
    demo.clock.set(start + timedelta(hours=2))
    assert await probe_says(demo, "polls.close") and await job_finds_work(demo, "polls.close")
    await run_due(demo.app, demo.clock.now())  # closes the early poll
    for hours in (3, 24, 71):
        demo.clock.set(start + timedelta(hours=hours))
        assert not await probe_says(demo, "polls.close")
        assert not await job_finds_work(demo, "polls.close")
    demo.clock.set(start + timedelta(days=3, minutes=1))
    assert await probe_says(demo, "polls.close") and await job_finds_work(demo, "polls.close")
