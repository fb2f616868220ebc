"""Crediting an ended event as the chapter's meeting, so the cadence counts it once.

The meeting is the same row `/chapter meeting` writes (kind, day, topic,
attendance), linked from the event, so cadence, goals, digests and `/stats` count
it with no second entry. A meeting of the same kind already logged by hand that
day is linked rather than doubled.
"""

from __future__ import annotations

from zoneinfo import ZoneInfo

from sqlalchemy import select

from storage.models import ChapterEvent, Meeting
from storage.uow import UnitOfWork


async def credit_meeting(
    uow: UnitOfWork, event: ChapterEvent, attendance: int, by: int | None
) -> str:
    """Log (or link) the meeting an event became; a line saying what was done."""
    if event.chapter_id is None:
        event.closed_at = event.closed_at or uow.now
        return f"Event {event.id} is not a chapter's, so it counts in no cadence."
    day = event.starts_at.astimezone(ZoneInfo(event.timezone)).date()
    existing = await uow.session.scalar(
        select(Meeting).where(
            Meeting.chapter_id == event.chapter_id,
            Meeting.kind == event.kind,
            Meeting.held_on == day,
        )
    )
    if existing is not None:
        if existing.attendance is None:
            existing.attendance = attendance
        event.meeting_id = existing.id
        return (
            f"Event {event.id} is linked to the {event.kind.value} meeting already logged "
            f"on {day.isoformat()}."
        )
    meeting = Meeting(
        chapter_id=event.chapter_id,
        kind=event.kind,
        held_on=day,
        topic=event.title,
        attendance=attendance,
        logged_by=by,
        logged_at=uow.now,
    )
    uow.session.add(meeting)
    await uow.session.flush()
    event.meeting_id = meeting.id
    return (
        f"Logged event {event.id} as a {event.kind.value} meeting on {day.isoformat()} "
        f"({attendance} attended); it counts toward the chapter's cadence."
    )
