"""What a chapter has planned: counted beside its cadence, listed in its digest."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.reply import Section, stamp
from commands.events.rsvp import counts
from storage.models import Chapter, ChapterEvent, EventStatus, MeetingKind

SHOWN = 3
RECAPS_FOR = timedelta(days=8)
"""A recap shows in the digest that follows the event (digests are weekly)."""


def year_end(chapter: Chapter, now: datetime) -> datetime:
    """When the chapter's year ends (midnight of its New Year, in its zone), in UTC."""
    zone = ZoneInfo(chapter.timezone)
    return datetime.combine(
        date(now.astimezone(zone).year + 1, 1, 1), time(0), tzinfo=zone
    ).astimezone(UTC)


async def planned_this_year(
    session: AsyncSession, chapter: Chapter, now: datetime
) -> dict[MeetingKind, int]:
    """The chapter's events still to come this year (its year), by kind."""
    rows = await session.execute(
        select(ChapterEvent.kind, func.count())
        .where(
            ChapterEvent.chapter_id == chapter.id,
            ChapterEvent.status == EventStatus.SCHEDULED,
            ChapterEvent.starts_at > now,
            ChapterEvent.starts_at < year_end(chapter, now),
        )
        .group_by(ChapterEvent.kind)
    )
    found = {kind: n for kind, n in rows}
    return {kind: found.get(kind, 0) for kind in MeetingKind}


async def next_events_section(session: AsyncSession, chapter: Chapter, now: datetime) -> Section:
    """The chapter's (and the society's) next events with their counts, for the digest."""
    events = list(
        await session.scalars(
            select(ChapterEvent)
            .where(
                ChapterEvent.status == EventStatus.SCHEDULED,
                ChapterEvent.starts_at > now,
                or_(
                    ChapterEvent.chapter_id == chapter.id,
                    ChapterEvent.chapter_id.is_(None) & ChapterEvent.workgroup_id.is_(None),
                ),
            )
            .order_by(ChapterEvent.starts_at, ChapterEvent.id)
            .limit(SHOWN)
        )
    )
    title = "*Next events*"
    recap = await session.scalar(
        select(ChapterEvent)
        .where(
            ChapterEvent.chapter_id == chapter.id,
            ChapterEvent.recap.is_not(None),
            ChapterEvent.starts_at > now - RECAPS_FOR,
            ChapterEvent.starts_at <= now,
        )
        .order_by(ChapterEvent.starts_at.desc())
        .limit(1)
    )
    last = ""
    if recap is not None and recap.recap:
        last = f"\n*Recap of {recap.title}:* " + " · ".join(recap.recap.splitlines())
    if not events:
        return Section(f"{title}\nNone planned. A president plans one with /event create.{last}")
    lines = []
    for event in events:
        tally = await counts(session, event.id)
        lines.append(
            f"• *{event.id}* {event.title}, {stamp(event.starts_at, event.timezone)} · "
            f"{tally.line(event.capacity)}"
        )
    return Section(title + "\n" + "\n".join(lines) + "\nAnswer with /event rsvp ID going.")
