"""Fixtures for the Discord adapter's tests; the machinery is in `harness.py`."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from tests.adapters.discord.harness import DORA, DiscordHarness, start_discord
from tests.support import start_bot


@pytest.fixture
async def discord_app(database_url: str) -> AsyncIterator[DiscordHarness]:
    """The app served to a fake Discord on the demo society; Dora is HQ by configuration."""
    async for bot in start_bot(database_url, chapterhouse_admins=f"discord:{DORA}"):
        await bot.seed_demo()
        async for harness in start_discord(bot):
            yield harness
