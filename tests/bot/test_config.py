"""Settings: a bad value stops start-up with one line naming the variable; secrets stay secret.

Settings are read from the real process environment and `.env` here (that is what
is under test), in a directory of the test's own so no developer's `.env` leaks in.
"""

from __future__ import annotations

import socket
from pathlib import Path

import pytest

from bot.config import AdminIdentity, ConfigError, Settings, load_settings
from storage.engine import safe_url
from tests.support import Cli

SECRETS = {
    "SLACK_BOT_TOKEN": "xoxb-1111-secret-bot-token",
    "SLACK_SIGNING_SECRET": "8f14e45fceea167a5a36dedd4bea2543",
    "SLACK_APP_TOKEN": "xapp-1-secret-app-token",
    "DISCORD_BOT_TOKEN": "MTA.discord-secret.token",
}


@pytest.fixture(autouse=True)
def clean_environment(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """No setting from the machine running the tests, and no `.env` but the test's own."""
    for name in Settings.model_fields:
        monkeypatch.delenv(name.upper(), raising=False)
    monkeypatch.chdir(tmp_path)


def config_error(**environment: str) -> str:
    """The line start-up would stop with."""
    with pytest.MonkeyPatch.context() as patch:
        for name, value in environment.items():
            patch.setenv(name, value)
        with pytest.raises(ConfigError) as error:
            load_settings()
    line = str(error.value)
    assert "\n" not in line, f"not one line: {line!r}"
    return line


def test_defaults_need_no_configuration() -> None:
    settings = load_settings()
    assert settings.database_url == "sqlite+aiosqlite:///chapterhouse.db"
    assert settings.chapterhouse_admins == []
    assert settings.default_timezone == "UTC"
    assert (settings.http_host, settings.http_port) == ("127.0.0.1", 3000)
    assert not settings.slack_enabled and not settings.discord_enabled


def test_values_come_from_the_environment_and_dot_env(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / ".env").write_text(
        "DEFAULT_TIMEZONE=Europe/London\nHTTP_PORT=8080\nCHAPTERHOUSE_ADMINS=console:alice\n",
        encoding="utf-8",
    )
    monkeypatch.setenv("HTTP_PORT", "9090")  # the environment wins over .env
    settings = load_settings()
    assert settings.default_timezone == "Europe/London"
    assert str(settings.tz) == "Europe/London"
    assert settings.http_port == 9090
    assert settings.chapterhouse_admins == [AdminIdentity("console", "alice")]


@pytest.mark.parametrize(
    ("variable", "value", "line"),
    [
        (
            "DEFAULT_TIMEZONE",
            "Mars/Olympus_Mons",
            "DEFAULT_TIMEZONE: unknown time zone 'Mars/Olympus_Mons'; "
            "use an IANA name like Europe/London",
        ),
        (
            "DEFAULT_TIMEZONE",
            "../../etc/passwd",
            "DEFAULT_TIMEZONE: unknown time zone '../../etc/passwd'; "
            "use an IANA name like Europe/London",
        ),
        (
            "CHAPTERHOUSE_ADMINS",
            "alice",
            "CHAPTERHOUSE_ADMINS: 'alice' is not platform:id; "
            "expected e.g. console:alice,slack:U123,discord:456",
        ),
        (
            "CHAPTERHOUSE_ADMINS",
            "console:alice, irc:bob",
            "CHAPTERHOUSE_ADMINS: 'irc:bob' names an unknown platform 'irc'; "
            "expected console, slack or discord",
        ),
        (
            "CHAPTERHOUSE_ADMINS",
            "slack:",
            "CHAPTERHOUSE_ADMINS: 'slack:' has no id after the colon; expected e.g. slack:U123",
        ),
        (
            "HTTP_PORT",
            "http",
            "HTTP_PORT: Input should be a valid integer, unable to parse string as an integer",
        ),
        ("HTTP_PORT", "0", "HTTP_PORT: Input should be greater than or equal to 1"),
        ("HTTP_PORT", "70000", "HTTP_PORT: Input should be less than or equal to 65535"),
        ("LOG_LEVEL", "chatty", "LOG_LEVEL: expected DEBUG, INFO, WARNING or ERROR"),
    ],
)
def test_a_bad_value_is_one_line_naming_the_variable(variable: str, value: str, line: str) -> None:
    assert config_error(**{variable: value}) == line


def test_a_bad_value_in_dot_env_is_reported_like_one_in_the_environment(tmp_path: Path) -> None:
    (tmp_path / ".env").write_text("DEFAULT_TIMEZONE=Europe/Londn\n", encoding="utf-8")
    assert config_error().startswith("DEFAULT_TIMEZONE: unknown time zone 'Europe/Londn'")


def test_several_bad_values_are_all_named_on_one_line() -> None:
    line = config_error(DEFAULT_TIMEZONE="Nowhere", HTTP_PORT="-1", CHAPTERHOUSE_ADMINS="bob")
    assert line.count("; ") >= 2
    for variable in ("DEFAULT_TIMEZONE: ", "HTTP_PORT: ", "CHAPTERHOUSE_ADMINS: "):
        assert variable in line


def test_secrets_never_appear_when_settings_are_shown(monkeypatch: pytest.MonkeyPatch) -> None:
    for name, value in SECRETS.items():
        monkeypatch.setenv(name, value)
    monkeypatch.setenv("DATABASE_URL", "postgresql://chapterhouse:hunter2-db-pw@db.internal/ch")
    settings = load_settings()
    assert settings.slack_enabled and settings.discord_enabled
    assert settings.slack_bot_token is not None
    assert settings.slack_bot_token.get_secret_value() == SECRETS["SLACK_BOT_TOKEN"]
    assert "hunter2-db-pw" in settings.database_url  # the engine still gets the password
    for shown in (repr(settings), str(settings), f"{settings}"):
        for secret in [*SECRETS.values(), "hunter2-db-pw"]:
            assert secret not in shown
        assert "db.internal" in shown  # the URL is shown, only its password is hidden


def test_is_admin_normalises_case_for_console_names_and_slack_ids() -> None:
    settings = load_settings(chapterhouse_admins="console:Alice,slack:u0admin,discord:123456")
    assert settings.is_admin("console", "alice")
    assert settings.is_admin("console", "ALICE")
    assert settings.is_admin("slack", "U0ADMIN")
    # Slack ids are upper-case on the wire; a pasted lower-case id still means the account.
    assert settings.is_admin("slack", "u0admin")
    assert settings.is_admin("discord", "123456")
    assert not settings.is_admin("console", "bob")
    assert not settings.is_admin("slack", "alice")  # a name on another platform is not alice
    assert not settings.is_admin("discord", "U0ADMIN")


def closed_port() -> int:
    """A port on 127.0.0.1 that nothing listens on (it was free a moment ago)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@pytest.mark.parametrize(
    "database_url",
    [
        "sqlite+aiosqlite:////nonexistent-dir/chapterhouse.db",
        "postgresql://chapterhouse:s3cret-pw@127.0.0.1:{port}/chapterhouse",
    ],
    ids=["sqlite-missing-directory", "postgresql-closed-port"],
)
def test_an_unreachable_database_stops_exec_with_one_line(
    database_url: str, tmp_path: Path
) -> None:
    url = database_url.format(port=closed_port())
    result = Cli(tmp_path, url).run("exec", "--as", "alice", "/chapter list")
    assert result.returncode == 2
    assert result.stdout == ""
    lines = result.stderr.splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith(f"Configuration error: DATABASE_URL: cannot open {safe_url(url)} (")
    assert "s3cret-pw" not in result.stderr
    assert not (tmp_path / "chapterhouse.db").exists()
