"""Live posts: messages that adapters edit in place as what they show changes.

A poll's message shows a live count. A burst of votes must not become a burst of
edits (Slack and Discord both rate-limit them), and the last edit must show the
last vote. So changes only mark a subject dirty; one task per subject re-renders
it from the database at most once per `interval` and edits every posted copy,
and a change that arrives during an edit schedules one more.
"""

from __future__ import annotations

import asyncio
import logging
import math
from collections.abc import Awaitable, Callable, Iterable, Mapping
from datetime import datetime
from typing import Protocol

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.clock import Clock
from bot.people import with_people
from bot.reply import Reply
from storage.models import Delivery, DeliveryStatus
from storage.uow import UnitOfWork

log = logging.getLogger("chapterhouse.live")

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

    async def drain(self) -> None:
        """Wait until every pending edit is done (shutdown, tests)."""
        while self._tasks:
            await asyncio.gather(*list(self._tasks.values()), return_exceptions=True)

    async def _run(self, subject: str) -> None:
        loop = asyncio.get_running_loop()
        try:
            while subject in self._dirty:
                wait = self._last.get(subject, -math.inf) + self.interval - loop.time()
                if wait > 0:
                    await asyncio.sleep(wait)
                self._dirty.discard(subject)
                self._last[subject] = loop.time()
                try:
                    await self.refresh(subject)
                except Exception:
                    log.exception("refreshing %s failed; the next change retries", subject)
        finally:
            self._tasks.pop(subject, None)

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
