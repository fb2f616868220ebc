"""Live posts: messages that adapters edit in place as what they show changes.

A poll's message shows a live count. A burst of votes must not become a burst of
edits (Slack and Discord both rate-limit them), and the last edit must show the
last vote. So changes only mark a subject dirty; one task per subject re-renders
it from the database at most once per `interval` and edits every posted copy,
and a change that arrives during an edit schedules one more.

With several instances on one database, a card still has one edit stream. Each
change bumps the card's version in `live_claims`; the instance that holds the
card's lease runs the stream, and the others only bump. The holder lets go only
when the version it rendered is still the latest (one conditional update), so a
change made elsewhere while it drew is drawn too, by it or by whoever takes the
lease next. A lease outlives a crashed holder by `LEASE` at most.
"""

from __future__ import annotations

import asyncio
import logging
import math
import os
import secrets
import socket
from collections.abc import Awaitable, Callable, Iterable, Mapping
from datetime import datetime, timedelta
from typing import Protocol

from sqlalchemy import ColumnElement, delete, exists, or_, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.clock import Clock
from bot.config import Settings
from bot.due import At, Tick
from bot.people import with_people
from bot.reply import Reply
from storage.models import Delivery, DeliveryStatus, LiveClaim
from storage.uow import UnitOfWork

log = logging.getLogger("chapterhouse.live")

LEASE = timedelta(seconds=60)
"""How long a card's edit stream is held without renewal; a crashed holder's card is
taken over by the next change after this."""

FORGET_AFTER = timedelta(hours=1)
"""A card's row (`live_claims`) is kept this long after its lease ended (released, or
lapsed with a crashed holder), then forgotten by the `upkeep.live` due job."""

LiveRenderer = Callable[[AsyncSession, str, datetime], Awaitable[Reply | None]]
"""Given the id part of a subject (`12` of `poll:12`) and the time, the post as it is now."""


class Editor(Protocol):
    """What the refresher needs of a poster; see `bot.notifier.Poster`."""

    async def edit(self, channel_id: str, message_id: str, reply: Reply) -> None: ...


class LiveMessages:
    def __init__(
        self,
        sessions: async_sessionmaker[AsyncSession],
        clock: Clock,
        renderers: Mapping[str, LiveRenderer],
        editors: Mapping[str, Editor],
        interval: float = 1.0,
    ) -> None:
        self.sessions = sessions
        self.clock = clock
        self.renderers = renderers
        self.editors = editors
        self.interval = interval
        self._dirty: set[str] = set()
        self._tasks: dict[str, asyncio.Task[None]] = {}
        self._last: dict[str, float] = {}
        self.holder = f"{socket.gethostname()[:30]}:{os.getpid()}:{secrets.token_hex(4)}"
        """This instance, as `live_claims.holder` names it."""

    async def changed(self, subjects: Iterable[str]) -> None:
        """Note that subjects changed; with no interval, edit at once (tests, console)."""
        for subject in subjects:
            if subject.partition(":")[0] not in self.renderers:
                continue
            if self.interval <= 0:
                await self.refresh(subject)
                continue
            self._dirty.add(subject)
            if subject not in self._tasks:
                self._tasks[subject] = asyncio.create_task(self._run(subject))

    async def _bump(self, subject: str) -> None:
        async with UnitOfWork(self.sessions, self.clock.now()) as uow:
            session = uow.session
            insert = postgresql.insert if _dialect(session) == "postgresql" else sqlite.insert
            row = insert(LiveClaim).values(subject=subject, version=1, rendered=0)
            await session.execute(
                row.on_conflict_do_update(
                    index_elements=[LiveClaim.subject], set_={"version": LiveClaim.version + 1}
                )
            )
            await uow.commit()

    async def _take(self, subject: str) -> bool:
        """The card's lease, if nobody holds it (or its holder let it lapse).

        The row is written again if it is gone (`prune` may forget a free card's row
        between our bump and this), so a change is drawn however the two interleave.
        """
        async with UnitOfWork(self.sessions, self.clock.now()) as uow:
            session = uow.session
            insert = postgresql.insert if _dialect(session) == "postgresql" else sqlite.insert
            lease = {"holder": self.holder, "lease_until": uow.now + LEASE}
            row = insert(LiveClaim).values(subject=subject, version=1, rendered=0, **lease)
            taken = await session.execute(
                row.on_conflict_do_update(
                    index_elements=[LiveClaim.subject],
                    set_=lease,
                    where=or_(LiveClaim.holder.is_(None), LiveClaim.lease_until < uow.now),
                ).returning(LiveClaim.subject)
            )
            ours = taken.first() is not None
            await uow.commit()
        return ours

    async def _version(self, subject: str) -> int | None:
        async with UnitOfWork(self.sessions, self.clock.now()) as uow:
            return await uow.session.scalar(
                select(LiveClaim.version).where(LiveClaim.subject == subject)
            )

    async def _settle(self, subject: str, version: int | None) -> bool:
        """Record `version` as drawn; let go of the card if nothing newer came. True to stop
        (released, or the lease was lost to another instance), False to draw again."""
        async with UnitOfWork(self.sessions, self.clock.now()) as uow:
            mine = (LiveClaim.subject == subject) & (LiveClaim.holder == self.holder)
            if version is None:  # drawing failed: let go; the next change draws again
                await uow.session.execute(
                    update(LiveClaim).where(mine).values(holder=None, lease_until=uow.now)
                )
                await uow.commit()
                return True
            released = await uow.session.execute(
                update(LiveClaim)
                .where(mine, LiveClaim.version == version)
                .values(rendered=version, holder=None, lease_until=uow.now)
                .returning(LiveClaim.subject)
            )
            if released.first() is not None:
                await uow.commit()
                return True
            renewed = await uow.session.execute(
                update(LiveClaim)
                .where(mine)
                .values(rendered=version, lease_until=uow.now + LEASE)
                .returning(LiveClaim.subject)
            )
            held = renewed.first() is not None
            await uow.commit()
        return not held

    async def drain(self) -> None:
        """Wait until every pending edit is done (shutdown, tests)."""
        while self._tasks:
            await asyncio.gather(*list(self._tasks.values()), return_exceptions=True)

    async def _run(self, subject: str) -> None:
        """This process's stream for one card: claim it, draw it until nothing is newer."""
        loop = asyncio.get_running_loop()
        held = False
        try:
            while subject in self._dirty:
                if not held:
                    self._dirty.discard(subject)
                    held = await self._claim(subject)
                    if not held:
                        continue  # drawn by the holder; again only if it changed since
                    self._dirty.add(subject)
                wait = self._last.get(subject, -math.inf) + self.interval - loop.time()
                if wait > 0:
                    await asyncio.sleep(wait)
                self._dirty.discard(subject)
                self._last[subject] = loop.time()
                version: int | None = None
                try:
                    version = await self._version(subject)
                    await self.refresh(subject)
                except Exception:
                    log.exception("refreshing %s failed; the next change retries", subject)
                if subject in self._dirty:
                    continue  # changed here while drawing: draw again before letting go
                try:
                    held = not await self._settle(subject, version)
                except Exception:
                    log.exception("letting go of %s failed; its lease lapses", subject)
                    held = False
                if held:
                    self._dirty.add(subject)  # changed elsewhere while drawing
        finally:
            self._tasks.pop(subject, None)

    async def _claim(self, subject: str) -> bool:
        """Bump the card's version, then take its lease if free; whether this process draws."""
        try:
            await self._bump(subject)
            return await self._take(subject)
        except Exception:
            log.exception("claiming %s failed; drawing it from here", subject)
            return True

    async def render(self, session: AsyncSession, subject: str, now: datetime) -> Reply | None:
        """`subject` as it should look now, or None if nothing renders it any more."""
        kind, _, ident = subject.partition(":")
        renderer = self.renderers.get(kind)
        reply = await renderer(session, ident, now) if renderer is not None else None
        return await with_people(session, reply) if reply is not None else None

    async def refresh(self, subject: str) -> int:
        """Re-render `subject` and edit each posted copy this process can reach."""
        async with UnitOfWork(self.sessions, self.clock.now()) as uow:
            reply = await self.render(uow.session, subject, uow.now)
            copies = (
                await uow.session.execute(
                    select(Delivery.platform, Delivery.channel_id, Delivery.message_id)
                    .where(
                        Delivery.subject == subject,
                        Delivery.status == DeliveryStatus.SENT,
                        Delivery.message_id.is_not(None),
                    )
                    .order_by(Delivery.id)
                )
            ).all()
        if reply is None:
            return 0
        edited = 0
        for platform, channel_id, message_id in copies:
            editor = self.editors.get(platform)
            if editor is None or message_id is None:
                continue
            try:
                await editor.edit(channel_id, message_id, reply)
                edited += 1
            except Exception:
                log.exception("editing %s in %s:%s failed", subject, platform, channel_id)
        return edited


def _forgotten(before: At) -> ColumnElement[bool]:
    return or_(
        LiveClaim.lease_until < before,
        LiveClaim.holder.is_(None) & LiveClaim.lease_until.is_(None),
    )


def prune_due(tick: Tick, _settings: Settings) -> ColumnElement[bool]:
    return exists().where(_forgotten(tick.at(-FORGET_AFTER)))


async def prune(session: AsyncSession, now: datetime) -> int:
    """Forget cards nobody has drawn for `FORGET_AFTER`; how many.

    A free card's row says nothing the next change needs: that change writes it
    again (`_bump`, `_take`) and draws the card as it is then. A lease that lapsed
    that long ago was its crashed holder's. A lease still running is never touched.
    Rows released before releases were dated (no `lease_until`, nobody holding)
    are forgotten too.
    """
    result = await session.execute(
        delete(LiveClaim)
        .where(_forgotten(now - FORGET_AFTER))
        .execution_options(synchronize_session=False)
    )
    return int(getattr(result, "rowcount", 0) or 0)


def _dialect(session: AsyncSession) -> str:
    return session.get_bind().dialect.name
