"""Everything `/chapter info` shows of a chapter, in one statement.

The card drew on six queries: the chapter, its channels, its last meetings, its
charter, whether it keeps charter metrics, and its president's accounts (for the
mention). Here the charter is outer-joined and the rest come as correlated
subqueries, the lists as JSON (see storage.jsonrows): one statement for a member's
view of the card. Metrics' figures and the newcomers a president sees are read
apart, only where there are some to show.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy import String, bindparam, cast, exists, literal, select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.mentions import Person
from commands.lookup import find_chapter, name_key
from storage.jsonrows import json_rows
from storage.models import (
    ChannelBinding,
    Chapter,
    ChapterCharter,
    CharterMetric,
    Identity,
    Meeting,
    MeetingKind,
    Member,
)

RECENT = 5
"""Meetings the card lists, latest first."""


@dataclass(frozen=True)
class Recent:
    id: int
    held_on: date
    kind: MeetingKind
    topic: str
    attendance: int | None


@dataclass(frozen=True)
class Card:
    chapter: Chapter
    charter: ChapterCharter | None
    has_metrics: bool
    channels: list[tuple[str, str]]
    """(channel name, platform), in the order they were bound."""
    recent: list[Recent]
    president: Person | None


async def chapter_card(session: AsyncSession, name: str) -> Card:
    """The chapter a typed name means, with its card; a name that is not a chapter's
    exact name is looked up as `find_chapter` does (prefixes, hints) first."""
    row = (await session.execute(_STATEMENT, {"key": name_key(name)})).first()
    if row is None:
        found = await find_chapter(session, name)  # a prefix, or a refusal with a hint
        row = (await session.execute(_STATEMENT, {"key": found.name_key})).first()
        assert row is not None
    chapter, charter, has_metrics, channels, recent, president, accounts = row
    meetings = sorted(
        (
            Recent(id_, date.fromisoformat(day), MeetingKind(kind), topic, attendance)
            for id_, day, kind, topic, attendance in recent or []
        ),
        key=lambda m: (m.held_on, m.id),
        reverse=True,
    )
    return Card(
        chapter,
        charter,
        bool(has_metrics),
        [(name, platform) for _, name, platform in sorted(channels or [])],
        meetings,
        Person(president, dict(accounts or [])) if president is not None else None,
    )


def _statement() -> Any:
    channels = (
        select(json_rows(ChannelBinding.id, ChannelBinding.channel_name, ChannelBinding.platform))
        .where(ChannelBinding.chapter_id == Chapter.id)
        .scalar_subquery()
    )
    latest = (
        select(Meeting.id, Meeting.held_on, Meeting.kind, Meeting.topic, Meeting.attendance)
        .where(Meeting.chapter_id == Chapter.id)
        .order_by(Meeting.held_on.desc(), Meeting.id.desc())
        .limit(RECENT)
        .correlate(Chapter)
        .subquery()
    )
    recent = select(
        json_rows(latest.c.id, latest.c.held_on, latest.c.kind, latest.c.topic, latest.c.attendance)
    ).scalar_subquery()
    metrics = exists().where(
        CharterMetric.group_key == literal("chapter:") + cast(Chapter.id, String)
    )
    president = select(Member.name).where(Member.id == Chapter.president_id).scalar_subquery()
    accounts = (
        select(json_rows(Identity.platform, Identity.external_id))
        .where(Identity.member_id == Chapter.president_id)
        .scalar_subquery()
    )
    return (
        select(Chapter, ChapterCharter, metrics, channels, recent, president, accounts)
        .outerjoin(ChapterCharter, ChapterCharter.chapter_id == Chapter.id)
        .where(Chapter.name_key == bindparam("key"))
    )


_STATEMENT = _statement()
"""Built once: composing it costs more than running it."""
