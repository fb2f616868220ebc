"""The core driven end to end through the console adapter."""

from __future__ import annotations

from storage.models import AuditEvent, Chapter, Member
from tests.support import TestBot


async def test_chapter_list_shows_demo_chapters(demo: TestBot) -> None:
    listing = await demo.ok("/chapter list", as_="grace")
    for name in ("Washington DC", "San Francisco", "Boston", "London", "Chicago", "New York"):
        assert name in listing
    assert "president @bob" in listing


async def test_first_command_registers_the_member(bot: TestBot) -> None:
    assert await bot.count(Member) == 0
    await bot.ok("/chapter list", as_="newcomer")
    assert await bot.count(Member) == 1


async def test_refused_command_from_newcomer_writes_nothing(bot: TestBot) -> None:
    before = await bot.snapshot()
    line = await bot.refused("/chapter create Oslo --region Europe --tz Europe/Oslo", as_="mallory")
    assert line == "Only HQ may use /chapter create."
    assert await bot.snapshot() == before


async def test_privileged_command_is_audited(bot: TestBot) -> None:
    await bot.ok('/chapter create "Los Angeles" --region "North America" --tz America/Los_Angeles')
    assert await bot.count(Chapter) == 1
    log = await bot.ok("/audit")
    assert '/chapter create "Los Angeles" --region "North America"' in log
    assert "@alice" in log
    assert f"{bot.app.clock.now():%a %d %b %Y} " in log  # a stamp, in UTC for a zone not known
    assert await bot.count(AuditEvent) == 2  # the create, and reading the log


async def test_over_long_account_name_is_refused_not_crashed(bot: TestBot) -> None:
    line = await bot.refused("/chapter list", as_="x" * 65)
    assert line.startswith("An account name must be 1–64 characters;")
    assert await bot.count(Member) == 0


async def test_chapter_list_lists_each_chapter_once_under_its_status(demo: TestBot) -> None:
    # Bob presides over Boston and has a second account: the list reads one row per
    # president's account, and must still show Boston once, with its president.
    await demo.add_account("bob", "slack", "U0BOB", "bob")
    listing = await demo.ok("/chapter list", as_="grace")
    assert listing.count("Boston (") == 1
    incubating, active = listing.split("Active (3)")
    assert "Incubating (3)" in incubating
    assert "• Boston (North America) · 2 members · president @bob" in active
    assert "• London (Europe) · 1 member" in incubating and "London" not in active
