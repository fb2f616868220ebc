"""`chapterhouse init` with no --chapter asks for the first chapters at a terminal."""

from __future__ import annotations

import sqlite3
from pathlib import Path

from tests.support import Cli, count_rows


def chapters_of(database: Path) -> list[tuple[str, str, str]]:
    with sqlite3.connect(database) as connection:
        rows = connection.execute("SELECT name, region, timezone FROM chapters ORDER BY name")
        return [tuple(row) for row in rows]


def test_init_asks_for_chapters_until_a_blank_name(tmp_path: Path) -> None:
    database = tmp_path / "society.db"
    program = Cli(tmp_path, f"sqlite+aiosqlite:///{database}")
    answers = "Berlin\n\nLagos\nLagos\nAfrica/Lagos\nberlin\nOsaka\nAsia/Tokyo\n\n"
    done = program.run(
        "init",
        "--admin",
        "console:Ada",
        "--name",
        "Society of Testers",
        "--tz",
        "Europe/Berlin",
        "--interactive",  # as at a terminal: the test's stdin is a pipe
        stdin=answers,
    )
    assert done.returncode == 0, done.stderr
    assert "leave the name blank to stop" in done.stdout
    # A wrong zone is said with its suggestion and asked again; a repeated name is refused.
    assert "Lagos: 'Lagos' is not a time zone; did you mean Africa/Lagos?" in done.stderr
    assert "berlin is already on the list" in done.stderr
    assert "Created chapter Osaka (Asia, Asia/Tokyo)" in done.stdout
    assert chapters_of(database) == [
        ("Berlin", "Europe", "Europe/Berlin"),  # blank zone: the society's
        ("Lagos", "Africa", "Africa/Lagos"),
        ("Osaka", "Asia", "Asia/Tokyo"),
    ]
    assert 'chapterhouse exec --as ada "/member add Klaus --chapter Berlin"' in done.stdout


def test_piped_init_does_not_ask_for_chapters(tmp_path: Path) -> None:
    database = tmp_path / "society.db"
    program = Cli(tmp_path, f"sqlite+aiosqlite:///{database}")
    done = program.run("init", stdin="console:ada\nSociety of Testers\nUTC\nBerlin\n")
    assert done.returncode == 0, done.stderr
    assert "Chapter name" not in done.stdout
    assert count_rows(database, "chapters") == 0


def test_a_wrong_society_zone_is_refused_before_chapters_are_asked(tmp_path: Path) -> None:
    program = Cli(tmp_path, f"sqlite+aiosqlite:///{tmp_path / 'society.db'}")
    wrong = program.run(
        "init", "--admin", "console:ada", "--name", "S", "--tz", "Tokyo", "--interactive"
    )
    assert wrong.returncode == 1
    assert wrong.stderr.strip() == "--tz 'Tokyo' is not a time zone; did you mean Asia/Tokyo?"
    assert "Chapter name" not in wrong.stdout
