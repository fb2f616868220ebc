"""A read-only command commits nothing; a command that writes still commits."""

from __future__ import annotations

from typing import Any

from sqlalchemy import event

from storage.models import Member
from tests.support import TestBot


async def test_a_read_only_command_commits_nothing_and_a_write_commits(bot: TestBot) -> None:
    await bot.ok("/help", as_="alice")  # registers alice and stamps her activity
    commits: list[Any] = []
    engine = bot.app.engine.sync_engine
    listener = lambda *_: commits.append(1)  # noqa: E731
    event.listen(engine, "commit", listener)
    try:
        await bot.ok("/help", as_="alice")  # active a moment ago: nothing to write
        assert commits == []
        await bot.ok("/member nudges off", as_="alice")
        assert commits == [1]
    finally:
        event.remove(engine, "commit", listener)
    assert await bot.count(Member, Member.nudges.is_(False)) == 1  # the write was kept
