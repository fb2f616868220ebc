"""What the database alone costs a command: its statements, captured from a run and
replayed on the raw driver connection.

A command's statements (with their parameters, as the driver received them) and
its transaction boundaries are recorded by SQLAlchemy events on the sync engine
while the command runs through the dispatcher. Replaying exactly those on a bare
aiosqlite / asyncpg connection — no ORM, no parser, no dispatcher — gives the floor
the core could approach; our time over the floor's is the framework's overhead.

Writes cannot be replayed on the database they already changed (a meeting logged
twice is refused), so on SQLite the replay runs on a copy taken just before the
captured phase and commits where the run committed: the copy goes through the same
states as the original did. On PostgreSQL (where a copy needs CREATEDB) each
command's statements are replayed in a transaction that is rolled back; a
replayed statement that fails (a write already applied) is counted, and that
command's floor is left out.
"""

from __future__ import annotations

import sqlite3
import time
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

import aiosqlite
from sqlalchemy import event
from sqlalchemy.ext.asyncio import AsyncEngine

from storage.engine import BUSY_TIMEOUT_MS

Step = tuple[str, str, Any]
"""("sql", statement, parameters) or ("begin" | "commit" | "rollback", "", None)."""

CONTROL = ("begin", "commit", "rollback")
BEGIN = "BEGIN IMMEDIATE"
"""How the engine opens every SQLite transaction."""


@dataclass
class Capture:
    """Statements seen while `recording` is set, in order, one list per command."""

    recording: list[Step] | None = None
    commands: list[list[Step]] = field(default_factory=list)

    def start(self) -> None:
        self.recording = []

    def stop(self) -> list[Step]:
        steps, self.recording = self.recording or [], None
        self.commands.append(steps)
        return steps


def attach(engine: AsyncEngine) -> Capture:
    capture = Capture()
    sync = engine.sync_engine

    @event.listens_for(sync, "before_cursor_execute")
    def _statement(_conn: Any, _cursor: Any, statement: str, parameters: Any, *_: Any) -> None:
        if capture.recording is not None:
            capture.recording.append(("sql", statement, parameters))

    for name in CONTROL:

        def _control(_conn: Any, *_: Any, name: str = name) -> None:
            if capture.recording is not None:
                capture.recording.append((name, "", None))

        event.listen(sync, name, _control)
    return capture


@dataclass(frozen=True)
class Counts:
    """Per command: data statements, and transaction control."""

    sql: int
    stamp: int
    """Of `sql`: the member's last-active stamp, which is moving off the command path."""
    begin: int
    commit: int
    rollback: int

    @property
    def label(self) -> str:
        return f"sql={self.sql} begin={self.begin} commit={self.commit} rollback={self.rollback}"


def counts(steps: list[Step]) -> Counts:
    """SQLite's `BEGIN IMMEDIATE` is sent with the transaction's first statement (it
    is not seen as a statement of its own; older engines sent it from the "begin"
    event): it is counted as the begin, not as a data statement."""
    seen = Counter(kind for kind, _, _ in steps)
    begins = sum(1 for kind, text, _ in steps if kind == "sql" and _is_begin(text))
    stamps = sum(1 for kind, text, _ in steps if kind == "sql" and _is_stamp(text))
    return Counts(seen["sql"] - begins, stamps, seen["begin"], seen["commit"], seen["rollback"])


def _is_stamp(statement: str) -> bool:
    return " ".join(statement.split()).upper().startswith("UPDATE MEMBERS SET LAST_ACTIVE_AT")


def _is_begin(statement: str) -> bool:
    return statement.lstrip().upper().startswith("BEGIN")


def sqlite_snapshot(path: str, copy: str) -> None:
    """A consistent copy of a live SQLite database (the backup API reads one snapshot)."""
    source, target = sqlite3.connect(path), sqlite3.connect(copy)
    try:
        source.backup(target)
    finally:
        source.close()
        target.close()


async def replay_sqlite(
    path: str, commands: list[list[Step]], cpu: list[float] | None = None
) -> list[float | None]:
    """Each command's statements on one bare aiosqlite connection, in order; seconds each.
    With `cpu`, each command's CPU seconds on this (the event loop's) thread are added to it."""
    # As the engine: no implicit BEGIN from the driver; ours is sent at each captured begin.
    connection = await aiosqlite.connect(path, timeout=BUSY_TIMEOUT_MS / 1000, isolation_level=None)
    for pragma in (
        "PRAGMA journal_mode=WAL",
        "PRAGMA foreign_keys=ON",
        f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}",
        "PRAGMA synchronous=NORMAL",
    ):
        await connection.execute(pragma)
    times: list[float | None] = []
    try:
        for steps in commands:
            start, busy = time.perf_counter(), time.thread_time()
            for kind, statement, parameters in steps:
                if kind == "begin":
                    statement, parameters, kind = BEGIN, None, "sql"
                elif kind == "sql" and _is_begin(statement):
                    continue  # sent as its own statement by an older engine: replayed at "begin"
                if kind == "sql":
                    cursor = await connection.execute(statement, parameters)
                    await cursor.fetchall()
                    await cursor.close()
                elif kind == "commit":
                    await connection.commit()
                elif kind == "rollback":
                    await connection.rollback()
            times.append(time.perf_counter() - start)
            if cpu is not None:
                cpu.append(time.thread_time() - busy)
    finally:
        await connection.close()
    return times


async def replay_postgres(
    dsn: str, commands: list[list[Step]], cpu: list[float] | None = None
) -> list[float | None]:
    """Each command's statements on one bare asyncpg connection, rolled back; None if
    one of them failed (its write is already in the database). `cpu` as for SQLite."""
    import asyncpg  # the PostgreSQL driver is optional for SQLite-only runs

    connection = await asyncpg.connect(dsn)
    times: list[float | None] = []
    try:
        for steps in commands:
            start, busy = time.perf_counter(), time.thread_time()
            failed = False
            began = False
            for kind, statement, parameters in steps:
                if kind == "begin" and not began:
                    await connection.execute("BEGIN")
                    began = True
                elif kind == "sql" and not failed:
                    if not began:  # the driver opens a transaction lazily
                        await connection.execute("BEGIN")
                        began = True
                    try:
                        await connection.fetch(statement, *(parameters or ()))
                    except asyncpg.PostgresError:
                        failed = True
                elif kind in ("commit", "rollback") and began:
                    # Rolled back even where the run committed: the write already happened.
                    await connection.execute("ROLLBACK")
                    began = False
            if began:
                await connection.execute("ROLLBACK")
            times.append(None if failed else time.perf_counter() - start)
            if cpu is not None:
                cpu.append(time.thread_time() - busy)
    finally:
        await connection.close()
    return times
