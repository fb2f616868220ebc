"""Reminders read in each member's own time zone when it is known (set by them or
their platform), the poll's zone otherwise."""

from __future__ import annotations

from datetime import timedelta

from bot.scheduler import run_due
from tests.commands.test_polls import BOSTON_POLL, new_poll
from tests.support import START, TestBot


def _dm(bot: TestBot, handle: str) -> str:
    [text] = [text for where, text in bot.posts if where == f"@{handle}" and "Reminder" in text]
    return text


async def test_a_poll_reminder_gives_the_closing_time_in_the_members_own_zone(
    demo: TestBot,
) -> None:
    await demo.ok("/member edit --timezone Europe/Lisbon", as_="grace")
    poll = await new_poll(demo, BOSTON_POLL + " --closes 3d")
    demo.posts.clear()
    at = START + timedelta(days=2, minutes=1)  # within a day of closing
    demo.clock.set(at)
    report = await run_due(demo.app, at)
    assert not report.failed
    await demo.app.notifier.flush()
    assert f"Reminder: poll {poll} closes Thu 18 Jun 2026 17:00 WEST" in _dm(demo, "grace")
    assert f"Reminder: poll {poll} closes Thu 18 Jun 2026 12:00 EDT" in _dm(demo, "bob")
