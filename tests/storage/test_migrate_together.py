"""Instances started together on an empty PostgreSQL database all come up."""

from __future__ import annotations

import asyncio
import secrets

import pytest
from alembic.script import ScriptDirectory
from sqlalchemy import text

from storage.engine import create_engine
from storage.migrate import alembic_config, current_revision, upgrade
from tests.support import POSTGRES_URL

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.skipif(not POSTGRES_URL, reason="needs TEST_DATABASE_URL"),
]

INSTANCES = 3


async def test_three_instances_upgrading_an_empty_database_at_once_all_succeed() -> None:
    assert POSTGRES_URL
    schema = f"together_{secrets.token_hex(4)}"  # an empty database of its own
    admin = create_engine(POSTGRES_URL)
    async with admin.begin() as connection:
        await connection.execute(text(f"CREATE SCHEMA {schema}"))
    engines = [
        create_engine(POSTGRES_URL, connect_args={"server_settings": {"search_path": schema}})
        for _ in range(INSTANCES)
    ]
    try:
        results = await asyncio.gather(*(upgrade(e) for e in engines), return_exceptions=True)
        assert [r for r in results if isinstance(r, BaseException)] == []
        head = ScriptDirectory.from_config(alembic_config()).get_current_head()
        assert [await current_revision(e) for e in engines] == [head] * INSTANCES
        async with admin.connect() as connection:
            tables = await connection.scalar(
                text("SELECT count(*) FROM information_schema.tables WHERE table_schema = :s"),
                {"s": schema},
            )
        assert tables and tables > 10
    finally:
        for engine in engines:
            await engine.dispose()
        async with admin.begin() as connection:
            await connection.execute(text(f"DROP SCHEMA {schema} CASCADE"))
        await admin.dispose()
