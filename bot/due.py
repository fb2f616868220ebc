"""Time-based work, declared by each feature and ticked by the scheduler.

A due job is a plain async function: given a unit of work and the time now, it
finds what is due, claims each item (a conditional update, or a `DueClaim` row
whose key names the work and its period), and leaves events and deliveries in the
unit of work. The scheduler commits it; `nudges preview` rolls it back instead,
so a preview runs exactly the code a real tick would, and sends nothing.

Jobs share one transaction per tick, each inside a savepoint: a quiet minute costs
one round of `BEGIN … COMMIT`, not one per job, and a job that fails is undone
alone. A job may also declare a probe: a cheap test of whether anything could be
due. The scheduler asks every probe in one statement and runs only the jobs whose
probe says yes, so a quiet minute costs one query, not a savepoint and a query per
job, however many features the society adds. (The same statement counts what
earlier runs left unsent; on PostgreSQL it runs in autocommit before any
transaction, so a quiet minute is one round trip.)

That statement is built once per set of jobs and settings, not every minute:
a probe is a function of a `Tick` (and the settings), and wherever it needs the
time it asks the tick for a parameter (`tick.at(offset)`, or `tick.value(...)`
for a claim key naming today's date) that is filled in each time it is asked.
A quiet minute then costs executing a compiled statement, not rebuilding and
compiling a score of expressions.

PostgreSQL plans a statement it runs often once for any parameters (a generic
plan), so a probe must stay cheap when the planner does not know the time: a
range it cannot see may be guessed to match a third of the table, and `exists`
then scans it all. Prefer a shape whose plan does not depend on the value (the
first row of an index, compared with the tick), and write constants into the SQL
rather than as parameters.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import BindParameter, ColumnElement, String, bindparam, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.types import TypeEngine

from bot.config import Settings
from storage.models import DueClaim, UTCDateTime
from storage.uow import UnitOfWork


@dataclass
class DueRun:
    """What a due job receives: the transaction, the time, the settings, and a log."""

    uow: UnitOfWork
    settings: Settings
    notes: list[str] = field(default_factory=list)
    """One line per item handled: what, where and why (shown by `nudges preview`)."""
    more: bool = False
    """Set by a job that stopped at its batch limit: it runs again at once, in a fresh
    transaction, so a thousand digests never hold one write lock for seconds."""

    @property
    def session(self) -> AsyncSession:
        return self.uow.session

    @property
    def now(self) -> datetime:
        return self.uow.now

    def note(self, line: str) -> None:
        self.notes.append(line)

    async def claim(self, key: str, outcome: str = "done", detail: str | None = None) -> bool:
        """Take the work named `key` unless someone already has; True if it is ours.

        The row is written and flushed at once, so a second process racing for the
        same key fails on the primary key here (and its tick retries later) instead
        of at commit after it has queued posts.
        """
        if await self.session.get(DueClaim, key) is not None:
            return False
        self.session.add(DueClaim(key=key, claimed_at=self.now, outcome=outcome, detail=detail))
        await self.session.flush()
        return True

    async def claimed(self, keys: list[str]) -> set[str]:
        """Which of these keys are already taken, in one query."""
        if not keys:
            return set()
        rows = await self.session.scalars(select(DueClaim.key).where(DueClaim.key.in_(keys)))
        return set(rows)


DueJob = Callable[[DueRun], Awaitable[None]]


At = datetime | ColumnElement[datetime]
"""A moment a query compares with: the time itself in a job, a `Tick` parameter in a probe."""


class Tick:
    """The moment a probe is asked at, as named parameters of its statement.

    Each parameter says how its value follows from the moment, so a probe's SQL is
    built once and each tick only supplies `params(now)`.
    """

    def __init__(self) -> None:
        self._values: dict[str, Callable[[datetime], Any]] = {}
        self._times: dict[timedelta, BindParameter[datetime]] = {}

    def at(self, offset: timedelta = timedelta(0)) -> BindParameter[datetime]:
        """The moment, moved by `offset` (`tick.at(-RETENTION)`: that long ago)."""
        if offset not in self._times:
            self._times[offset] = self.value(lambda now: now + offset, UTCDateTime())
        return self._times[offset]

    def value(
        self, of: Callable[[datetime], Any], type_: TypeEngine[Any] | None = None
    ) -> BindParameter[Any]:
        """Any value that follows from the moment: a claim key, a week's label."""
        key = f"tick_{len(self._values)}"
        self._values[key] = of
        return bindparam(key, type_=type_ if type_ is not None else String())

    def params(self, now: datetime) -> dict[str, Any]:
        return {key: of(now) for key, of in self._values.items()}


DueProbe = Callable[[Tick, Settings], ColumnElement[bool] | bool]
"""Whether a job may have work at a tick's moment: an SQL test (usually `exists(...)`
over the rows its query would select, with the time as `Tick` parameters) or a plain
answer. It must never say no when the job has work; saying yes when it has none only
costs the job's own query. It is called once per settings, not once per tick."""


def ask(probe: DueProbe, settings: Settings) -> tuple[ColumnElement[bool] | bool, Tick]:
    """A probe's test and the tick whose `params(now)` it is to be executed with."""
    tick = Tick()
    return probe(tick, settings), tick
