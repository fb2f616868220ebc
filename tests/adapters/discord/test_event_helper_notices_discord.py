"""An event helper on Discord end to end: named, told by direct message (Discord's own
timestamp for the start), shown on the card in the channel, removed and told again;
bad requests refused in one line with nothing sent."""

from __future__ import annotations

from sqlalchemy import select

from chapterhouse.testing.discord import BOSTON_ID
from storage.models import ChapterEvent, Delivery, EventHelper
from tests.adapters.discord.harness import BEA, CARL, DORA, DiscordHarness, text_of

PICNIC = {
    "chapter": "Boston",
    "kind": "social",
    "when": "2026-07-02T18:30",
    "title": "Summer picnic",
    "place": "Boston Common",
}


def dms_to(discord_app: DiscordHarness, user: int) -> list[str]:
    fake = discord_app.fake
    channels = [
        c.response["id"]
        for c in fake.calls_to("POST", r"/users/@me/channels")
        if str(c.json["recipient_id"]) == str(user)
    ]
    return [
        text_of(c)
        for channel in channels
        for c in fake.calls_to("POST", rf"/channels/{channel}/messages")
    ]


def card_edits(discord_app: DiscordHarness) -> list[str]:
    return [
        text_of(c)
        for c in discord_app.fake.calls_to("PATCH", rf"/channels/{BOSTON_ID}/messages/\d+")
    ]


async def planned(discord_app: DiscordHarness) -> int:
    await discord_app.reply(DORA, "/chapter bind", {"chapter": "Boston"}, channel=BOSTON_ID)
    await discord_app.reply(BEA, "/member join", {"chapter": "Boston"})
    created = await discord_app.reply(DORA, "/event create", PICNIC, channel=BOSTON_ID)
    assert "is planned for Boston" in text_of(created), text_of(created)
    async with discord_app.bot.uow() as uow:
        event_id = await uow.session.scalar(select(ChapterEvent.id))
    assert event_id is not None
    return event_id


async def test_a_helper_is_told_on_discord_and_named_on_the_card(
    discord_app: DiscordHarness,
) -> None:
    event_id = await planned(discord_app)
    async with discord_app.bot.uow() as uow:
        event = await uow.session.get(ChapterEvent, event_id)
    assert event is not None
    start = int(event.starts_at.timestamp())
    named = await discord_app.reply(
        DORA, "/event helper", {"event_id": event_id, "member": f"<@{BEA}>"}
    )
    assert "They were told by direct message." in text_of(named), text_of(named)
    await discord_app.fake.wait(lambda: bool(dms_to(discord_app, BEA)))
    [told] = dms_to(discord_app, BEA)
    assert f"<@{DORA}> named you a helper for Summer picnic (event {event_id})" in told, told
    # The start as Discord writes it in each reader's own zone.
    assert f"<t:{start}:F>" in told, told
    assert f"/event checkin {event_id} @member" in told, told
    assert f"/event checkin {event_id} --guests N" in told, told
    # The card in Boston's channel is edited to name the helper, for everyone there.
    await discord_app.fake.wait(lambda: any("Helpers" in t for t in card_edits(discord_app)))
    last = card_edits(discord_app)[-1]
    assert "Helpers:" in last and f"<@{BEA}>" in last, last

    removed = await discord_app.reply(
        DORA, "/event helper", {"event_id": event_id, "member": f"<@{BEA}>", "remove": True}
    )
    assert "is no longer a helper for Summer picnic" in text_of(removed), text_of(removed)
    await discord_app.fake.wait(lambda: len(dms_to(discord_app, BEA)) == 2)
    gone = dms_to(discord_app, BEA)[-1]
    assert f"removed you as a helper for Summer picnic (event {event_id}" in gone, gone
    await discord_app.fake.wait(lambda: "Helpers" not in card_edits(discord_app)[-1])


async def test_bad_helper_requests_on_discord_change_nothing(discord_app: DiscordHarness) -> None:
    event_id = await planned(discord_app)
    await discord_app.reply(CARL, "/event list")  # a member, of no chapter
    await discord_app.reply(DORA, "/event helper", {"event_id": event_id, "member": f"<@{BEA}>"})
    sent = await discord_app.bot.count(Delivery)
    cases = [
        ({"member": f"<@{CARL}>"}, "is not a member of Boston; a helper for event"),
        ({"member": f"<@{BEA}>"}, "is already a helper for event"),
        ({"member": f"<@{CARL}>", "remove": True}, f"is not a helper for event {event_id}"),
    ]
    for options, expected in cases:
        reply = await discord_app.reply(DORA, "/event helper", {"event_id": event_id, **options})
        content = reply.json["data"]["content"]
        assert expected in content and "\n" not in content, content
    assert await discord_app.bot.count(Delivery) == sent, "a refused request queued a message"
    assert await discord_app.bot.count(EventHelper) == 1
