"""`chapterhouse init`: the way into a real society from an empty database."""

from __future__ import annotations

from pathlib import Path

from tests.support import Cli, count_rows


def test_an_empty_society_refuses_hq_commands_and_says_how_to_appoint_hq(tmp_path: Path) -> None:
    program = Cli(tmp_path, f"sqlite+aiosqlite:///{tmp_path / 'society.db'}")
    refused = program.run(
        "exec", "--as", "ada", "/chapter create Berlin --region Europe --tz Europe/Berlin"
    )
    assert refused.returncode == 1
    assert "Only HQ may use /chapter create." in refused.stderr
    assert "chapterhouse init --admin console:NAME" in refused.stderr


def test_init_sets_up_admin_zone_and_chapters_then_hq_commands_work(tmp_path: Path) -> None:
    database = tmp_path / "society.db"
    program = Cli(tmp_path, f"sqlite+aiosqlite:///{database}")
    done = program.run(
        "init",
        "--admin",
        "console:Ada",
        "--name",
        "Society of Testers",
        "--tz",
        "Europe/Berlin",
        "--chapter",
        "Berlin",
        "--chapter",
        "Lagos, Africa, Africa/Lagos",
    )
    assert done.returncode == 0, done.stderr
    assert "Set up Society of Testers (time zone Europe/Berlin)." in done.stdout
    assert "Created chapter Lagos (Africa, Africa/Lagos)" in done.stdout
    assert 'chapterhouse exec --as ada "/member add Klaus --chapter Berlin"' in done.stdout
    assert count_rows(database, "chapters") == 2

    added = program.run("exec", "--as", "ada", "/member add Klaus --chapter Berlin")
    assert added.returncode == 0, added.stderr
    appointed = program.run("exec", "--as", "ada", "/chapter president Berlin @klaus")
    assert appointed.stdout.strip() == "@klaus is now president of Berlin."
    info = program.run("exec", "--as", "ada", "/chapter info Berlin")
    assert "Europe/Berlin" in info.stdout

    again = program.run("init", "--admin", "console:bob", "--name", "Other", "--tz", "UTC")
    assert again.returncode == 1
    assert "already set up as Society of Testers" in again.stderr


def test_init_asks_for_what_is_missing_and_suggests_a_zone(tmp_path: Path) -> None:
    program = Cli(tmp_path, f"sqlite+aiosqlite:///{tmp_path / 'society.db'}")
    wrong = program.run("init", "--admin", "console:ada", "--name", "S", "--tz", "Tokyo")
    assert wrong.returncode == 1
    assert wrong.stderr.strip() == "--tz 'Tokyo' is not a time zone; did you mean Asia/Tokyo?"
    asked = program.run("init", stdin="console:ada\nSociety of Testers\nAsia/Tokyo\n")
    assert asked.returncode == 0, asked.stderr
    assert "First HQ admin" in asked.stdout and "Set up Society of Testers" in asked.stdout
    # The chosen zone is the society's default from now on.
    made = program.run("exec", "--as", "ada", "/chapter create Osaka --region Asia --tz Asia/Tokyo")
    assert made.returncode == 0, made.stderr


def test_init_refuses_the_demo_database(tmp_path: Path) -> None:
    program = Cli(tmp_path, f"sqlite+aiosqlite:///{tmp_path / 'chapterhouse.db'}")
    assert program.run("demo").returncode == 0
    refused = program.run("init", "--admin", "console:ada", "--name", "S", "--tz", "UTC")
    assert refused.returncode == 1
    assert refused.stderr.strip() == (
        "This database already holds 6 chapters and 7 members (the demo's?); set up a real "
        "society in a new one, e.g. export DATABASE_URL=sqlite+aiosqlite:///society.db, "
        "then init again."
    )
