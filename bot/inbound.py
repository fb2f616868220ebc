"""Acting once on a platform's delivery, however many instances receive it.

Slack re-delivers a request it thinks was lost (`X-Slack-Retry-Num`), and the
re-delivery can land on another instance behind the load balancer; a member's
double click can too. Before an adapter runs anything it claims the delivery's
identity as the platform gives it (a slash command's `trigger_id`, a modal's view
id and hash, a Discord interaction id) with one insert into a table whose key is
that identity. The first insert wins everywhere; the others find the row and drop
the request. Rows are kept an hour (`RETENTION`), longer than any platform
retries, and pruned by the `upkeep.inbound` due job.

Under a burst every command and click needs its claim before anything else, so
the claims that arrive while one batch is being written are written together as
the next: one transaction and one commit for many deliveries instead of one each
(on SQLite, each would also wait its turn for the one writer). Every delivery is
still decided alone: a repeat claims nothing, however its batch goes.
"""

from __future__ import annotations

import asyncio
import functools
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from weakref import WeakKeyDictionary

from sqlalchemy import ColumnElement, TextClause, bindparam, delete, exists, text
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine, AsyncSession, async_sessionmaker

from bot.config import Settings
from bot.due import At, Tick
from storage.engine import transaction_gate
from storage.models import InboundClaim
from storage.uow import UnitOfWork, wrote

RETENTION = timedelta(hours=1)
"""How long a delivery is remembered: Slack retries within minutes, Discord never late."""
MAX_KEY = 200
MAX_BATCH = 50
"""Deliveries claimed in one transaction at most: each number of rows is a statement of
its own to SQLAlchemy's compiled cache, which the core's statements share."""


Claim = tuple[str, timedelta]
"""A key and how long a repeat of it is a duplicate."""


async def first_delivery(
    sessions: async_sessionmaker[AsyncSession], claims: list[Claim], now: datetime | None = None
) -> bool:
    """Claim every key; True for a first delivery, False if any is a repeat.

    Committed before this returns, so that every other instance sees the claim
    before it could run the command. A repeat claims nothing. Deliveries happen in
    real time, so `now` is the wall clock unless a test says.
    """
    claimer = _CLAIMERS.get(sessions)
    if claimer is None or claimer.loop is not asyncio.get_running_loop():
        claimer = _CLAIMERS[sessions] = Claimer(sessions)
    return await claimer.first(claims, now or datetime.now(UTC))


Waiting = tuple[list[Claim], datetime, "asyncio.Future[bool]"]


class Claimer:
    """Writes the claims waiting for it in batches, one transaction each (see the top)."""

    def __init__(self, sessions: async_sessionmaker[AsyncSession]) -> None:
        self.sessions = sessions
        self.loop = asyncio.get_running_loop()
        self.waiting: list[Waiting] = []
        self.writer: asyncio.Task[None] | None = None

    async def first(self, claims: list[Claim], now: datetime) -> bool:
        future: asyncio.Future[bool] = self.loop.create_future()
        self.waiting.append((claims, now, future))
        if self.writer is None:
            self.writer = self.loop.create_task(self._write_all())
        return await future

    async def _write_all(self) -> None:
        batch: list[Waiting] = []
        try:
            while self.waiting:
                batch, self.waiting = self.waiting[:MAX_BATCH], self.waiting[MAX_BATCH:]
                try:
                    firsts = await self._write(batch)
                except Exception as error:
                    for *_, future in batch:
                        if not future.done():
                            future.set_exception(error)
                    continue
                for (*_, future), first in zip(batch, firsts, strict=True):
                    if not future.done():
                        future.set_result(first)
        except BaseException:  # cancelled: nobody may be left waiting for an answer
            for *_, future in batch + self.waiting:
                future.cancel()
            self.waiting = []
            raise
        finally:
            self.writer = None

    async def _write(self, batch: list[Waiting]) -> list[bool]:
        """Each delivery's claims in turn, in one transaction: whether each was a first."""
        firsts: dict[int, bool] = {}
        # Deliveries with one key (all but Slack's clicks) and the same `within` are
        # claimed by one statement, as of the newest delivery among them; a key met
        # twice in the batch is a repeat the second time.
        alone: dict[timedelta, dict[str, int]] = {}
        for i, (claims, _, _) in enumerate(batch):
            if len(claims) == 1:
                key, within = claims[0][0][:MAX_KEY], claims[0][1]
                keys = alone.setdefault(within, {})
                if key in keys or any(key in other for other in alone.values()):
                    firsts[i] = False
                else:
                    keys[key] = i
        bind = self.sessions.kw.get("bind")
        if len(firsts) + sum(map(len, alone.values())) == len(batch) and isinstance(
            bind, AsyncEngine
        ):
            await _claim_alone(bind, alone, batch, firsts)  # the common case: no clicks
            return [firsts[i] for i in range(len(batch))]
        async with UnitOfWork(self.sessions, batch[0][1]) as uow:
            session = uow.session
            connection = await session.connection()
            await _claim_single(connection, alone, batch, firsts)
            for i, (claims, now, _) in enumerate(batch):
                if i in firsts:
                    continue
                async with session.begin_nested() as savepoint:
                    first = True
                    for key, within in claims:
                        if not await claim(session, key[:MAX_KEY], now, within):
                            first = False
                            await savepoint.rollback()  # a repeat claims nothing
                            break
                firsts[i] = first
            if any(firsts.values()):
                await session.commit()
        return [firsts[i] for i in range(len(batch))]


async def _claim_single(
    connection: AsyncConnection,
    alone: dict[timedelta, dict[str, int]],
    batch: list[Waiting],
    firsts: dict[int, bool],
) -> None:
    """One INSERT per window for the one-key deliveries, as of the newest among them."""
    for within, keys in alone.items():
        now = max(batch[i][1] for i in keys.values())
        claimed = await claim_all(connection, list(keys), now, within)
        firsts.update((i, key in claimed) for key, i in keys.items())


async def _claim_alone(
    engine: AsyncEngine,
    alone: dict[timedelta, dict[str, int]],
    batch: list[Waiting],
    firsts: dict[int, bool],
) -> None:
    """Deliveries of one key each: one INSERT per window, on a plain connection.

    Each delivery is decided by its own row, so nothing needs the rows written
    together or undone: on PostgreSQL each statement commits alone (one round trip
    instead of BEGIN, INSERT and COMMIT), and neither database builds an ORM session
    for it. On SQLite the statement still waits its turn at the transaction gate.
    """
    gate = transaction_gate(engine)
    if gate is not None:
        await gate.acquire()
    try:
        async with engine.connect() as connection:
            if engine.dialect.name == "postgresql":
                connection = await connection.execution_options(isolation_level="AUTOCOMMIT")
            await _claim_single(connection, alone, batch, firsts)
            await connection.commit()
    finally:
        if gate is not None:
            gate.release()


_CLAIMERS: WeakKeyDictionary[async_sessionmaker[AsyncSession], Claimer] = WeakKeyDictionary()


async def claim(session: AsyncSession, key: str, now: datetime, within: timedelta) -> bool:
    """Insert the claim, or take over one older than `within`; whether this call got it."""
    dialect = session.get_bind().dialect.name
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    row = insert(InboundClaim).values(key=key, claimed_at=now)
    statement = row.on_conflict_do_update(
        index_elements=[InboundClaim.key],
        set_={"claimed_at": row.excluded.claimed_at},
        where=InboundClaim.claimed_at < now - within,
    ).returning(InboundClaim.key)
    return (await session.execute(statement)).first() is not None


async def claim_all(
    connection: AsyncConnection, keys: list[str], now: datetime, within: timedelta
) -> set[str]:
    """`claim` for several distinct keys in one statement; the keys this call got."""
    values: dict[str, object] = {f"key_{i}": key for i, key in enumerate(sorted(keys))}
    values.update(now=now, stale=now - within)
    return set((await connection.execute(_claims_statement(len(keys)), values)).scalars())


def _stale(before: At) -> ColumnElement[bool]:
    return InboundClaim.claimed_at < before


def prune_due(tick: Tick, _settings: Settings) -> ColumnElement[bool]:
    return exists().where(_stale(tick.at(-RETENTION)))


async def prune(session: AsyncSession, now: datetime) -> int:
    """Forget deliveries older than `RETENTION`; how many."""
    result = await session.execute(
        delete(InboundClaim)
        .where(_stale(now - RETENTION))
        .execution_options(synchronize_session=False)
    )
    return int(getattr(result, "rowcount", 0) or 0)


async def claim_first(
    session: AsyncSession, deliveries: Sequence[Sequence[Claim]], now: datetime
) -> list[bool]:
    """Claim each delivery's keys inside the caller's transaction: whether each is a first.

    The dispatcher's way (`Request.claims`): the claim is the first statement of
    the command's own unit of work, so a delivery passes the writer's gate once and
    its claim commits, or rolls back, with what its command did. A repeat claims
    nothing: a delivery with several keys (a Slack click) of which one is a repeat
    gives back the others it had taken. One INSERT per window, its keys sorted so
    that two transactions claiming overlapping keys lock them in the same order. On
    PostgreSQL a key another transaction has claimed but not committed waits for it,
    then counts as a repeat if that one committed; on SQLite the gate serialises them.
    """
    firsts = [True] * len(deliveries)
    owner: dict[str, int] = {}
    windows: dict[timedelta, list[str]] = {}
    for i, claims in enumerate(deliveries):
        keys = [(key[:MAX_KEY], within) for key, within in claims]
        if any(key in owner for key, _ in keys) or len({k for k, _ in keys}) < len(keys):
            firsts[i] = False  # met earlier in this batch: the earlier copy runs
            continue
        for key, within in keys:
            owner[key] = i
            windows.setdefault(within, []).append(key)
    if not owner:
        return firsts
    # On the session's connection, not through the ORM: an ORM-enabled INSERT … RETURNING
    # is compiled again at every execution, this one is compiled once per shape.
    connection = await session.connection()
    got: set[str] = set()
    for within, window in windows.items():
        got.update(await claim_all(connection, window, now, within))
    wrote(session)  # the unit of work commits it, even if the command only reads
    for key, i in owner.items():
        if key not in got:
            firsts[i] = False
    returned = [key for key, i in owner.items() if key in got and not firsts[i]]
    if returned:  # part of a repeat: a repeat claims nothing
        await connection.execute(delete(InboundClaim).where(InboundClaim.key.in_(returned)))
    return firsts


@functools.cache
def _claims_statement(rows: int) -> TextClause:
    """`rows` claims in one INSERT (the same SQL on PostgreSQL and SQLite), every value
    bound: one compiled statement per number of rows. SQLAlchemy's multi-row `values()`
    cannot be cached, so built that way it would be compiled again at every execution."""
    table = InboundClaim.__tablename__
    rows_sql = ", ".join(f"(:key_{i}, :now)" for i in range(rows))
    stamp = InboundClaim.claimed_at.type
    return text(
        f"INSERT INTO {table} (key, claimed_at) VALUES {rows_sql} "
        f"ON CONFLICT (key) DO UPDATE SET claimed_at = excluded.claimed_at "
        f"WHERE {table}.claimed_at < :stale RETURNING {table}.key"
    ).bindparams(
        bindparam("now", type_=stamp),
        bindparam("stale", type_=stamp),
        *(bindparam(f"key_{i}", type_=InboundClaim.key.type) for i in range(rows)),
    )
