"""Binary files on Discord: attached byte for byte to replies, posts and direct messages."""

from __future__ import annotations

from collections.abc import AsyncIterator, Mapping
from typing import Any

import aiohttp
import pytest

from bot.reply import Reply
from chapterhouse.testing.discord import (
    BOSTON_ID,
    EPHEMERAL,
    GENERAL_ID,
    dm_channel_id,
)
from tests.adapters.discord.harness import BEA, DiscordHarness, start_discord
from tests.adapters.pictures import NAME, chart, picture, with_pictures
from tests.support import start_bot


@pytest.fixture
async def discord_app(
    database_url: str, monkeypatch: pytest.MonkeyPatch
) -> AsyncIterator[DiscordHarness]:
    with_pictures(monkeypatch)
    # Drawn once before the app starts: the first drawing imports the plotting library,
    # which on a busy machine can outlast the 2 s after which a command is deferred.
    chart()
    async for bot in start_bot(database_url):
        async for harness in start_discord(bot):
            yield harness


async def downloaded(message: Mapping[str, Any]) -> bytes:
    """The message's one attachment, fetched from its URL as a member's client would."""
    [attachment] = message["attachments"]
    assert (attachment["filename"], attachment["size"]) == (NAME, len(chart()))
    async with aiohttp.ClientSession() as http, http.get(attachment["url"]) as response:
        assert response.status == 200
        return await response.read()


async def test_a_private_chart_is_attached_to_an_ephemeral_reply(
    discord_app: DiscordHarness,
) -> None:
    interaction, callback = await discord_app.command(BEA, "/picture private")
    assert callback.data["flags"] == EPHEMERAL
    [upload] = callback.files
    assert (upload.filename, upload.data) == (NAME, chart())
    message = discord_app.fake.original_response(interaction)
    assert message is not None
    assert await downloaded(message) == chart()


async def test_a_public_chart_is_attached_in_the_channel(discord_app: DiscordHarness) -> None:
    interaction, callback = await discord_app.command(BEA, "/picture public")
    assert not callback.data.get("flags", 0) & EPHEMERAL
    message = discord_app.fake.original_response(interaction)
    assert message is not None and int(message["channel_id"]) == GENERAL_ID
    assert await downloaded(message) == chart()


async def test_posts_and_direct_messages_carry_their_charts(discord_app: DiscordHarness) -> None:
    assert discord_app.adapter is not None
    poster = discord_app.adapter.poster
    await poster.post(str(BOSTON_ID), Reply.public("The members chart.", picture()))
    await poster.direct(str(BEA), Reply.private("Your members chart.", picture()))
    [posted] = discord_app.fake.messages_in(BOSTON_ID)
    [direct] = discord_app.fake.messages_in(dm_channel_id(BEA))
    assert await downloaded(posted) == await downloaded(direct) == chart()
