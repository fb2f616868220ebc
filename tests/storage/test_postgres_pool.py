"""PostgreSQL's pool replaces a connection the server dropped before anyone uses it.

The pool checks a connection as it hands it out without a round trip (see
`storage.engine`): after a database restart, or a backend an operator terminated,
the next command must still run, on a fresh connection, not fail once.
"""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime
from typing import Any

import pytest
from sqlalchemy import text

import storage.engine
from storage.engine import create_engine, session_factory
from storage.uow import UnitOfWork
from tests.support import POSTGRES_URL

pytestmark = pytest.mark.skipif(not POSTGRES_URL, reason="needs TEST_DATABASE_URL")


async def _pooled_then_terminated() -> tuple[Any, int, Any]:
    """An engine whose one pooled connection the server has since terminated."""
    assert POSTGRES_URL is not None
    engine = create_engine(POSTGRES_URL, pool_size=1, max_overflow=0)
    async with engine.connect() as connection:
        pid = int(await connection.scalar(text("SELECT pg_backend_pid()")) or 0)
        driver = (await connection.get_raw_connection()).driver_connection
    assert driver is not None
    admin = create_engine(POSTGRES_URL)
    try:
        async with admin.connect() as other:
            await other.execute(text("SELECT pg_terminate_backend(:pid)"), {"pid": pid})
    finally:
        await admin.dispose()
    for _ in range(200):  # the server closes the socket as the backend exits
        if driver.is_closed():
            break
        await asyncio.sleep(0.01)
    assert driver.is_closed()
    return engine, pid, driver


async def _backend(engine: Any) -> int:
    async with UnitOfWork(session_factory(engine), datetime.now(UTC)) as uow:
        return int(await uow.session.scalar(text("SELECT pg_backend_pid()")) or 0)


async def test_a_unit_of_work_after_the_server_dropped_the_pooled_connection_runs() -> None:
    engine, pid, _driver = await _pooled_then_terminated()
    try:
        fresh = await _backend(engine)
        assert fresh not in (0, pid)
        assert await _backend(engine) == fresh  # and the fresh one is kept
    finally:
        await engine.dispose()


async def test_a_long_idle_connection_is_pinged_and_replaced_if_it_is_gone(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A path cut without a word leaves the socket looking open: only a ping tells."""
    engine, pid, driver = await _pooled_then_terminated()
    monkeypatch.setattr(type(driver), "is_closed", lambda _self: False)
    monkeypatch.setattr(storage.engine, "PING_IDLE_SECONDS", 0.0)
    try:
        assert await _backend(engine) not in (0, pid)
    finally:
        await engine.dispose()


async def test_our_connections_never_compile_a_plan_first() -> None:
    """A short statement estimated costly must not pay for JIT compilation (see
    `storage.engine`), whatever the server's own default."""
    assert POSTGRES_URL is not None
    engine = create_engine(POSTGRES_URL)
    try:
        async with engine.connect() as connection:
            assert await connection.scalar(text("SHOW jit")) == "off"
    finally:
        await engine.dispose()
