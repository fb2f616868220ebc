"""`run_due` after a crash, and its report: posts left pending go out, each job counts its own.

A sender killed mid-send leaves deliveries pending; the next `chapterhouse nudges
run` used to find nothing due, say so, and leave them unsent (it flushed only when
a job did work). And the report listed every event of the shared transaction under
every job: two jobs, one of which announced to two rooms, showed four posts.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from bot.due import DueRun
from bot.notifier import Announcement
from bot.reply import Reply
from bot.scheduler import run_due
from storage.models import Delivery, DeliveryStatus
from storage.uow import UnitOfWork
from tests.support import TestBot


async def _left_pending(bot: TestBot, count: int) -> None:
    """What a killed sender leaves: deliveries committed, never sent."""
    async with UnitOfWork(bot.app.sessions, bot.clock.now()) as uow:
        for n in range(count):
            uow.deliver(
                Delivery(
                    key=f"crashed:{n}",
                    platform="console",
                    channel_id=f"room{n}",
                    reply=Reply.public(f"results {n}").to_json(),
                    created_at=uow.now,
                )
            )
        await uow.commit()


async def test_a_run_with_nothing_due_still_sends_what_an_earlier_run_left(bot: TestBot) -> None:
    bot.app.registry.due_jobs = {}
    await _left_pending(bot, 2)

    report = await run_due(bot.app, bot.clock.now())

    assert sorted(bot.posts) == [("room0", "results 0"), ("room1", "results 1")]
    assert await bot.count(Delivery, Delivery.status == DeliveryStatus.SENT) == 2
    lines = report.lines(bot.app.settings.tz)
    assert "Nothing is due." not in lines
    assert "Sent 2 posts an earlier run left pending." in lines

    again = await run_due(bot.app, bot.clock.now())
    assert again.lines(bot.app.settings.tz)[-1] == "Nothing is due."
    assert len(bot.posts) == 2


async def _to_two_rooms(
    session: AsyncSession, payload: Mapping[str, Any], now: datetime
) -> Announcement:
    return Announcement(
        Reply.public(str(payload["text"])), targets=(("console", "roomA"), ("console", "roomB"))
    )


async def announcing(run: DueRun) -> None:
    if await run.claim("test:announce"):
        run.uow.record("test.said", text="the summit is on")
        run.note("announced the summit")


async def one_post(run: DueRun) -> None:
    if await run.claim("test:one"):
        run.uow.deliver(
            Delivery(
                key="post:one",
                platform="console",
                channel_id="roomC",
                reply=Reply.public("just one").to_json(),
                created_at=run.now,
            )
        )
        run.note("posted one")


async def test_each_job_reports_only_the_posts_it_made(bot: TestBot) -> None:
    bot.app.notifier.announcers = {**bot.app.notifier.announcers, "test.said": _to_two_rooms}
    bot.app.registry.due_jobs = {"test.announce": announcing, "test.one": one_post}

    for preview in (True, False):
        report = await run_due(bot.app, bot.clock.now(), preview=preview)
        by_job = {job.name: sorted(p.channel_id for p in job.posts) for job in report.jobs}
        assert by_job == {"test.announce": ["roomA", "roomB"], "test.one": ["roomC"]}
        verb = "would be" if preview else "were"
        assert report.lines(bot.app.settings.tz)[-1] == f"3 posts {verb} queued."
    assert sorted(bot.posts) == [
        ("roomA", "the summit is on"),
        ("roomB", "the summit is on"),
        ("roomC", "just one"),
    ]
