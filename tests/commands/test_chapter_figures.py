"""`/chapter status` reads its chapter, meetings and events in one statement: its counts
are those of the separate queries, in every zone, on either side of New Year."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from commands.chapter_figures import status_figures
from commands.chapters import chapter_cadence
from commands.events.planned import planned_this_year
from storage.models import (
    Chapter,
    ChapterEvent,
    ChapterStatus,
    EventStatus,
    Meeting,
    MeetingKind,
)
from tests.support import TestBot

ZONES = ("Pacific/Kiritimati", "Pacific/Pago_Pago", "Europe/London", "Asia/Tokyo")
NOW = (
    datetime(2026, 12, 31, 9, 30, tzinfo=UTC),  # Kiritimati is in 2027 already
    datetime(2027, 1, 1, 10, 30, tzinfo=UTC),  # Pago Pago is still in 2026
    datetime(2027, 6, 15, 12, 0, tzinfo=UTC),
)


async def _society(bot: TestBot) -> None:
    """A chapter per zone, with meetings and events on every day around New Year."""
    async with bot.uow() as uow:
        session = uow.session
        for number, zone in enumerate(ZONES):
            chapter = Chapter(
                name=f"Zone {number}",
                name_key=f"zone {number}",
                region="Pacific",
                timezone=zone,
                status=ChapterStatus.ACTIVE,
                created_at=NOW[0] - timedelta(days=900),
                activated_at=NOW[0] - timedelta(days=400),
            )
            session.add(chapter)
            await session.flush()
            for offset in range(-3, 4):
                for kind in MeetingKind:
                    day = date(2027, 1, 1) + timedelta(days=offset)
                    session.add(
                        Meeting(
                            chapter_id=chapter.id,
                            kind=kind,
                            held_on=day,
                            topic="Edge",
                            logged_at=NOW[0],
                        )
                    )
            session.add(
                Meeting(
                    chapter_id=chapter.id,
                    kind=MeetingKind.WORKING,
                    held_on=date(2027, 6, 14),
                    topic="Summer",
                    logged_at=NOW[0],
                )
            )
            for hours in range(-30, 31, 3):  # events around every zone's New Year
                local = datetime(2027, 1, 1, tzinfo=ZoneInfo(zone)) + timedelta(hours=hours)
                starts = local.astimezone(UTC)
                session.add(
                    ChapterEvent(
                        uid=f"edge-{number}-{hours}",
                        title="Edge",
                        kind=MeetingKind.SOCIAL if hours % 2 else MeetingKind.WORKING,
                        status=EventStatus.SCHEDULED,
                        chapter_id=chapter.id,
                        timezone=zone,
                        starts_at=starts,
                        ends_at=starts + timedelta(hours=1),
                        rsvp_closes_at=starts,
                        created_at=NOW[0],
                        updated_at=NOW[0],
                    )
                )
        await uow.commit()


@pytest.mark.parametrize("now", NOW)
async def test_one_statement_counts_what_the_separate_queries_count(
    bot: TestBot, now: datetime
) -> None:
    await _society(bot)
    targets = {MeetingKind.WORKING: 4, MeetingKind.SOCIAL: 2}
    edges = 0
    for number, zone in enumerate(ZONES):
        async with bot.uow() as uow:
            figures = await status_figures(uow.session, f"zone {number}", now)
            chapter = figures.chapter
            today = now.astimezone(ZoneInfo(zone)).date()
            expected = await chapter_cadence(uow.session, chapter, today, targets)
            planned = await planned_this_year(uow.session, chapter, now)
        held = figures.held(today)
        assert {k: c.held for k, c in expected.items()} == {k: held[k] for k in MeetingKind}, zone
        assert figures.planned() == planned, zone
        edges += sum(planned.values())
    assert edges > 0 or now.month == 6  # events at the edges of some zone's year were counted


async def test_a_prefix_and_a_typo_are_handled_as_everywhere(demo: TestBot) -> None:
    assert "Boston" in await demo.ok("/chapter status bost", as_="grace")
    assert "Did you mean Boston?" in await demo.refused("/chapter status Bostn", as_="grace")
