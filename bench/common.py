"""What the benchmarks share: settings that ignore a developer's .env, a fresh
PostgreSQL schema per run, bulk seeding (a chapter of console members answering
through the dispatcher), percentiles, and a line saying how busy the host was."""

from __future__ import annotations

import math
import os
import tempfile
from collections.abc import Iterable, Iterator, Sequence
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import insert
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from bot.config import Settings
from bot.context import Place, Request
from storage.engine import create_engine
from storage.models import Chapter, Identity, Member

CONSOLE = "console"
BENCH_PLACE = Place(CONSOLE, "bench", "bench")
SEED_CHUNK = 5_000


def bench_settings(url: str, admins: str, **extra: Any) -> Settings:
    values: dict[str, Any] = {
        "database_url": url,
        "chapterhouse_admins": admins,
        "default_timezone": "UTC",
        "log_level": "WARNING",
        "ballot_secret": "bench-ballot-secret-0123456789",  # PostgreSQL needs one set
        "_env_file": None,  # nothing from a developer's .env leaks into the figures
        **extra,
    }
    return Settings(**values)


async def fresh_postgres_schema(url: str) -> None:
    """Drop and recreate `public`, so every run starts from the same empty database."""
    engine = create_engine(url)
    try:
        async with engine.begin() as connection:
            await connection.exec_driver_sql("DROP SCHEMA IF EXISTS public CASCADE")
            await connection.exec_driver_sql("CREATE SCHEMA public")
    finally:
        await engine.dispose()


def percentile(values: Sequence[float], p: float) -> float:
    """Nearest rank: the smallest value with at least p% of the values at or below it."""
    ordered = sorted(values)
    return ordered[max(0, math.ceil(p / 100 * len(ordered)) - 1)]


def ms(seconds: float) -> str:
    return f"{seconds * 1000:.1f}ms"


def host_line(when: str) -> str:
    """Figures on a shared machine depend on what else runs: say so next to them."""
    load = os.getloadavg()[0]
    cpus = sorted(os.sched_getaffinity(0))
    where = "on any" if len(cpus) == os.cpu_count() else "pinned to " + ",".join(map(str, cpus))
    return (
        f"host      {os.cpu_count()} CPUs, this process {where}, "
        f"1-minute load average {load:.2f} {when}"
    )


async def insert_members(
    connection: AsyncConnection,
    people: Iterable[tuple[int, str, int | None]],
    platform: str,
    joined_at: datetime,
) -> None:
    """Bulk-insert members (id, handle, chapter id) with one account each, named by handle."""
    rows = list(people)
    await connection.execute(
        insert(Member),
        [
            {
                "id": member_id,
                "name": handle,
                "email": None,
                "chapter_id": chapter_id,
                "nudges": True,
                "joined_at": joined_at,
                "last_active_at": None,
            }
            for member_id, handle, chapter_id in rows
        ],
    )
    await connection.execute(
        insert(Identity),
        [
            {
                "member_id": member_id,
                "platform": platform,
                "external_id": handle,
                "display_name": handle,
                "created_at": joined_at,
            }
            for member_id, handle, _ in rows
        ],
    )


async def catch_up_sequences(connection: AsyncConnection, *tables: str) -> None:
    """Rows inserted with explicit ids leave PostgreSQL's sequences behind; later
    inserts (an admin registering) would collide."""
    if connection.dialect.name != "postgresql":
        return
    for table in tables:
        await connection.exec_driver_sql(
            f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), (SELECT max(id) FROM {table}))"
        )


async def settle_after_bulk_load(engine: AsyncEngine) -> None:
    """What autovacuum does after a bulk load (statistics, visibility map), done now."""
    if engine.dialect.name != "postgresql":
        return
    async with engine.connect() as maintenance:
        await maintenance.execution_options(isolation_level="AUTOCOMMIT")
        await maintenance.exec_driver_sql("VACUUM ANALYZE")


def start_run(cpu: int | None) -> None:
    """Pin this process to `cpu` when asked (these machines are noisy), then print the
    host line every bench starts with."""
    if cpu is not None:
        os.sched_setaffinity(0, {cpu})
    print(host_line("at start"))


def databases(name: str, postgres: str | None) -> Iterator[tuple[str, str]]:
    """Where a bench runs: a fresh SQLite file in a temporary directory (removed after
    its run), then the PostgreSQL database given with `--postgres`, if any."""
    with tempfile.TemporaryDirectory(prefix=f"chapterhouse-{name}-") as tmp:
        yield "sqlite", f"sqlite+aiosqlite:///{Path(tmp) / 'bench.db'}"
    if postgres:
        yield "postgres", postgres


def handle(member_id: int) -> str:
    """A seeded member's console handle."""
    return f"m{member_id}"


def request(user: str, text: str) -> Request:
    """`text` typed by console user `user` in the bench channel."""
    return Request(CONSOLE, user, user, BENCH_PLACE, text=text)


async def seed_chapter(engine: AsyncEngine, members: int, timezone: str = "UTC") -> None:
    """Chapter 1 with members 1..N, each with a console account (`handle`); not measured."""
    now = datetime.now(UTC)
    chapter = {
        "id": 1,
        "name": "Bench",
        "name_key": "bench",
        "region": "Europe",
        "timezone": timezone,
        "status": "active",
        "president_id": None,
        "created_at": now - timedelta(days=900),
        "activated_at": now - timedelta(days=800),
        "retired_at": None,
    }
    async with engine.begin() as connection:
        await connection.execute(insert(Chapter), [chapter])
        for start in range(1, members + 1, SEED_CHUNK):
            ids = range(start, min(start + SEED_CHUNK, members + 1))
            await insert_members(
                connection, [(i, handle(i), 1) for i in ids], CONSOLE, now - timedelta(days=400)
            )
        await catch_up_sequences(connection, "members", "chapters")
    await settle_after_bulk_load(engine)
