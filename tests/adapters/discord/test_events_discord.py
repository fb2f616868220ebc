"""Events on Discord end to end: a typed /event create, the card, a Going click, the edit."""

from __future__ import annotations

from sqlalchemy import select

from chapterhouse.testing.discord import BOSTON_ID
from storage.models import ChapterEvent, EventRsvp, RsvpStatus
from tests.adapters.discord.harness import BEA, DORA, DiscordHarness, custom_id, text_of


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


async def test_a_society_event_and_the_organisers_check_in_on_discord(
    discord_app: DiscordHarness,
) -> None:
    await discord_app.reply(DORA, "/chapter bind", {"chapter": "Boston"}, channel=BOSTON_ID)
    posts = len(discord_app.fake.calls_to("POST", rf"/channels/{BOSTON_ID}/messages"))
    options = {
        "kind": "working",
        "when": "2026-10-01T09:00",
        "title": "Conference",
        "society": True,
        "ends": "2026-10-01T17:00",
    }
    created = await discord_app.reply(DORA, "/event create", options, channel=BOSTON_ID)
    assert "is planned for the society" in text_of(created), text_of(created)
    # A society event goes to every bound channel: here, Boston's.
    posted = await discord_app.fake.wait_for_call(
        "POST", rf"/channels/{BOSTON_ID}/messages", count=posts + 1
    )
    assert "Conference" in text_of(posted.response)
    async with discord_app.bot.uow() as uow:
        event = await uow.session.scalar(select(ChapterEvent))
    assert event is not None and event.chapter_id is None and event.workgroup_id is None
    discord_app.bot.clock.set(event.starts_at)
    await discord_app.reply(BEA, "/event list")  # Bea is registered
    refused = await discord_app.reply(
        BEA, "/event checkin", {"event_id": event.id, "members": f"<@{DORA}>"}
    )
    assert (
        "Only the event's organiser, its president, one of its helpers or HQ may check others in"
        in text_of(refused)
    )
    checked = await discord_app.reply(
        DORA, "/event checkin", {"event_id": event.id, "members": f"<@{BEA}>", "guests": 2}
    )
    assert f"Checked in <@{BEA}>. Added 2 guests (2 in all)." in text_of(checked), text_of(checked)
    async with discord_app.bot.uow() as uow:
        [row] = list(await uow.session.scalars(select(EventRsvp)))
        assert row.checked_in_at is not None
