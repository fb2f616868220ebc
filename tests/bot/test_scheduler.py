"""`run_due` and the Scheduler: claims, previews, failures, races, leader election, CLI."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager, suppress
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import event, text

from bot.due import DueJob, DueRun
from bot.reply import Reply
from bot.scheduler import Scheduler, run_due
from bot.scheduler.leader import FileLeadership, PostgresLeadership, leadership_for
from storage.models import Delivery, DeliveryStatus, DueClaim
from tests.support import (
    POSTGRES_URL,
    Cli,
    TemplateDatabases,
    TestBot,
    count_rows,
    demo_database,
    start_bot,
)

ROOMS = 7


def posting(items: int, per_run: int | None = None, prefix: str = "item") -> DueJob:
    """A due job over `items` pieces of work: claim each, post it to a room, note it."""

    async def job(run: DueRun) -> None:
        keys = [f"test:{prefix}:{n}" for n in range(items)]
        taken = await run.claimed(keys)
        for key in [k for k in keys if k not in taken][:per_run]:
            if not await run.claim(key):
                continue
            n = int(key.rsplit(":", 1)[1])
            run.uow.deliver(
                Delivery(
                    key=f"post:{key}",
                    platform="console",
                    channel_id=f"room{n % ROOMS}",
                    reply=Reply.public(f"{prefix} {n}").to_json(),
                    created_at=run.now,
                )
            )
            run.note(f"post {prefix} {n} → room{n % ROOMS}: it is due")

    return job


async def failing(run: DueRun) -> None:
    await run.claim("test:doomed")
    raise RuntimeError("the job has a bug")


@asynccontextmanager
async def another_process(url: str) -> AsyncIterator[TestBot]:
    """A second app on the same database, with an engine (a pool) of its own."""
    running = start_bot(url)
    bot = await anext(running)
    try:
        yield bot
    finally:
        with suppress(StopAsyncIteration):  # runs start_bot's clean-up
            await anext(running)


async def test_run_due_commits_claims_and_sends_what_the_jobs_queued(bot: TestBot) -> None:
    bot.app.registry.due_jobs = {"test.post": posting(3)}
    report = await run_due(bot.app, bot.clock.now())
    assert [job.name for job in report.jobs] == ["test.post"]
    assert report.jobs[0].notes == [f"post item {n} → room{n}: it is due" for n in range(3)]
    assert [(p.channel_id, p.text) for p in report.posts] == [
        (f"room{n}", f"item {n}") for n in range(3)
    ]
    assert sorted(bot.posts) == [(f"room{n}", f"item {n}") for n in range(3)]
    assert await bot.count(DueClaim) == 3
    assert await bot.count(Delivery, Delivery.status == DeliveryStatus.SENT) == 3

    again = await run_due(bot.app, bot.clock.now() + timedelta(minutes=1))
    assert again.quiet and again.lines(bot.app.settings.tz)[-1] == "Nothing is due."
    assert len(bot.posts) == 3


async def test_a_preview_sends_nothing_and_writes_nothing(demo: TestBot) -> None:
    """The real jobs and a test job, a week on: a poll closes, digests fall due, …"""
    jobs = dict(demo.app.registry.due_jobs)
    demo.app.registry.due_jobs = {**jobs, "test.post": posting(2)}
    later = demo.clock.now() + timedelta(days=7)
    before = await demo.snapshot()
    report = await run_due(demo.app, later, preview=True)
    assert await demo.snapshot() == before
    assert demo.posts == []
    assert not report.failed
    assert {(p.channel_id, p.text) for p in report.posts} >= {
        ("room0", "item 0"),
        ("room1", "item 1"),
    }
    lines = report.lines(demo.app.settings.tz)
    assert lines[0].endswith("(preview: nothing is sent or written)")
    assert "  → room0 on console: item 0" in lines
    assert lines[-1].startswith(f"{len(report.posts)} posts would be queued")

    real = await run_due(demo.app, later)
    assert [(j.name, j.notes) for j in real.jobs] == [(j.name, j.notes) for j in report.jobs]
    assert sorted((p.channel_id, p.text) for p in real.posts) == sorted(
        (p.channel_id, p.text) for p in report.posts
    )


async def test_a_failing_job_is_rolled_back_and_the_others_still_run(bot: TestBot) -> None:
    bot.app.registry.due_jobs = {
        "test.first": posting(1, prefix="first"),
        "test.broken": failing,
        "test.last": posting(1, prefix="last"),
    }
    report = await run_due(bot.app, bot.clock.now())
    assert [job.name for job in report.failed] == ["test.broken"]
    assert report.failed[0].error == "RuntimeError: the job has a bug"
    assert sorted(bot.posts) == [("room0", "first 0"), ("room0", "last 0")]
    assert await bot.count(DueClaim, DueClaim.key == "test:doomed") == 0
    assert await bot.count(DueClaim) == 2
    assert "  failed, rolled back, retried on the next tick: RuntimeError: the job has a bug" in (
        report.lines(bot.app.settings.tz)
    )


async def test_two_run_due_loops_racing_post_everything_exactly_once(
    database_url: str,
) -> None:
    """Two processes ticking by mistake, each with its own pool, over 300 items.

    Each run takes at most 10 items, so the two interleave claim by claim; a run that
    collides with the other's uncommitted claim is rolled back and tries again.
    """
    items = 300
    async with another_process(database_url) as first, first.another_instance() as second:
        for bot in (first, second):
            bot.app.registry.due_jobs = {"test.post": posting(items, per_run=10)}

        async def loop(bot: TestBot) -> int:
            """How many items this process claimed (its notes), racing the other."""
            claimed = 0
            for _ in range(200):
                report = await run_due(bot.app, bot.clock.now())
                claimed += sum(len(job.notes) for job in report.jobs if job.error is None)
                if report.quiet:
                    return claimed
            raise AssertionError("the due work never ran out")

        claims = await asyncio.gather(loop(first), loop(second))
        for bot in (first, second):
            await bot.app.notifier.send_all()
        posted = sorted(first.sent)
        assert posted == sorted((f"room{n % ROOMS}", f"item {n}") for n in range(items))
        # Each item claimed by exactly one of them, however the race went: on a loaded
        # machine one loop may win every claim. (Which notifier sends a post is not
        # theirs to choose either: the ledger is shared.)
        assert sum(claims) == items, claims
        assert await first.count(DueClaim) == items
        assert await first.count(Delivery, Delivery.status == DeliveryStatus.SENT) == items


# -- Leader election ---------------------------------------------------------------


async def test_on_sqlite_a_second_scheduler_stands_by_then_takes_over(
    templates: TemplateDatabases,
) -> None:
    url = await templates.sqlite_url("election")
    async with another_process(url) as first, another_process(url) as second:
        first.app.registry.due_jobs = second.app.registry.due_jobs = {"test.post": posting(1)}
        leader, standby = Scheduler(first.app), Scheduler(second.app)
        lock = Path(url.removeprefix("sqlite+aiosqlite:///") + ".scheduler.lock")
        assert isinstance(leader.leadership, FileLeadership) and leader.leadership.path == lock
        assert await leader.elect() and not await standby.elect()
        assert await standby.tick() is None  # a standby does no work
        assert standby.status().as_json()["role"] == "standby"
        assert await leader.tick() is not None and first.posts == [("room0", "item 0")]
        await leader.stop()
        assert await standby.elect()
        assert standby.status().leading and standby.status().lock == f"file lock {lock}"
        report = await standby.tick()
        assert report is not None and report.quiet  # the work was done once, by the first
        await standby.stop()


@pytest.mark.skipif(not POSTGRES_URL, reason="needs TEST_DATABASE_URL")
async def test_on_postgresql_a_standby_takes_over_when_the_leaders_connection_dies(
    templates: TemplateDatabases,
) -> None:
    url = await templates.postgres_url()
    async with another_process(url) as first, another_process(url) as second:
        leader, standby = Scheduler(first.app), Scheduler(second.app)
        assert isinstance(leader.leadership, PostgresLeadership)
        assert await leader.elect() and not await standby.elect()
        assert await leader.elect()  # still ours on the next election
        pid = leader.leadership.backend_pid
        assert pid is not None
        async with second.app.engine.connect() as admin:  # the leader's host vanishes
            await admin.execute(text("SELECT pg_terminate_backend(:pid)"), {"pid": pid})
            await admin.commit()
        for _ in range(100):  # the server frees the lock as the backend exits
            if await standby.elect():
                break
            await asyncio.sleep(0.05)
        assert standby.leading
        assert not await leader.elect()  # its connection is gone; it now stands by
        assert leader.status().as_json()["role"] == "standby"
        await standby.stop()  # steps down cleanly: the lock is free at once
        assert await leader.elect()
        await leader.stop()


@pytest.mark.skipif(not POSTGRES_URL, reason="needs TEST_DATABASE_URL")
async def test_on_postgresql_a_tick_trusts_the_lock_until_its_connection_closes(
    templates: TemplateDatabases,
) -> None:
    """A tick does not ask the lock's connection (the election every 30 s does); a
    leader whose connection the server ended stands by at its next tick."""
    url = await templates.postgres_url()
    async with another_process(url) as first, another_process(url) as second:
        first.app.registry.due_jobs = second.app.registry.due_jobs = {"test.post": posting(1)}
        leader, standby = Scheduler(first.app), Scheduler(second.app)
        assert isinstance(leader.leadership, PostgresLeadership)
        assert await leader.elect() and not await standby.elect()
        asked: list[str] = []

        def seen(_conn: Any, _cursor: Any, statement: str, *_: Any) -> None:
            asked.append(" ".join(statement.split()))

        engine = first.app.engine.sync_engine
        event.listen(engine, "before_cursor_execute", seen)
        try:
            assert await leader.tick() is not None and first.posts == [("room0", "item 0")]
        finally:
            event.remove(engine, "before_cursor_execute", seen)
        assert "SELECT 1" not in asked
        pid = leader.leadership.backend_pid
        async with second.app.engine.connect() as admin:
            await admin.execute(text("SELECT pg_terminate_backend(:pid)"), {"pid": pid})
            await admin.commit()
        for _ in range(100):
            if await standby.elect():
                break
            await asyncio.sleep(0.05)
        assert standby.leading
        for _ in range(100):  # the leader's side of the connection closes too
            if leader.leadership.closed:
                break
            await asyncio.sleep(0.05)
        assert await leader.tick() is None  # it stands by: no work done twice
        assert leader.status().as_json()["role"] == "standby"
        await standby.stop()


async def test_the_scheduler_starts_ticking_and_stops_cleanly(bot: TestBot) -> None:
    scheduler = Scheduler(bot.app, tick_seconds=3600)
    await scheduler.start()
    try:
        status = scheduler.status()
        assert status.running and status.leading and status.last_tick is None
    finally:
        await scheduler.stop()
    assert not scheduler.status().running and not scheduler.status().leading
    successor = leadership_for(bot.app.engine)
    assert await successor.hold()  # released for the next process
    await successor.release()


# -- Command line --------------------------------------------------------------------


async def test_nudges_preview_and_run_at_a_given_time(
    templates: TemplateDatabases, tmp_path: Path
) -> None:
    database = await demo_database(templates, "nudges_cli")
    cli = Cli(tmp_path, f"sqlite+aiosqlite:///{database}")
    claims, deliveries = count_rows(database, "due_claims"), count_rows(database, "deliveries")

    bad = cli.run("nudges", "preview", "--at", "soonish")
    assert bad.returncode == 2
    assert bad.stderr.strip().splitlines() == [
        "--at expects a duration like 48h or 3d, or a date/time like 2026-03-14 or "
        "2026-03-14T18:00, got 'soonish'."
    ]

    when = "2026-06-22T12:00"  # a week after the demo was seeded: its poll has closed
    preview = cli.run("nudges", "preview", "--at", when)
    assert preview.returncode == 0, preview.stderr
    assert preview.stdout.startswith("Due work as of Mon 2026-06-22 12:00 UTC (preview")
    assert "close poll 1" in preview.stdout
    assert count_rows(database, "due_claims") == claims
    assert count_rows(database, "deliveries") == deliveries

    run = cli.run("nudges", "run", "--at", when)
    assert run.returncode == 0, run.stderr
    assert "close poll 1" in run.stdout and "(preview" not in run.stdout
    assert count_rows(database, "due_claims") > claims
    closed = _scalar(database, "SELECT closed_at IS NOT NULL FROM polls WHERE id = 1")
    assert closed == 1

    again = cli.run("nudges", "run", "--at", when)
    assert again.returncode == 0 and "close poll 1" not in again.stdout


def _scalar(database: Path, query: str) -> object:
    import sqlite3

    with sqlite3.connect(database) as connection:
        return connection.execute(query).fetchone()[0]
