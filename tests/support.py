"""Reusable test fixtures: real databases, a bot driven through the console adapter.

Import from here in any test module; `conftest.py` only exposes these as fixtures.
SQLite databases are real files, copied from a template migrated once per run;
PostgreSQL (when TEST_DATABASE_URL is set) is migrated once and truncated per test.
"""

from __future__ import annotations

import os
import shutil
import socket
import sqlite3
import subprocess
import sys
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import func, select, text

from adapters.console.adapter import ConsolePoster, ConsoleSession
from adapters.console.render import render
from bot.app import App
from bot.clock import FrozenClock
from bot.config import Settings
from bot.reply import Reply
from chapterhouse.bootstrap import bootstrap
from commands.demo import seed_demo
from storage.engine import create_engine
from storage.migrate import upgrade
from storage.models import Base, Identity
from storage.uow import UnitOfWork

START = datetime(2026, 6, 15, 16, 0, tzinfo=UTC)
"""A Monday afternoon in June: mid-year, so cadence arithmetic has something to say."""

POSTGRES_URL = os.environ.get("TEST_DATABASE_URL")


class TemplateDatabases:
    """Migrate once per test run; hand each test a fresh copy."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self._sqlite_template: Path | None = None
        self._postgres_ready = False
        self._issued = 0

    async def sqlite_url(self, name: str) -> str:
        if self._sqlite_template is None:
            template = self.root / "template.db"
            engine = create_engine(f"sqlite+aiosqlite:///{template}")
            await upgrade(engine)
            await engine.dispose()  # the last connection to close checkpoints the WAL
            assert not Path(f"{template}-wal").exists()
            self._sqlite_template = template
        # A fresh directory per database: names repeat across modules, and a file
        # left with a -wal beside it would leak one test's rows into another.
        self._issued += 1
        folder = self.root / f"db{self._issued}"
        folder.mkdir()
        target = folder / f"{name[:60]}.db"
        shutil.copyfile(self._sqlite_template, target)
        return f"sqlite+aiosqlite:///{target}"

    async def postgres_url(self) -> str:
        assert POSTGRES_URL, "TEST_DATABASE_URL is not set"
        engine = create_engine(POSTGRES_URL)
        try:
            if not self._postgres_ready:
                async with engine.begin() as connection:
                    await connection.exec_driver_sql("DROP SCHEMA IF EXISTS public CASCADE")
                    await connection.exec_driver_sql("CREATE SCHEMA public")
                await upgrade(engine)
                self._postgres_ready = True
            tables = ", ".join(t.name for t in Base.metadata.sorted_tables)
            async with engine.begin() as connection:
                await connection.execute(text(f"TRUNCATE {tables} RESTART IDENTITY CASCADE"))
        finally:
            await engine.dispose()
        return POSTGRES_URL


def make_settings(database_url: str, **overrides: Any) -> Settings:
    values: dict[str, Any] = {
        "database_url": database_url,
        "chapterhouse_admins": "",
        "default_timezone": "UTC",
        "log_level": "WARNING",
        "ballot_secret": "test-ballot-secret-0123456789",
        "_env_file": None,
    }
    values.update(overrides)
    return Settings(**values)


Sent = list[tuple[str, str]]
"""(where, text) of each post: a channel's name, or `@name` for a direct message."""


class LedgerPoster(ConsolePoster):
    """A console poster that also writes what it sends into a ledger other instances share."""

    def __init__(self, ledger: Sent) -> None:
        super().__init__()
        self.ledger = ledger

    async def post(self, channel_id: str, reply: Reply) -> str:
        message = await super().post(channel_id, reply)
        self.ledger.append(self.posts[-1])
        return message

    async def direct(self, user_id: str, reply: Reply) -> str:
        message = await super().direct(user_id, reply)
        self.ledger.append(self.posts[-1])
        return message


class TestBot:
    """The whole application, driven as a console user would drive it."""

    __test__ = False  # not a test class, despite the name

    def __init__(
        self,
        app: App,
        clock: FrozenClock,
        *,
        ledger: Sent | None = None,
        due: tuple[str, ...] = (),
    ) -> None:
        self.app = app
        self.clock = clock
        self.ledger: Sent = [] if ledger is None else ledger
        self.poster = LedgerPoster(self.ledger)
        app.notifier.add_poster(self.poster)
        self.due: tuple[str, ...] = ()
        if due:
            self.only_due(*due)

    @property
    def posts(self) -> Sent:
        """What this instance's notifier sent."""
        return self.poster.posts

    @property
    def sent(self) -> Sent:
        """What every instance of the society sent (see `another_instance`), in order.

        Instances share the deliveries ledger: which one's notifier sends a post is
        not for a test to predict, only that it is sent once.
        """
        return list(self.ledger)

    def only_due(self, *names: str) -> None:
        """Run only the due jobs named, or whose names start with one given (`"events."`).

        Other features fall due in the same simulated weeks; a test counting what
        one feature sends leaves the rest out (and names `"upkeep."` if it wants
        the upkeep every tick does). A name that matches no job is a mistake.
        """
        assert names, "name the due jobs to run"
        jobs = self.app.registry.due_jobs
        for name in names:
            assert any(job.startswith(name) for job in jobs), f"no due job is named {name!r}"
        for job in [job for job in jobs if not job.startswith(names)]:
            del jobs[job]
        self.due = names

    @asynccontextmanager
    async def another_instance(self) -> AsyncIterator[TestBot]:
        """The same society in a freshly built app (its own engine and pool, nothing in
        memory shared), on the same clock, running the same due jobs, and writing to
        the same ledger of what was sent: a restart, or a second process."""
        app = await bootstrap(self.app.settings, clock=self.clock, migrate=False, live_interval=0)
        try:
            yield TestBot(app, self.clock, ledger=self.ledger, due=self.due)
        finally:
            await app.close()

    async def send(self, command: str, *, as_: str = "alice", channel: str | None = None) -> Reply:
        return await ConsoleSession(self.app, as_, channel).send(command)

    async def say(self, command: str, *, as_: str = "alice", channel: str | None = None) -> str:
        return render(await self.send(command, as_=as_, channel=channel))

    async def ok(self, command: str, *, as_: str = "alice", channel: str | None = None) -> str:
        """Run a command that must succeed; its rendered reply."""
        reply = await self.send(command, as_=as_, channel=channel)
        assert reply.ok, f"{command!r} as {as_} was refused: {reply.text}"
        return render(reply)

    async def refused(self, command: str, *, as_: str = "alice", channel: str | None = None) -> str:
        """Run a command that must be refused; its one-line reason."""
        reply = await self.send(command, as_=as_, channel=channel)
        assert not reply.ok, f"{command!r} as {as_} unexpectedly succeeded: {reply.text}"
        assert "\n" not in reply.text, f"error is not one line: {reply.text!r}"
        return reply.text

    def uow(self) -> UnitOfWork:
        return UnitOfWork(self.app.sessions, self.clock.now())

    async def count(self, model: type[Base], *where: Any) -> int:
        async with self.uow() as uow:
            query = select(func.count()).select_from(model)
            for condition in where:
                query = query.where(condition)
            return int(await uow.session.scalar(query) or 0)

    async def snapshot(self) -> dict[str, list[tuple[Any, ...]]]:
        """Every row of every table: compare two snapshots to prove nothing was written."""
        async with self.uow() as uow:
            rows: dict[str, list[tuple[Any, ...]]] = {}
            for table in Base.metadata.sorted_tables:
                result = await uow.session.execute(select(table).order_by(*table.primary_key))
                rows[table.name] = [tuple(r) for r in result]
            return rows

    async def add_account(
        self, handle: str, platform: str, external_id: str, display_name: str
    ) -> int:
        """Give the console member `handle` a second account; their member id."""
        async with self.uow() as uow:
            member_id = await uow.session.scalar(
                select(Identity.member_id).where(Identity.external_id == handle)
            )
            assert member_id is not None, f"no member {handle!r}"
            uow.session.add(
                Identity(
                    member_id=member_id,
                    platform=platform,
                    external_id=external_id,
                    display_name=display_name,
                    created_at=uow.now,
                )
            )
            await uow.commit()
        return member_id

    async def seed_demo(self) -> None:
        async with self.uow() as uow:
            await seed_demo(uow.session, uow.now)
            await uow.commit()


async def start_bot(database_url: str, **settings: Any) -> AsyncIterator[TestBot]:
    clock = FrozenClock(START)
    app = await bootstrap(
        make_settings(database_url, **settings), clock=clock, migrate=False, live_interval=0
    )
    try:
        yield TestBot(app, clock)
    finally:
        await app.close()


SETTINGS_VARIABLES = frozenset(name.upper() for name in Settings.model_fields)


@dataclass
class Cli:
    """`chapterhouse` in a subprocess, run from `home` (no .env) against one database."""

    home: Path
    database_url: str

    def run(
        self, *args: str, stdin: str | None = None, **env: str
    ) -> subprocess.CompletedProcess[str]:
        environment = {
            key: value for key, value in os.environ.items() if key.upper() not in SETTINGS_VARIABLES
        }
        environment.update(
            HOME=str(self.home),
            PYTHONIOENCODING="utf-8",
            DATABASE_URL=self.database_url,
            **env,
        )
        return subprocess.run(
            [sys.executable, "-m", "chapterhouse.cli", *args],
            cwd=self.home,
            env=environment,
            input=stdin,
            capture_output=True,
            text=True,
            encoding="utf-8",
            timeout=120,
            check=False,
        )


def free_port() -> int:
    """A port nothing listens on now, for a server the test starts by configuration."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def count_rows(database: Path, table: str) -> int:
    with sqlite3.connect(database) as connection:
        return int(connection.execute(f"SELECT count(*) FROM {table}").fetchone()[0])


async def demo_database(templates: TemplateDatabases, name: str) -> Path:
    """A migrated SQLite file holding the demo society, ready for a subprocess."""
    url = await templates.sqlite_url(name)
    async for bot in start_bot(url):
        await bot.seed_demo()
    return Path(url.removeprefix("sqlite+aiosqlite:///"))
