"""An update written in the direct message with the bot (where the scheduler's prompt
arrives) is posted in the group's bound channel only; the DM gets a short
confirmation naming that channel, never the card."""

from __future__ import annotations

import json
from typing import Any

from chapterhouse.testing.discord import BOSTON_ID, GENERAL_ID, dm_channel_id
from storage.models import StatusUpdate
from tests.adapters.discord.harness import DORA, DiscordHarness

DM = dm_channel_id(DORA)


def shown(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False)


def cards_in(harness: DiscordHarness, channel: int, title: str) -> list[str]:
    """What the bot posted in `channel` that carries the update's card."""
    posts = harness.fake.calls_to("POST", rf"/channels/{channel}/messages")
    return [shown(c.json) for c in posts if title in shown(c.json)]


async def test_the_update_modal_submitted_in_a_dm_posts_to_the_bound_channel_only(
    discord_app: DiscordHarness,
) -> None:
    fake = discord_app.fake
    bound = await discord_app.reply(DORA, "/workgroup bind", {"name": "Mentoring"})
    assert "Mentoring" in shown(bound.json), bound.json
    command = fake.slash_command(DORA, "update", "post", {"group": "Mentoring"}, dm=True)
    await fake.send_interaction(command)
    opened = await fake.answer_for(command)
    assert opened.json["type"] == 9, opened.json  # the modal, pre-filled with the draft
    submitted = fake.modal_submit(
        DORA,
        opened.data["custom_id"],
        [
            fake.text_input_row("asked", ""),
            fake.text_input_row("got", "Matched 4 mentors"),
            fake.text_input_row("next_", ""),
        ],
        dm=True,
    )
    await fake.send_interaction(submitted)
    answer = shown((await fake.answer_for(submitted)).json)
    assert (
        "Your update for Mentoring, May 2026, is posted to 1 channel: #general (discord)." in answer
    ), answer
    assert "Matched 4 mentors" not in answer
    title = "Mentoring — update for May 2026"
    await fake.wait(lambda: bool(cards_in(discord_app, GENERAL_ID, title)))
    (card,) = cards_in(discord_app, GENERAL_ID, title)
    assert "Matched 4 mentors" in card
    await discord_app.core.notifier.flush()
    assert cards_in(discord_app, DM, "update for May 2026") == []
    assert not [m for m in fake.messages_in(DM) if "Matched 4 mentors" in shown(m)]
    assert await discord_app.bot.count(StatusUpdate) == 1


async def test_a_chapter_update_typed_in_a_dm_posts_to_the_chapter_channel_only(
    discord_app: DiscordHarness,
) -> None:
    fake = discord_app.fake
    bound = await discord_app.reply(DORA, "/chapter bind", {"chapter": "Boston"}, channel=BOSTON_ID)
    assert "now receives" in shown(bound.json), bound.json
    options = {"group": "Boston", "got": "The ethics debate: 14 came"}
    command = fake.slash_command(DORA, "update", "post", options, dm=True)
    await fake.send_interaction(command)
    answer = shown((await fake.answer_for(command)).json)
    # The demo's console channel for Boston, and the Discord one just bound.
    assert (
        "Your update for Boston, May 2026, is posted to 2 channels: #boston (console), "
        "#boston-chapter (discord)." in answer
    ), answer
    assert "14 came" not in answer
    title = "Boston — update for May 2026"
    await fake.wait(lambda: bool(cards_in(discord_app, BOSTON_ID, title)))
    await discord_app.core.notifier.flush()
    assert fake.calls_to("POST", rf"/channels/{DM}/messages") == []
