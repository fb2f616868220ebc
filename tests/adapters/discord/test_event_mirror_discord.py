"""An event on Discord's own event list: created, changed, cancelled with ours, and
"Interested" there counted as a maybe; without Manage Events, said once and skipped.

Real discord.py against the fake Discord; the scheduled-event bodies are checked by
the fake against the documented rules (an EXTERNAL event needs a location and an end).
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Awaitable, Callable
from pathlib import Path

from sqlalchemy import select

from chapterhouse.testing.discord import BOSTON_ID, GUILD_ID
from chapterhouse.testing.discord.scheduled_events import CANCELED, EXTERNAL, MANAGE_EVENTS
from storage.models import ChapterEvent, Delivery, EventRsvp, RsvpStatus
from tests.adapters.discord.harness import BEA, DORA, DiscordHarness, text_of

SCHEDULED = rf"/guilds/{GUILD_ID}/scheduled-events"
CAPTURED = (
    Path(__file__).parents[3] / "chapterhouse/testing/payloads/discord/guild_scheduled_event.json"
)


async def plan(discord_app: DiscordHarness) -> ChapterEvent:
    await discord_app.reply(DORA, "/chapter bind", {"chapter": "Boston"}, channel=BOSTON_ID)
    options = {
        "chapter": "Boston",
        "kind": "social",
        "when": "2026-07-02T18:30",
        "title": "Summer picnic",
        "place": "Boston Common",
    }
    created = await discord_app.reply(DORA, "/event create", options, channel=BOSTON_ID)
    assert "is planned for Boston" in text_of(created), text_of(created)
    async with discord_app.bot.uow() as uow:
        event = await uow.session.scalar(select(ChapterEvent))
    assert event is not None
    return event


async def eventually(check: Callable[[], Awaitable[bool]]) -> None:
    """Until `check()` holds: the gateway's dispatch is answered after it arrives."""
    async with asyncio.timeout(10):
        while not await check():
            await asyncio.sleep(0.02)


async def answers(discord_app: DiscordHarness) -> list[RsvpStatus]:
    async with discord_app.bot.uow() as uow:
        return list(await uow.session.scalars(select(EventRsvp.status)))


async def test_an_event_is_mirrored_changed_cancelled_and_interested_counts_as_maybe(
    discord_app: DiscordHarness,
) -> None:
    await discord_app.fake.grant_bot(MANAGE_EVENTS)

    async def granted() -> bool:
        assert discord_app.adapter is not None
        guild = discord_app.adapter.client.get_guild(GUILD_ID)
        return guild is not None and guild.me.guild_permissions.manage_events

    await eventually(granted)
    event = await plan(discord_app)
    created = await discord_app.fake.wait_for_call("POST", SCHEDULED)
    assert created.status == 200, created.response
    body = created.json
    assert body["name"] == "Summer picnic" and body["entity_type"] == EXTERNAL
    assert body["entity_metadata"] == {"location": "Boston Common"}
    assert body["privacy_level"] == 2 and body["channel_id"] is None
    assert body["scheduled_start_time"].startswith("2026-07-02T22:30:00")
    # The fake's answer has every field of the documented object.
    captured = json.loads(CAPTURED.read_text())
    assert {k for k in captured if not k.startswith("_")} <= set(created.response)
    mirror_id = created.response["id"]

    # A member marks it Interested on Discord: a maybe; un-marked: taken back.
    await discord_app.fake.mark_interested(BEA, mirror_id)

    async def maybe() -> bool:
        return await answers(discord_app) == [RsvpStatus.MAYBE]

    await eventually(maybe)
    await discord_app.fake.mark_interested(BEA, mirror_id, on=False)

    async def none() -> bool:
        return await answers(discord_app) == []

    await eventually(none)

    # Changed with ours (PATCH on the same event), then cancelled (status 4).
    edited = await discord_app.reply(
        DORA, "/event edit", {"event_id": event.id, "place": "Public Garden"}
    )
    assert "updated" in text_of(edited), text_of(edited)
    patch = await discord_app.fake.wait_for_call("PATCH", rf"{SCHEDULED}/{mirror_id}")
    assert patch.json["entity_metadata"] == {"location": "Public Garden"}
    assert discord_app.fake.scheduled_events[int(mirror_id)]["entity_metadata"] == {
        "location": "Public Garden"
    }
    await discord_app.command(DORA, "/event cancel", {"event_id": event.id})
    await discord_app.fake.wait(
        lambda: discord_app.fake.scheduled_events[int(mirror_id)]["status"] == CANCELED
    )
    assert len(discord_app.fake.calls_to("POST", SCHEDULED)) == 1  # one event, kept in step


async def test_without_manage_events_it_says_so_once_and_works_on(
    discord_app: DiscordHarness,
) -> None:
    event = await plan(discord_app)
    failed: str | None = None

    async def refused() -> bool:
        nonlocal failed
        async with discord_app.bot.uow() as uow:
            failed = await uow.session.scalar(
                select(Delivery.error).where(
                    Delivery.subject == f"mirror:event:{event.id}", Delivery.status == "failed"
                )
            )
        return failed is not None

    await eventually(refused)
    assert failed is not None and "Manage Events" in failed
    assert discord_app.fake.calls_to("POST", SCHEDULED) == []
    await discord_app.reply(DORA, "/event edit", {"event_id": event.id, "place": "Room 4"})
    shown = text_of(await discord_app.reply(DORA, "/event show", {"event_id": event.id}))
    assert shown.count("Not on Discord's own event list") == 1, shown
    assert "Manage Events" in shown
    going = await discord_app.reply(BEA, "/event rsvp", {"event_id": event.id, "choice": "going"})
    assert "going to Summer picnic" in text_of(going)
