"""A profile fill that is not due costs its member's commands no transaction.

Most commands come from members filled less than a day ago; asking the database
each time took SQLite's writer lock for a read. The filler remembers when each
account is next due and skips until then; the daily refill still happens.
"""

from __future__ import annotations

from datetime import timedelta

from bot.context import Place, Request
from bot.profilefill import FILL_EVERY, PlatformProfile
from tests.bot.test_statements import counted
from tests.support import TestBot


class Source:
    platform = "slack"

    def __init__(self) -> None:
        self.asked: list[str] = []

    async def lookup(self, user_id: str) -> PlatformProfile:
        self.asked.append(user_id)
        return PlatformProfile(name=f"Bea {len(self.asked)}", timezone="Europe/Lisbon")


def _command(text: str) -> Request:
    return Request("slack", "U0BEA", "bea", Place("slack", "C1", "general"), text=text)


async def test_a_fill_not_due_runs_no_statement_and_the_daily_one_still_runs(
    demo: TestBot,
) -> None:
    profiles = demo.app.profiles
    assert profiles is not None
    source = Source()
    profiles.add_source(source)
    assert (await demo.app.dispatcher.handle(_command("/help"))).ok
    await profiles.settle()
    assert source.asked == ["U0BEA"]
    with counted(demo) as seen:
        profiles.noticed("slack", "U0BEA", None)  # as after the member's next command
        await profiles.settle()
    assert seen == []
    demo.clock.advance(FILL_EVERY + timedelta(minutes=1))
    assert (await demo.app.dispatcher.handle(_command("/help"))).ok
    await profiles.settle()
    assert source.asked == ["U0BEA", "U0BEA"]
    assert "Bea 2" in await demo.ok("/member profile @bea", as_="alice")
