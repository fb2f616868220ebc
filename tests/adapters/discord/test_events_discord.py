"""Events on Discord end to end: a typed /event create, the card, a Going click, the edit."""

from __future__ import annotations

import json
from typing import Any

from sqlalchemy import select

from chapterhouse.testing.discord import BOSTON_ID
from storage.models import ChapterEvent, EventRsvp, RsvpStatus
from tests.adapters.discord.harness import BEA, DORA, DiscordHarness, custom_id


def text_of(call: Any) -> str:
    return json.dumps(call.json if hasattr(call, "json") else call, ensure_ascii=False)


async def test_going_clicked_on_discord_is_counted_and_the_card_edited(
    discord_app: DiscordHarness,
) -> None:
    bound = await discord_app.reply(DORA, "/chapter bind", {"chapter": "Boston"}, channel=BOSTON_ID)
    assert "now receives" in text_of(bound)
    posts = len(discord_app.fake.calls_to("POST", rf"/channels/{BOSTON_ID}/messages"))
    options = {
        "chapter": "Boston",
        "kind": "social",
        "when": "2026-07-02T18:30",
        "title": "Summer picnic",
        "capacity": 1,
    }
    created = await discord_app.reply(DORA, "/event create", options, channel=BOSTON_ID)
    assert "is planned for Boston" in text_of(created), text_of(created)
    posted = await discord_app.fake.wait_for_call(
        "POST", rf"/channels/{BOSTON_ID}/messages", count=posts + 1
    )
    message = posted.response
    # Each reader sees the time in their own zone, and how far off it is.
    assert "<t:1783031400:F> (<t:1783031400:R>)" in text_of(message)
    async with discord_app.bot.uow() as uow:
        event_id = await uow.session.scalar(select(ChapterEvent.id))
    going = custom_id(message, "Going")
    assert going == f"run:/event rsvp {event_id} going"
    _, call = await discord_app.click(BEA, going, message, channel=BOSTON_ID)
    assert "going to Summer picnic" in text_of(call), text_of(call)
    async with discord_app.bot.uow() as uow:
        assert list(await uow.session.scalars(select(EventRsvp.status))) == [RsvpStatus.GOING]
    edit = await discord_app.fake.wait_for_call(
        "PATCH", rf"/channels/{BOSTON_ID}/messages/{message['id']}"
    )
    assert "1 going of 1" in text_of(edit.json)
