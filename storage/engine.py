"""Engines for SQLite (one process) and PostgreSQL (several).

SQLite gets WAL, foreign keys and a busy timeout, and every transaction opens with
`BEGIN IMMEDIATE`: a deferred transaction that reads and then writes fails with
SQLITE_BUSY at once instead of waiting its turn.

PostgreSQL's pool hands out the connection returned last (so the few that a quiet
process uses stay warm, their prepared statements planned), and checks a connection
before handing it out without a round trip: a connection whose server went away (a
restart, a terminated backend, an idle timeout) has seen its socket closed, and is
replaced. Only one idle for `PING_IDLE_SECONDS` is pinged, since a quiet network
path may have been cut without a word. (SQLAlchemy's `pool_pre_ping` would cost
every checkout three round trips: BEGIN, a ping, ROLLBACK.)

PostgreSQL's JIT compilation is turned off for our connections: it is meant for
long analytical queries, and a command's short statement whose plan is merely
estimated to be costly (a JSON list is guessed to hold a hundred items) would
otherwise spend hundreds of milliseconds compiling what runs in one.
"""

from __future__ import annotations

import asyncio
import threading
import time
from typing import Any
from weakref import WeakKeyDictionary

from sqlalchemy import Engine, event
from sqlalchemy.engine import URL, make_url
from sqlalchemy.exc import ArgumentError, DisconnectionError
from sqlalchemy.ext.asyncio import (
    AsyncEngine,
    AsyncSession,
    async_sessionmaker,
    create_async_engine,
)

from storage.sqlite_hop import OneHopConnection, use_one_hop

BUSY_TIMEOUT_MS = 10_000
Gate = asyncio.Lock | asyncio.Semaphore
_GATES: WeakKeyDictionary[Engine, Gate] = WeakKeyDictionary()
POOL_HEADROOM = 2
"""Connections kept free of units of work, for migrations and health checks."""
PING_IDLE_SECONDS = 300.0
"""A pooled PostgreSQL connection idle longer than this is pinged before it is used."""
_RETURNED = "chapterhouse.returned"


def normalise_url(raw: str) -> URL:
    """Accept the URLs operators paste (postgres://, sqlite:///) and pick the async driver."""
    try:
        url = make_url(raw)
    except ArgumentError:
        raise ValueError(
            "not a database URL; expected e.g. sqlite+aiosqlite:///chapterhouse.db "
            "or postgresql+asyncpg://user:pass@host/db"
        ) from None
    backend = url.get_backend_name()
    if backend == "sqlite":
        return url.set(drivername="sqlite+aiosqlite")
    if backend in ("postgresql", "postgres"):
        return url.set(drivername="postgresql+asyncpg")
    raise ValueError(f"unsupported database {backend!r}; use sqlite or postgresql")


def safe_url(url: URL | str) -> str:
    """The URL as it may appear in logs and error lines: never with its password."""
    if isinstance(url, str):
        try:
            url = make_url(url)
        except ArgumentError:
            return "<unparseable URL>"
    return url.render_as_string(hide_password=True)


def create_engine(raw_url: str, **kwargs: Any) -> AsyncEngine:
    url = normalise_url(raw_url)
    if url.get_backend_name() == "sqlite":
        if url.database in (None, "", ":memory:"):
            raise ValueError("in-memory SQLite is not supported; give a file path")
        engine = create_async_engine(
            url, connect_args={"timeout": BUSY_TIMEOUT_MS / 1000}, **kwargs
        )
        _configure_sqlite(engine)
        _GATES[engine.sync_engine] = asyncio.Lock()
        return engine
    kwargs.setdefault("pool_size", 10)
    kwargs.setdefault("max_overflow", 20)
    kwargs.setdefault("pool_use_lifo", True)
    connect_args = dict(kwargs.pop("connect_args", {}))
    connect_args["server_settings"] = {"jit": "off", **connect_args.get("server_settings", {})}
    engine = create_async_engine(url, connect_args=connect_args, **kwargs)
    if not kwargs.get("pool_pre_ping"):
        _check_on_checkout(engine)
    room = kwargs["pool_size"] + kwargs["max_overflow"] - POOL_HEADROOM
    _GATES[engine.sync_engine] = asyncio.Semaphore(max(room, 1))
    return engine


def _configure_sqlite(engine: AsyncEngine) -> None:
    @event.listens_for(engine.sync_engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        use_one_hop(dbapi_connection)
        # Turn off the driver's own implicit BEGIN so ours is the only one.
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        for pragma in (
            "PRAGMA journal_mode=WAL",
            "PRAGMA foreign_keys=ON",
            f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}",
            "PRAGMA synchronous=NORMAL",
        ):
            cursor.execute(pragma)
        cursor.close()

    @event.listens_for(engine.sync_engine, "begin")
    def _on_begin(connection: Any) -> None:
        driver = connection.connection.dbapi_connection
        if isinstance(driver, OneHopConnection):
            driver.begin_with_next_statement()  # sent with the first statement, one trip
        else:
            connection.exec_driver_sql("BEGIN IMMEDIATE")


def _check_on_checkout(engine: AsyncEngine) -> None:
    sync_engine = engine.sync_engine

    @event.listens_for(sync_engine, "checkin")
    def _on_checkin(_dbapi_connection: Any, record: Any) -> None:
        record.info[_RETURNED] = time.monotonic()

    @event.listens_for(sync_engine, "checkout")
    def _on_checkout(dbapi_connection: Any, record: Any, _proxy: Any) -> None:
        driver = dbapi_connection.driver_connection
        if driver is None or driver.is_closed():
            # The pool discards it and hands out a fresh one instead.
            raise DisconnectionError("the server closed this pooled connection")
        returned = record.info.get(_RETURNED)
        if returned is not None and time.monotonic() - returned > PING_IDLE_SECONDS:
            try:
                sync_engine.dialect.do_ping(dbapi_connection)
            except Exception as error:
                raise DisconnectionError("a pooled connection failed its ping") from error


def transaction_gate(engine: AsyncEngine | None) -> Gate | None:
    """The in-process queue a unit of work joins before it takes a connection.

    SQLite admits one writer; the rest wait in its busy handler, which polls at
    widening intervals, so the last writer keeps winning and others starve for
    seconds. Queuing in-process first, in arrival order, keeps waits short and fair.
    PostgreSQL takes as many transactions as the pool has connections: a burst
    larger than that waits here, in order, instead of timing out in the pool
    and failing the commands at the back of the queue.
    """
    return _GATES.get(engine.sync_engine) if engine is not None else None


async def settle_driver_threads(timeout: float = 2.0) -> None:
    """Wait for aiosqlite's worker threads to finish while the event loop still runs.

    When a connection fails to open, aiosqlite queues its thread's stop without
    awaiting it; if the loop closes first, the thread reports to a closed loop and
    prints a traceback. Called on failed start-up, so the operator sees one line.
    """
    workers = [
        thread
        for thread in threading.enumerate()
        if thread is not threading.current_thread()
        and thread.name.endswith("(_connection_worker_thread)")
    ]
    for thread in workers:
        await asyncio.to_thread(thread.join, timeout)


def session_factory(engine: AsyncEngine) -> async_sessionmaker[AsyncSession]:
    return async_sessionmaker(engine, expire_on_commit=False, autoflush=True)
