"""On Discord: unbinding the workgroup channel the command is typed in."""

from __future__ import annotations

import json

from storage.models import WorkgroupChannel
from tests.adapters.discord.harness import DORA, GENERAL_ID, DiscordHarness


async def test_hq_unbinds_this_channel(discord_app: DiscordHarness) -> None:
    await discord_app.reply(DORA, "/workgroup bind", {"name": "Mentoring"}, channel=GENERAL_ID)
    assert await discord_app.bot.count(WorkgroupChannel) == 1
    unbound = await discord_app.reply(
        DORA, "/workgroup unbind", {"name": "Mentoring"}, channel=GENERAL_ID
    )
    assert "no longer receives Mentoring's polls" in json.dumps(unbound.json), unbound.json
    assert await discord_app.bot.count(WorkgroupChannel) == 0
    again = await discord_app.reply(
        DORA, "/workgroup unbind", {"name": "Mentoring"}, channel=GENERAL_ID
    )
    assert "This channel is not bound to Mentoring" in json.dumps(again.json), again.json
