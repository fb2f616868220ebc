"""Finding a poll by the number people type, and the chapter it belongs to."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from bot.errors import NotFound
from storage.models import Chapter, Poll


async def find_poll(session: AsyncSession, poll_id: int) -> Poll:
    poll = await session.get(Poll, poll_id)
    if poll is None:
        raise NotFound(f"No poll {poll_id}. /poll list shows the polls.")
    return poll


async def poll_chapter(session: AsyncSession, poll: Poll) -> Chapter | None:
    return await session.get(Chapter, poll.chapter_id) if poll.chapter_id else None
