"""Migration 0011 (profiles): down and up again keep every row of the tables it leaves."""

from __future__ import annotations

from pathlib import Path

from alembic import command
from sqlalchemy import Connection, inspect, text

from storage.engine import create_engine
from storage.migrate import alembic_config, upgrade

NEW_TABLES = {"member_profiles", "tags", "member_tags", "workgroup_tags", "member_terms"}


async def test_downgrade_drops_only_its_tables(tmp_path: Path) -> None:
    engine = create_engine(f"sqlite+aiosqlite:///{tmp_path / 'm.db'}")
    try:
        await upgrade(engine)
        async with engine.begin() as connection:
            await connection.execute(
                text(
                    "INSERT INTO members (id, name, nudges, joined_at, timezone) "
                    "VALUES (1, 'Ada', 1, '2026-06-15 16:00:00', 'Europe/London')"
                )
            )
            await connection.execute(
                text("INSERT INTO tags (id, key, label) VALUES (1, 'python', 'Python')")
            )
            await connection.execute(text("INSERT INTO member_tags VALUES (1, 1, 'skill')"))

        def down(connection: Connection) -> set[str]:
            command.downgrade(alembic_config(connection), "0006")
            return set(inspect(connection).get_table_names())

        async with engine.begin() as connection:
            tables = await connection.run_sync(down)
        assert not tables & (NEW_TABLES | {"recruit_asks"})
        async with engine.connect() as connection:
            kept = (await connection.execute(text("SELECT name, timezone FROM members"))).all()
        assert kept == [("Ada", "Europe/London")]
        await upgrade(engine)
        async with engine.connect() as connection:
            assert (await connection.execute(text("SELECT count(*) FROM tags"))).scalar() == 0
    finally:
        await engine.dispose()
