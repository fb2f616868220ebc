"""Which process ticks: one leader per database, the others stand by.

Claims already keep every post single if two processes tick by mistake; the
election keeps them from doing the same work twice over, and it is what lets an
operator run several processes on PostgreSQL without thinking about it.

* PostgreSQL: a session-level `pg_try_advisory_lock` held on a connection kept
  for as long as the process leads. The server lets go of it when that connection
  ends, so a leader that dies (or whose connection is cut) frees it, and a
  standby's next attempt (every 30 s) takes over.
* SQLite: an exclusive lock on `<database file>.scheduler.lock`, which the
  operating system drops when the process exits.
"""

from __future__ import annotations

import hashlib
import logging
from pathlib import Path
from typing import Any, Protocol

from filelock import FileLock, Timeout
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

log = logging.getLogger("chapterhouse.scheduler")

LOCK_KEY = int.from_bytes(hashlib.sha256(b"chapterhouse:scheduler").digest()[:8], signed=True)
"""The advisory lock's key: fixed, so every Chapterhouse process on a database asks for it."""


class Leadership(Protocol):
    @property
    def where(self) -> str:
        """What is held, for logs and health checks."""
        ...

    async def hold(self, confirm: bool = True) -> bool:
        """Take the lead if it is free, or confirm it is still ours; True while leading.

        `confirm=False` (every tick): trust what is known without asking the database,
        when that costs a round trip; the periodic election confirms.
        """
        ...

    async def release(self) -> None: ...


class Always:
    """No other process can share the database: always lead."""

    where = "no lock (nothing else can share this database)"

    async def hold(self, confirm: bool = True) -> bool:
        return True

    async def release(self) -> None:
        return None


class FileLeadership:
    def __init__(self, path: Path) -> None:
        self.path = path
        # Not thread-local and not shared: a second scheduler in this process (a
        # test) opens its own descriptor and is refused like another process.
        self._lock = FileLock(path, thread_local=False, is_singleton=False)

    @property
    def where(self) -> str:
        return f"file lock {self.path}"

    async def hold(self, confirm: bool = True) -> bool:
        if self._lock.is_locked:
            return True
        try:
            self._lock.acquire(blocking=False)
        except Timeout:
            return False
        except OSError as error:
            log.warning("cannot open the scheduler lock %s: %s", self.path, error)
            return False
        return True

    async def release(self) -> None:
        if self._lock.is_locked:
            self._lock.release(force=True)


class PostgresLeadership:
    def __init__(self, engine: AsyncEngine, key: int = LOCK_KEY) -> None:
        self.engine = engine
        self.key = key
        self._connection: AsyncConnection | None = None
        self._pid: int | None = None
        self._driver: Any = None

    @property
    def where(self) -> str:
        return f"PostgreSQL advisory lock {self.key}"

    @property
    def backend_pid(self) -> int | None:
        """The server process holding the lock for us (tests cut it to simulate a crash)."""
        return self._pid

    async def hold(self, confirm: bool = True) -> bool:
        """Unconfirmed, the lock is ours while its connection's socket is open: a server
        that ended the session (and so freed the lock) has closed it. Confirmed, the
        connection is asked, which also finds a path cut without a word."""
        if self._connection is not None:
            if not confirm and not self.closed:
                return True
            try:
                await self._connection.execute(text("SELECT 1"))
                return True
            except Exception as error:
                log.warning("scheduler: the leader's connection failed (%s)", type(error).__name__)
                await self._drop()
        return await self._try()

    @property
    def closed(self) -> bool:
        """The lock's connection is gone, as far as the driver knows (no round trip)."""
        driver = self._driver
        return driver is None or bool(driver.is_closed())

    async def _try(self) -> bool:
        try:
            connection = await self.engine.connect()
        except Exception as error:
            log.warning("scheduler: cannot reach the database to elect (%s)", type(error).__name__)
            return False
        try:
            await connection.execution_options(isolation_level="AUTOCOMMIT")
            row = (
                await connection.execute(
                    text("SELECT pg_try_advisory_lock(:key), pg_backend_pid()"), {"key": self.key}
                )
            ).one()
        except Exception as error:
            log.warning("scheduler: election failed (%s)", type(error).__name__)
            await _discard(connection)
            return False
        if not row[0]:
            await connection.close()
            return False
        self._connection, self._pid = connection, int(row[1])
        self._driver = (await connection.get_raw_connection()).driver_connection
        return True

    async def _drop(self) -> None:
        connection, self._connection, self._pid = self._connection, None, None
        self._driver = None
        if connection is not None:
            await _discard(connection)

    async def release(self) -> None:
        connection = self._connection
        if connection is None:
            return
        try:
            await connection.execute(text("SELECT pg_advisory_unlock(:key)"), {"key": self.key})
        except Exception:
            log.info("scheduler: could not unlock; closing the connection frees the lock")
        await self._drop()


async def _discard(connection: AsyncConnection) -> None:
    """Close the connection for good, not back to the pool: a session lock must not
    outlive the leadership in a pooled connection."""
    try:
        await connection.invalidate()
    except Exception:
        log.debug("invalidating a dead connection failed", exc_info=True)
    try:
        await connection.close()
    except Exception:
        log.debug("closing a dead connection failed", exc_info=True)


def leadership_for(engine: AsyncEngine) -> Leadership:
    """The election that fits the database behind `engine`."""
    if engine.dialect.name == "postgresql":
        return PostgresLeadership(engine)
    database = engine.url.database
    if not database or database == ":memory:" or database.startswith("file::memory:"):
        return Always()
    return FileLeadership(Path(f"{database}.scheduler.lock"))
