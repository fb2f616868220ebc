"""Adding members who never used the bot; /whoami; the refusal on a society without HQ."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from storage.models import Member
from tests.support import TestBot, start_bot


@pytest.fixture
async def empty(database_url: str) -> AsyncIterator[TestBot]:
    """A society nobody has set up: no admins configured, nobody granted HQ."""
    async for running in start_bot(database_url):
        yield running


async def test_no_hq_refusal_says_how_to_appoint_one(empty: TestBot) -> None:
    line = await empty.refused("/chapter create Berlin --region Europe --tz Europe/Berlin")
    assert line.startswith("Only HQ may use /chapter create.")
    assert "chapterhouse init --admin console:NAME" in line and "CHAPTERHOUSE_ADMINS" in line


async def test_with_an_hq_the_refusal_only_names_the_role(demo: TestBot) -> None:
    line = await demo.refused("/chapter create Paris --region Europe --tz Europe/Paris", as_="bob")
    assert line == "Only HQ may use /chapter create."


async def test_hq_adds_a_member_who_can_then_be_appointed(bot: TestBot) -> None:
    await bot.ok("/chapter create Berlin --region Europe --tz Europe/Berlin")
    added = await bot.ok('/member add "Klaus Meyer" --email Klaus@Example.org --chapter Berlin')
    assert added == "Added Klaus Meyer (@klaus.meyer) to Berlin. Mention them as @klaus.meyer."
    assert await bot.ok("/chapter president Berlin @klaus.meyer") == (
        "@klaus.meyer is now president of Berlin."
    )
    assert await bot.count(Member, Member.email == "klaus@example.org") == 1
    again = await bot.refused("/member add Klaus --email klaus@example.org")
    assert again == "A member with email klaus@example.org already exists."
    bad = await bot.refused("/member add Klaus --email klaus")
    assert bad == "--email 'klaus' is not an address like name@example.org."


async def test_a_president_adds_to_their_own_chapter_only(demo: TestBot) -> None:
    added = await demo.ok("/member add Zoe", as_="bob")  # bob presides over Boston
    assert added == "Added Zoe (@zoe) to Boston. Mention them as @zoe."
    refused = await demo.refused("/member add Yan --chapter London", as_="bob")
    assert refused.startswith("Only a chapter president or HQ")
    assert await demo.refused("/member add Yan", as_="grace") == (
        "Only a chapter president or HQ may use /member add."
    )
    assert await demo.refused("/member add Zoe", as_="bob") == (
        "@zoe is already a member; mention them as @zoe."
    )


async def test_whoami(demo: TestBot) -> None:
    text = await demo.ok("/whoami", as_="bob")
    assert "console:bob" in text and "president of Boston" in text
    assert "HQ" in await demo.ok("/whoami", as_="alice")
