"""What the benchmarks share: settings that ignore a developer's .env, a fresh
PostgreSQL schema per run, percentiles, and a line saying how busy the host was."""

from __future__ import annotations

import math
import os
from collections.abc import Sequence
from typing import Any

from bot.config import Settings
from storage.engine import create_engine


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
