"""Backups of a SQLite database and restoring them, for `chapterhouse backup`/`restore`.

A copy made with `cp` while the bot runs can catch the file mid-write (and misses
what still sits in the `-wal` beside it); SQLite's online backup API copies a
consistent snapshot page by page while others keep writing. PostgreSQL has its
own tools (`pg_dump`, `pg_restore`): for it we only say which command to run.

The ballot key of a SQLite database is not inside the database, so a backup does
not carry it: keep it with the other secrets, not with the backups.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from alembic.script import ScriptDirectory
from alembic.util import CommandError
from sqlalchemy.engine import URL, make_url

from storage.migrate import alembic_config

SOCIETY = ("chapters", "members", "polls", "poll_ballots")
"""The tables whose counts say a society is whole, shown after a backup or restore."""


class BackupError(Exception):
    """Why a backup or restore cannot go ahead, in one line."""


@dataclass(frozen=True)
class Contents:
    revision: str
    counts: dict[str, int]

    def summary(self) -> str:
        chapters, members, polls, ballots = (self.counts.get(t, 0) for t in SOCIETY)
        return (
            f"{chapters:,} chapters, {members:,} members, {polls:,} polls, "
            f"{ballots:,} ballots (revision {self.revision})"
        )


def sqlite_file(database_url: str) -> Path | None:
    """The file of a SQLite URL; None for any other database."""
    url = make_url(database_url)
    if url.get_backend_name() != "sqlite":
        return None
    return Path(url.database or "")


def pg_dump_command(database_url: str, file: Path) -> str:
    """The pg_dump command for this database, without its password."""
    url: URL = make_url(database_url)
    parts = ["pg_dump", "--format=custom", f"--file={file}"]
    if url.host:
        parts.append(f"--host={url.host}")
    if url.port:
        parts.append(f"--port={url.port}")
    if url.username:
        parts.append(f"--username={url.username}")
    parts.append(str(url.database or ""))
    return " ".join(parts)


def pg_restore_command(database_url: str, file: Path) -> str:
    url: URL = make_url(database_url)
    parts = ["pg_restore", "--clean", "--if-exists", "--no-owner"]
    if url.host:
        parts.append(f"--host={url.host}")
    if url.port:
        parts.append(f"--port={url.port}")
    if url.username:
        parts.append(f"--username={url.username}")
    parts += [f"--dbname={url.database or ''}", str(file)]
    return " ".join(parts)


def contents(file: Path) -> Contents:
    """What a Chapterhouse SQLite file holds; BackupError if it is not one we know."""
    if not file.is_file():
        raise BackupError(f"{file}: no such file")
    try:
        with _connect(file, read_only=True) as connection:
            tables = {
                str(name)
                for (name,) in connection.execute(
                    "SELECT name FROM sqlite_master WHERE type = 'table'"
                )
            }
            if "alembic_version" not in tables or not set(SOCIETY) <= tables:
                raise BackupError(f"{file} is a SQLite database, but not a Chapterhouse one")
            row = connection.execute("SELECT version_num FROM alembic_version").fetchone()
            counts = {
                table: int(connection.execute(f'SELECT count(*) FROM "{table}"').fetchone()[0])
                for table in SOCIETY
            }
    except sqlite3.DatabaseError as error:
        raise BackupError(f"{file} is not a SQLite database ({error})") from None
    revision = str(row[0]) if row else ""
    if not _known(revision):
        raise BackupError(
            f"{file} is at revision {revision or 'none'}, which this version of Chapterhouse "
            "does not know (a newer release made it?)"
        )
    return Contents(revision, counts)


def is_empty(file: Path) -> bool:
    """No file, or no society in it: nothing a restore would overwrite."""
    if not file.exists() or file.stat().st_size == 0:
        return True
    try:
        with _connect(file, read_only=True) as connection:
            tables = {
                str(name)
                for (name,) in connection.execute(
                    "SELECT name FROM sqlite_master WHERE type = 'table'"
                )
            }
            return not any(
                connection.execute(f'SELECT 1 FROM "{table}" LIMIT 1').fetchone()
                for table in ("chapters", "members")
                if table in tables
            )
    except sqlite3.DatabaseError:
        return False  # something is there that we cannot read: do not overwrite it


def backup(source: Path, target: Path) -> Contents:
    """A consistent copy of `source` in `target` (a new file), taken while others write."""
    found = contents(source)
    if target.exists():
        raise BackupError(f"{target} already exists: choose a new file name")
    try:
        with _connect(source) as live, _connect(target) as copy:
            live.backup(copy)
    except sqlite3.Error as error:
        target.unlink(missing_ok=True)
        raise BackupError(f"cannot write {target}: {error}") from None
    return found


def restore(file: Path, target: Path) -> Contents:
    """Copy the backup `file` over the database `target` (checked by the caller)."""
    found = contents(file)
    target.parent.mkdir(parents=True, exist_ok=True)
    try:
        with _connect(file, read_only=True) as saved, _connect(target) as live:
            saved.backup(live)
    except sqlite3.Error as error:
        raise BackupError(f"cannot write {target}: {error}") from None
    return found


@contextmanager
def _connect(file: Path, *, read_only: bool = False) -> Iterator[sqlite3.Connection]:
    if read_only:
        connection = sqlite3.connect(f"{file.resolve().as_uri()}?mode=ro", uri=True)
    else:
        connection = sqlite3.connect(file)
    try:
        yield connection
    finally:
        connection.close()


def _known(revision: str) -> bool:
    if not revision:
        return False
    try:
        return ScriptDirectory.from_config(alembic_config()).get_revision(revision) is not None
    except CommandError:
        return False
