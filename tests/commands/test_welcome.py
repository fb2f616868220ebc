"""The welcome: one direct message for a member's first command, and their president told."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from bot.scheduler import run_due
from storage.models import ChapterEvent
from tests.support import START, TestBot


def _dms(bot: TestBot, handle: str) -> list[str]:
    return [text for where, text in bot.posts if where == f"@{handle}"]


async def _tick(bot: TestBot, hours: float = 0) -> list[str]:
    at = START + timedelta(hours=hours)
    bot.clock.set(at)
    report = await run_due(bot.app, at)
    assert not report.failed
    await bot.app.notifier.flush()
    return [note for job in report.jobs if job.name == "welcome.newcomers" for note in job.notes]


async def test_a_newcomer_is_welcomed_once_with_a_chapter_and_workgroups(demo: TestBot) -> None:
    await demo.ok('/workgroup tags Mentoring "mentoring"', as_="grace")
    await demo.ok('/member edit --city london --interests "mentorings"', as_="nova")
    notes = await _tick(demo)
    assert any(n.startswith("welcome nova by direct message") for n in notes)
    [welcome] = _dms(demo, "nova")
    assert "Welcome, nova!" in welcome
    assert "London" in welcome and "/member join London" in welcome  # by city
    assert "Mentoring" in welcome and "match your interests" in welcome
    await demo.ok("/member profile", as_="nova")
    await _tick(demo, hours=1)
    assert len(_dms(demo, "nova")) == 1  # once


async def test_the_president_hears_of_a_newcomer_and_sees_them_in_chapter_info(
    demo: TestBot,
) -> None:
    await demo.ok("/member join Boston", as_="otto")
    await _tick(demo)
    [welcome] = _dms(demo, "otto")
    assert "You are a member of *Boston*" in welcome or "member of Boston" in welcome
    told = _dms(demo, "bob")
    assert any("A newcomer in Boston: @otto" in t for t in told), told
    info = await demo.ok("/chapter info Boston", as_="bob")
    assert "Newcomers in the last 30 days" in info and "@otto" in info
    assert "Newcomers" not in await demo.ok("/chapter info Boston", as_="grace")
    demo.clock.set(START + timedelta(days=31))
    later = await demo.ok("/chapter info Boston", as_="bob")
    assert "@otto" not in later


async def test_members_never_seen_are_not_welcomed(demo: TestBot) -> None:
    notes = await _tick(demo)  # the demo's members were seeded, never seen
    assert notes == []


async def test_the_welcome_names_the_next_three_events_of_the_chapter_and_society(
    demo: TestBot,
) -> None:
    plans = [
        ("bob", '/event create Boston social 2026-07-20T18:00 "Fourth picnic"'),
        ("bob", '/event create Boston working 2026-06-20T18:00 "Ethics night"'),
        ("bob", '/event create Boston social 2026-06-25T18:00 "Dropped drinks"'),
        ("alice", '/event create working 2026-07-01T09:00 "Conference" --society'),
        ("bob", '/event create Boston social 2026-07-10T18:00 "Harbour walk"'),
        ("alice", '/event create London working 2026-06-18T18:00 "London talk"'),
    ]
    for who, command in plans:
        await demo.ok(command, as_=who)
    async with demo.uow() as uow:
        dropped = await uow.session.scalar(
            select(ChapterEvent.id).where(ChapterEvent.title == "Dropped drinks")
        )
    await demo.ok(f"/event cancel {dropped}", as_="bob")
    await demo.ok("/member join Boston", as_="otto")
    await _tick(demo)
    [welcome] = _dms(demo, "otto")
    assert "Next events" in welcome
    # Soonest first: Boston's and the society's, not another chapter's, not a cancelled one.
    shown = [t for t in ("Ethics night", "Conference", "Harbour walk") if t in welcome]
    assert shown == ["Ethics night", "Conference", "Harbour walk"]
    assert welcome.index("Ethics night") < welcome.index("Conference") < welcome.index("Harbour")
    for absent in ("Fourth picnic", "London talk", "Dropped drinks"):
        assert absent not in welcome
    assert "Sat 20 Jun 2026 18:00 EDT" in welcome  # typed in and shown in Boston's zone


async def test_a_welcome_with_no_events_planned_says_so(demo: TestBot) -> None:
    await demo.ok("/member join Boston", as_="otto")
    await _tick(demo)
    [welcome] = _dms(demo, "otto")
    assert "No events are planned yet" in welcome
