"""Closing polls: by hand, at the deadline, or on first touch after an unticked deadline.

A poll is closed by a conditional update (`closed_at IS NULL`), so whichever of
two processes, two ticks or a tick and a command gets there first closes it, and
only that one raises the `poll.closed` event that posts the results.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.notifier import Announcement
from bot.reply import Reply, Visibility
from commands.polls.audience import workgroup_name
from commands.polls.cards import poll_card, results_reply
from commands.polls.tally import count
from storage.claims import claim
from storage.models import Chapter, Delivery, Poll
from storage.uow import UnitOfWork

BATCH = 200


def subject(poll_id: int) -> str:
    return f"poll:{poll_id}"


async def close_poll(uow: UnitOfWork, poll: Poll, closed_by: int | None) -> bool:
    """Close `poll` now (by a member) or at its deadline (None); False if already closed."""
    at = uow.now if closed_by is not None else min(uow.now, poll.closes_at)
    if not await claim(
        uow.session,
        Poll,
        Poll.id == poll.id,
        Poll.closed_at.is_(None),
        closed_at=at,
        closed_by=closed_by,
    ):
        await uow.session.refresh(poll)
        return False
    poll.closed_at, poll.closed_by = at, closed_by
    uow.record("poll.closed", poll_id=poll.id)
    uow.touch(subject(poll.id))
    return True


async def settle(uow: UnitOfWork, poll: Poll) -> None:
    """Close a poll whose deadline passed before anything ticked it."""
    if poll.closed_at is None and poll.closes_at <= uow.now:
        await close_poll(uow, poll, None)


async def close_due(sessions: async_sessionmaker[AsyncSession], now: datetime) -> list[int]:
    """Close every poll whose deadline has passed; returns the ids this call closed.

    The caller delivers the results (`Notifier.flush` with the polls' subjects).
    Safe to run twice or from two processes: each poll is claimed once.
    """
    closed: list[int] = []
    while True:
        async with UnitOfWork(sessions, now) as uow:
            due = list(
                await uow.session.scalars(
                    select(Poll)
                    .where(Poll.closed_at.is_(None), Poll.closes_at <= now)
                    .order_by(Poll.closes_at, Poll.id)
                    .limit(BATCH)
                )
            )
            for poll in due:
                if await close_poll(uow, poll, None):
                    closed.append(poll.id)
            await uow.commit()
        if len(due) < BATCH:
            return closed


async def _load(
    session: AsyncSession, poll_id: int
) -> tuple[Poll, Chapter | None, str | None] | None:
    poll = await session.get(Poll, poll_id)
    if poll is None:
        return None
    chapter = await session.get(Chapter, poll.chapter_id) if poll.chapter_id else None
    return poll, chapter, await workgroup_name(session, poll)


async def render_card(session: AsyncSession, ident: str, now: datetime) -> Reply | None:
    loaded = await _load(session, int(ident))
    if loaded is None:
        return None
    poll, chapter, workgroup = loaded
    tally = await count(session, poll)
    return poll_card(poll, tally, now, ZoneInfo(poll.timezone), chapter, workgroup)


async def announce_opened(
    session: AsyncSession, payload: Mapping[str, Any], now: datetime
) -> Announcement | None:
    card = await render_card(session, str(payload["poll_id"]), now)
    if card is None:
        return None
    targets = tuple((platform, channel) for platform, channel in payload["targets"])
    return Announcement(card, targets=targets, subject=subject(payload["poll_id"]))


async def announce_closed(
    session: AsyncSession, payload: Mapping[str, Any], now: datetime
) -> Announcement | None:
    loaded = await _load(session, payload["poll_id"])
    if loaded is None:
        return None
    poll, chapter, workgroup = loaded
    tally = await count(session, poll, runoff=True)
    results = results_reply(poll, tally, now, ZoneInfo(poll.timezone), chapter, workgroup)
    copies = await session.execute(
        select(Delivery.platform, Delivery.channel_id)
        .where(Delivery.subject == subject(poll.id), Delivery.direct.is_(False))
        .order_by(Delivery.id)
    )
    public = Reply(results.text, results.blocks, Visibility.PUBLIC)
    return Announcement(public, targets=tuple((p, c) for p, c in copies))
