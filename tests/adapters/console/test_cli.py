"""The `chapterhouse` command line and the interactive console, as an operator uses them.

Most tests run the real program in a subprocess (its own directory, no `.env`, a
SQLite file of its own); the interactive console is also driven in-process through
prompt_toolkit's pipe input, which is faster and lets the test see every prompt.
"""

from __future__ import annotations

import asyncio
import io
from pathlib import Path

import pytest
from alembic.script import ScriptDirectory
from prompt_toolkit.application import create_app_session
from prompt_toolkit.input import create_pipe_input
from prompt_toolkit.output.plain_text import PlainTextOutput
from typer.testing import CliRunner

from adapters.console.repl import run_repl
from chapterhouse.cli import cli
from storage.migrate import alembic_config
from tests.support import Cli, TemplateDatabases, TestBot, count_rows, demo_database


@pytest.fixture
async def demo_cli(
    tmp_path: Path, templates: TemplateDatabases, request: pytest.FixtureRequest
) -> Cli:
    database = await demo_database(templates, f"cli-{request.node.name}")
    return Cli(tmp_path, f"sqlite+aiosqlite:///{database}")


def test_db_upgrade_creates_the_database_and_demo_seeds_it_once(tmp_path: Path) -> None:
    database = tmp_path / "society.db"
    program = Cli(tmp_path, f"sqlite+aiosqlite:///{database}")
    head = ScriptDirectory.from_config(alembic_config()).get_current_head()

    upgraded = program.run("db", "upgrade")
    assert (upgraded.returncode, upgraded.stdout) == (0, f"Database is at revision {head}.\n")
    assert database.exists() and count_rows(database, "members") == 0

    seeded = program.run("demo")
    assert seeded.returncode == 0, seeded.stderr
    assert seeded.stdout == (
        "Seeded the demo society: 6 chapters (3 active, 3 incubating), 7 members, "
        "an open society poll, an active workgroup, two positions (one open, one a draft) "
        "and the founding letter's 4 goals. Also 4 coming events (Boston's harbour walk is "
        "full, with a waitlist: try /event list and /event rsvp).\n"
    )
    assert count_rows(database, "events") == 4
    assert (count_rows(database, "chapters"), count_rows(database, "members")) == (6, 7)
    assert count_rows(database, "polls") == 1
    assert count_rows(database, "goals") == 4

    again = program.run("demo")
    assert again.returncode == 1
    assert again.stdout == ""
    assert again.stderr == (
        "The database already has chapters or members; the demo needs an empty one.\n"
    )
    assert (count_rows(database, "chapters"), count_rows(database, "members")) == (6, 7)


async def test_exec_prints_the_reply_and_exits_by_its_outcome(demo_cli: Cli) -> None:
    listing = demo_cli.run("exec", "--as", "alice", "/chapter list")
    assert listing.returncode == 0, listing.stderr
    assert listing.stdout.startswith("Chapters (6)\n")
    for name in ("Washington DC", "San Francisco", "Boston", "London", "Chicago", "New York"):
        assert f"• {name} (" in listing.stdout
    assert "president @bob" in listing.stdout

    refused = demo_cli.run("exec", "--as", "grace", "/chapter activate London")
    assert refused.returncode == 1
    assert refused.stdout == ""
    assert refused.stderr == "Only HQ may use /chapter activate.\n"

    activated = demo_cli.run("exec", "--as", "alice", "/chapter activate London")
    assert activated.returncode == 0, activated.stderr
    lines = activated.stdout.splitlines()
    # Every bound console channel hears about it, then the reply to alice.
    assert sorted(lines[:-1]) == [
        f"[#{channel}] 🎉 London is now an active chapter. Welcome!"
        for channel in ("boston", "san-francisco", "washington-dc")
    ]
    assert lines[-1] == "London is now an active chapter."


@pytest.mark.parametrize(
    ("args", "complaint"),
    [
        (["exec", "/chapter list"], "Missing option '--as'"),
        (["exec", "--as", "alice"], "Missing argument"),
        (["frob"], "No such command 'frob'"),
        (["members", "import"], "Missing argument"),
        (["exec", "--as", "alice", "--colour", "red", "/help"], "No such option"),
    ],
)
def test_a_wrong_command_line_exits_2_and_touches_nothing(
    args: list[str], complaint: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    database = tmp_path / "untouched.db"
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("DATABASE_URL", f"sqlite+aiosqlite:///{database}")
    result = CliRunner().invoke(cli, args)
    assert result.exit_code == 2
    assert complaint in result.output
    assert not database.exists()


@pytest.mark.parametrize(
    ("env", "complaint"),
    [
        ({"SLACK_BOT_TOKEN": "xoxb-secret-1"}, "SLACK_SIGNING_SECRET: required to serve Slack"),
        (
            {"SLACK_BOT_TOKEN": "xoxp-secret-1", "SLACK_SIGNING_SECRET": "s" * 32},
            "SLACK_BOT_TOKEN: expected a bot token starting with xoxb-",
        ),
        (
            {"SLACK_BOT_TOKEN": "xoxb-secret-1", "SLACK_APP_TOKEN": "xoxb-secret-2"},
            "SLACK_APP_TOKEN: expected an app-level token starting with xapp-",
        ),
        ({"DISCORD_BOT_TOKEN": "secret-1"}, "DISCORD_BOT_TOKEN: that is not a bot token"),
    ],
)
@pytest.mark.parametrize("args", [[], ["serve"]])
def test_tokens_start_serving_and_bad_ones_are_refused_before_anything_opens(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    env: dict[str, str],
    complaint: str,
    args: list[str],
) -> None:
    database = tmp_path / "untouched.db"
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("DATABASE_URL", f"sqlite+aiosqlite:///{database}")
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    result = CliRunner().invoke(cli, args)
    assert result.exit_code == 2
    assert complaint in result.output
    assert "secret-1" not in result.output and "secret-2" not in result.output
    assert not database.exists()


def test_console_with_piped_input(demo_cli: Cli) -> None:
    typed = "/chapter status Boston\n/as grace\n/member profile\n/quit\n/chapter list\n"
    session = demo_cli.run("console", "--as", "bob", stdin=typed)
    assert session.returncode == 0, session.stderr
    out = session.stdout
    assert out.startswith("Chapterhouse console. You are @bob. Type /help for commands")
    assert "Boston · cadence" in out and "Working: " in out
    assert "@grace> " in out and "Grace Member" in out
    assert "Chapters (6)" not in out  # typed after /quit


def test_bare_chapterhouse_opens_the_console_on_the_demo_society(tmp_path: Path) -> None:
    database = tmp_path / "chapterhouse.db"
    session = Cli(tmp_path, f"sqlite+aiosqlite:///{database}").run(stdin="/chapter list\n")
    assert session.returncode == 0, session.stderr
    assert session.stdout.startswith(
        "Seeded the demo society: 6 chapters (3 active, 3 incubating), 7 members, "
        "an open society poll, an active workgroup, two positions (one open, one a draft) "
        "and the founding letter's 4 goals. Also 4 coming events (Boston's harbour walk is "
        "full, with a waitlist: try /event list and /event rsvp).\n"
        "Chapterhouse console. You are @alice."
    )
    assert "Chapters (6)" in session.stdout
    assert count_rows(database, "members") == 7


async def drive_console(bot: TestBot, user: str, typed: str) -> str:
    """Type into run_repl through a pipe; everything it showed, prompts included."""
    screen = io.StringIO()
    with (
        create_pipe_input() as keyboard,
        create_app_session(input=keyboard, output=PlainTextOutput(screen)),
    ):
        keyboard.send_text(typed)
        try:
            # A guard against hanging on a prompt nobody answers, not a time limit.
            await asyncio.wait_for(run_repl(bot.app, user, None), timeout=60)
        except TimeoutError:
            pytest.fail(f"the console is still waiting for input; it showed:\n{screen.getvalue()}")
    return screen.getvalue()


async def test_console_session(
    demo: TestBot,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    monkeypatch.setenv("HOME", str(tmp_path))
    typed = (
        "/help\r"
        "/chapter status Boston\r"
        "/as grace\r"
        "/chapter activate London\r"
        "/channel #Boston\r"
        "/member join\r"
        "/quit\r"
        "/chapter list\r"
    )
    screen = await drive_console(demo, "bob", typed)

    banner = capsys.readouterr().out
    assert banner.startswith("Chapterhouse console. You are @bob. Type /help for commands")
    # /help lists the commands.
    assert "/chapter: info, list, status; " in screen  # /help: a line per group
    assert "/help COMMAND for its details" in screen
    # bob's status of his chapter, on the demo clock (a Monday in June 2026).
    assert "Boston · cadence 2026" in screen
    assert "As of 2026-06-15 in America/New_York." in screen
    # /as switches member: the prompt follows, and grace is no HQ.
    assert "@grace> " in screen
    assert "Only HQ may use /chapter activate." in screen
    # /channel moves: the prompt shows it, and commands know where they are typed.
    assert "@grace #boston> " in screen
    assert "You are already a member of Boston." in screen
    # Nothing after /quit runs.
    assert "Chapters (6)" not in screen
    history = (tmp_path / ".chapterhouse_history").read_text(encoding="utf-8")
    assert "+/chapter status Boston" in history


async def test_console_works_when_home_is_unwritable(
    demo: TestBot, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("HOME", str(tmp_path / "no-such-home"))
    screen = await drive_console(demo, "bob", "/chapter list\r/quit\r")
    assert "Chapters (6)" in screen
    assert "Press ENTER" not in screen


def test_discord_sync_without_a_token_says_what_is_missing(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("DISCORD_BOT_TOKEN", raising=False)
    result = CliRunner().invoke(cli, ["discord", "sync"])
    assert result.exit_code == 2
    assert "DISCORD_BOT_TOKEN: set it to sync commands to Discord" in result.output


def test_slack_manifest_lists_every_group(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import yaml

    from commands import build_registry

    monkeypatch.chdir(tmp_path)
    result = CliRunner().invoke(
        cli, ["slack", "manifest", "--url", "https://bot.example.org/slack/events"]
    )
    assert result.exit_code == 0, result.output
    manifest = yaml.safe_load(result.output)
    commands = {c["command"] for c in manifest["features"]["slash_commands"]}
    assert commands == {f"/{g}" for g in build_registry().group_names()}
    refused = CliRunner().invoke(cli, ["slack", "manifest", "--url", "http://insecure.example"])
    assert refused.exit_code == 2 and "https://" in refused.output
