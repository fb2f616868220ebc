"""Migration 0009 (events) both ways: down drops only its own tables, every other row stays."""

from __future__ import annotations

from pathlib import Path

from alembic import command
from sqlalchemy import create_engine, inspect

from storage.migrate import alembic_config
from tests.support import TemplateDatabases, count_rows, demo_database


async def test_events_migration_downgrades_keeping_every_other_row(
    templates: TemplateDatabases,
) -> None:
    path: Path = await demo_database(templates, "events-migration")
    before = {t: count_rows(path, t) for t in ("members", "chapters", "meetings", "polls")}
    engine = create_engine(f"sqlite:///{path}")
    try:
        with engine.begin() as connection:
            command.downgrade(alembic_config(connection), "0006")
        with engine.connect() as connection:
            tables = set(inspect(connection).get_table_names())
        assert {"events", "event_rsvps", "calendar_feeds"}.isdisjoint(tables)
        assert {t: count_rows(path, t) for t in before} == before
        with engine.begin() as connection:
            command.upgrade(alembic_config(connection), "head")
        with engine.connect() as connection:
            assert {"events", "event_rsvps", "calendar_feeds"} <= set(
                inspect(connection).get_table_names()
            )
    finally:
        engine.dispose()
