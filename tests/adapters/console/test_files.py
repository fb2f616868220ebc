"""Binary files on the console: saved beside the user, never over an earlier one."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from adapters.console.adapter import ConsolePoster
from adapters.console.render import render
from bot.reply import File, Reply
from tests.adapters.console.test_cli import drive_console
from tests.adapters.pictures import NAME, chart, picture, with_pictures
from tests.support import TestBot, start_bot


@pytest.fixture
async def pictures(database_url: str, monkeypatch: pytest.MonkeyPatch) -> AsyncIterator[TestBot]:
    with_pictures(monkeypatch)
    async for running in start_bot(database_url):
        await running.seed_demo()
        yield running


async def test_the_console_saves_a_chart_and_prints_where(
    pictures: TestBot, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    work = tmp_path / "work"
    work.mkdir()
    (work / NAME).write_bytes(b"a chart the user kept")
    monkeypatch.chdir(work)

    screen = await drive_console(pictures, "bob", "/picture private\r/picture public\r/quit\r")

    first, second = work / "members-1.png", work / "members-2.png"
    assert f"Saved {NAME} to {first}" in screen
    assert f"Saved {NAME} to {second}" in screen
    assert first.read_bytes() == second.read_bytes() == chart()
    assert (work / NAME).read_bytes() == b"a chart the user kept"  # never overwritten
    assert "\x89PNG" not in screen  # the bytes are saved, not printed


async def test_text_files_are_still_printed(tmp_path: Path) -> None:
    reply = Reply.private("Export", File("votes.csv", "option,votes\nLisbon,3\n"))
    shown = render(reply, save_in=tmp_path)
    assert shown == "── votes.csv ──\noption,votes\nLisbon,3\n── end of file ──"
    assert list(tmp_path.iterdir()) == []


def test_without_a_folder_a_binary_file_is_only_named(tmp_path: Path) -> None:
    shown = render(Reply.private("Your chart.", picture()))
    assert shown == f"Your chart.\n[file: {NAME}, image/png, {len(chart()):,} bytes]"


async def test_posts_to_console_channels_save_their_files(tmp_path: Path) -> None:
    printed: list[str] = []
    poster = ConsolePoster(printed.append, save_in=tmp_path)
    await poster.post("boston", Reply.public("The members chart.", picture()))
    await poster.direct("bob", Reply.private("Your members chart.", picture()))
    assert printed == [
        f"[#boston] The members chart.\nSaved {NAME} to {tmp_path / NAME}",
        f"[direct message to @bob] Your members chart.\n"
        f"Saved {NAME} to {tmp_path / 'members-1.png'}",
    ]
    assert (tmp_path / NAME).read_bytes() == (tmp_path / "members-1.png").read_bytes() == chart()


def test_a_file_name_cannot_reach_outside_the_folder(tmp_path: Path) -> None:
    inside = tmp_path / "inside"
    inside.mkdir()
    escaping = File.binary("../../escape.png", b"\x89PNG\r\n", "image/png")
    shown = render(Reply.private("x", escaping), save_in=inside)
    assert (inside / "escape.png").read_bytes() == b"\x89PNG\r\n"
    assert not (tmp_path / "escape.png").exists()
    assert shown.endswith(f"to {inside / 'escape.png'}")


def test_a_folder_that_cannot_be_written_is_reported(tmp_path: Path) -> None:
    missing = tmp_path / "gone"
    shown = render(Reply.private("Your members chart.", picture()), save_in=missing)
    assert shown.splitlines() == [
        "Your members chart.",
        f"Could not save {NAME} in {missing}: No such file or directory",
    ]
