"""Finding a position by the number people type, and the chapters it concerns."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.context import Context
from bot.errors import NotFound
from storage.models import Position, PositionStatus

LIVE = (PositionStatus.DRAFT, PositionStatus.OPEN)
"""Positions still in play: a draft waiting to be opened, or open to the chapters."""
HINTED = 5


async def find_position(session: AsyncSession, position_id: int, *, lock: bool = False) -> Position:
    """The position numbered `position_id`; with `lock`, its row is held until commit.

    A lock serialises whatever may decide a position (check-ins, the deadline), so
    each decision reads the stances the one before it left.
    """
    position = await session.get(
        Position,
        position_id,
        with_for_update=True if lock else None,
        populate_existing=lock,
    )
    if position is not None:
        return position
    live = list(
        await session.scalars(
            select(Position.id)
            .where(Position.status.in_(LIVE))
            .order_by(Position.id.desc())
            .limit(HINTED)
        )
    )
    hint = f" Open and draft positions: {', '.join(str(i) for i in sorted(live))}." if live else ""
    raise NotFound(f"No position {position_id}.{hint} /position list shows them.")


async def position_proposer(context: Context, position_id: int) -> set[int]:
    """Who owns a position for /position withdraw: the member who proposed it."""
    position = await find_position(context.session, position_id)
    return {position.proposer_id} if position.proposer_id is not None else set()
