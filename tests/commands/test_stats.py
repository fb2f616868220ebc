"""/stats and `chapterhouse stats --csv`: the society's figures follow what members do."""

from __future__ import annotations

import asyncio
import csv
import io
from datetime import timedelta
from pathlib import Path

from sqlalchemy import select

from commands.stats import Stats, society_stats
from storage.models import ChapterStatus, Member, WorkgroupStatus
from tests.support import Cli, TemplateDatabases, TestBot, demo_database


async def figures(bot: TestBot) -> Stats:
    async with bot.uow() as uow:
        return await society_stats(uow.session, uow.now, bot.app.settings)


def chapter(stats: Stats, name: str) -> tuple[ChapterStatus, int, int, int]:
    [found] = [c for c in stats.chapters if c.name == name]
    return found.status, found.members, found.working, found.social


async def test_joining_counts_a_new_active_member_of_the_chapter(demo: TestBot) -> None:
    before = await figures(demo)
    assert (before.members, before.new_this_month) == (7, 7)  # the demo was seeded today
    await demo.ok("/member join Boston", as_="zoe")
    after = await figures(demo)
    assert after.members == before.members + 1
    assert after.new_this_month == before.new_this_month + 1
    assert after.active == before.active + 1
    assert chapter(after, "Boston")[1] == chapter(before, "Boston")[1] + 1
    text = await demo.ok("/stats")
    assert "Members               8" in text and "New in June           8" in text


async def test_new_this_month_is_the_society_s_month(demo: TestBot) -> None:
    demo.clock.advance(timedelta(days=16))  # 1 July, 16:00 UTC
    await demo.ok("/member join Boston", as_="zoe")
    stats = await figures(demo)
    assert stats.month_start.isoformat() == "2026-07-01"
    assert (stats.members, stats.new_this_month) == (8, 1)


async def test_voting_is_activity_and_participation_is_ballots_over_eligible(
    demo: TestBot,
) -> None:
    demo.clock.advance(timedelta(days=40))  # nobody has done anything for 40 days
    await demo.ok('/poll create "Boston picnic?" "Yes" "No" --audience chapter:Boston', as_="dan")
    await demo.ok('/poll create "Society dinner?" "Yes" "No" --audience society', as_="dan")
    assert (await figures(demo)).active == 1  # dan, who created them
    # Votes arrive together, as a batch: every voter counts as active.
    replies = await asyncio.gather(
        demo.send("/poll vote 2 1", as_="grace"),
        demo.send("/poll vote 3 1", as_="grace"),
        demo.send("/poll vote 3 2", as_="erin"),
        demo.send("/poll vote 3 1", as_="frank"),
    )
    assert all(r.ok for r in replies), [r.text for r in replies]
    async with demo.uow() as uow:
        voters = await uow.session.scalars(
            select(Member.name).where(Member.last_active_at == demo.clock.now())
        )
        assert sorted(voters) == ["Dan Moderator", "Erin Bay", "Frank Thames", "Grace Member"]
    stats = await figures(demo)
    assert stats.active == 4
    assert (stats.polls.open, stats.polls.closed) == (2, 1)  # the demo poll, 35 days ago
    demo.clock.advance(timedelta(days=4))  # past both deadlines (72 hours by default)
    stats = await figures(demo)
    p = stats.polls
    # Closed in the last 90 days: these two (the demo's poll closed 44 days ago, too).
    assert (p.open, p.closed, p.counted) == (0, 3, 3)
    # Boston poll: 1 of 2 members; society dinner: 3 of 7; the demo poll: 0 of 7.
    assert (p.ballots, p.eligible) == (4, 16)
    assert p.share == 4 / 16
    assert p.mean_share is not None and abs(p.mean_share - (1 / 2 + 3 / 7 + 0) / 3) < 1e-9
    assert "4 ballots of 16 eligible (25%)" in await demo.ok("/stats")
    demo.clock.advance(timedelta(days=91))
    assert (await figures(demo)).polls.closed == 0


async def test_meetings_count_for_their_chapter_this_year(demo: TestBot) -> None:
    before = chapter(await figures(demo), "Boston")
    await demo.ok('/chapter meeting Boston social 2026-06-12 "Picnic"', as_="bob")
    await demo.ok('/chapter meeting Boston working 2025-12-12 "Last year"', as_="bob")
    after = chapter(await figures(demo), "Boston")
    assert after[2:] == (before[2], before[3] + 1)
    assert "Boston (active) · 2 members · 2 working, 2 social" in await demo.ok("/stats")


async def test_a_retired_chapter_stays_listed_as_dormant(demo: TestBot) -> None:
    before = await figures(demo)
    await demo.ok('/chapter retire "Washington DC"')
    after = await figures(demo)
    assert after.chapters_by_status()[ChapterStatus.ACTIVE] == (
        before.chapters_by_status()[ChapterStatus.ACTIVE] - 1
    )
    assert after.chapters_by_status()[ChapterStatus.DORMANT] == 1
    status, members, working, _ = chapter(after, "Washington DC")
    assert (status, members, working) == (ChapterStatus.DORMANT, 2, 1)
    assert after.members == before.members
    assert "Chapters              3 incubating, 2 active, 1 dormant" in await demo.ok("/stats")


async def test_workgroups_by_status_count_lapsed_proposals_as_expired(demo: TestBot) -> None:
    await demo.ok('/workgroup propose Outreach --purpose "Talk to universities"', as_="erin")
    stats = await figures(demo)
    assert stats.workgroups[WorkgroupStatus.ACTIVE] == 1
    assert stats.workgroups[WorkgroupStatus.PROPOSED] == 1
    demo.clock.advance(timedelta(days=31))
    stats = await figures(demo)
    assert stats.workgroups[WorkgroupStatus.PROPOSED] == 0
    assert stats.workgroups[WorkgroupStatus.EXPIRED] == 1


async def test_only_hq_sees_the_figures(demo: TestBot) -> None:
    before = await demo.snapshot()
    for who in ("bob", "dan", "grace"):
        assert await demo.refused("/stats", as_=who) == "Only HQ may use /stats."
    assert await demo.snapshot() == before


def read_csv(text: str) -> dict[tuple[str, str, str], str]:
    rows = list(csv.reader(io.StringIO(text)))
    assert rows[0] == ["section", "chapter", "metric", "value"]
    return {(section, name, metric): value for section, name, metric, value in rows[1:]}


async def test_cli_writes_the_figures_as_csv(tmp_path: Path, templates: TemplateDatabases) -> None:
    database = await demo_database(templates, "cli-stats")
    program = Cli(tmp_path, f"sqlite+aiosqlite:///{database}")
    shown = program.run("stats", "--csv")
    assert shown.returncode == 0, shown.stderr
    figures = read_csv(shown.stdout)
    assert figures[("members", "", "total")] == "7"
    assert figures[("chapters", "", "active")] == "3"
    assert figures[("chapters", "", "incubating")] == "3"
    assert figures[("chapter", "Boston", "members")] == "2"
    assert figures[("chapter", "Washington DC", "status")] == "active"
    assert figures[("workgroups", "", "active")] == "1"
    assert {name for section, name, _ in figures if section == "chapter"} == {
        "Boston",
        "Chicago",
        "London",
        "New York",
        "San Francisco",
        "Washington DC",
    }
    target = tmp_path / "figures.csv"
    written = program.run("stats", "--csv", str(target))
    assert written.returncode == 0, written.stderr
    assert written.stdout.strip() == f"Wrote the society's figures to {target}."
    again = read_csv(target.read_text(encoding="utf-8"))
    del again[("society", "", "as_of")], figures[("society", "", "as_of")]
    assert again == figures
    nowhere = program.run("stats", "--csv", str(tmp_path / "missing" / "figures.csv"))
    assert nowhere.returncode == 2 and "Cannot write" in nowhere.stderr
