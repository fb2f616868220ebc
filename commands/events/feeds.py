"""Calendar feeds behind secret links: a member's chapter, and the events they go to.

A link's token is an HMAC of the member, a generation and the feed's kind under
the society's secret (the ballot key, domain-separated), so it can be shown again
without being stored, and nobody can make one up. Only a hash is stored, to find
the member from a link; `--reset` moves to a new generation and the old links
stop answering. The feeds are built by `ical`; `chapterhouse serve` serves them.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
from collections.abc import Hashable
from datetime import datetime, timedelta

from cachetools import LRUCache
from sqlalchemy import func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.config import Settings
from commands.events.ical import calendar
from commands.events.lookup import event_host
from storage.models import (
    CalendarFeed,
    Chapter,
    ChapterEvent,
    EventRsvp,
    Member,
    RsvpStatus,
)

_FEEDS: LRUCache[Hashable, bytes] = LRUCache(maxsize=512)
HISTORY = timedelta(days=180)
"""How far back a feed reaches: recent events stay in a calendar, old ones drop out."""
CHAPTER, PERSONAL = "chapter", "personal"


def token(settings: Settings, member_id: int, generation: int, kind: str) -> str:
    assert settings.ballot_secret is not None  # set at start-up (bot.ballot_key)
    key = settings.ballot_secret.get_secret_value().encode()
    message = f"calendar-feed:{kind}:{member_id}:{generation}".encode()
    digest = hmac.new(key, message, hashlib.sha256).digest()
    return base64.b32encode(digest[:20]).decode().lower()


def hashed(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()


async def links(
    session: AsyncSession, settings: Settings, member: Member, now: datetime, reset: bool
) -> tuple[str, str, bool]:
    """(chapter token, personal token, whether they are new) for `member`."""
    feed = await session.get(CalendarFeed, member.id)
    fresh = feed is None or reset
    if feed is None:
        feed = CalendarFeed(member_id=member.id, generation=1, created_at=now)
        session.add(feed)
    elif reset:
        feed.generation += 1
        feed.created_at = now
    chapter = token(settings, member.id, feed.generation, CHAPTER)
    personal = token(settings, member.id, feed.generation, PERSONAL)
    feed.chapter_hash, feed.personal_hash = hashed(chapter), hashed(personal)
    return chapter, personal, fresh


def base_url(settings: Settings) -> str:
    return (settings.public_url or f"http://{settings.http_host}:{settings.http_port}").rstrip("/")


async def feed(session: AsyncSession, text: str, now: datetime) -> bytes | None:
    """The calendar a link's token opens, or None for a token that opens nothing."""
    key = hashed(text)
    # One round trip for the link, its member and their chapter.
    row = (
        await session.execute(
            select(
                CalendarFeed.personal_hash,
                Member.id,
                Member.name,
                Member.chapter_id,
                Chapter.name,
            )
            .join(Member, Member.id == CalendarFeed.member_id)
            .outerjoin(Chapter, Chapter.id == Member.chapter_id)
            .where(or_(CalendarFeed.chapter_hash == key, CalendarFeed.personal_hash == key))
        )
    ).first()
    if row is None:
        return None
    personal_hash, member_id, member_name, chapter_id, chapter_name = row
    since = now - HISTORY
    query = select(ChapterEvent).where(ChapterEvent.ends_at >= since)
    fold = personal_hash != key
    if not fold:
        query = query.join(EventRsvp, EventRsvp.event_id == ChapterEvent.id).where(
            EventRsvp.member_id == member_id, EventRsvp.status == RsvpStatus.GOING
        )
        name = f"{member_name}: my events"
    else:
        query = query.where(
            or_(
                ChapterEvent.chapter_id == chapter_id,
                (ChapterEvent.chapter_id.is_(None)) & (ChapterEvent.workgroup_id.is_(None)),
            )
        )
        name = f"{chapter_name} events" if chapter_name else "Society events"
    query = query.order_by(ChapterEvent.starts_at, ChapterEvent.id)
    # Calendars poll: while nothing in the feed changed, answer from the cache without
    # loading the events. Every change to an event bumps its sequence and updated_at;
    # an event coming or going changes the count and the sum of ids.
    summary = query.order_by(None).with_only_columns(
        func.count(),
        func.max(ChapterEvent.updated_at),
        func.sum(ChapterEvent.sequence),
        func.sum(ChapterEvent.id),
    )
    # A chapter's feed is the same for every member of it: one cached body serves all.
    whose = ("chapter", chapter_id) if fold else ("member", member_id)
    fingerprint = (whose, name, fold, tuple((await session.execute(summary)).one()))
    cached = _FEEDS.get(fingerprint)
    if cached is not None:
        return cached
    events = list(await session.scalars(query))
    hosts: dict[tuple[int | None, int | None], str] = {}
    pairs = []
    for event in events:
        where = (event.chapter_id, event.workgroup_id)
        if where not in hosts:
            hosts[where] = (await event_host(session, event)).name
        pairs.append((event, hosts[where]))
    body = _FEEDS[fingerprint] = calendar(pairs, name, fold=fold)
    return body
