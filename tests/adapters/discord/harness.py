"""The whole app behind the real discord.py client, connected to a fake Discord.

Interactions are delivered as Discord delivers them (INTERACTION_CREATE on the
gateway); answers are read where Discord would receive them (the fake's REST).
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator, Mapping
from typing import Any

import discord

from adapters.discord.app import DiscordAdapter
from bot.app import App
from chapterhouse.testing.discord import GENERAL_ID, GUILD_ID, Call, FakeDiscord
from tests.support import TestBot

BEA = 1_300_000_000_000_001_002
CARL = 1_300_000_000_000_001_003
DORA = 1_300_000_000_000_001_004  # HQ by configuration in the tests' settings
MEMBERS = {BEA: "bea", CARL: "carl", DORA: "dora"}


class DiscordHarness:
    def __init__(self, bot: TestBot, fake: FakeDiscord) -> None:
        self.bot = bot
        self.core: App = bot.app
        self.fake = fake
        self.adapter: DiscordAdapter | None = None
        self._runner: asyncio.Task[None] | None = None

    async def connect(self) -> DiscordAdapter:
        """A client for this process: logged in, commands synced to the guild, ready."""
        adapter = DiscordAdapter(self.core, guild_ready_timeout=0.05)
        self.core.notifier.add_poster(adapter.poster)
        self._runner = await adapter.start("fake-token")
        async with asyncio.timeout(10):
            while adapter.client.get_channel(GENERAL_ID) is None:
                await asyncio.sleep(0.01)
        guild = discord.Object(GUILD_ID)
        adapter.tree.copy_global_to(guild=guild)  # as `chapterhouse discord sync` does
        await adapter.tree.sync(guild=guild)
        self.adapter = adapter
        return adapter

    async def disconnect(self) -> None:
        """Stop the client, as a process that exits would."""
        if self.adapter is not None:
            await self.adapter.close()
        if self._runner is not None:
            await asyncio.wait_for(self._runner, 10)
        self.adapter, self._runner = None, None

    async def command(
        self,
        user: int,
        text: str,
        options: Mapping[str, Any] | None = None,
        *,
        channel: int = GENERAL_ID,
        resolved: Mapping[str, Any] | None = None,
    ) -> tuple[dict[str, Any], Call]:
        """Run `/group sub` with typed options; (the interaction, its callback)."""
        name, _, sub = text.lstrip("/").partition(" ")
        payload = self.fake.slash_command(
            user, name, sub or None, options, channel_id=channel, resolved=resolved
        )
        await self.fake.send_interaction(payload)
        return payload, await self.fake.callback_for(payload)

    async def reply(
        self, user: int, text: str, options: Mapping[str, Any] | None = None, **kw: Any
    ) -> Call:
        """The answer to a command once it is final (followed up after a defer, if any)."""
        payload, _ = await self.command(user, text, options, **kw)
        return await self.fake.answer_for(payload)

    async def click(
        self,
        user: int,
        custom_id: str,
        message: Mapping[str, Any] | int,
        *,
        values: list[str] | None = None,
        channel: int = GENERAL_ID,
    ) -> tuple[dict[str, Any], Call]:
        kind = 3 if values is not None else 2
        payload = self.fake.component(
            user, custom_id, component_type=kind, values=values, message=message, channel_id=channel
        )
        await self.fake.send_interaction(payload)
        return payload, await self.fake.callback_for(payload)


async def start_discord(bot: TestBot) -> AsyncIterator[DiscordHarness]:
    fake = FakeDiscord(members=MEMBERS)
    await fake.start()
    try:
        with fake.point_discord_py_here():
            harness = DiscordHarness(bot, fake)
            await harness.connect()
            try:
                yield harness
            finally:
                await harness.disconnect()
    finally:
        await fake.stop()


def components(message: Mapping[str, Any]) -> list[dict[str, Any]]:
    """Every button and select of a message, as Discord holds it."""
    return [c for row in message.get("components", []) for c in row.get("components", [])]


def custom_id(message: Mapping[str, Any], label_start: str) -> str:
    for component in components(message):
        if str(component.get("label", "")).startswith(label_start):
            return str(component["custom_id"])
    raise AssertionError(f"no component labelled {label_start!r} in {components(message)}")


def text_of(call: Any) -> str:
    """A callback, a REST call or a payload as its JSON text, for asserting on what it says."""
    return json.dumps(call.json if hasattr(call, "json") else call, ensure_ascii=False)
