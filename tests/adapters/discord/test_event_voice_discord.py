"""An `--online discord` event on Discord's own event list: held in the server's voice
channel (entity_type VOICE with its channel_id), through the real discord.py client.

The fake guild carries a GUILD_VOICE channel (type 2) as discord-api-docs' Channel
object shows one, and refuses a VOICE event whose channel is not a voice channel.
"""

from __future__ import annotations

import discord
import pytest

from chapterhouse.testing.discord import BOSTON_ID, GUILD_ID, VOICE_ID, Call, FakeDiscord
from chapterhouse.testing.discord.limits import HttpError
from chapterhouse.testing.discord.scheduled_events import MANAGE_EVENTS, VOICE
from tests.adapters.discord.harness import DORA, DiscordHarness
from tests.adapters.discord.test_event_mirror_discord import SCHEDULED, eventually, text_of


async def test_an_online_discord_event_is_mirrored_to_the_voice_channel(
    discord_app: DiscordHarness,
) -> None:
    await discord_app.fake.grant_bot(MANAGE_EVENTS)
    assert discord_app.adapter is not None
    client = discord_app.adapter.client

    async def granted() -> bool:
        guild = client.get_guild(GUILD_ID)
        return guild is not None and guild.me.guild_permissions.manage_events

    await eventually(granted)
    # The real client sees the fake's channel as a voice channel.
    guild = client.get_guild(GUILD_ID)
    assert guild is not None
    assert [(c.id, type(c)) for c in guild.voice_channels] == [(VOICE_ID, discord.VoiceChannel)]

    await discord_app.reply(DORA, "/chapter bind", {"chapter": "Boston"}, channel=BOSTON_ID)
    options = {
        "chapter": "Boston",
        "kind": "working",
        "when": "2026-07-02T18:30",
        "title": "Online talk",
        "online": "discord",
    }
    created = await discord_app.reply(DORA, "/event create", options, channel=BOSTON_ID)
    assert "is planned for Boston" in text_of(created), text_of(created)
    call = await discord_app.fake.wait_for_call("POST", SCHEDULED)
    assert call.status == 200, call.response
    assert call.json["entity_type"] == VOICE
    assert call.json["channel_id"] == str(VOICE_ID)
    assert not call.json.get("entity_metadata")
    held = discord_app.fake.scheduled_events[int(call.response["id"])]
    assert held["channel_id"] == str(VOICE_ID) and held["name"] == "Online talk"


def test_the_fake_refuses_a_voice_event_outside_a_voice_channel() -> None:
    fake = FakeDiscord()
    fake.bot_permissions |= MANAGE_EVENTS
    body = {
        "name": "Online talk",
        "privacy_level": 2,
        "scheduled_start_time": "2026-07-02T22:30:00+00:00",
        "entity_type": VOICE,
        "channel_id": str(BOSTON_ID),
    }
    path = f"/guilds/{GUILD_ID}/scheduled-events"
    with pytest.raises(HttpError):
        fake._create_scheduled_event(Call("POST", path, body, {}, {}), str(GUILD_ID))
    assert fake.scheduled_events == {}
    status, made = fake._create_scheduled_event(
        Call("POST", path, {**body, "channel_id": str(VOICE_ID)}, {}, {}), str(GUILD_ID)
    )
    assert status == 200 and made["channel_id"] == str(VOICE_ID)
