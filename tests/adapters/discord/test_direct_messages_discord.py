"""A direct message or group DM is never a chapter channel, nor the "here" of a poll.

Before: `/chapter bind Boston` typed in a Slack DM (`D…`), a group DM (`mpdm-…`)
or a Discord DM bound it, and the chapter's announcements went to whoever was in
that conversation.
"""

from __future__ import annotations

import json

from storage.models import ChannelBinding
from tests.adapters.discord.harness import DORA, DiscordHarness

BIND_REFUSED = "Type /chapter bind in the channel you want to bind, not a direct message."


async def test_discord_refuses_to_bind_in_a_direct_message(discord_app: DiscordHarness) -> None:
    adapter = discord_app.adapter
    assert adapter is not None
    await adapter.tree.sync()  # global commands, as DMs see them
    bindings = await discord_app.bot.count(ChannelBinding)
    payload = discord_app.fake.slash_command(
        DORA, "chapter", "bind", {"chapter": "Boston"}, dm=True
    )
    await discord_app.fake.send_interaction(payload)
    call = await discord_app.fake.answer_for(payload)
    assert BIND_REFUSED in json.dumps(call.data)
    assert await discord_app.bot.count(ChannelBinding) == bindings
