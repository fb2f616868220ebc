"""How an interaction is answered: by its callback when the work is quick, after a
deferral when it is slow, and without discord.py keeping the answer's components."""

from __future__ import annotations

import pytest

import adapters.discord.app
from bot.context import Request
from bot.reply import Reply
from chapterhouse.testing.discord import ANSWERED, BOSTON_ID, DEFERRED, EPHEMERAL
from storage.models import Poll
from tests.adapters.discord.harness import (
    BEA,
    DORA,
    DiscordHarness,
    custom_id,
    text_of,
)
from tests.adapters.discord.test_discord_e2e import ballots, society_poll

CALLBACK = r"/interactions/\d+/[^/]+/callback"


async def test_a_quick_command_is_answered_by_its_callback(
    discord_app: DiscordHarness, monkeypatch: pytest.MonkeyPatch
) -> None:
    # However busy the machine, this command counts as quick.
    monkeypatch.setattr(adapters.discord.app, "DEFER_AFTER", 60.0)
    _, call = await discord_app.command(BEA, "/chapter list")
    assert call.json["type"] == ANSWERED  # the message itself: no deferral, no follow-up
    assert "Boston" in text_of(call)
    assert discord_app.fake.calls_to("POST", r"/webhooks/") == []


async def test_a_slow_command_is_deferred_then_followed_up(
    discord_app: DiscordHarness, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The command finishes only once Discord has been told to wait, so the answer
    must come as a follow-up, privately, and the command runs once."""
    monkeypatch.setattr(adapters.discord.app, "DEFER_AFTER", 0.0)
    dispatcher = discord_app.core.dispatcher
    handle = dispatcher.handle

    async def after_the_deferral(request: Request) -> Reply:
        await discord_app.fake.wait_for_call("POST", CALLBACK)
        return await handle(request)

    monkeypatch.setattr(dispatcher, "handle", after_the_deferral)
    polls = await discord_app.bot.count(Poll)
    options = {"question": "Tea?", "options": '"Yes" "No"', "audience": "society"}
    payload, call = await discord_app.command(DORA, "/poll create", options, channel=BOSTON_ID)
    assert call.json == {"type": DEFERRED, "data": {"flags": EPHEMERAL}}
    follow_up = await discord_app.fake.wait_for_call("POST", r"/webhooks/\d+/[^/]+")
    assert "Tea?" in text_of(follow_up)
    assert follow_up.json["flags"] == EPHEMERAL
    # What the tests read as the answer: the follow-up, as a callback would carry it.
    answer = await discord_app.fake.answer_for(payload)
    assert answer.json["type"] == ANSWERED and answer.data == follow_up.json
    assert len(discord_app.fake.calls_to("POST", CALLBACK)) == 1
    assert await discord_app.bot.count(Poll) == polls + 1


async def test_buttons_sent_are_not_kept_in_memory_and_still_vote(
    discord_app: DiscordHarness,
) -> None:
    """Each button carries its command, so discord.py need not remember the messages
    that hold them (it would keep every one, and time out private ones 15 minutes later)."""
    poll_id, message = await society_poll(discord_app)
    _, call = await discord_app.click(BEA, custom_id(message, "2."), message, channel=BOSTON_ID)
    assert "Denver" in text_of(call)
    await discord_app.fake.wait_for_call(
        "PATCH", rf"/channels/{BOSTON_ID}/messages/{message['id']}"
    )
    assert discord_app.adapter is not None
    store = discord_app.adapter.client._connection._view_store
    assert store._views == {} and store._synced_message_views == {}
    assert await ballots(discord_app, poll_id) == [[2]]
