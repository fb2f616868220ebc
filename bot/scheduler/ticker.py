"""The ticker: APScheduler calls `run_due(clock.now())` on the leader, every tick.

APScheduler holds no state of ours (an in-memory job store): what is due lives in
the database, so a restart, a missed tick or a tick that ran late loses nothing.
Missed ticks coalesce into one, and a tick never overlaps the previous one.
Elections run every `ELECTION_SECONDS` besides, so a standby notices within half
a minute that the leader has gone.
"""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Protocol

from apscheduler.schedulers.asyncio import AsyncIOScheduler  # type: ignore[import-untyped]
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.clock import Clock
from bot.scheduler.leader import Leadership, leadership_for
from bot.scheduler.run import DueParts, DueReport, run_due

log = logging.getLogger("chapterhouse.scheduler")

ELECTION_SECONDS = 30.0


class SchedulerParts(DueParts, Protocol):
    @property
    def clock(self) -> Clock: ...

    @property
    def engine(self) -> AsyncEngine: ...


@dataclass(frozen=True)
class SchedulerStatus:
    """For health checks: does this process tick, and when did it last?"""

    running: bool
    leading: bool
    lock: str
    last_tick: datetime | None
    last_failures: int
    """Jobs that failed in the last tick (rolled back, retried next tick)."""

    def as_json(self) -> dict[str, Any]:
        return {
            "running": self.running,
            "role": "leader" if self.leading else "standby",
            "lock": self.lock,
            "last_tick": self.last_tick.isoformat() if self.last_tick else None,
            "last_failures": self.last_failures,
        }


class Scheduler:
    def __init__(
        self,
        app: SchedulerParts,
        *,
        leadership: Leadership | None = None,
        tick_seconds: float | None = None,
        election_seconds: float = ELECTION_SECONDS,
    ) -> None:
        self.app = app
        self.leadership = leadership or leadership_for(app.engine)
        self.tick_seconds = float(tick_seconds or app.settings.scheduler_tick_seconds)
        self.election_seconds = election_seconds
        self.leading = False
        self.last_tick: datetime | None = None
        self.last_report: DueReport | None = None
        self._said: bool | None = None
        self._electing = asyncio.Lock()
        self._ticking = asyncio.Lock()
        self._aps: AsyncIOScheduler | None = None

    async def start(self) -> None:
        """Elect now (so the log says at once whether this process ticks), then tick."""
        logging.getLogger("apscheduler").setLevel(logging.WARNING)  # a line per tick otherwise
        await self.elect()
        aps = AsyncIOScheduler(event_loop=asyncio.get_running_loop())
        grace = max(1, int(self.tick_seconds))
        aps.add_job(
            self.tick,
            "interval",
            seconds=self.tick_seconds,
            id="tick",
            coalesce=True,
            max_instances=1,
            misfire_grace_time=grace,
        )
        aps.add_job(
            self.elect,
            "interval",
            seconds=self.election_seconds,
            id="elect",
            coalesce=True,
            max_instances=1,
            misfire_grace_time=max(1, int(self.election_seconds)),
        )
        aps.start()
        self._aps = aps

    async def stop(self) -> None:
        """Stop ticking, let a tick in progress finish, and hand the lead back."""
        if self._aps is not None:
            self._aps.shutdown(wait=False)
            self._aps = None
        async with self._ticking, self._electing:
            if self.leading:
                log.info("scheduler: stepping down (%s released)", self.leadership.where)
            await self.leadership.release()
            self.leading = False
            self._said = None

    async def elect(self, confirm: bool = True) -> bool:
        """One election step: take the lead if free, or check it is still ours.

        A tick elects unconfirmed (no round trip while the lock's connection is
        open); the election every `election_seconds` confirms.
        """
        async with self._electing:
            try:
                leading = await self.leadership.hold(confirm)
            except Exception:
                log.exception("scheduler: election failed; standing by until the next one")
                leading = False
            self.leading = leading
            if self._said is not leading:
                if leading:
                    log.info("scheduler: leading; this process ticks (%s)", self.leadership.where)
                elif self._said is None:
                    log.info(
                        "scheduler: standing by; another process holds %s", self.leadership.where
                    )
                else:
                    log.warning("scheduler: no longer leading (%s)", self.leadership.where)
                self._said = leading
            return leading

    async def tick(self) -> DueReport | None:
        """If this process leads, run what is due now; None when standing by."""
        async with self._ticking:
            if not await self.elect(confirm=False):
                return None
            now = self.app.clock.now()
            try:
                report = await run_due(self.app, now)
            except Exception:
                log.exception("scheduler: tick at %s failed; the next one retries", now)
                return None
            self.last_tick, self.last_report = now, report
            return report

    def status(self) -> SchedulerStatus:
        return SchedulerStatus(
            running=self._aps is not None,
            leading=self.leading,
            lock=self.leadership.where,
            last_tick=self.last_tick,
            last_failures=len(self.last_report.failed) if self.last_report else 0,
        )
