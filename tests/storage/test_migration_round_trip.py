"""Every migration step, down and up again, on a populated database keeps every row.

On SQLite a downgrade that drops a column rebuilds the table; with foreign keys on,
dropping the old `members` table deleted every identity, role grant, president and
workgroup member by cascade (0006 → 0005 emptied them). Each step here starts from
the demo society at head, goes down to a revision and back up, and compares the
row count of every table that exists on both sides.
"""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import inspect, text
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.scheduler import run_due
from storage.migrate import current_revision, downgrade, upgrade
from tests.support import TestBot

REVISIONS = ["0016", "0005", "0004", "0003", "0002", "0001"]
MUST_HOLD_ROWS = (
    "members",
    "identities",
    "role_grants",
    "workgroup_members",
    "poll_ballots",
    "deliveries",
    "due_claims",
)


async def index_names(engine: AsyncEngine) -> set[str]:
    """Every index, expression indexes included (SQLAlchemy's reflection skips those)."""
    query = (
        "SELECT name FROM sqlite_master WHERE type = 'index' AND sql IS NOT NULL"
        if engine.dialect.name == "sqlite"
        else "SELECT indexname FROM pg_indexes WHERE schemaname = current_schema()"
    )
    async with engine.connect() as connection:
        return {str(name) for name in (await connection.execute(text(query))).scalars()}


async def row_counts(engine: AsyncEngine) -> dict[str, int]:
    async with engine.connect() as connection:
        tables = await connection.run_sync(lambda c: inspect(c).get_table_names())
        counts = {}
        for table in tables:
            if table == "alembic_version":
                continue
            counts[table] = int(
                (await connection.execute(text(f'SELECT count(*) FROM "{table}"'))).scalar_one()
            )
    return counts


@pytest.mark.parametrize("target", REVISIONS)
async def test_a_round_trip_through_each_revision_keeps_every_row(
    demo: TestBot, target: str
) -> None:
    engine = demo.app.engine
    await demo.ok("/poll vote 1 1", as_="bob")
    await demo.ok("/poll vote 1 2", as_="carol")
    await run_due(demo.app, demo.clock.now() + timedelta(days=7))  # the poll closes
    before = await row_counts(engine)
    assert all(before[table] > 0 for table in MUST_HOLD_ROWS if table in before), before
    head = await current_revision(engine)
    indexes = await index_names(engine)

    await downgrade(engine, target)
    assert await current_revision(engine) == target
    down = await row_counts(engine)
    assert {t: n for t, n in down.items()} == {t: before[t] for t in down}

    await upgrade(engine)
    assert await current_revision(engine) == head
    up = await row_counts(engine)
    assert {t: up[t] for t in down} == {t: before[t] for t in down}
    assert await index_names(engine) == indexes
