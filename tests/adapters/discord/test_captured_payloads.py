"""Captured Discord interactions: the fake's builders match their shape, and the real
discord.py client (through the fake gateway) answers them at the fake REST."""

from __future__ import annotations

import copy
import itertools
from typing import Any

import discord
import pytest
from discord import app_commands

from chapterhouse.testing import captured
from chapterhouse.testing.discord import (
    BOSTON_ID,
    GENERAL_ID,
    GUILD_ID,
    VOICE_ID,
    Call,
    FakeDiscord,
)
from chapterhouse.testing.discord.scheduled_events import MANAGE_EVENTS
from tests.adapters.discord.harness import BEA, DORA, DiscordHarness, custom_id
from tests.adapters.discord.test_fake_discord import fake, make_client, running

__all__ = ["fake"]  # the fixture, shared with the fake's own tests

_fresh = itertools.count(1)


def built(fake: FakeDiscord, name: str) -> dict[str, Any]:
    """What the fake's builder makes for the situation each captured payload shows."""
    if name == "application_command_subcommand_group":
        return fake.slash_command(BEA, "poll", "list open", channel_id=GENERAL_ID)
    if name == "autocomplete":
        return fake.autocomplete(BEA, "chapter", "chapter", "bo", subcommand="info")
    if name == "message_component":
        return fake.component(BEA, "click_me", channel_id=BOSTON_ID)
    if name == "modal_submit":
        select = fake.label(fake.string_select("favorite_bug", ["butterfly"]))
        return fake.modal_submit(DORA, "bug_modal", [select], channel_id=BOSTON_ID)
    if name == "dm_application_command":
        return fake.slash_command(BEA, "help", dm=True)
    if name == "guild_scheduled_event":
        fake.bot_permissions |= MANAGE_EVENTS
        body = {
            "name": "Summer picnic",
            "description": "Social meeting · Boston",
            "privacy_level": 2,
            "scheduled_start_time": "2026-07-02T22:30:00+00:00",
            "scheduled_end_time": "2026-07-03T00:30:00+00:00",
            "entity_type": 3,
            "channel_id": None,
            "entity_metadata": {"location": "Boston Common"},
        }
        path = f"/guilds/{GUILD_ID}/scheduled-events"
        _, answered = fake._create_scheduled_event(Call("POST", path, body, {}, {}), str(GUILD_ID))
        return dict(answered)
    if name == "guild_voice_channel":
        return fake.channels[VOICE_ID]
    raise AssertionError(f"no builder for the captured {name}")


@pytest.mark.parametrize("name", captured.names("discord"))
def test_the_builders_have_every_captured_field(name: str) -> None:
    fake = FakeDiscord(members={BEA: "bea", DORA: "dora"})
    registered = {"id": "1", "version": "2", "type": 1}
    fake.commands[GUILD_ID] = [{**registered, "name": n} for n in ("poll", "chapter")]
    sample = captured.load("discord", name)
    assert sample["_source"]
    assert captured.shape_gaps(sample, built(fake, name)) == []


def test_a_dm_interaction_has_no_guild() -> None:
    sample = captured.load("discord", "dm_application_command")
    payload = FakeDiscord().slash_command(BEA, "help", dm=True)
    for absent in ("guild", "guild_id", "member"):
        assert absent not in sample and absent not in payload
    assert payload["context"] == sample["context"] == 1


# -- end to end through the real discord.py client ------------------------------------


def fresh(name: str) -> dict[str, Any]:
    """A captured interaction with an id and token of its own (Discord never repeats)."""
    payload = copy.deepcopy(captured.body(captured.load("discord", name)))
    number = next(_fresh)
    payload["id"] = str(int(payload["id"]) + number)
    payload["token"] = f"{payload['token']}-{number}"
    return payload


def text_of(data: dict[str, Any]) -> str:
    return str(data.get("content", "")) + str(data.get("embeds", ""))


async def deliver(app: DiscordHarness, payload: dict[str, Any]) -> dict[str, Any]:
    """Send as Discord does; the callback's body as the fake REST received it."""
    await app.fake.send_interaction(payload)
    call = await app.fake.answer_for(payload)
    assert call.status == 200, call.response
    body: dict[str, Any] = call.json
    return body


async def test_a_captured_subcommand_group_reaches_its_command(fake: FakeDiscord) -> None:
    """Our tree nests one level only, so the group shape runs through a bare client
    whose tree has `/poll list open`, as the captured payload names."""
    client, tree = make_client()
    poll = app_commands.Group(name="poll", description="Polls")
    listing = app_commands.Group(name="list", description="List polls", parent=poll)

    @listing.command(name="open", description="Open polls")
    async def open_polls(interaction: discord.Interaction) -> None:
        await interaction.response.send_message("2 open polls", ephemeral=True)

    tree.add_command(poll)
    async with running(client):
        payload = fresh("application_command_subcommand_group")
        await fake.send_interaction(payload)
        call = await fake.callback_for(payload)
    assert call.status == 200 and call.json["type"] == 4
    assert call.data["content"] == "2 open polls"


async def test_a_captured_subcommand_is_answered_by_our_tree(discord_app: DiscordHarness) -> None:
    payload = fresh("application_command_subcommand_group")
    group = payload["data"]["options"][0]
    subcommand = group["options"][0]
    payload["data"].update(name="chapter", options=[{**subcommand, "name": "list"}])
    answer = await deliver(discord_app, payload)
    assert answer["type"] == 4
    assert "Boston" in text_of(answer["data"])


async def test_captured_autocomplete_offers_boston_first(discord_app: DiscordHarness) -> None:
    answer = await deliver(discord_app, fresh("autocomplete"))
    assert answer["type"] == 8
    assert answer["data"]["choices"][0]["name"] == "Boston"


async def test_a_captured_button_click_votes(discord_app: DiscordHarness) -> None:
    await discord_app.reply(DORA, "/chapter bind", {"chapter": "Boston"}, channel=BOSTON_ID)
    await discord_app.reply(
        DORA,
        "/poll create",
        {"question": "Where next?", "options": "Lisbon, Denver", "audience": "society"},
        channel=BOSTON_ID,
    )
    card_call = await discord_app.fake.wait_for_call("POST", rf"/channels/{BOSTON_ID}/messages")
    card = card_call.response
    payload = fresh("message_component")
    payload["message"] = card
    payload["data"]["custom_id"] = custom_id(card, "2.")
    answer = await deliver(discord_app, payload)
    assert "Denver" in text_of(answer["data"])


async def test_a_captured_modal_submission_creates_a_poll(discord_app: DiscordHarness) -> None:
    _, opened = await discord_app.command(DORA, "/poll create", channel=BOSTON_ID)
    assert opened.json["type"] == 9
    payload = fresh("modal_submit")
    label = payload["data"]["components"][0]
    payload["data"]["custom_id"] = opened.data["custom_id"]
    payload["data"]["components"] = [
        {
            **label,
            "id": 1,
            "component": {"type": 4, "id": 2, "custom_id": "question", "value": "Captured?"},
        },
        {
            **label,
            "id": 3,
            "component": {"type": 4, "id": 4, "custom_id": "options", "value": "Yes\nNo"},
        },
        {
            **label,
            "id": 5,
            "component": {**label["component"], "id": 6, "custom_id": "switches", "values": []},
        },
    ]
    answer = await deliver(discord_app, payload)
    assert "Captured?" in text_of(answer["data"]) or "Posted" in text_of(answer["data"])


async def test_a_captured_dm_command_is_answered_in_the_dm(discord_app: DiscordHarness) -> None:
    payload = fresh("dm_application_command")
    answer = await deliver(discord_app, payload)
    assert answer["type"] == 4
    assert text_of(answer["data"]).strip()
