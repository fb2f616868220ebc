"""Coming events for the demo society, so a newcomer can try RSVPs and the waitlist.

Seeded by `chapterhouse` on a fresh demo database, after `commands.demo` (which
the test suites share, so its society stays as their tests expect).
"""

from __future__ import annotations

import secrets
from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from storage.models import (
    Chapter,
    ChapterEvent,
    EventRsvp,
    EventStatus,
    Identity,
    MeetingKind,
    RsvpStatus,
)

# chapter, kind, days ahead, local hour, title, place, capacity, going, waitlisted
EVENTS = (
    (
        "Boston",
        MeetingKind.SOCIAL,
        4,
        18,
        "Harbour walk",
        "Long Wharf",
        2,
        ("grace", "bob"),
        ("carol", "frank"),
    ),
    (
        "Boston",
        MeetingKind.WORKING,
        11,
        18,
        "Ethics of AI",
        "Public Library, room 2",
        30,
        ("grace",),
        (),
    ),
    (
        "Washington DC",
        MeetingKind.WORKING,
        9,
        19,
        "Policy reading group",
        "Capitol café",
        None,
        ("carol",),
        (),
    ),
    (
        "San Francisco",
        MeetingKind.SOCIAL,
        16,
        17,
        "Picnic in the park",
        "Dolores Park",
        40,
        ("erin", "dan"),
        (),
    ),
)


async def seed_demo_events(session: AsyncSession, now: datetime) -> str:
    chapters = {c.name: c for c in await session.scalars(select(Chapter))}
    people = {
        handle: member_id
        for handle, member_id in await session.execute(
            select(Identity.external_id, Identity.member_id).where(Identity.platform == "console")
        )
    }
    for name, kind, days, hour, title, place, capacity, going, waiting in EVENTS:
        chapter = chapters[name]
        zone = ZoneInfo(chapter.timezone)
        day = now.astimezone(zone).date() + timedelta(days=days)
        starts = datetime.combine(day, time(hour), tzinfo=zone).astimezone(UTC)
        event = ChapterEvent(
            uid=f"{secrets.token_hex(16)}@chapterhouse",
            title=title,
            kind=kind,
            status=EventStatus.SCHEDULED,
            chapter_id=chapter.id,
            timezone=zone.key,
            starts_at=starts,
            ends_at=starts + timedelta(hours=2),
            place=place,
            capacity=capacity,
            rsvp_closes_at=starts,
            creator_id=chapter.president_id,
            created_at=now,
            updated_at=now,
        )
        session.add(event)
        await session.flush()
        answers = (*going, *waiting)
        for order, handle in enumerate(answers):
            waitlisted = handle in waiting
            at = now - timedelta(minutes=len(answers) - order)  # in the order listed, before now
            session.add(
                EventRsvp(
                    event_id=event.id,
                    member_id=people[handle],
                    status=RsvpStatus.WAITLIST if waitlisted else RsvpStatus.GOING,
                    answered_at=at,
                    queued_at=at if waitlisted else None,
                )
            )
    await session.flush()
    return (
        f"{len(EVENTS)} coming events (Boston's harbour walk is full, with a waitlist: "
        "try /event list and /event rsvp)."
    )
