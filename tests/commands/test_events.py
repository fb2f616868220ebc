"""Chapter events on the demo society, driven through the console.

The demo starts on Monday 15 June 2026, 16:00 UTC (12:00 in Boston, New York time).
bob presides Boston (channel `boston`), grace is a Boston member and leads the
Mentoring workgroup, carol presides Washington DC, alice is HQ, frank is in London.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

from sqlalchemy import select

from bot.scheduler import run_due
from storage.models import ChapterEvent, Delivery, EventRsvp, Meeting, RsvpStatus
from tests.support import START, TestBot

PICNIC = '/event create Boston social 2026-07-02T18:30 "Summer picnic" --place "Boston Common"'


async def new_event(demo: TestBot, command: str = PICNIC, *, as_: str = "bob") -> int:
    reply = await demo.send(command, as_=as_, channel="boston")
    assert reply.ok, reply.text
    match = re.search(r"Event (\d+) is planned", reply.text)
    assert match, reply.text
    return int(match.group(1))


async def event_row(demo: TestBot, event_id: int) -> ChapterEvent:
    async with demo.uow() as uow:
        event = await uow.session.get(ChapterEvent, event_id)
        assert event is not None
        return event


async def statuses(demo: TestBot, event_id: int) -> dict[str, str]:
    """Each answer by the member's console handle."""
    from storage.models import Identity

    async with demo.uow() as uow:
        rows = await uow.session.execute(
            select(Identity.external_id, EventRsvp.status)
            .join(Identity, Identity.member_id == EventRsvp.member_id)
            .where(EventRsvp.event_id == event_id)
        )
        return {handle: status.value for handle, status in rows}


def dms(demo: TestBot, who: str) -> list[str]:
    return [text for where, text in demo.posts if where == f"@{who}"]


async def tick(demo: TestBot, at: datetime) -> list[str]:
    demo.clock.set(at)
    report = await run_due(demo.app, at)
    assert not report.failed, [(job.name, job.error) for job in report.failed]
    await demo.app.notifier.flush()
    return [note for job in report.jobs for note in job.notes]


async def test_a_president_plans_an_event_announced_to_the_chapter_channel(demo: TestBot) -> None:
    event_id = await new_event(demo)
    event = await event_row(demo, event_id)
    # 18:30 in Boston in July is 22:30 UTC.
    assert event.starts_at == datetime(2026, 7, 2, 22, 30, tzinfo=UTC)
    assert event.ends_at - event.starts_at == timedelta(hours=2)
    assert event.rsvp_closes_at == event.starts_at
    [(channel, card)] = demo.posts
    assert channel == "boston"
    assert f"Event {event_id}: Summer picnic" in card
    assert "Thu 02 Jul 2026 18:30 EDT" in card and "Boston Common" in card
    assert f"[Going: /event rsvp {event_id} going]" in card
    assert f"[Can't go: /event rsvp {event_id} no]" in card
