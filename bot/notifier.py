"""From committed domain events to posts in chapter channels, each at most once.

Two steps, each safe to run twice or from two processes:
1. `fan_out` claims undelivered outbox events with a conditional update and writes
   one delivery per target channel, keyed `event:<id>:<platform>:<channel>`.
2. `send_pending` claims pending deliveries for the platforms this process can
   reach, posts them, and marks each sent or failed. Deliveries for a platform
   that is not running here wait for a process that runs it.

When a delivery waits
---------------------
A delivery is claimed only once its `not_before` has passed. Two things set it:
quiet hours (a direct message from scheduled work, queued at night in the
recipient's zone, waits for their morning; see `queue_direct`), and backoff: a
transient failure (a 429, a 5xx, a timeout) puts the delivery back as pending
with `not_before = now + backoff(attempts)` — 30 s, doubling, at most 15 minutes,
or later if the platform said when (`retry_after`) — and keeps the reason in
`error`. After `MAX_ATTEMPTS` attempts (about 45 minutes of trying) it is failed.
A permanent failure (channel gone, bot removed) is failed at once.

A sender that stopped mid-send
------------------------------
A delivery is claimed (set `sending`, `claimed_at` stamped) one at a time, just
before its request leaves, so a sender killed mid-fan-out leaves only the few
posts that were on the wire in doubt; everything it had not reached is still
`pending` and the next sender posts it. A row still `sending` `ABANDONED_AFTER`
after its claim was left by a sender that died between its request and recording
the outcome, and the platform may or may not have the post:

- a poster that can tell (`Resumable`) is asked: Slack looks for the message
  whose metadata carries the delivery's id in the channel's history; Discord
  resends with the delivery's id as an enforced nonce, so a post that arrived is
  handed back instead of made twice. What arrived is marked sent; what did not is
  put back to pending and sent.
- with a poster that cannot tell, sending again risks the same announcement
  twice and not sending risks it never arriving; Chapterhouse chooses no double
  posts: the delivery is marked `failed` with an error that says it may have
  arrived and was not resent, and one audit line names the deliveries, so HQ sees
  them and can post again by hand.

Only a process that sends for the delivery's platform sweeps these, since only
such a process could have left them.

Pacing
------
A batch is sent by several workers at once (`SEND_CONCURRENCY`): each channel's
posts go in the order they were queued, one after another, while other channels
proceed, so a post's round trip does not hold up the rest. A platform may declare a
`Pace` when its poster is added: at most so many posts a second per channel and
across the workspace, which the workers keep to instead of running into 429s.
"""

from __future__ import annotations

import asyncio
import itertools
import logging
from collections.abc import Awaitable, Callable, Iterable, Mapping, Sequence
from contextlib import nullcontext
from dataclasses import dataclass
from datetime import UTC, datetime, time, timedelta
from typing import Any, Protocol, runtime_checkable
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from aiolimiter import AsyncLimiter
from cachetools import LRUCache
from sqlalchemy import (
    BindParameter,
    ColumnElement,
    and_,
    bindparam,
    func,
    insert,
    or_,
    select,
    update,
)
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from sqlalchemy.orm import InstrumentedAttribute

from bot.clock import Clock
from bot.config import Settings
from bot.formatting import plural
from bot.live import LiveMessages, LiveRenderer
from bot.mirror import MIRROR, Happening, Mirroring
from bot.people import with_people
from bot.reply import Reply
from storage.models import (
    ChannelBinding,
    Chapter,
    Delivery,
    DeliveryStatus,
    Identity,
    Member,
    OutboxEvent,
)
from storage.uow import UnitOfWork

log = logging.getLogger("chapterhouse.notifier")

MAX_ATTEMPTS = 8
BATCH = 200
SEND_CONCURRENCY = 16
"""Posts in flight at once per platform; each channel still gets its posts in order."""
BACKOFF_FIRST = timedelta(seconds=30)
BACKOFF_MOST = timedelta(minutes=15)
ABANDONED_AFTER = timedelta(minutes=2)
"""A claim older than this outlived its request (timeouts are far shorter): its sender died."""
RECOVERY_EVERY = timedelta(minutes=1)
ABANDONED = "left mid-send by a sender that stopped; it may have arrived, so it was not resent"
RESENT = "left mid-send by a sender that stopped and had not arrived; sent again"


def backoff(attempts: int) -> timedelta:
    """How long a delivery waits after its `attempts`-th attempt failed for now."""
    return min(BACKOFF_FIRST * 2 ** min(max(attempts - 1, 0), 16), BACKOFF_MOST)


class DeliveryFailed(Exception):
    def __init__(self, reason: str, *, permanent: bool, retry_after: float | None = None) -> None:
        super().__init__(reason)
        self.reason = reason
        self.permanent = permanent
        self.retry_after = retry_after
        """Seconds the platform asked us to wait (a 429's Retry-After), if it said."""


class Poster(Protocol):
    """An adapter's outgoing side. Posting returns the platform's message id, if any,
    so that live posts (a poll's message) can be edited in place later."""

    platform: str

    async def post(self, channel_id: str, reply: Reply) -> str | None: ...

    async def direct(self, user_id: str, reply: Reply) -> str | None: ...

    async def edit(self, channel_id: str, message_id: str, reply: Reply) -> None: ...


@runtime_checkable
class Resumable(Protocol):
    """A poster whose posts carry their delivery's id, so a crashed send can be settled.

    `post_once` posts as `Poster.post`/`Poster.direct` do, marked with the delivery's
    id; `arrived` says whether a post so marked, sent no earlier than `since`, is on
    the platform (its message id) or not (None). A platform that deduplicates on
    the mark itself (Discord's enforced nonce) may answer None: the resend is the check.
    """

    async def post_once(
        self, channel_id: str, reply: Reply, *, direct: bool, delivery: int
    ) -> str | None: ...

    async def arrived(
        self, channel_id: str, *, direct: bool, delivery: int, since: datetime
    ) -> str | None: ...


@dataclass(frozen=True)
class Pace:
    """A platform's posting limits, in posts per second; None where it has none."""

    per_channel: float | None = None
    overall: float | None = None


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


class _Lane:
    """One platform's pacing: spacing per channel, and one limiter for the workspace.

    A channel's spacing is measured between the moments its posts actually leave,
    not between permits handed out, so a post that waited for a free worker does not
    let the next one follow it too closely.
    """

    def __init__(self, pace: Pace | None) -> None:
        self.pace = pace or Pace()
        self.overall = AsyncLimiter(self.pace.overall, 1) if self.pace.overall is not None else None
        self.gap = 1 / self.pace.per_channel if self.pace.per_channel else 0.0
        self.last: LRUCache[tuple[bool, str], float] = LRUCache(maxsize=20_000)

    async def wait_for_channel(self, channel: tuple[bool, str]) -> None:
        if self.gap:
            last = self.last.get(channel)
            if last is not None:
                await asyncio.sleep(last + self.gap - asyncio.get_running_loop().time())

    async def leave(self, channel: tuple[bool, str]) -> None:
        """Just before a post goes: the workspace's permit, and the channel's mark."""
        if self.overall is not None:
            await self.overall.acquire()
        if self.gap:
            await self.wait_for_channel(channel)
            self.last[channel] = asyncio.get_running_loop().time()


def _constant(column: InstrumentedAttribute[Any], value: Any) -> BindParameter[Any]:
    """A value written into the SQL, not sent as a parameter.

    PostgreSQL plans a statement run often once for all its parameters (a generic
    plan). Not knowing the status asked for, it estimated every delivery a match and
    counted the unsent ones by reading the whole ledger, which only grows; knowing
    it is `pending`, it reads the index on (platform, status).
    """
    return bindparam(None, value, type_=column.type, literal_execute=True)


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
        self._lanes: dict[str, _Lane] = {}
        self._recovered_at: datetime | None = None
        self.abandoned_after = ABANDONED_AFTER
        """How old a `sending` claim must be to be settled as a crashed sender's."""
        self.live = LiveMessages(sessions, clock, renderers or {}, self.posters, live_interval)

    def add_poster(self, poster: Poster, pace: Pace | None = None) -> None:
        self.posters[poster.platform] = poster
        self._lanes[poster.platform] = _Lane(pace)

    async def flush(self, touched: frozenset[str] = frozenset(), deliver: bool = True) -> None:
        """Deliver what committed work left behind, then bring live posts up to date.

        A vote only changes a live post: it skips the delivery passes, which would
        cost every vote a write transaction of its own.
        """
        if deliver:
            await self.fan_out()
            await self.send_all()
        await self.live.changed(sorted(touched))

    async def announce(
        self, session: AsyncSession, kind: str, payload: Mapping[str, Any], now: datetime
    ) -> tuple[Reply, list[Target], str | None] | None:
        """What an event of `kind` posts and where, or None; writes nothing."""
        announcer = self.announcers.get(kind)
        announcement = await announcer(session, payload, now) if announcer else None
        if announcement is None:
            return None
        reply = await with_people(session, announcement.reply)
        return reply, await _targets(session, announcement), announcement.subject

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
                planned = await self.announce(session, event.kind, event.payload, uow.now)
                if planned is None:
                    continue
                reply, targets, subject = planned
                stored = reply.to_json()
                for platform, channel_id in targets:
                    session.add(
                        Delivery(
                            key=f"event:{event.id}:{platform}:{channel_id}",
                            platform=platform,
                            channel_id=channel_id,
                            reply=stored,
                            subject=subject,
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
        await self.recover_abandoned()
        sent = 0
        while True:
            claimed, posted = await self._send_batch()
            sent += posted
            if claimed < BATCH or posted == 0:
                return sent

    async def waiting(self, within: AsyncSession | None = None) -> int:
        """Work that is ready to go out from here: undispatched events, due deliveries.

        `within`: a transaction already open (a quiet tick's), rather than a new one.
        """
        now = self.clock.now()
        count = self.waiting_count(now, now - self.abandoned_after)
        if count is None:
            return 0
        async with nullcontext(within) if within is not None else self.sessions() as session:
            return int(await session.scalar(select(count)) or 0)

    def waiting_count(
        self,
        now: datetime | ColumnElement[datetime],
        abandoned_before: datetime | ColumnElement[datetime],
    ) -> ColumnElement[int] | None:
        """What `waiting` counts, as one SQL expression (None: no poster here, nothing
        can go out): a quiet tick asks it in the statement that asks the probes."""
        if not self.posters:
            return None
        events = (
            select(func.count())
            .select_from(OutboxEvent)
            .where(OutboxEvent.dispatched_at.is_(None))
            .scalar_subquery()
        )
        deliveries = (
            select(func.count())
            .select_from(Delivery)
            .where(
                Delivery.platform.in_(
                    [_constant(Delivery.platform, p) for p in sorted(self.posters)]
                ),
                or_(
                    and_(
                        Delivery.status == _constant(Delivery.status, DeliveryStatus.PENDING),
                        or_(Delivery.not_before.is_(None), Delivery.not_before <= now),
                    ),
                    and_(
                        Delivery.status == _constant(Delivery.status, DeliveryStatus.SENDING),
                        Delivery.claimed_at <= abandoned_before,
                    ),
                ),
            )
            .scalar_subquery()
        )
        return events + deliveries

    async def send_pending(self) -> int:
        """Post one batch of what is pending for the platforms here; how many were sent."""
        return (await self._send_batch())[1]

    async def recover_abandoned(self) -> int:
        """Settle the deliveries a stopped sender left `sending`; see the module's docstring."""
        now = self.clock.now()
        recent = self._recovered_at is not None and now - self._recovered_at < RECOVERY_EVERY
        if not self.posters or recent:
            return 0
        self._recovered_at = now
        cutoff = now - self.abandoned_after
        async with UnitOfWork(self.sessions, now) as uow:
            left = list(
                await uow.session.scalars(
                    select(Delivery)
                    .where(
                        Delivery.platform.in_(list(self.posters)),
                        Delivery.status == DeliveryStatus.SENDING,
                        or_(Delivery.claimed_at.is_(None), Delivery.claimed_at <= cutoff),
                    )
                    .order_by(Delivery.id)
                )
            )
        if not left:
            return 0
        settled = await self._settle(
            [d for d in left if isinstance(self.posters[d.platform], Resumable)]
        )
        failed = await self._fail_abandoned(
            [d for d in left if not isinstance(self.posters[d.platform], Resumable)], cutoff
        )
        return settled + failed

    async def _settle(self, left: list[Delivery]) -> int:
        """Ask the platform about each post left in doubt: sent if there, else pending."""
        settled = 0
        slots = asyncio.Semaphore(SEND_CONCURRENCY)

        async def one(delivery: Delivery) -> None:
            nonlocal settled
            poster = self.posters[delivery.platform]
            assert isinstance(poster, Resumable)
            since = (delivery.claimed_at or delivery.created_at) - timedelta(minutes=1)
            try:
                async with slots:
                    message_id = await poster.arrived(
                        delivery.channel_id,
                        direct=delivery.direct,
                        delivery=delivery.id,
                        since=_aware(since),
                    )
            except Exception:
                log.warning(
                    "could not check delivery %s; checked again later", delivery.key, exc_info=True
                )
                return
            async with UnitOfWork(self.sessions, self.clock.now()) as uow:
                found = message_id is not None
                result = await uow.session.execute(
                    update(Delivery)
                    .where(
                        Delivery.id == delivery.id,
                        Delivery.status == DeliveryStatus.SENDING,
                        Delivery.claimed_at == delivery.claimed_at,
                    )
                    .values(
                        status=DeliveryStatus.SENT if found else DeliveryStatus.PENDING,
                        message_id=message_id,
                        sent_at=uow.now if found else None,
                        not_before=None,
                        error=None if found else RESENT,
                    )
                    .returning(Delivery.id)
                    .execution_options(synchronize_session=False)
                )
                if result.first() is not None:
                    settled += 1
                await uow.commit()

        await asyncio.gather(*(one(d) for d in left))
        if settled:
            log.warning("%d deliveries left mid-send were checked and settled", settled)
        return settled

    async def _fail_abandoned(self, left: list[Delivery], cutoff: datetime) -> int:
        if not left:
            return 0
        async with UnitOfWork(self.sessions, self.clock.now()) as uow:
            keys = list(
                await uow.session.scalars(
                    update(Delivery)
                    .where(
                        Delivery.id.in_([d.id for d in left]),
                        Delivery.status == DeliveryStatus.SENDING,
                        or_(Delivery.claimed_at.is_(None), Delivery.claimed_at <= cutoff),
                    )
                    .values(status=DeliveryStatus.FAILED, error=ABANDONED)
                    .returning(Delivery.key)
                    .execution_options(synchronize_session=False)
                )
            )
            if not keys:
                return 0
            shown = ", ".join(sorted(keys)[:20]) + (" …" if len(keys) > 20 else "")
            uow.audit(
                None,
                "delivery.abandoned",
                f"{plural(len(keys), 'post')} {'was' if len(keys) == 1 else 'were'} left mid-send "
                "by a sender that stopped and may "
                f"or may not have arrived; they were not resent: {shown}",
            )
            await uow.commit()
        log.warning("%d deliveries left mid-send were marked failed, not resent", len(keys))
        return len(keys)

    async def _send_batch(self) -> tuple[int, int]:
        """(deliveries claimed, deliveries sent) in one pass over the platforms here."""
        sent = 0
        most = 0
        for platform, poster in list(self.posters.items()):
            claimed, fresh = await self._pending(platform)
            most = max(most, len(claimed))
            sent += await self._send_claimed(platform, poster, claimed, fresh)
        return most, sent

    async def _pending(self, platform: str) -> tuple[list[Delivery], dict[str, Reply]]:
        """A batch of what is due to be sent, not yet claimed: see `_take`."""
        async with UnitOfWork(self.sessions, self.clock.now()) as uow:
            batch = list(
                await uow.session.scalars(
                    select(Delivery)
                    .where(
                        Delivery.platform == platform,
                        Delivery.status == DeliveryStatus.PENDING,
                        or_(Delivery.not_before.is_(None), Delivery.not_before <= uow.now),
                    )
                    .order_by(Delivery.id)
                    .limit(BATCH)
                )
            )
            # A live post (a poll) waiting for this platform's process may have
            # changed since it was queued: post it as it is now, not as it was.
            fresh: dict[str, Reply] = {}
            for subject in sorted({d.subject for d in batch if d.subject}):
                reply = await self.live.render(uow.session, subject, uow.now)
                if reply is not None:
                    fresh[subject] = reply
        return batch, fresh

    async def _take(self, delivery: Delivery) -> bool:
        """Claim one delivery just before its request leaves; False if another sender has it.

        Claiming one at a time keeps what a crash can leave in doubt to what was on
        the wire; the rest of the batch stays pending for whoever runs next.
        """
        async with UnitOfWork(self.sessions, self.clock.now()) as uow:
            taken = (
                await uow.session.execute(
                    update(Delivery)
                    .where(Delivery.id == delivery.id, Delivery.status == DeliveryStatus.PENDING)
                    .values(
                        status=DeliveryStatus.SENDING,
                        attempts=Delivery.attempts + 1,
                        claimed_at=uow.now,
                    )
                    .returning(Delivery.attempts, Delivery.claimed_at)
                    .execution_options(synchronize_session=False)
                )
            ).first()
            await uow.commit()
        if taken is None:
            return False
        delivery.attempts, delivery.claimed_at = taken
        return True

    async def _send_claimed(
        self, platform: str, poster: Poster, claimed: list[Delivery], fresh: dict[str, Reply]
    ) -> int:
        """Send a claimed batch: channels side by side, each channel's posts in order."""
        if not claimed:
            return 0
        lane = self._lanes.setdefault(platform, _Lane(None))
        slots = asyncio.Semaphore(SEND_CONCURRENCY)
        by_channel = itertools.groupby(
            sorted(claimed, key=lambda d: (d.direct, d.channel_id, d.id)),
            key=lambda d: (d.direct, d.channel_id),
        )

        async def channel(direct: bool, channel_id: str, queue: list[Delivery]) -> int:
            done = 0
            for delivery in queue:
                await lane.wait_for_channel((direct, channel_id))
                async with slots:
                    await lane.leave((direct, channel_id))
                    if not await self._take(delivery):
                        continue
                    outcome = await self._post(poster, delivery, fresh.get(delivery.subject or ""))
                done += await self._record(delivery, *outcome)
            return done

        results = await asyncio.gather(
            *(channel(direct, cid, list(queue)) for (direct, cid), queue in by_channel)
        )
        return sum(results)

    async def _post(
        self, poster: Poster, delivery: Delivery, fresh: Reply | None
    ) -> tuple[DeliveryStatus, str | None, str | None, float | None]:
        """(status, error, message id, seconds the platform asked us to wait)."""
        if MIRROR in delivery.reply:
            return await self._mirror(poster, delivery)
        reply = fresh or Reply.from_json(delivery.reply)
        try:
            if isinstance(poster, Resumable):
                message_id = await poster.post_once(
                    delivery.channel_id, reply, direct=delivery.direct, delivery=delivery.id
                )
            elif delivery.direct:
                message_id = await poster.direct(delivery.channel_id, reply)
            else:
                message_id = await poster.post(delivery.channel_id, reply)
        except DeliveryFailed as failure:
            retry = not failure.permanent and delivery.attempts < MAX_ATTEMPTS
            status = DeliveryStatus.PENDING if retry else DeliveryStatus.FAILED
            return status, failure.reason[:300], None, failure.retry_after
        except Exception as failure:
            log.exception("posting delivery %s failed", delivery.key)
            retry = delivery.attempts < MAX_ATTEMPTS
            status = DeliveryStatus.PENDING if retry else DeliveryStatus.FAILED
            return status, f"unexpected error: {type(failure).__name__}", None, None
        return DeliveryStatus.SENT, None, message_id, None

    async def _mirror(
        self, poster: Poster, delivery: Delivery
    ) -> tuple[DeliveryStatus, str | None, str | None, float | None]:
        """A native-event delivery (see `bot.mirror`): skipped where the platform has none."""
        if not isinstance(poster, Mirroring):
            return DeliveryStatus.SKIPPED, "no native events on this platform", None, None
        async with self.sessions() as session:
            known = await session.scalar(
                select(Delivery.message_id)
                .where(
                    Delivery.subject == delivery.subject,
                    Delivery.platform == delivery.platform,
                    Delivery.status == DeliveryStatus.SENT,
                    Delivery.message_id.is_not(None),
                )
                .order_by(Delivery.id.desc())
                .limit(1)
            )
        happening = Happening.from_json(delivery.reply[MIRROR])
        try:
            mirrored = await poster.mirror(delivery.channel_id, happening, known)
        except DeliveryFailed as failure:
            retry = not failure.permanent and delivery.attempts < MAX_ATTEMPTS
            status = DeliveryStatus.PENDING if retry else DeliveryStatus.FAILED
            return status, failure.reason[:300], None, failure.retry_after
        return DeliveryStatus.SENT, None, mirrored, None

    async def _record(
        self,
        delivery: Delivery,
        status: DeliveryStatus,
        error: str | None,
        message_id: str | None,
        retry_after: float | None,
    ) -> int:
        async with UnitOfWork(self.sessions, self.clock.now()) as uow:
            not_before = None
            if status is DeliveryStatus.PENDING:
                wait = backoff(delivery.attempts)
                if retry_after is not None:
                    wait = max(wait, timedelta(seconds=retry_after))
                not_before = uow.now + wait
            await uow.session.execute(
                update(Delivery)
                .where(Delivery.id == delivery.id)
                .values(
                    status=status,
                    error=error,
                    message_id=message_id,
                    sent_at=uow.now if status is DeliveryStatus.SENT else None,
                    not_before=not_before,
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


def quiet_until(now: datetime, zone: ZoneInfo, hours: tuple[time, time]) -> datetime | None:
    """When quiet hours end for someone in `zone`, if `now` is inside them; else None.

    The end is a wall-clock time in their zone, found on the calendar and converted
    back, so a night in which the clocks change still ends at their 08:00. Equal
    start and end mean no quiet hours.
    """
    start, end = hours
    if start == end:
        return None
    local = now.astimezone(zone)
    clock = local.time()
    if start < end:
        inside, day = start <= clock < end, local.date()
    else:  # overnight, 20:00-08:00
        inside = clock >= start or clock < end
        day = local.date() + timedelta(days=1) if clock >= start else local.date()
    if not inside:
        return None
    return datetime.combine(day, end, tzinfo=zone).astimezone(UTC)


def _aware(moment: datetime) -> datetime:
    """SQLite hands datetimes back naive; they were stored in UTC."""
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)


def _zone(name: str | None) -> ZoneInfo | None:
    if not name:
        return None
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return None


async def queue_posts(
    uow: UnitOfWork, reply: Reply, key: str, channels: Iterable[Target]
) -> list[Target]:
    """Queue one post per channel, keyed `<key>:<platform>:<channel>`; the channels.

    For work that posts straight to channels rather than through an event (an
    announcement, a digest, a reminder): the key makes a second attempt at the same
    work fail on the unique constraint instead of posting twice.
    """
    stored = (await with_people(uow.session, reply)).to_json()
    targets = list(dict.fromkeys(channels))
    for platform, channel_id in targets:
        uow.deliver(
            Delivery(
                key=f"{key}:{platform}:{channel_id}",
                platform=platform,
                channel_id=channel_id,
                reply=stored,
                created_at=uow.now,
            )
        )
    return targets


async def queue_direct(
    uow: UnitOfWork,
    reply: Reply,
    recipients: Mapping[int, str],
    *,
    settings: Settings | None = None,
    nudge: bool = False,
) -> int:
    """Queue one direct message per member (member id → delivery key); returns how many.

    A member with accounts on several platforms hears it once, on the account they
    made first. Members without any account (imported, never seen) are skipped.

    With `settings`, quiet hours apply: a message queued while it is night where the
    recipient is (their own zone, else their chapter's, else the society's) waits
    until their quiet hours end, instead of waking them. With `nudge`, members who
    turned nudges off (`/member nudges off`) are skipped.
    """
    (reached,) = await queue_directs(uow, [(reply, recipients)], settings=settings, nudge=nudge)
    return reached


async def queue_directs(
    uow: UnitOfWork,
    messages: Sequence[tuple[Reply, Mapping[int, str]]],
    *,
    settings: Settings | None = None,
    nudge: bool = False,
) -> list[int]:
    """`queue_direct` for many different messages at once: every recipient's account is
    looked up in one query (scheduled work that writes to hundreds of people in a tick).
    How many each message reached, in order."""
    wanted = {member_id for _, recipients in messages for member_id in recipients}
    if not wanted:
        return [0 for _ in messages]
    rows = await uow.session.execute(
        select(
            Identity.member_id,
            Identity.platform,
            Identity.external_id,
            Member.nudges,
            Member.timezone,
            Chapter.timezone,
        )
        .join(Member, Member.id == Identity.member_id)
        .outerjoin(Chapter, Chapter.id == Member.chapter_id)
        .where(Identity.member_id.in_(wanted))
        .order_by(Identity.id)
    )
    accounts: dict[int, tuple[str, str, datetime | None, str | None]] = {}
    for member_id, platform, external_id, wants, own_zone, chapter_zone in rows:
        if member_id in accounts or (nudge and not wants):
            continue
        held = None
        if settings is not None:
            zone = _zone(own_zone) or _zone(chapter_zone) or settings.tz
            held = quiet_until(uow.now, zone, settings.quiet_hours)
        reader = own_zone if _zone(own_zone) else None
        accounts[member_id] = (platform, external_id, held, reader)
    reached = []
    queued: list[dict[str, Any]] = []
    for reply, recipients in messages:
        mine = sorted((m, accounts[m]) for m in recipients if m in accounts)
        stored: dict[str | None, dict[str, Any]] = {}
        if mine:
            shared = await with_people(uow.session, reply)
            # A direct message has one reader: times in their own zone where it is known.
            for reader in {account[3] for _, account in mine}:
                stored[reader] = shared.for_reader(reader).to_json()
        queued += [
            {
                "key": recipients[member_id],
                "platform": platform,
                "channel_id": external_id,
                "direct": True,
                "reply": stored[reader],
                "status": DeliveryStatus.PENDING,
                "attempts": 0,
                "created_at": uow.now,
                "not_before": held,
            }
            for member_id, (platform, external_id, held, reader) in mine
        ]
        reached.append(len(mine))
    if queued:
        # One statement for many: a targeted call or a tick queues hundreds at once.
        # NULLs written as such: otherwise rows with and without `not_before` (quiet
        # hours) alternate, and each run of them becomes a statement of its own.
        await uow.session.execute(insert(Delivery).execution_options(render_nulls=True), queued)
        uow.queued += len(queued)
    return reached
