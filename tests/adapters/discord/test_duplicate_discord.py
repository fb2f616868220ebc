"""An interaction Discord delivers twice (to this instance or another) runs once."""

from __future__ import annotations

from chapterhouse.testing.discord import BOSTON_ID
from storage.models import Poll
from tests.adapters.discord.harness import DORA, DiscordHarness
from tests.adapters.slack.multi_instance import dropped, until


async def test_an_interaction_delivered_twice_runs_once(discord_app: DiscordHarness) -> None:
    polls = await discord_app.bot.count(Poll)
    options = {"question": "Tea?", "options": '"Yes" "No"', "audience": "society"}
    payload = discord_app.fake.slash_command(DORA, "poll", "create", options, channel_id=BOSTON_ID)
    before = dropped("discord")
    await discord_app.fake.send_interaction(payload)
    await discord_app.fake.send_interaction(dict(payload))
    await until(lambda: dropped("discord") == before + 1)
    call = await discord_app.fake.answer_for(payload)
    assert "Poll" in str(call.json)
    assert await discord_app.bot.count(Poll) == polls + 1
