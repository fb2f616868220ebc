"""From committed domain events to posts in chapter channels, each at most once.

Two steps, each safe to run twice or from two processes:
1. `fan_out` claims undelivered outbox events with a conditional update and writes
   one delivery per target channel, keyed `event:<id>:<platform>:<channel>`.
2. `send_pending` claims pending deliveries for the platforms this process can
   reach, posts them, and marks each sent or failed. Deliveries for a platform
   that is not running here wait for a process that runs it.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable, Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Protocol

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.clock import Clock
from bot.dispatcher import with_people
from bot.live import LiveMessages, LiveRenderer
from bot.reply import Reply
from storage.models import ChannelBinding, Delivery, DeliveryStatus, Identity, OutboxEvent
from storage.uow import UnitOfWork

log = logging.getLogger("chapterhouse.notifier")

MAX_ATTEMPTS = 5
BATCH = 200


class DeliveryFailed(Exception):
    def __init__(self, reason: str, *, permanent: bool) -> None:
        super().__init__(reason)
        self.reason = reason
        self.permanent = permanent


class Poster(Protocol):
    """An adapter's outgoing side. Posting returns the platform's message id, if any,
    so that live posts (a poll's message) can be edited in place later."""

    platform: str

    async def post(self, channel_id: str, reply: Reply) -> str | None: ...

    async def direct(self, user_id: str, reply: Reply) -> str | None: ...

    async def edit(self, channel_id: str, message_id: str, reply: Reply) -> None: ...


Target = tuple[str, str]
"""(platform, channel id)."""


@dataclass(frozen=True)
class Announcement:
    reply: Reply
    chapter_ids: frozenset[int] | None = None
    """The chapters whose channels hear it; None means every bound chapter channel."""
    targets: tuple[Target, ...] | None = None
    """Exact channels instead of chapters (a poll posted where it was typed)."""
    subject: str | None = None
    """Names a post that stays live (`poll:12`): its copies are edited as it changes."""


Announcer = Callable[[AsyncSession, Mapping[str, Any], datetime], Awaitable[Announcement | None]]
"""Given an event's payload and the time now, what to post where (None: nothing)."""


class Notifier:
    def __init__(
        self,
        sessions: async_sessionmaker[AsyncSession],
        clock: Clock,
        announcers: Mapping[str, Announcer],
        posters: Mapping[str, Poster] | None = None,
        renderers: Mapping[str, LiveRenderer] | None = None,
        live_interval: float = 1.0,
    ) -> None:
        self.sessions = sessions
        self.clock = clock
        self.announcers = announcers
        self.posters: dict[str, Poster] = dict(posters or {})
        self.live = LiveMessages(sessions, clock, renderers or {}, self.posters, live_interval)

    def add_poster(self, poster: Poster) -> None:
        self.posters[poster.platform] = poster

    async def flush(self, touched: frozenset[str] = frozenset(), deliver: bool = True) -> None:
        """Deliver what committed work left behind, then bring live posts up to date.

        A vote only changes a live post: it skips the delivery passes, which would
        cost every vote a write transaction of its own.
        """
        if deliver:
            await self.fan_out()
            await self.send_all()
        await self.live.changed(sorted(touched))

    async def fan_out(self) -> int:
        """Turn undispatched events into deliveries; returns how many were written."""
        written = 0
        async with UnitOfWork(self.sessions, self.clock.now()) as uow:
            session = uow.session
            events = await session.scalars(
                select(OutboxEvent)
                .where(OutboxEvent.dispatched_at.is_(None))
                .order_by(OutboxEvent.id)
                .limit(BATCH)
            )
            for event in list(events):
                claimed = await session.execute(
                    update(OutboxEvent)
                    .where(OutboxEvent.id == event.id, OutboxEvent.dispatched_at.is_(None))
                    .values(dispatched_at=uow.now)
                    .returning(OutboxEvent.id)
                )
                if claimed.first() is None:
                    continue
                announcer = self.announcers.get(event.kind)
                announcement = (
                    await announcer(session, event.payload, uow.now) if announcer else None
                )
                if announcement is None:
                    continue
                reply = (await with_people(session, announcement.reply)).to_json()
                for platform, channel_id in await _targets(session, announcement):
                    session.add(
                        Delivery(
                            key=f"event:{event.id}:{platform}:{channel_id}",
                            platform=platform,
                            channel_id=channel_id,
                            reply=reply,
                            subject=announcement.subject,
                            created_at=uow.now,
                        )
                    )
                    written += 1
            await uow.commit()
        return written

    async def send_all(self) -> int:
        """Post everything pending for the platforms here, batch after batch.

        An announcement to 250 channels is more than one batch; the rest must not
        wait for the next sweep. A pass that sent nothing (a platform is down) stops
        here, so failing deliveries are retried by the sweep, not in a tight loop.
        """
        sent = 0
        while True:
            claimed, posted = await self._send_batch()
            sent += posted
            if claimed < BATCH or posted == 0:
                return sent

    async def send_pending(self) -> int:
        """Post one batch of what is pending for the platforms here; how many were sent."""
        return (await self._send_batch())[1]

    async def _send_batch(self) -> tuple[int, int]:
        """(deliveries claimed, deliveries sent) in one pass over the platforms here."""
        sent = 0
        most = 0
        for platform, poster in self.posters.items():
            async with UnitOfWork(self.sessions, self.clock.now()) as uow:
                batch = (
                    select(Delivery.id)
                    .where(Delivery.platform == platform, Delivery.status == DeliveryStatus.PENDING)
                    .order_by(Delivery.id)
                    .limit(BATCH)
                    .scalar_subquery()
                )
                claimed = list(
                    await uow.session.scalars(
                        update(Delivery)
                        .where(Delivery.id.in_(batch), Delivery.status == DeliveryStatus.PENDING)
                        .values(status=DeliveryStatus.SENDING, attempts=Delivery.attempts + 1)
                        .returning(Delivery)
                    )
                )
                # A live post (a poll) waiting for this platform's process may have
                # changed since it was queued: post it as it is now, not as it was.
                fresh: dict[str, Reply] = {}
                for subject in sorted({d.subject for d in claimed if d.subject}):
                    reply = await self.live.render(uow.session, subject, uow.now)
                    if reply is not None:
                        fresh[subject] = reply
                await uow.commit()
            most = max(most, len(claimed))
            for delivery in sorted(claimed, key=lambda d: d.id):
                sent += await self._send(poster, delivery, fresh.get(delivery.subject or ""))
        return most, sent

    async def _send(self, poster: Poster, delivery: Delivery, fresh: Reply | None = None) -> int:
        status, error, message_id = DeliveryStatus.SENT, None, None
        reply = fresh or Reply.from_json(delivery.reply)
        try:
            if delivery.direct:
                message_id = await poster.direct(delivery.channel_id, reply)
            else:
                message_id = await poster.post(delivery.channel_id, reply)
        except DeliveryFailed as failure:
            error = failure.reason[:300]
            retry = not failure.permanent and delivery.attempts < MAX_ATTEMPTS
            status = DeliveryStatus.PENDING if retry else DeliveryStatus.FAILED
        except Exception as failure:
            log.exception("posting delivery %s failed", delivery.key)
            error = f"unexpected error: {type(failure).__name__}"
            retry = delivery.attempts < MAX_ATTEMPTS
            status = DeliveryStatus.PENDING if retry else DeliveryStatus.FAILED
        async with UnitOfWork(self.sessions, self.clock.now()) as uow:
            await uow.session.execute(
                update(Delivery)
                .where(Delivery.id == delivery.id)
                .values(
                    status=status,
                    error=error,
                    message_id=message_id,
                    sent_at=uow.now if status is DeliveryStatus.SENT else None,
                )
            )
            await uow.commit()
        return 1 if status is DeliveryStatus.SENT else 0


async def _targets(session: AsyncSession, announcement: Announcement) -> list[Target]:
    if announcement.targets is not None:
        return list(dict.fromkeys(announcement.targets))
    return await bound_channels(session, announcement.chapter_ids)


async def bound_channels(session: AsyncSession, chapter_ids: Iterable[int] | None) -> list[Target]:
    """The channels bound to these chapters (None: to any chapter), in binding order."""
    channels = select(ChannelBinding.platform, ChannelBinding.channel_id)
    if chapter_ids is not None:
        channels = channels.where(ChannelBinding.chapter_id.in_(list(chapter_ids)))
    rows = await session.execute(channels.order_by(ChannelBinding.id))
    return [(platform, channel_id) for platform, channel_id in rows]


async def queue_direct(uow: UnitOfWork, reply: Reply, recipients: Mapping[int, str]) -> int:
    """Queue one direct message per member (member id → delivery key); returns how many.

    A member with accounts on several platforms hears it once, on the account they
    made first. Members without any account (imported, never seen) are skipped.
    """
    if not recipients:
        return 0
    rows = await uow.session.execute(
        select(Identity.member_id, Identity.platform, Identity.external_id)
        .where(Identity.member_id.in_(recipients))
        .order_by(Identity.id)
    )
    accounts: dict[int, tuple[str, str]] = {}
    for member_id, platform, external_id in rows:
        accounts.setdefault(member_id, (platform, external_id))
    stored = (await with_people(uow.session, reply)).to_json()
    for member_id, (platform, external_id) in sorted(accounts.items()):
        uow.deliver(
            Delivery(
                key=recipients[member_id],
                platform=platform,
                channel_id=external_id,
                direct=True,
                reply=stored,
                created_at=uow.now,
            )
        )
    return len(accounts)
