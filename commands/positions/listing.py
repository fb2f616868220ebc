"""What `/position list` shows: the positions and, for open ones, each chapter's part.

Two queries whatever the page size (checkouts, then stances, for every open
position at once), so a listing never costs a query per position.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from storage.models import Chapter, Position, PositionCheckout, PositionStance, PositionStatus


@dataclass
class Listed:
    positions: list[Position]
    checked_out: dict[int, list[str]] = field(default_factory=dict)
    """Per open position, the chapters that checked it out ("Boston (2027-01-12)")."""
    checked_in: dict[int, list[str]] = field(default_factory=dict)
    """Per open position, the chapters that checked in and their stance ("Boston (agree)")."""


async def listing(session: AsyncSession, statuses: Sequence[PositionStatus], limit: int) -> Listed:
    positions = list(
        await session.scalars(
            select(Position)
            .where(Position.status.in_(statuses))
            .order_by(Position.id.desc())
            .limit(limit)
        )
    )
    listed = Listed(positions)
    open_ids = [p.id for p in positions if p.status == PositionStatus.OPEN]
    if not open_ids:
        return listed
    for position_id, name, meeting_on in await session.execute(
        select(PositionCheckout.position_id, Chapter.name, PositionCheckout.meeting_on)
        .join(Chapter, Chapter.id == PositionCheckout.chapter_id)
        .where(PositionCheckout.position_id.in_(open_ids))
        .order_by(Chapter.name_key)
    ):
        listed.checked_out.setdefault(position_id, []).append(
            f"{name} ({meeting_on.isoformat()})" if meeting_on else name
        )
    for position_id, name, said in await session.execute(
        select(PositionStance.position_id, Chapter.name, PositionStance.stance)
        .join(Chapter, Chapter.id == PositionStance.chapter_id)
        .where(PositionStance.position_id.in_(open_ids))
        .order_by(Chapter.name_key)
    ):
        listed.checked_in.setdefault(position_id, []).append(f"{name} ({said})")
    return listed
