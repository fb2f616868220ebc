"""A chapter and its year's figures in one statement, for `/chapter status`.

The chapter's time zone decides where its year starts (its meetings are counted
from January 1 to its today) and ends (its events are planned until its New Year),
and the zone is not known before the chapter is read. So the one statement brings
the chapter with the meetings and scheduled events of every zone's year (a day
either side of UTC's) as JSON lists, and the zone picks among them here: one
round trip instead of three, and the same counts.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any

from sqlalchemy import bindparam, select
from sqlalchemy.ext.asyncio import AsyncSession

from commands.events.planned import year_end
from commands.lookup import find_chapter, name_key
from storage.jsonrows import json_rows
from storage.models import Chapter, ChapterEvent, EventStatus, Meeting, MeetingKind

MARGIN = timedelta(days=1)
"""More than any zone's distance from UTC (at most 14 hours)."""


@dataclass(frozen=True)
class StatusFigures:
    chapter: Chapter
    now: datetime
    meetings: list[tuple[MeetingKind, date]]
    """Meetings from the earliest January 1 any zone could be in, to the latest today."""
    events: list[tuple[MeetingKind, datetime]]
    """Scheduled events after `now`, until the latest New Year any zone could have."""

    def held(self, today: date) -> dict[MeetingKind, int]:
        """Meetings held from January 1 of `today`'s year to `today`, by kind."""
        start = date(today.year, 1, 1)
        return Counter(kind for kind, day in self.meetings if start <= day <= today)

    def planned(self) -> dict[MeetingKind, int]:
        """Events still to come in the chapter's year, by kind (every kind, zeros too)."""
        end = year_end(self.chapter, self.now)
        found = Counter(kind for kind, starts in self.events if starts < end)
        return {kind: found.get(kind, 0) for kind in MeetingKind}


async def status_figures(session: AsyncSession, name: str, now: datetime) -> StatusFigures:
    """The chapter a typed name means, with its figures; a name that is not a chapter's
    exact name is looked up as `find_chapter` does (prefixes, hints) first."""
    window = _window(now)
    row = (await session.execute(_STATEMENT, {"key": name_key(name), **window})).first()
    if row is None:
        found = await find_chapter(session, name)  # a prefix, or a refusal with a hint
        row = (await session.execute(_STATEMENT, {"key": found.name_key, **window})).first()
        assert row is not None
    chapter, meetings, events = row
    return StatusFigures(
        chapter,
        now,
        [(MeetingKind(kind), date.fromisoformat(day)) for kind, day in meetings or []],
        [(MeetingKind(kind), _utc(starts)) for kind, starts in events or []],
    )


def _window(now: datetime) -> dict[str, Any]:
    """The statement's dates for `now`: every zone's year, a day either side of UTC's."""
    today = now.astimezone(UTC).date()
    return {
        "now": now,
        "first": date((today - MARGIN).year, 1, 1),
        "last_day": today + MARGIN,
        "last_new_year": datetime(((today + MARGIN).year + 1), 1, 1, tzinfo=UTC) + MARGIN,
    }


def _statement() -> Any:
    """Built once, its dates as parameters (`_window`): building it costs more than
    running it."""
    meetings = (
        select(json_rows(Meeting.kind, Meeting.held_on))
        .where(
            Meeting.chapter_id == Chapter.id,
            Meeting.held_on >= bindparam("first", type_=Meeting.held_on.type),
            Meeting.held_on <= bindparam("last_day", type_=Meeting.held_on.type),
        )
        .scalar_subquery()
    )
    events = (
        select(json_rows(ChapterEvent.kind, ChapterEvent.starts_at))
        .where(
            ChapterEvent.chapter_id == Chapter.id,
            ChapterEvent.status == EventStatus.SCHEDULED,
            ChapterEvent.starts_at > bindparam("now", type_=ChapterEvent.starts_at.type),
            ChapterEvent.starts_at < bindparam("last_new_year", type_=ChapterEvent.starts_at.type),
        )
        .scalar_subquery()
    )
    return select(Chapter, meetings, events).where(Chapter.name_key == bindparam("key"))


_STATEMENT = _statement()


def _utc(stamp: str) -> datetime:
    """A timestamp as JSON wrote it: SQLite's stored text (UTC, no offset) or
    PostgreSQL's ISO form with its offset."""
    parsed = datetime.fromisoformat(stamp)
    return parsed.replace(tzinfo=UTC) if parsed.tzinfo is None else parsed.astimezone(UTC)
