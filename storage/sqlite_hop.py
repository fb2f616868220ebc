"""One trip to aiosqlite's worker thread per statement, instead of four.

aiosqlite runs every sqlite3 call on its own thread; SQLAlchemy's adapter makes a
separate call for the cursor, the execute, the fetch and the close, and each is a
hand-over to that thread and back. On a small, busy machine those hand-overs, not
SQLite, are most of what a command costs (see bench/core_latency.py's overhead
ratio). This cursor does all four in one function on the worker thread: the same
statements, the same results, one hand-over.

A transaction's `BEGIN IMMEDIATE` rides along with its first statement in the same
hand-over (see `OneHopConnection.begin_with_next_statement`): a read-only command
then costs two trips (its query and its ROLLBACK), not three.
"""

from __future__ import annotations

import collections
import sqlite3
from collections.abc import Callable
from typing import Any
from weakref import WeakSet

from sqlalchemy.dialects.sqlite.aiosqlite import (
    AsyncAdapt_aiosqlite_connection,
    AsyncAdapt_aiosqlite_cursor,
)
from sqlalchemy.util import EMPTY_DICT
from sqlalchemy.util.concurrency import await_

BEGIN = "BEGIN IMMEDIATE"

_BEGIN_PENDING: WeakSet[Any] = WeakSet()
"""aiosqlite connections whose transaction has begun in SQLAlchemy's eyes but whose
`BEGIN IMMEDIATE` waits for the first statement. (The adapted connection has
fixed slots, so the mark is kept here rather than on it.)"""


def _take_pending_begin(connection: Any) -> bool:
    """Whether a `BEGIN IMMEDIATE` is owed before the next statement (and now paid)."""
    try:
        _BEGIN_PENDING.remove(connection)
    except KeyError:
        return False
    return True


class OneHopCursor(AsyncAdapt_aiosqlite_cursor):
    __slots__ = ("_description", "_lastrowid", "_rowcount")

    def __init__(self, adapt_connection: Any) -> None:
        self._adapt_connection = adapt_connection
        self._connection = adapt_connection._connection
        self._cursor = None  # type: ignore[assignment]  # no aiosqlite cursor: each statement gets its own sqlite3 one
        self._soft_closed_memoized = EMPTY_DICT
        self._rows = collections.deque()
        self._description: Any = None
        self._rowcount = -1
        self._lastrowid: int | None = None

    @property
    def description(self) -> Any:
        return self._description

    @property
    def rowcount(self) -> int:
        return self._rowcount

    @property
    def lastrowid(self) -> int:
        return self._lastrowid  # type: ignore[return-value]

    async def _async_soft_close(self) -> None:
        return None

    def close(self) -> None:
        self._rows.clear()

    def _run(self, work: Callable[[Any], Any]) -> Any:
        raw = self._connection._conn  # the sqlite3 connection, used only on its thread
        begin = _take_pending_begin(self._connection)

        def on_thread() -> tuple[Any, int, int | None, list[Any]]:
            if begin:  # if it fails, the statement is not run and its error is raised
                raw.execute(BEGIN).close()
            cursor = raw.cursor()
            try:
                work(cursor)
                description = cursor.description
                rows = cursor.fetchall() if description else []
                return description, cursor.rowcount, cursor.lastrowid, rows
            finally:
                cursor.close()

        async def hop() -> None:
            async with self._adapt_connection._execute_mutex:
                result = await self._connection._execute(on_thread)
            self._description, self._rowcount, self._lastrowid, rows = result
            self._rows = collections.deque(rows)

        try:
            return await_(hop())
        except Exception as error:
            self._adapt_connection._handle_exception(error)

    def execute(self, operation: Any, parameters: Any = None) -> Any:
        if parameters is None:
            return self._run(lambda cursor: cursor.execute(operation))
        return self._run(lambda cursor: cursor.execute(operation, parameters))

    def executemany(self, operation: Any, seq_of_parameters: Any) -> Any:
        return self._run(lambda cursor: cursor.executemany(operation, seq_of_parameters))


class OneHopConnection(AsyncAdapt_aiosqlite_connection):
    __slots__ = ()
    _cursor_cls = OneHopCursor

    def begin_with_next_statement(self) -> None:
        """Open the transaction with `BEGIN IMMEDIATE` on the same trip as its first
        statement, instead of a trip of its own.

        Called from the engine's "begin" event, which SQLAlchemy fires as a session
        runs its first statement anyway: the lock is taken at the same point of the
        transaction, before any of its statements, one hand-over sooner.
        """
        _BEGIN_PENDING.add(self._connection)

    def take_pending_begin(self) -> bool:
        return _take_pending_begin(self._connection)

    def cursor(self, server_side: bool = False) -> Any:
        if server_side and self.take_pending_begin():  # a streaming cursor is not one-hop
            super().cursor().execute(BEGIN)
        return super().cursor(server_side)

    def rollback(self) -> None:
        """No hand-over when there is nothing to roll back.

        The pool rolls back every connection it is given back, after the unit of
        work already ended its transaction: on SQLite (no implicit BEGIN, see
        storage.engine) that second rollback does nothing but cost a trip to the
        worker thread, a quarter of a read-only command's trips. A transaction that
        ran no statement never sent its BEGIN: nothing to roll back either.
        """
        if not self.take_pending_begin() and not self._idle():
            super().rollback()

    def commit(self) -> None:
        """As `rollback`: a transaction that ran no statement has nothing to commit."""
        if not self.take_pending_begin():
            super().commit()

    def _idle(self) -> bool:
        try:
            return not self._connection.in_transaction
        except (ValueError, sqlite3.ProgrammingError):  # closed: let the driver say so
            return False


def use_one_hop(dbapi_connection: Any) -> None:
    """Called when the engine opens a connection: its cursors become one-hop cursors."""
    if type(dbapi_connection) is AsyncAdapt_aiosqlite_connection:
        dbapi_connection.__class__ = OneHopConnection
