"""`chapterhouse backup FILE` and `chapterhouse restore FILE`, run as an operator runs them.

The society after a restore is the society that was backed up: chapters, members,
polls and ballots, counted in the restored database.
"""

from __future__ import annotations

import sqlite3
from pathlib import Path

from alembic.script import ScriptDirectory

from storage.migrate import alembic_config
from tests.support import Cli, TemplateDatabases, count_rows, demo_database, start_bot

SOCIETY = ("chapters", "members", "identities", "polls", "poll_ballots", "workgroup_members")


async def _society_with_votes(templates: TemplateDatabases, name: str) -> Path:
    database = await demo_database(templates, name)
    async for bot in start_bot(f"sqlite+aiosqlite:///{database}"):
        await bot.ok("/poll vote 1 1", as_="bob")
        await bot.ok("/poll vote 1 2", as_="carol")
    return database


def _counts(database: Path) -> dict[str, int]:
    return {table: count_rows(database, table) for table in SOCIETY}


async def test_a_backup_restored_into_a_fresh_database_is_the_whole_society(
    tmp_path: Path, templates: TemplateDatabases
) -> None:
    live = await _society_with_votes(templates, "backup-live")
    before = _counts(live)
    assert before["poll_ballots"] == 2 and before["chapters"] > 0
    copy = tmp_path / "society-backup.db"

    saved = Cli(tmp_path, f"sqlite+aiosqlite:///{live}").run("backup", str(copy))
    assert saved.returncode == 0, saved.stderr
    assert saved.stdout.startswith(f"Backed up {live} to {copy}: ")
    assert f"{before['members']} members" in saved.stdout

    fresh = tmp_path / "elsewhere" / "restored.db"
    restored = Cli(tmp_path, f"sqlite+aiosqlite:///{fresh}").run("restore", str(copy))
    assert restored.returncode == 0, restored.stderr
    head = ScriptDirectory.from_config(alembic_config()).get_current_head()
    assert restored.stdout.strip().endswith(f"now at revision {head}.")
    assert _counts(fresh) == before

    again = Cli(tmp_path, f"sqlite+aiosqlite:///{copy}").run("backup", str(copy))
    assert again.returncode == 1
    assert again.stderr.strip() == f"Cannot back up: {copy} already exists: choose a new file name."


async def test_restore_refuses_to_overwrite_a_society_without_force(
    tmp_path: Path, templates: TemplateDatabases
) -> None:
    live = await _society_with_votes(templates, "backup-source")
    copy = tmp_path / "backup.db"
    assert Cli(tmp_path, f"sqlite+aiosqlite:///{live}").run("backup", str(copy)).returncode == 0
    other = await demo_database(templates, "backup-target")
    target = Cli(tmp_path, f"sqlite+aiosqlite:///{other}")
    ballots = count_rows(other, "poll_ballots")

    refused = target.run("restore", str(copy))
    assert refused.returncode == 1
    assert refused.stderr.strip() == (
        f"Cannot restore: {other} already holds a society; "
        "add --force to replace it with the backup."
    )
    assert count_rows(other, "poll_ballots") == ballots == 0

    forced = target.run("restore", str(copy), "--force")
    assert forced.returncode == 0, forced.stderr
    assert count_rows(other, "poll_ballots") == 2, forced.stdout


def test_restore_refuses_a_file_that_is_not_a_chapterhouse_database(tmp_path: Path) -> None:
    target = Cli(tmp_path, f"sqlite+aiosqlite:///{tmp_path / 'new.db'}")
    text = tmp_path / "notes.txt"
    text.write_text("not a database at all, just some notes\n" * 100)
    other = tmp_path / "other.db"
    with sqlite3.connect(other) as connection:
        connection.execute("CREATE TABLE recipes (name TEXT)")

    for file, reason in (
        (text, f"{text} is not a SQLite database (file is not a database)"),
        (other, f"{other} is a SQLite database, but not a Chapterhouse one"),
        (tmp_path / "missing.db", f"{tmp_path / 'missing.db'}: no such file"),
    ):
        result = target.run("restore", str(file))
        assert result.returncode == 1
        assert result.stderr.strip() == f"Cannot restore: {reason}."
    assert not (tmp_path / "new.db").exists()


def test_on_postgresql_backup_prints_the_pg_dump_command_without_the_password(
    tmp_path: Path,
) -> None:
    url = "postgresql+asyncpg://society:s3cret-pass@db.internal:5433/chapterhouse"
    result = Cli(tmp_path, url).run("backup", "nightly.dump")
    assert result.returncode == 1
    assert result.stderr.splitlines()[-1].strip() == (
        "pg_dump --format=custom --file=nightly.dump --host=db.internal --port=5433 "
        "--username=society chapterhouse"
    )
    assert "s3cret" not in result.stderr + result.stdout
