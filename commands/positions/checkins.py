"""Check-outs and check-ins: what a chapter took to its meeting, and what it said.

Every check-in is kept (`PositionCheckin`); the chapter's current stance
(`PositionStance`, one row per position and chapter) points at its latest. The
stance is written with an upsert, so two check-ins racing for one chapter leave
one stance, whichever committed last, and two history rows.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from commands.positions.rule import Stance
from storage.models import Chapter, PositionCheckin, PositionCheckout, PositionStance
from storage.uow import UnitOfWork
from storage.upsert import Upsert


@dataclass(frozen=True)
class Counts:
    """The chapter meeting's own vote, as its president reports it (each optional)."""

    for_: int | None = None
    against: int | None = None
    abstain: int | None = None


_UPSERT = Upsert(PositionStance, ("position_id", "chapter_id"), ("checkin_id", "stance"))


async def stance_of(session: AsyncSession, position_id: int, chapter_id: int) -> Stance | None:
    """The chapter's current stance, read as a value (the row is rewritten by upsert)."""
    stance = await session.scalar(
        select(PositionStance.stance).where(
            PositionStance.position_id == position_id, PositionStance.chapter_id == chapter_id
        )
    )
    return Stance(stance) if stance is not None else None


async def checkout_of(
    session: AsyncSession, position_id: int, chapter_id: int
) -> PositionCheckout | None:
    return await session.get(PositionCheckout, (position_id, chapter_id))


async def check_out(
    uow: UnitOfWork, position_id: int, chapter: Chapter, meeting_on: date | None, by_id: int
) -> tuple[bool, date | None]:
    """Check the position out for the chapter, or move its meeting.

    Returns whether the check-out is new, and the meeting date it had before.
    """
    existing = await checkout_of(uow.session, position_id, chapter.id)
    if existing is None:
        row = PositionCheckout(
            position_id=position_id,
            chapter_id=chapter.id,
            meeting_on=meeting_on,
            by_id=by_id,
            at=uow.now,
        )
        uow.session.add(row)
        return True, None
    before = existing.meeting_on
    existing.meeting_on, existing.by_id, existing.at = meeting_on, by_id, uow.now
    return False, before


async def check_in(
    uow: UnitOfWork,
    position_id: int,
    chapter: Chapter,
    stance: Stance,
    counts: Counts,
    summary: str | None,
    by_id: int,
) -> PositionCheckin:
    """Keep the check-in, and make it the chapter's current stance."""
    checkin = PositionCheckin(
        position_id=position_id,
        chapter_id=chapter.id,
        stance=stance.value,
        votes_for=counts.for_,
        votes_against=counts.against,
        votes_abstain=counts.abstain,
        summary=summary,
        by_id=by_id,
        at=uow.now,
    )
    uow.session.add(checkin)
    await uow.session.flush()
    row = {
        "position_id": position_id,
        "chapter_id": chapter.id,
        "checkin_id": checkin.id,
        "stance": stance.value,
    }
    await _UPSERT.execute(uow.session, [row])
    return checkin
