"""Filling a member's profile from what their platform knows, without getting in the way.

On a member's first command, and at most daily after, Chapterhouse asks the
platform about them (Slack's `users.info`: real name, time zone, title) or reads
what the platform sent with the command (Discord's global name), and fills what
is still empty. A field the member set themselves (`MemberProfile.edited`) is never
overwritten, and a name the member chose is kept.

The fill runs after the command has answered, in its own transaction: a platform
that fails or rate-limits does not slow or break the command; the fill is retried
after `RETRY_AFTER`. Adapters provide a `ProfileSource` (a protocol, so the core
never imports them) or put what they know in `Request.profile`.
"""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Protocol
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from sqlalchemy import or_, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.clock import Clock
from storage.models import Identity, Member, MemberProfile, ProfileVisibility
from storage.terms import reindex
from storage.uow import UnitOfWork

log = logging.getLogger("chapterhouse.profiles")

FILL_EVERY = timedelta(days=1)
RETRY_AFTER = timedelta(hours=1)
MAX_FIELD = 120
MAX_REMEMBERED = 50_000
"""Accounts whose next fill time is kept in memory, at most (past ones are dropped first)."""


@dataclass(frozen=True)
class PlatformProfile:
    """What a platform says about an account; None where it says nothing."""

    name: str | None = None
    timezone: str | None = None
    title: str | None = None


class ProfileUnavailable(Exception):
    """The platform could not say now (an error, a rate limit); try again later."""


class ProfileSource(Protocol):
    platform: str

    async def lookup(self, user_id: str) -> PlatformProfile: ...


def member_tz(member: Member, fallback: ZoneInfo) -> ZoneInfo:
    """The member's own time zone when known (set by them or their platform), else `fallback`.

    For nudges, reminders and event times shown "in each one's local time".
    """
    if member.timezone:
        try:
            return ZoneInfo(member.timezone)
        except (ZoneInfoNotFoundError, ValueError):
            pass
    return fallback


def _zone_name(name: str | None) -> str | None:
    if not name:
        return None
    try:
        return ZoneInfo(name).key
    except (ZoneInfoNotFoundError, ValueError):
        return None


def apply(member: Member, profile: MemberProfile, found: PlatformProfile) -> list[str]:
    """Fill what is empty and not the member's own; the fields filled.

    A name is never empty (registration names a member after their account), so the
    platform's name replaces it unless the member chose their own.
    """
    own = set(profile.edited)
    filled = []
    name = (found.name or "").strip()[:MAX_FIELD]
    if name and "name" not in own and name != member.name:
        member.name = name
        filled.append("name")
    zone = _zone_name(found.timezone)
    if zone and "timezone" not in own and member.timezone is None:
        member.timezone = zone
        filled.append("timezone")
    title = (found.title or "").strip()[:MAX_FIELD]
    if title and "title" not in own and profile.title is None:
        profile.title = title
        filled.append("title")
    return filled


class ProfileFiller:
    def __init__(self, sessions: async_sessionmaker[AsyncSession], clock: Clock) -> None:
        self.sessions = sessions
        self.clock = clock
        self.sources: dict[str, ProfileSource] = {}
        self._tasks: set[asyncio.Task[None]] = set()
        self._filling: set[tuple[str, str]] = set()
        """Accounts with a fill under way: it decides whether one is due, for all of
        that account's commands meanwhile (a burst would otherwise queue one each)."""
        self._not_due: dict[tuple[str, str], datetime] = {}
        """Accounts whose fill is not due before the time given, as this process last
        found or set it: their commands open no transaction to ask again (on SQLite
        every transaction takes the writer's lock). Only a fill moves that time, and
        none can run before it, so it cannot go stale early."""

    def add_source(self, source: ProfileSource) -> None:
        self.sources[source.platform] = source

    def noticed(self, platform: str, user_id: str, known: PlatformProfile | None) -> None:
        """A command came from this account: fill its profile soon, if it is due."""
        if known is None and platform not in self.sources:
            return
        account = (platform, user_id)
        if account in self._filling:
            return
        due = self._not_due.get(account)
        if due is not None and self.clock.now() < due:
            return
        self._filling.add(account)
        task = asyncio.create_task(self.fill(platform, user_id, known))
        self._tasks.add(task)

        def done(task: asyncio.Task[None]) -> None:
            self._tasks.discard(task)
            self._filling.discard(account)

        task.add_done_callback(done)

    async def settle(self) -> None:
        """Wait for the fills under way (tests, and shutting down cleanly)."""
        while self._tasks:
            await asyncio.gather(*list(self._tasks), return_exceptions=True)

    async def fill(self, platform: str, user_id: str, known: PlatformProfile | None) -> None:
        try:
            member_id = await self._claim(platform, user_id)
            if member_id is None:
                return
            try:
                found = known
                if found is None:
                    found = await self.sources[platform].lookup(user_id)
            except ProfileUnavailable as error:
                await self._retry_later(member_id)
                self._due_at((platform, user_id), self.clock.now() + RETRY_AFTER)
                log.info("profile fill from %s postponed: %s", platform, error)
                return
            await self._store(member_id, found)
        except Exception:
            log.exception("profile fill from %s failed; it is retried later", platform)

    async def _claim(self, platform: str, user_id: str) -> int | None:
        """The member's id if a fill is due, marking it taken (one fill at a time)."""
        now = self.clock.now()
        async with UnitOfWork(self.sessions, now) as uow:
            member_id = await uow.session.scalar(
                select(Identity.member_id).where(
                    Identity.platform == platform, Identity.external_id == user_id
                )
            )
            if member_id is None:
                return None
            profile = await uow.session.get(MemberProfile, member_id)
            filled = profile.filled_at if profile is not None else None
            if filled is not None and filled > now - FILL_EVERY:
                self._due_at((platform, user_id), filled + FILL_EVERY)
                return None  # not due (most commands): nothing written, nothing committed
            if profile is None:
                uow.session.add(
                    MemberProfile(
                        member_id=member_id,
                        visibility=ProfileVisibility.CHAPTER,
                        edited=[],
                        updated_at=now,
                    )
                )
                try:
                    await uow.session.flush()
                except IntegrityError:
                    return None  # another process made it just now, and fills it
            claimed = await uow.session.execute(
                update(MemberProfile)
                .where(
                    MemberProfile.member_id == member_id,
                    or_(
                        MemberProfile.filled_at.is_(None),
                        MemberProfile.filled_at <= now - FILL_EVERY,
                    ),
                )
                .values(filled_at=now)
            )
            await uow.commit()
            if not claimed.rowcount:  # type: ignore[attr-defined]
                return None
            self._due_at((platform, user_id), now + FILL_EVERY)
            return member_id

    def _due_at(self, account: tuple[str, str], when: datetime) -> None:
        if len(self._not_due) >= MAX_REMEMBERED:
            now = self.clock.now()
            self._not_due = {a: t for a, t in self._not_due.items() if t > now}
            if len(self._not_due) >= MAX_REMEMBERED:
                self._not_due.clear()
        self._not_due[account] = when

    async def _retry_later(self, member_id: int) -> None:
        now = self.clock.now()
        async with UnitOfWork(self.sessions, now) as uow:
            await uow.session.execute(
                update(MemberProfile)
                .where(MemberProfile.member_id == member_id)
                .values(filled_at=now - FILL_EVERY + RETRY_AFTER)
            )
            await uow.commit()

    async def _store(self, member_id: int, found: PlatformProfile) -> None:
        now = self.clock.now()
        async with UnitOfWork(self.sessions, now) as uow:
            member = await uow.session.get(Member, member_id)
            profile = await uow.session.get(MemberProfile, member_id)
            if member is None or profile is None:
                return
            filled = apply(member, profile, found)
            if filled:
                profile.updated_at = now
                await reindex(uow.session, member, profile)
                log.info("filled %s from the platform for member %d", ", ".join(filled), member_id)
            await uow.commit()
