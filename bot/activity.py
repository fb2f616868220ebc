"""Members' "last active" stamps and new display names, written apart from commands.

A command's transaction must not write its member's row: on PostgreSQL every row
carries the id of the transaction that wrote it (`xmin`), so a ballot and a
member row written together would name the voter of an anonymous ballot. Members
who did something are remembered here and stamped later, together, in a
transaction of their own, with the time of the stamp rather than of the command.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Iterable
from datetime import datetime, timedelta

from sqlalchemy import or_, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.clock import Clock
from storage.models import Member
from storage.uow import UnitOfWork

log = logging.getLogger("chapterhouse.activity")

STALE = timedelta(minutes=10)
"""A member stamped more recently than this is not stamped again: busy members cost no writes."""
EVERY = 60.0
"""Seconds between stamps in a running server."""


def stale(member: Member, now: datetime) -> bool:
    """Whether a member's "last active" is old enough to stamp again.

    Busy members cost no write at all: a command by someone active a few minutes ago
    leaves nothing to stamp, so a read-only command stays read-only end to end.
    """
    return member.last_active_at is None or member.last_active_at < now - STALE


class Activity:
    def __init__(
        self, sessions: async_sessionmaker[AsyncSession], clock: Clock, interval: float = EVERY
    ) -> None:
        self.sessions = sessions
        self.clock = clock
        self.interval = interval
        """0 stamps after every command (tests, the console); a server waits and batches."""
        self._pending: set[int] = set()
        self._renames: dict[int, str] = {}
        self._task: asyncio.Task[None] | None = None

    @property
    def pending(self) -> frozenset[int]:
        return frozenset(self._pending)

    async def note(
        self, member_ids: Iterable[int], renames: Iterable[tuple[int, str]] = ()
    ) -> None:
        """Remember that these members did something, and accounts' new display names
        (identity id, name) as their platform reports them; written at the next flush."""
        self._pending.update(member_ids)
        self._renames.update(renames)
        if not self._pending and not self._renames:
            return
        if self.interval <= 0:
            await self.flush()
        elif self._task is None:
            self._task = asyncio.create_task(self._later())

    async def _later(self) -> None:
        try:
            await asyncio.sleep(self.interval)
            await self.flush()
        except Exception:
            log.exception("stamping members' activity failed; the next flush retries")
        finally:
            self._task = None

    async def flush(self) -> int:
        """Stamp every remembered member, in one transaction and in id order; how many."""
        if not self._pending:
            return 0
        ids = sorted(self._pending)
        self._pending.clear()
        try:
            async with UnitOfWork(self.sessions, self.clock.now()) as uow:
                result = await uow.session.execute(
                    update(Member)
                    .where(
                        Member.id.in_(ids),
                        or_(
                            Member.last_active_at.is_(None), Member.last_active_at < uow.now - STALE
                        ),
                    )
                    .values(last_active_at=uow.now)
                    .execution_options(synchronize_session=False)
                )
                await uow.commit()
        except BaseException:
            self._pending.update(ids)  # stamped next time
            raise
        return int(getattr(result, "rowcount", 0) or 0)

    async def close(self) -> None:
        """Stamp what is pending now (shutdown)."""
        if self._task is not None:
            self._task.cancel()
            self._task = None
        await self.flush()
