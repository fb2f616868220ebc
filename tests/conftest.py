"""Fixtures for every suite; the machinery lives in `tests.support`."""

from __future__ import annotations

import os
from collections.abc import AsyncIterator

import pytest

from tests.support import POSTGRES_URL, TemplateDatabases, TestBot, start_bot

BACKENDS = ["sqlite"] + (["postgresql"] if POSTGRES_URL else [])
_ran_on_postgres = 0


@pytest.fixture(scope="session")
def templates(tmp_path_factory: pytest.TempPathFactory) -> TemplateDatabases:
    return TemplateDatabases(tmp_path_factory.mktemp("databases"))


@pytest.fixture(params=BACKENDS)
async def database_url(
    request: pytest.FixtureRequest, templates: TemplateDatabases
) -> AsyncIterator[str]:
    """A migrated, empty database: a SQLite file, and PostgreSQL when configured."""
    global _ran_on_postgres
    if request.param == "postgresql":
        _ran_on_postgres += 1
        yield await templates.postgres_url()
    else:
        name = request.node.name.replace("/", "_")[:80]
        yield await templates.sqlite_url(name)


@pytest.fixture
async def bot(database_url: str) -> AsyncIterator[TestBot]:
    """The app on an empty database; alice is HQ by configuration."""
    async for running in start_bot(database_url, chapterhouse_admins="console:alice"):
        yield running


@pytest.fixture
async def demo(database_url: str) -> AsyncIterator[TestBot]:
    """The app on the demo society: alice HQ, bob presides Boston, dan moderates."""
    async for running in start_bot(database_url):
        await running.seed_demo()
        yield running


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    if os.environ.get("CHAPTERHOUSE_REQUIRE_POSTGRES") == "1" and _ran_on_postgres == 0:
        print("\nCHAPTERHOUSE_REQUIRE_POSTGRES=1 but no test ran on PostgreSQL.")
        session.exitstatus = 1
