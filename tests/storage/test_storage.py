"""Storage: migrations match the models, constraints hold, SQLite is set up for writers."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import Connection, select, text
from sqlalchemy.exc import IntegrityError

from storage.engine import create_engine, normalise_url, safe_url, session_factory
from storage.models import Base, Identity, Meeting, MeetingKind, Member
from storage.uow import UnitOfWork
from tests.support import TestBot


@pytest.mark.filterwarnings("ignore:.*expression-based index")
async def test_migrations_match_the_models(bot: TestBot) -> None:
    def diff(connection: Connection) -> list[object]:
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        return list(compare_metadata(context, Base.metadata))

    async with bot.app.engine.connect() as connection:
        assert await connection.run_sync(diff) == []


async def _new_member(uow: UnitOfWork, name: str) -> Member:
    member = Member(name=name, joined_at=uow.now)
    uow.session.add(member)
    await uow.session.flush()
    return member


async def test_one_identity_per_platform_account(bot: TestBot) -> None:
    async with bot.uow() as uow:
        a, b = await _new_member(uow, "A"), await _new_member(uow, "B")
        for member in (a, b):
            uow.session.add(
                Identity(
                    member_id=member.id,
                    platform="slack",
                    external_id="U1",
                    display_name="x",
                    created_at=uow.now,
                )
            )
        with pytest.raises(IntegrityError):
            await uow.session.flush()


async def test_one_meeting_per_chapter_kind_and_day(demo: TestBot) -> None:
    async with demo.uow() as uow:
        day = datetime(2026, 6, 1, tzinfo=UTC).date()
        for topic in ("first", "second"):
            uow.session.add(
                Meeting(
                    chapter_id=1, kind=MeetingKind.WORKING, held_on=day, topic=topic,
                    logged_at=uow.now,
                )
            )  # fmt: skip
        with pytest.raises(IntegrityError):
            await uow.session.flush()


async def test_datetimes_come_back_utc_aware(bot: TestBot) -> None:
    async with bot.uow() as uow:
        member = await _new_member(uow, "Tz")
        await uow.commit()
    async with bot.uow() as uow:
        stored = await uow.session.get(Member, member.id)
        assert stored is not None
        assert stored.joined_at == bot.clock.now()
        assert stored.joined_at.utcoffset() is not None
    async with bot.uow() as uow:
        uow.session.add(Member(name="naive", joined_at=datetime(2026, 1, 1)))
        with pytest.raises(Exception, match="naive datetime"):
            await uow.session.flush()


async def test_leaving_a_unit_of_work_without_commit_rolls_back(bot: TestBot) -> None:
    async with bot.uow() as uow:
        await _new_member(uow, "Ghost")
        uow.record("test.event", value=1)
    assert await bot.count(Member) == 0


async def test_sqlite_pragmas(tmp_path: object) -> None:
    engine = create_engine(f"sqlite+aiosqlite:///{tmp_path}/p.db")
    async with engine.connect() as connection:
        mode = (await connection.execute(text("PRAGMA journal_mode"))).scalar()
        keys = (await connection.execute(text("PRAGMA foreign_keys"))).scalar()
        busy = (await connection.execute(text("PRAGMA busy_timeout"))).scalar()
    await engine.dispose()
    assert (mode, keys, busy) == ("wal", 1, 10_000)


async def test_concurrent_writers_all_succeed(demo: TestBot) -> None:
    """Read-then-write transactions from many members at once: none lost, none failed."""
    replies = await asyncio.gather(
        *(demo.send("/member join Chicago", as_=f"joiner{i}") for i in range(40))
    )
    assert all(r.ok for r in replies), [r.text for r in replies if not r.ok]
    async with demo.uow() as uow:
        joined = await uow.session.scalars(select(Member).where(Member.chapter_id.isnot(None)))
        assert sum(1 for m in joined if m.name.startswith("joiner")) == 40


async def test_same_newcomer_racing_is_one_member(bot: TestBot) -> None:
    replies = await asyncio.gather(*(bot.send("/member profile", as_="racer") for _ in range(10)))
    assert all(r.ok for r in replies), [r.text for r in replies if not r.ok]
    assert await bot.count(Identity, Identity.external_id == "racer") == 1
    assert await bot.count(Member) == 1


def test_urls_are_normalised_and_passwords_hidden() -> None:
    assert normalise_url("postgres://u:secret@db/x").drivername == "postgresql+asyncpg"
    assert normalise_url("sqlite:///x.db").drivername == "sqlite+aiosqlite"
    assert "secret" not in safe_url("postgresql+asyncpg://u:secret@db/x")
    with pytest.raises(ValueError, match="unsupported database"):
        normalise_url("mysql://u@db/x")
    with pytest.raises(ValueError, match="in-memory"):
        create_engine("sqlite+aiosqlite://")


async def test_a_burst_larger_than_the_pool_waits_its_turn_instead_of_failing(
    bot: TestBot,
) -> None:
    # A pool of 3 that gives up after 50 ms: forty transactions holding a connection
    # for 10 ms each would time out at the back of the queue without the gate.
    engine = create_engine(
        bot.app.settings.database_url, pool_size=1, max_overflow=2, pool_timeout=0.05
    )
    sessions = session_factory(engine)

    async def hold() -> int:
        async with UnitOfWork(sessions, datetime.now(UTC)) as uow:
            value = int(await uow.session.scalar(select(text("1"))) or 0)
            await asyncio.sleep(0.01)
            return value

    try:
        assert await asyncio.gather(*(hold() for _ in range(40))) == [1] * 40
    finally:
        await engine.dispose()
