"""Live posts are edited once per burst, showing the latest state; the ballot key
stays outside the database and survives restarts."""

from __future__ import annotations

import asyncio
import stat
from pathlib import Path

import pytest

from adapters.console.render import render
from bot.ballot_key import with_ballot_key
from bot.config import ConfigError
from bot.live import LiveMessages
from bot.reply import Reply
from storage.models import ChannelBinding
from tests.support import TestBot, make_settings


class Editor:
    def __init__(self) -> None:
        self.edits: list[tuple[str, str]] = []

    async def edit(self, channel_id: str, message_id: str, reply: Reply) -> None:
        self.edits.append((message_id, render(reply)))
        await asyncio.sleep(0)


async def test_a_burst_of_changes_becomes_one_edit_per_copy_with_the_last_state(
    demo: TestBot,
) -> None:
    await demo.ok('/poll create "City?" "Lisbon" "Osaka" --audience society', as_="dan")
    editor = Editor()
    live = LiveMessages(
        demo.app.sessions,
        demo.clock,
        demo.app.registry.live,
        {"console": editor},
        interval=0.05,
    )
    for who in ("grace", "bob", "carol"):
        await demo.ok("/poll vote 2 1", as_=who)
    for _ in range(3):  # three votes' worth of changes, arriving together
        await live.changed(["poll:2"])
    await live.drain()
    assert len(editor.edits) == 3  # one per channel copy, not one per vote
    assert all("3 of 7 eligible voted" in text for _, text in editor.edits)
    await demo.ok("/poll vote 2 2", as_="erin")
    await live.changed(["poll:2", "unknown:5"])
    await live.drain()
    assert len(editor.edits) == 6 and "4 of 7 eligible voted" in editor.edits[-1][1]


def test_the_ballot_key_file_is_private_reused_and_not_beside_the_database(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "config"))
    folder = tmp_path / "data"
    folder.mkdir()
    url = f"sqlite+aiosqlite:///{folder / 'society.db'}"
    first = with_ballot_key(make_settings(url, ballot_secret=None))
    again = with_ballot_key(make_settings(url, ballot_secret=None))
    [key_file] = (tmp_path / "config" / "chapterhouse").iterdir()
    assert stat.S_IMODE(key_file.stat().st_mode) == 0o600
    assert first.ballot_secret is not None and again.ballot_secret is not None
    key = first.ballot_secret.get_secret_value()
    assert key == again.ballot_secret.get_secret_value()
    assert key_file.read_text().strip() == key
    # A backup of the database's folder carries no key.
    assert list(folder.iterdir()) == []
    other = with_ballot_key(
        make_settings(f"sqlite+aiosqlite:///{tmp_path / 'b.db'}", ballot_secret=None)
    )
    assert other.ballot_secret is not None and other.ballot_secret.get_secret_value() != key


def test_a_ballot_key_file_in_the_database_folder_is_refused(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "config"))
    url = f"sqlite+aiosqlite:///{tmp_path / 'society.db'}"
    named = make_settings(
        url, ballot_secret=None, chapterhouse_ballot_key_file=str(tmp_path / "key")
    )
    with pytest.raises(ConfigError, match=r"^CHAPTERHOUSE_BALLOT_KEY_FILE: .* database's folder"):
        with_ballot_key(named)
    assert not (tmp_path / "key").exists()
    # A key left beside the database by an earlier version: move it, says start-up.
    (tmp_path / "society.db.ballot-key").write_text("an-old-key-0123456789\n")
    with pytest.raises(ConfigError, match=r"sits beside the database.*move it to") as refused:
        with_ballot_key(make_settings(url, ballot_secret=None))
    assert "\n" not in str(refused.value)
    elsewhere = make_settings(
        url, ballot_secret=None, chapterhouse_ballot_key_file=str(tmp_path / "keys" / "k")
    )
    assert with_ballot_key(elsewhere).ballot_secret is not None


def test_the_ballot_key_from_the_environment_wins() -> None:
    settings = make_settings(
        "postgresql+asyncpg://u:p@db/society",
        ballot_secret=None,
        chapterhouse_ballot_key="from-the-environment-0123",
    )
    secret = with_ballot_key(settings).ballot_secret
    assert secret is not None and secret.get_secret_value() == "from-the-environment-0123"


def test_postgresql_needs_a_configured_ballot_secret() -> None:
    settings = make_settings("postgresql+asyncpg://u:p@db/society", ballot_secret=None)
    with pytest.raises(ConfigError, match=r"^CHAPTERHOUSE_BALLOT_KEY: required with this database"):
        with_ballot_key(settings)


def test_a_short_ballot_secret_is_refused() -> None:
    with pytest.raises(Exception, match="at least 16 characters"):
        make_settings("sqlite+aiosqlite:///x.db", ballot_secret="short")


class SlackPoster:
    platform = "slack"

    def __init__(self) -> None:
        self.posted: list[str] = []

    async def post(self, channel_id: str, reply: Reply) -> str:
        self.posted.append(render(reply))
        return "1700000000.000100"

    async def direct(self, user_id: str, reply: Reply) -> str:
        raise AssertionError("no direct messages here")

    async def edit(self, channel_id: str, message_id: str, reply: Reply) -> None:
        raise AssertionError("nothing to edit yet")


async def test_a_poll_queued_for_another_platform_is_posted_as_it_is_when_sent(
    demo: TestBot,
) -> None:
    async with demo.uow() as uow:
        uow.session.add(
            ChannelBinding(
                chapter_id=3,
                platform="slack",
                channel_id="C0BOSTON",
                channel_name="boston",
                bound_at=uow.now,
            )
        )
        await uow.commit()
    await demo.ok('/poll create "Venue?" "Library" "Café" --audience chapter:Boston', as_="dan")
    await demo.ok("/poll vote 2 2", as_="grace")  # while no Slack process is running
    slack = SlackPoster()
    demo.app.notifier.add_poster(slack)
    assert await demo.app.notifier.send_pending() == 1
    assert "1 of 2 eligible voted" in slack.posted[0] and "2. Café: █" in slack.posted[0]
