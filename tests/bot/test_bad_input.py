"""Text no database stores, dates off the calendar and a full disk: one line each.

Before: a NUL byte in a command reached PostgreSQL, which refused it after the work
("internal error"); `nudges preview --at 0001-01-01T00:00+14:00` and `nudges run
--at 9999-12-31` ended in an OverflowError traceback; a full disk was an internal
error with no word of the disk.
"""

from __future__ import annotations

import errno
import sqlite3
from pathlib import Path

import pytest
from sqlalchemy.exc import OperationalError

from bot.dispatcher import disk_full
from storage.uow import UnitOfWork
from tests.support import Cli, TemplateDatabases, TestBot, count_rows, demo_database


@pytest.mark.parametrize(
    ("name", "reason"),
    [
        ("Los\x00Angeles", "That text contains a NUL character; remove it and try again."),
        (
            "Los\ud800Angeles",
            "That text contains a broken character (a lone surrogate); retype it and try again.",
        ),
    ],
)
async def test_unstorable_characters_are_refused_before_anything_is_written(
    bot: TestBot, name: str, reason: str
) -> None:
    before = await bot.snapshot()
    command = f'/chapter create "{name}" --region "North America" --tz America/Los_Angeles'
    assert await bot.refused(command) == reason
    assert await bot.snapshot() == before


@pytest.mark.parametrize(
    ("verb", "at"),
    [("preview", "0001-01-01T00:00+14:00"), ("run", "9999-12-31"), ("run", "0001-01-01")],
)
async def test_nudges_at_a_moment_off_the_calendar_is_one_line_and_exit_2(
    templates: TemplateDatabases, tmp_path: Path, verb: str, at: str
) -> None:
    database = await demo_database(templates, f"nudges-{verb}-{at[:4]}")
    claims = count_rows(database, "due_claims")
    result = Cli(tmp_path, f"sqlite+aiosqlite:///{database}").run("nudges", verb, "--at", at)
    assert result.returncode == 2
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("--at "), result.stderr
    assert "Traceback" not in result.stderr
    assert count_rows(database, "due_claims") == claims


def test_disk_full_is_recognised_however_it_is_wrapped() -> None:
    sqlite_full = OperationalError(
        "INSERT …", {}, sqlite3.OperationalError("database or disk is full")
    )
    assert disk_full(sqlite_full)
    assert disk_full(OSError(errno.ENOSPC, "No space left on device"))
    assert not disk_full(OSError(errno.EACCES, "Permission denied"))
    assert not disk_full(RuntimeError("something else"))


async def test_a_command_on_a_full_disk_says_the_disk_is_full(
    bot: TestBot, monkeypatch: pytest.MonkeyPatch
) -> None:
    async def full(self: UnitOfWork) -> None:
        raise OperationalError("COMMIT", {}, sqlite3.OperationalError("database or disk is full"))

    monkeypatch.setattr(UnitOfWork, "commit", full)
    reason = await bot.refused(
        '/chapter create "Los Angeles" --region "North America" --tz America/Los_Angeles'
    )
    assert reason.startswith("The server's disk is full, so nothing was saved;")
