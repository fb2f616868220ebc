"""Migration 0010 (charters, updates): down and up again keep every other table's rows."""

from __future__ import annotations

from alembic import command
from sqlalchemy import text

from storage.migrate import alembic_config
from tests.support import TestBot

KEPT = ("members", "chapters", "workgroups", "workgroup_members", "meetings", "identities", "goals")


async def counts(demo: TestBot) -> dict[str, int]:
    async with demo.app.engine.connect() as connection:
        return {
            table: int((await connection.execute(text(f"SELECT count(*) FROM {table}"))).scalar())
            for table in KEPT
        }


async def test_downgrade_keeps_every_row_of_the_tables_it_does_not_drop(demo: TestBot) -> None:
    await demo.ok('/update post Boston --got "Two meetings"', as_="bob")
    await demo.ok("/workgroup metric add Mentoring members owned --target 9", as_="grace")
    before = await counts(demo)
    async with demo.app.engine.begin() as connection:
        await connection.run_sync(lambda c: command.downgrade(alembic_config(c), "0006"))
    assert await counts(demo) == before
    async with demo.app.engine.begin() as connection:
        await connection.run_sync(lambda c: command.upgrade(alembic_config(c), "head"))
    assert await counts(demo) == before
    assert "Mentoring" in await demo.ok("/workgroup info Mentoring")
