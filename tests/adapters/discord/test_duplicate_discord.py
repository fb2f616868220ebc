"""An interaction Discord delivers twice (to this instance or another) runs once."""

from __future__ import annotations

from typing import Any

from chapterhouse.testing.discord import BOSTON_ID
from storage.models import Chapter, Poll
from tests.adapters.discord.harness import BEA, DORA, DiscordHarness
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


def callbacks(discord_app: DiscordHarness, payload: dict[str, Any]) -> int:
    return len(discord_app.fake.calls_to("POST", rf"/interactions/{payload['id']}/[^/]+/callback"))


async def answered_once(discord_app: DiscordHarness, payload: dict[str, Any]) -> str:
    """Deliver the interaction twice: the second copy is dropped, with no second callback;
    the first copy's answer."""
    before = dropped("discord")
    await discord_app.fake.send_interaction(payload)
    call = await discord_app.fake.answer_for(payload)
    await discord_app.fake.send_interaction(dict(payload))
    await until(lambda: dropped("discord") == before + 1)
    assert callbacks(discord_app, payload) == 1
    return str(call.json)


async def test_a_refused_interaction_delivered_twice_is_answered_once(
    discord_app: DiscordHarness,
) -> None:
    """The refusal rolls the command back, its claim with it; the claim is kept apart."""
    chapters = await discord_app.bot.count(Chapter)
    options = {"name": "Paris", "region": "Europe", "tz": "Europe/Paris"}
    payload = discord_app.fake.slash_command(
        BEA, "chapter", "create", options, channel_id=BOSTON_ID
    )
    answer = await answered_once(discord_app, payload)
    assert "Only HQ may" in answer
    assert await discord_app.bot.count(Chapter) == chapters


async def test_a_read_only_interaction_delivered_twice_is_answered_once(
    discord_app: DiscordHarness,
) -> None:
    """A command that writes nothing still commits its claim."""
    payload = discord_app.fake.slash_command(BEA, "chapter", "list", None, channel_id=BOSTON_ID)
    assert "Boston" in await answered_once(discord_app, payload)
