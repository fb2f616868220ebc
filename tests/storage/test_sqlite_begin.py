"""SQLite: a unit of work holds the write lock from its first statement, reads included.

The `BEGIN IMMEDIATE` travels with the transaction's first statement; these tests
check that it is still sent (another writer is kept out), that it comes before
that statement, and that a transaction that ran nothing leaves no lock behind.
"""

from __future__ import annotations

import sqlite3
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from storage.engine import create_engine, session_factory
from storage.models import Base, Member
from storage.uow import UnitOfWork

NOW = datetime(2026, 6, 1, tzinfo=UTC)
Database = tuple[Path, async_sessionmaker[AsyncSession]]


def _other_writer_can_begin(path: Path) -> bool:
    other = sqlite3.connect(path, timeout=0, isolation_level=None)
    try:
        other.execute("BEGIN IMMEDIATE")
        other.execute("ROLLBACK")
        return True
    except sqlite3.OperationalError as error:
        assert "locked" in str(error)
        return False
    finally:
        other.close()


@pytest.fixture
async def database(tmp_path: Path) -> AsyncIterator[Database]:
    path = tmp_path / "lock.db"
    engine = create_engine(f"sqlite+aiosqlite:///{path}")
    async with engine.begin() as connection:
        await connection.run_sync(Base.metadata.create_all)
    yield path, session_factory(engine)
    await engine.dispose()


async def test_a_reading_unit_of_work_holds_the_write_lock_until_it_ends(
    database: Database,
) -> None:
    path, sessions = database
    async with UnitOfWork(sessions, NOW) as uow:
        await uow.session.execute(select(Member.id))
        assert uow.session.in_transaction()
        assert not _other_writer_can_begin(path)
    assert _other_writer_can_begin(path)


async def test_a_write_is_committed_inside_the_immediate_transaction(database: Database) -> None:
    path, sessions = database
    async with UnitOfWork(sessions, NOW) as uow:
        uow.session.add(Member(name="Ada", joined_at=NOW))
        await uow.session.flush()
        assert not _other_writer_can_begin(path)
        await uow.commit()
    assert _other_writer_can_begin(path)
    async with UnitOfWork(sessions, NOW) as uow:
        names = (await uow.session.execute(select(Member.name))).scalars().all()
    assert names == ["Ada"]


async def test_a_unit_of_work_that_ran_nothing_leaves_no_lock(database: Database) -> None:
    path, sessions = database
    for _ in range(3):
        async with UnitOfWork(sessions, NOW) as uow:
            await uow.session.connection()  # begun, but no statement sent
            await uow.commit()
        assert _other_writer_can_begin(path)
    async with UnitOfWork(sessions, NOW) as uow:  # the connection is usable again
        assert (await uow.session.execute(select(Member.id))).all() == []
