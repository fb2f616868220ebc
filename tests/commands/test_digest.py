"""/digest and the weekly chapter digest: each section shows this chapter's items and
no other's, says something useful when empty, and gives times in the chapter's zone."""

from __future__ import annotations

from datetime import timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import select

from bot.reply import Section, Visibility
from commands.digest import chapter_digest
from commands.goals.progress import goal_lines
from storage.models import Chapter
from tests.support import TestBot


def section(text: str, title: str) -> str:
    """One section of a rendered digest: from its title to the next blank-free title."""
    titles = (
        "Goals",
        "Meetings in",
        "Positions awaiting your check-in",
        "Open polls",
        "Workgroups recruiting",
        "As of",
    )
    start = text.index(title)
    ends = [text.find(t, start + len(title)) for t in titles]
    end = min((e for e in ends if e > start), default=len(text))
    return text[start:end]


async def digest_of(bot: TestBot, chapter: str, as_: str = "alice") -> str:
    return await bot.ok(f'/digest "{chapter}"', as_=as_)


async def test_polls_are_the_society_s_and_this_chapter_s_only(demo: TestBot) -> None:
    await demo.ok('/poll create "Boston picnic?" "Yes" "No" --audience chapter:Boston', as_="bob")
    await demo.ok(
        '/poll create "Capitol walk?" "Yes" "No" --audience "chapter:Washington DC"', as_="carol"
    )
    boston = section(await digest_of(demo, "Boston"), "Open polls")
    assert "Boston picnic?" in boston
    assert "Which goal should the society push first" in boston  # the demo's society poll
    assert "whole society" in boston
    assert "Capitol walk?" not in boston
    capitol = section(await digest_of(demo, "Washington DC"), "Open polls")
    assert "Capitol walk?" in capitol and "Boston picnic?" not in capitol
    await demo.ok("/poll close 2", as_="bob")
    assert "Boston picnic?" not in await digest_of(demo, "Boston")


async def test_positions_wait_until_this_chapter_checks_in(demo: TestBot) -> None:
    await demo.ok(
        '/position checkout 1 --chapter "Washington DC" --meeting 2026-06-20', as_="carol"
    )
    await demo.ok("/position checkin 1 --chapter Boston agree --for 9 --against 1", as_="bob")
    boston = section(await digest_of(demo, "Boston"), "Positions awaiting")
    assert "Open meeting notes" not in boston
    assert "None: Boston has checked in on every open position." in boston
    capitol = section(await digest_of(demo, "Washington DC"), "Positions awaiting")
    assert "Open meeting notes" in capitol
    assert "checked out for Sat 20 Jun" in capitol
    assert '--chapter "Washington DC"' in capitol
    francisco = section(await digest_of(demo, "San Francisco"), "Positions awaiting")
    assert "Open meeting notes" in francisco and "not checked out yet" in francisco


async def test_incubating_chapters_neither_check_in_nor_owe_meetings(demo: TestBot) -> None:
    london = await digest_of(demo, "London")
    assert "Only active chapters check in on positions." in london
    assert "London is incubating: meetings fall due once it is active." in london
    assert "Open meeting notes" not in london


async def test_cadence_is_this_chapter_s(demo: TestBot) -> None:
    before = section(await digest_of(demo, "Washington DC"), "Meetings in 2026")
    assert "Working: 1 held" in before
    await demo.ok(
        '/chapter meeting "Washington DC" working 2026-06-10 "Budget review"', as_="carol"
    )
    after = section(await digest_of(demo, "Washington DC"), "Meetings in 2026")
    assert "Working: 2 held; 3 due by October 1 — on track" in after
    assert "Social: 0 held; 1 due by now — behind by 1" in after
    boston = section(await digest_of(demo, "Boston"), "Meetings in 2026")
    assert "Working: 2 held" in boston and "Social: 1 held" in boston


async def test_recent_calls_for_volunteers_lead_the_workgroups(demo: TestBot) -> None:
    await demo.ok('/workgroup propose Outreach --purpose "Talk to universities"', as_="erin")
    for backer in ("bob", "carol", "dan", "frank"):
        await demo.ok("/workgroup back Outreach", as_=backer)
    plain = section(await digest_of(demo, "Boston"), "Workgroups recruiting")
    assert "Mentoring — open to join" in plain and "Outreach — open to join" in plain
    await demo.ok('/workgroup recruit Mentoring "Two mentors for new members"', as_="grace")
    demo.clock.advance(timedelta(days=1))
    await demo.ok("/workgroup output Outreach Brochure", as_="erin")  # more recent activity
    called = section(await digest_of(demo, "London"), "Workgroups recruiting")
    assert called.index("Mentoring — needs: Two mentors for new members") < called.index(
        "Outreach — open to join"
    )
    assert "lead @grace" in called and "/workgroup join Mentoring" in called
    demo.clock.advance(timedelta(days=30))
    stale = section(await digest_of(demo, "London"), "Workgroups recruiting")
    assert "needs:" not in stale and "Mentoring — open to join" in stale


async def test_long_sections_show_a_few_and_count_the_rest(demo: TestBot) -> None:
    for n in range(5):
        await demo.ok(f'/poll create "Question {n}?" "Yes" "No" --audience society', as_="dan")
    polls = section(await digest_of(demo, "Boston"), "Open polls")
    assert polls.count("• ") == 3
    assert "…and 3 more: /poll list --open" in polls


async def test_goals_in_brief_come_from_the_goals(demo: TestBot) -> None:
    text = await digest_of(demo, "Boston")
    async with demo.uow() as uow:
        lines = await goal_lines(uow.session, demo.clock.now().date())
    assert lines, "the demo sets goals"
    goals = section(text, "Goals")
    for line in lines[:6]:
        assert line in goals


async def test_dates_are_in_the_chapter_s_time_zone(demo: TestBot) -> None:
    # 16:00 UTC + 35h = Wed 17 Jun 03:00 UTC: still Tuesday evening in America.
    await demo.ok('/poll create "Late one?" "Yes" "No" --audience society --closes 35h', as_="dan")
    expected = {
        "San Francisco": "Late one? — closes Tue 16 Jun 20:00 PDT",
        "Boston": "Late one? — closes Tue 16 Jun 23:00 EDT",
        "London": "Late one? — closes Wed 17 Jun 04:00 BST",
    }
    for chapter, line in expected.items():
        text = await digest_of(demo, chapter)
        assert line in text, text
    assert "As of Mon 15 Jun 2026 09:00 PDT." in await digest_of(demo, "San Francisco")


async def test_empty_society_says_what_to_do(bot: TestBot) -> None:
    await bot.ok('/chapter create Lisbon --region Europe --tz "Europe/Lisbon"')
    await bot.ok("/chapter activate Lisbon")
    text = await digest_of(bot, "Lisbon")
    assert "HQ has not set any goals yet." in text
    assert "No open polls for Lisbon's members right now." in text
    assert "None: Lisbon has checked in on every open position." in text
    assert "No active workgroups yet. Start one: /workgroup propose NAME --purpose TEXT" in text
    assert "Working: 0 held" in text


async def test_chapter_defaults_to_the_channel_then_the_member(demo: TestBot) -> None:
    # Frank belongs to London; in Boston's channel, the digest is Boston's.
    assert (await demo.ok("/digest", as_="frank", channel="boston")).startswith("Boston ·")
    assert (await demo.ok("/digest", as_="frank")).startswith("London ·")
    assert (await demo.ok("/digest", as_="frank", channel="no-chapter-here")).startswith("London ·")
    named = await demo.ok("/digest san", as_="frank", channel="boston")
    assert named.startswith("San Francisco ·")


async def test_without_a_chapter_it_asks_for_one_and_writes_nothing(demo: TestBot) -> None:
    await demo.ok("/member profile", as_="zoe")  # registered, in no chapter
    before = await demo.snapshot()
    line = await demo.refused("/digest", as_="zoe")
    assert line.startswith("Name a chapter, e.g. /digest Boston")
    assert await demo.refused("/digest Bostn", as_="zoe") == (
        "No chapter named 'Bostn'. Did you mean Boston?"
    )
    assert await demo.snapshot() == before


async def test_the_command_answers_privately_the_scheduler_posts_publicly(demo: TestBot) -> None:
    reply = await demo.send("/digest Boston", as_="grace")
    assert reply.ok and reply.visibility is Visibility.EPHEMERAL
    async with demo.uow() as uow:
        boston = await uow.session.scalar(select(Chapter).where(Chapter.name == "Boston"))
        assert boston is not None
        posted = await chapter_digest(uow.session, boston, demo.clock.now(), demo.app.settings)
    assert posted.visibility is Visibility.PUBLIC
    assert posted.blocks == reply.blocks
    assert posted.text.startswith("Boston weekly digest: ")
    assert all(len(b.text) < 3000 for b in posted.blocks if isinstance(b, Section))
    zone = ZoneInfo("America/New_York")
    assert f"As of {demo.clock.now().astimezone(zone):%a %d %b %Y %H:%M} EDT." in (
        await demo.ok("/digest Boston")
    )
