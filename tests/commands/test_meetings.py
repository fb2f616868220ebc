"""Fixing logged meetings, the year a meeting counts toward, and pro-rata wording."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import select

from storage.models import AuditEvent, Chapter, Meeting
from tests.support import TestBot


async def _meeting_id(bot: TestBot, topic: str) -> int:
    async with bot.uow() as uow:
        found = await uow.session.scalar(select(Meeting.id).where(Meeting.topic == topic))
    assert found is not None
    return int(found)


async def test_a_meeting_dated_last_year_says_which_year_it_counted_toward(demo: TestBot) -> None:
    async with demo.uow() as uow:  # Boston has been active since 2024
        boston = await uow.session.scalar(select(Chapter).where(Chapter.name == "Boston"))
        assert boston is not None
        boston.activated_at = datetime(2024, 1, 1, tzinfo=UTC)
        await uow.commit()
    reply = await demo.ok('/chapter meeting Boston social 2025-11-20 "Autumn social"', as_="bob")
    assert "It counts toward 2025: 1 of 4 social meetings that year (3 short)." in reply
    now = await demo.ok('/chapter meeting Boston working 2026-06-01 "Now"', as_="bob")
    assert "It counts toward 2026:" in now and "this year" not in now


async def test_info_shows_ids_and_edit_moves_the_meeting_and_its_year(demo: TestBot) -> None:
    await demo.ok('/chapter meeting Boston social 2026-06-01 "Picnic"', as_="bob")
    meeting = await _meeting_id(demo, "Picnic")
    info = await demo.ok("/chapter info Boston", as_="grace")
    assert f"#{meeting} 2026-06-01 social: Picnic" in info
    edited = await demo.ok(
        f'/chapter meeting edit {meeting} --date 2025-12-30 --topic "Year-end picnic"', as_="bob"
    )
    assert edited.startswith(f"Corrected Boston's meeting #{meeting} (was 2026-06-01 social)")
    assert "It counts toward 2025" in edited
    async with demo.uow() as uow:
        row = await uow.session.get(Meeting, meeting)
        assert row is not None and row.held_on.isoformat() == "2025-12-30"
        assert row.topic == "Year-end picnic"
        audited = await uow.session.scalar(
            select(AuditEvent.summary).where(AuditEvent.action == "chapter meeting edit")
        )
    assert audited is not None and f"/chapter meeting edit {meeting}" in audited


async def test_edit_and_delete_refusals(demo: TestBot) -> None:
    await demo.ok('/chapter meeting Boston working 2026-06-01 "One"', as_="bob")
    await demo.ok('/chapter meeting Boston working 2026-06-02 "Two"', as_="bob")
    one, two = await _meeting_id(demo, "One"), await _meeting_id(demo, "Two")
    before = await demo.snapshot()
    assert await demo.refused(f"/chapter meeting edit {two} --date 2026-06-01", as_="bob") == (
        f"Boston already has a working meeting on 2026-06-01 (#{one})."
    )
    assert await demo.refused(f"/chapter meeting delete {one}", as_="erin") == (
        "Only the president of that meeting's chapter or HQ may use /chapter meeting delete."
    )
    assert "Say what to change" in await demo.refused(f"/chapter meeting edit {one}", as_="bob")
    assert await demo.refused("/chapter meeting delete 999", as_="alice") == (
        "No meeting #999; /chapter info CHAPTER lists them with ids."
    )
    assert await demo.snapshot() == before


async def test_delete_takes_the_meeting_out_of_the_cadence(demo: TestBot) -> None:
    await demo.ok('/chapter meeting Boston working 2026-06-01 "Oops"', as_="bob")
    oops = await _meeting_id(demo, "Oops")
    assert "Working: 3 held" in await demo.ok("/chapter status Boston", as_="bob")
    deleted = await demo.ok(f"/chapter meeting delete {oops}", as_="bob")
    assert deleted.startswith(f"Deleted Boston's working meeting #{oops} of 2026-06-01 (Oops).")
    assert "Working: 2 held" in await demo.ok("/chapter status Boston", as_="bob")
    assert await demo.count(Meeting, Meeting.id == oops) == 0


async def test_a_chapter_activated_today_reads_naturally(bot: TestBot) -> None:
    await bot.ok("/chapter create Oslo --region Europe --tz Europe/Oslo")
    await bot.ok("/chapter activate Oslo")
    status = await bot.ok("/chapter status Oslo")
    assert "Working: 0 held; 1 due by September 14 — on track" in status
    assert "0 of 4" not in status
