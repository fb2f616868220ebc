"""Alembic, driven from code so start-up and `chapterhouse db upgrade` share one path."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from alembic import command
from alembic.config import Config
from sqlalchemy import Connection
from sqlalchemy.ext.asyncio import AsyncEngine

MIGRATIONS = Path(__file__).parent / "migrations"
MIGRATION_LOCK = 0x4348_4D49_4752_0001
"""PostgreSQL advisory lock key for upgrades ("CHMIGR" 1): every instance asks for the same."""


def alembic_config(connection: Connection | None = None) -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.attributes["connection"] = connection
    return config


async def upgrade(engine: AsyncEngine, revision: str = "head") -> None:
    """Upgrade the schema; any number of instances may start at once.

    On PostgreSQL the upgrade runs under a transaction-level advisory lock: the
    first instance migrates, the others wait for its commit and then find the
    schema at head, instead of racing to create the same types and tables.
    """

    def _run(connection: Connection) -> None:
        if connection.dialect.name == "postgresql":
            connection.exec_driver_sql(f"SELECT pg_advisory_xact_lock({MIGRATION_LOCK})")
        command.upgrade(alembic_config(connection), revision)

    await _migrate(engine, _run)


async def downgrade(engine: AsyncEngine, revision: str) -> None:
    def _run(connection: Connection) -> None:
        command.downgrade(alembic_config(connection), revision)

    await _migrate(engine, _run)


async def _migrate(engine: AsyncEngine, run: Callable[[Connection], None]) -> None:
    """Run migrations in one transaction; on SQLite with foreign keys off around it.

    SQLite cannot drop or alter a column in place: batch mode copies the table and
    drops the old one, and with foreign keys on, dropping `members` deletes every
    row that refers to a member (identities, role grants, ballots…) by cascade.
    The pragma only takes effect outside a transaction, so it is set before the
    transaction begins; before commit, `foreign_key_check` proves the copy left no
    row pointing nowhere, and a migration that would is rolled back.
    """
    async with engine.connect() as connection:
        sqlite = connection.dialect.name == "sqlite"
        if sqlite:
            await connection.run_sync(_foreign_keys, "OFF")
        try:
            async with connection.begin():
                await connection.run_sync(run)
                if sqlite:
                    broken = (
                        await connection.exec_driver_sql("PRAGMA foreign_key_check")
                    ).fetchall()
                    if broken:
                        tables = sorted({str(row[0]) for row in broken})
                        raise RuntimeError(
                            "the migration would leave rows pointing at nothing in "
                            + ", ".join(tables)
                        )
        finally:
            if sqlite:
                await connection.run_sync(_foreign_keys, "ON")


def _foreign_keys(connection: Connection, value: str) -> None:
    """Straight to the driver: outside SQLAlchemy's transaction, where the pragma works."""
    cursor = connection.connection.dbapi_connection.cursor()  # type: ignore[union-attr]
    try:
        cursor.execute(f"PRAGMA foreign_keys={value}")
    finally:
        cursor.close()


async def current_revision(engine: AsyncEngine) -> str | None:
    from alembic.runtime.migration import MigrationContext

    def _read(connection: Connection) -> str | None:
        return MigrationContext.configure(connection).get_current_revision()

    async with engine.connect() as connection:
        return await connection.run_sync(_read)
