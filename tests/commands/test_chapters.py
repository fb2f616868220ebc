"""Chapters: creation, presidents, status changes announced, channels, meetings, cadence."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from storage.models import ChannelBinding, Chapter, ChapterStatus, Delivery, Meeting, OutboxEvent
from tests.support import TestBot


async def test_create_chapter_and_refusals(bot: TestBot) -> None:
    reply = await bot.ok(
        '/chapter create "Los Angeles" --region "North America" --tz America/Los_Angeles'
    )
    assert "Created chapter Los Angeles" in reply and "incubating" in reply
    assert await bot.refused('/chapter create "los  angeles" --region X --tz UTC') == (
        "A chapter named Los Angeles already exists."
    )
    assert await bot.refused("/chapter create Oslo --region Europe --tz Europe/Olso") == (
        "--tz 'Europe/Olso' is not a time zone; did you mean Europe/Oslo?"
    )
    assert await bot.refused("/chapter create Tokyo --region Asia --tz Tokyo") == (
        "--tz 'Tokyo' is not a time zone; did you mean Asia/Tokyo?"
    )
    assert await bot.refused("/chapter create Oslo --region Europe --tz Nowhere/Qqq") == (
        "--tz 'Nowhere/Qqq' is not a time zone; use an IANA name like America/New_York."
    )
    assert "Missing --tz ZONE" in await bot.refused("/chapter create Oslo --region Europe")
    assert await bot.count(Chapter) == 1


async def test_president_appointment(demo: TestBot) -> None:
    assert "@grace is now president of Chicago" in await demo.ok(
        "/chapter president Chicago @grace"
    )
    info = await demo.ok("/chapter info Chicago", as_="frank")
    assert "President  @grace" in info
    assert await demo.refused("/chapter president Chicago @grace") == (
        "Grace Member is already president of Chicago."
    )
    # The new president may now log Chicago's meetings; Boston's president may not.
    await demo.ok('/chapter meeting Chicago working 2026-06-01 "Kick-off"', as_="grace")
    assert (
        await demo.refused('/chapter meeting Chicago social 2026-06-02 "Drinks"', as_="bob")
        == "Only the president of that chapter or HQ may use /chapter meeting."
    )


async def test_activation_is_announced_once_to_every_bound_channel(demo: TestBot) -> None:
    assert await demo.ok("/chapter activate London") == "London is now an active chapter."
    channels = sorted(channel for channel, _ in demo.posts)
    assert channels == ["boston", "san-francisco", "washington-dc"]
    assert all("London is now an active chapter" in text for _, text in demo.posts)
    # Flushing again sends nothing twice.
    await demo.app.notifier.flush()
    assert len(demo.posts) == 3
    assert await demo.count(Delivery) == 3
    assert await demo.refused("/chapter activate London") == "London is already active."


async def test_status_change_that_rolls_back_announces_nothing(demo: TestBot) -> None:
    before = await demo.count(OutboxEvent)
    await demo.refused("/chapter activate Boston")  # already active: refused, rolled back
    assert await demo.count(OutboxEvent) == before
    assert demo.posts == []


async def test_retire_tells_only_that_chapter(demo: TestBot) -> None:
    await demo.ok("/chapter retire Boston")
    assert [channel for channel, _ in demo.posts] == ["boston"]
    async with demo.uow() as uow:
        boston = await uow.session.scalar(select(Chapter).where(Chapter.name == "Boston"))
        assert boston is not None and boston.status is ChapterStatus.DORMANT
        assert boston.retired_at == demo.clock.now()


async def test_bind_channel(demo: TestBot) -> None:
    assert await demo.ok("/chapter bind Boston", as_="bob", channel="boston-events") == (
        "This channel now receives Boston's updates."
    )
    assert "already bound to Boston" in await demo.refused(
        "/chapter bind Boston", as_="bob", channel="boston-events"
    )
    assert await demo.refused("/chapter bind Washington DC", channel="boston-events") == (
        "This channel already speaks for Boston; a channel serves one chapter."
    )
    assert "not a direct message" in await demo.refused("/chapter bind Boston", as_="bob")
    assert await demo.count(ChannelBinding, ChannelBinding.channel_id == "boston-events") == 1


async def test_meeting_logging_and_its_refusals(demo: TestBot) -> None:
    reply = await demo.ok(
        "/chapter meeting boston working 2026-06-10 “Ethics of AI” --attendance 18", as_="bob"
    )
    assert "Logged Boston's working meeting on 2026-06-10: Ethics of AI." in reply
    assert await demo.refused('/chapter meeting Boston working 2026-06-10 "Again"', as_="bob") == (
        "Boston already has a working meeting logged on 2026-06-10."
    )
    assert "in the future" in await demo.refused(
        '/chapter meeting Boston social 2026-07-01 "Later"', as_="bob"
    )
    assert "between 0 and 100000" in await demo.refused(
        '/chapter meeting Boston social 2026-06-01 "Crowd" --attendance -4', as_="bob"
    )
    assert "working or social" in await demo.refused(
        '/chapter meeting Boston party 2026-06-01 "Crowd"', as_="bob"
    )
    async with demo.uow() as uow:
        topics = list(await uow.session.scalars(select(Meeting.topic)))
    assert "Ethics of AI" in topics and "Again" not in topics


async def test_weekday_names_mean_the_last_one_for_meetings(demo: TestBot) -> None:
    # START is Monday 2026-06-15: "friday" is the 12th, "today" the 15th.
    await demo.ok('/chapter meeting Boston social friday "Drinks"', as_="bob")
    await demo.ok('/chapter meeting Boston working today "Planning"', as_="bob")
    async with demo.uow() as uow:
        days = {m.topic: m.held_on.isoformat() for m in await uow.session.scalars(select(Meeting))}
    assert days["Drinks"] == "2026-06-12" and days["Planning"] == "2026-06-15"


async def test_status_shows_cadence_pro_rata(bot: TestBot) -> None:
    await bot.ok("/chapter create Oslo --region Europe --tz Europe/Oslo")
    await bot.ok("/chapter activate Oslo")
    # Activated on 2026-06-15: nothing is due yet; the first falls due pro rata.
    status = await bot.ok("/chapter status Oslo")
    assert "Working: 0 held; 1 due by September 14 — on track" in status
    bot.clock.advance(timedelta(days=200))  # 2027-01-01: a new year, still nothing due
    assert "0 held; 1 due by April 2 — on track" in await bot.ok("/chapter status Oslo")
    bot.clock.advance(timedelta(days=190))  # 2027-07-10: half the year gone
    status = await bot.ok("/chapter status Oslo")
    assert "Working: 0 held; 2 due by now — behind by 2" in status
    await bot.ok('/chapter meeting Oslo working 2027-02-01 "One"')
    await bot.ok('/chapter meeting Oslo working 2027-05-01 "Two"')
    assert "Working: 2 held; 3 due by October 1 — on track" in await bot.ok("/chapter status Oslo")


async def test_unknown_and_ambiguous_chapter_names(demo: TestBot) -> None:
    assert await demo.refused("/chapter info Bostn", as_="grace") == (
        "No chapter named 'Bostn'. Did you mean Boston?"
    )
    assert "Chicago" in await demo.ok("/chapter info chi", as_="grace")  # unique prefix
    await demo.ok('/chapter create "Chichester" --region Europe --tz Europe/London')
    line = await demo.refused("/chapter info chi", as_="grace")
    assert line.startswith("'chi' could be several chapters")


async def test_chapter_autocomplete_prefix_then_fuzzy(demo: TestBot) -> None:
    complete = demo.app.registry.completers["chapters"]
    async with demo.uow() as uow:
        assert await complete(uow.session, "") == [
            "Boston", "Chicago", "London", "New York", "San Francisco", "Washington DC",
        ]  # fmt: skip
        assert await complete(uow.session, "s") == ["San Francisco", "Boston", "Washington DC"]
        assert (await complete(uow.session, "bostn"))[0] == "Boston"
        assert await complete(uow.session, "zzzz") == []


async def test_over_long_values_are_refused_in_one_line_on_every_database(bot: TestBot) -> None:
    long_region = "r" * 81
    assert await bot.refused(f'/chapter create Oslo --region "{long_region}" --tz Europe/Oslo') == (
        "--region must be 1–80 characters; got 81."
    )
    await bot.ok("/chapter create Bergen --region Europe --tz Europe/Oslo")
    assert await bot.refused("/chapter bind Bergen", channel="c" * 65) == (
        "This channel's id is over 64 characters; it cannot be bound."
    )
    assert await bot.count(Chapter) == 1
    assert await bot.count(ChannelBinding) == 0
