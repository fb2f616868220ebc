"""Society goals through the console: setting, pace, manual updates, counting from
data, daily snapshots, milestones announced exactly once, and charts."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import func, select

from bot.due import DueRun
from commands.goals.snapshots import snapshot_goals
from storage.models import Goal, GoalSnapshot, GoalUpdate, Meeting
from tests.support import TestBot

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


async def tick_snapshot(bot: TestBot) -> list[str]:
    """One scheduler tick of the daily snapshot job, then delivery; its notes."""
    async with bot.uow() as uow:
        run = DueRun(uow, bot.app.settings)
        await bot.app.registry.due_jobs["goals.snapshot"](run)
        await uow.commit()
    await bot.app.notifier.flush()
    return run.notes


def milestone_posts(bot: TestBot, words: str) -> list[tuple[str, str]]:
    return [post for post in bot.posts if words in post[1]]


async def test_goals_show_every_goal_with_progress_and_pace(demo: TestBot) -> None:
    text = await demo.ok("/goals", as_="grace")
    assert "Society goals (4)" in text
    # 3 of 20 chapters by mid-June against a line from 1 on 1 January: behind.
    assert "20 active chapters" in text
    assert "3/20 chapters (15%) behind: needs 0.6 chapters a week · by 31 Dec 2026" in text
    assert "7/5,000 members (0%)" in text
    assert "An international conference" in text and "0/1 conference (0%)" in text
    assert "1/20 workgroups (5%)" in text


async def test_setting_a_goal_records_its_baseline(demo: TestBot) -> None:
    reply = await demo.ok(
        '/goal set positions --title "5 adopted positions" --target 5 --deadline 2026-12-31 '
        "--metric adopted_positions"
    )
    assert "Goal positions set: 5 adopted positions" in reply
    shown = await demo.ok("/goal show positions", as_="bob")
    assert "Baseline" in shown and "0 positions on 2026-06-15" in shown
    assert "adopted_positions: positions the society has adopted" in shown
    async with demo.uow() as uow:
        goal = await uow.session.scalar(select(Goal).where(Goal.key == "positions"))
        assert goal is not None
        assert (goal.baseline_value, goal.target, goal.unit) == (0, 5, "positions")
        days = list(
            await uow.session.scalars(
                select(GoalSnapshot.day).where(GoalSnapshot.goal_id == goal.id)
            )
        )
        assert [d.isoformat() for d in days] == ["2026-06-15"]


async def test_only_hq_sets_and_updates_goals(demo: TestBot) -> None:
    before = await demo.snapshot()
    line = await demo.refused('/goal set x --title "X" --target 3 --deadline 2026-12-31', as_="bob")
    assert "HQ" in line
    assert "HQ" in await demo.refused("/goal update conference 1", as_="dan")
    assert await demo.snapshot() == before


async def test_bad_goal_input_says_what_is_right_and_changes_nothing(demo: TestBot) -> None:
    before = await demo.snapshot()
    cases = {
        '/goal set "Big Goal" --title "X" --target 3 --deadline 2026-12-31': "lower-case",
        '/goal set x --title "X" --target lots --deadline 2026-12-31': "a number like 20",
        '/goal set x --title "X" --target -4 --deadline 2026-12-31': "0 or more",
        '/goal set x --title "X" --target 3 --deadline 2026-01-01': "after today (2026-06-15)",
        '/goal set members --title "M" --target 9 --deadline 2026-12-31 --metric '
        "active_chapters": "Use a new KEY",
        "/goal update members 12": "only manual goals take a value",
        "/goal update conference soon": "VALUE must be a number",
        "/goal show membrs": "Did you mean members",
        "/goal chart nothing": "There is no goal 'nothing'",
    }
    for command, expected in cases.items():
        assert expected in await demo.refused(command), command
    assert await demo.snapshot() == before


async def test_changing_a_goal_keeps_its_baseline_and_history(demo: TestBot) -> None:
    await demo.ok('/goal set members --title "6,000 members" --target 6000 --deadline 2027-06-30')
    async with demo.uow() as uow:
        goal = await uow.session.scalar(select(Goal).where(Goal.key == "members"))
        assert goal is not None
        assert (goal.title, goal.target, goal.baseline_value) == ("6,000 members", 6000, 2)
        assert goal.baseline_on.isoformat() == "2026-01-01"


async def test_manual_update_with_note_is_kept_and_its_milestone_announced_once(
    demo: TestBot,
) -> None:
    reply = await demo.ok('/goal update conference 1 --note "Venue booked for October"')
    assert "reached" in reply and "passed 100%" in reply
    reached = milestone_posts(demo, "Goal reached: An international conference")
    assert len(reached) == 3  # once in each bound chapter channel
    await demo.ok('/goal update conference 1 --note "Speakers confirmed"')
    await tick_snapshot(demo)
    assert len(milestone_posts(demo, "Goal reached: An international conference")) == 3
    shown = await demo.ok("/goal show conference", as_="grace")
    assert "Venue booked for October" in shown and "Speakers confirmed" in shown
    assert await demo.count(GoalUpdate) == 2


async def test_counted_metrics_follow_the_data_after_a_chapter_retires(demo: TestBot) -> None:
    await demo.ok(
        '/goal set meetings --title "30 meetings" --target 30 --deadline 2026-12-31 '
        "--metric meetings_held"
    )
    async with demo.uow() as uow:
        held = int(await uow.session.scalar(select(func.count()).select_from(Meeting)) or 0)
    assert held > 0
    await demo.ok("/chapter retire Boston")
    text = await demo.ok("/goals")
    assert "20 active chapters: " in text
    assert " 2/20 chapters (10%) " in text  # Boston no longer counts as active
    assert f" {held}/30 " in text  # meetings Boston held still happened


async def test_milestones_are_announced_once_however_often_snapshots_run(demo: TestBot) -> None:
    await demo.ok(
        '/goal set four --title "4 active chapters" --target 4 --deadline 2026-12-31 '
        "--metric active_chapters"
    )
    # 3 of 4 when set: 75 % was already true, so it is not news.
    await tick_snapshot(demo)
    assert milestone_posts(demo, "4 active chapters") == []
    await demo.ok("/chapter activate London")
    assert await tick_snapshot(demo) == []  # today's snapshot is taken: once a day
    demo.clock.advance(timedelta(days=1))
    notes = await tick_snapshot(demo)
    assert any("four passed 100%" in note for note in notes)
    for _ in range(3):  # the same day again, a restart, a second process
        await tick_snapshot(demo)
    async with demo.uow() as uow:  # even without the day's claim, it is announced once
        await snapshot_goals(uow, demo.clock.now().date())
        await uow.commit()
    await demo.app.notifier.flush()
    demo.clock.advance(timedelta(days=1))
    await tick_snapshot(demo)
    # London was bound to no channel: the three active chapters' channels hear it once.
    assert len(milestone_posts(demo, "Goal reached: 4 active chapters")) == 3
    async with demo.uow() as uow:
        goal = await uow.session.scalar(select(Goal).where(Goal.key == "four"))
        assert goal is not None and goal.milestone == 100
        rows = await uow.session.execute(
            select(GoalSnapshot.day, GoalSnapshot.value).where(GoalSnapshot.goal_id == goal.id)
        )
        assert sorted((d.isoformat(), v) for d, v in rows) == [
            ("2026-06-15", 3.0),
            ("2026-06-16", 4.0),
            ("2026-06-17", 4.0),
        ]


async def test_snapshots_are_one_per_goal_per_day(demo: TestBot) -> None:
    for _ in range(3):
        await tick_snapshot(demo)
    assert await demo.count(GoalSnapshot) == 8  # 4 goals: 1 January and today
    demo.clock.advance(timedelta(days=1))
    await tick_snapshot(demo)
    assert await demo.count(GoalSnapshot) == 12


async def test_goal_chart_is_a_png_of_every_goal_or_one(demo: TestBot) -> None:
    reply = await demo.send("/goal chart", as_="grace")
    assert reply.ok, reply.text
    [png] = [b for b in reply.blocks if getattr(b, "type", "") == "file"]
    assert png.name == "goals-2026-06-15.png" and png.media_type == "image/png"
    assert png.data.startswith(PNG_SIGNATURE)
    one = await demo.send("/goal chart members", as_="grace")
    [file] = [b for b in one.blocks if getattr(b, "type", "") == "file"]
    assert file.name == "goal-members-2026-06-15.png"
    assert len(file.data) < len(png.data)  # one panel, not four


async def test_no_goals_yet(bot: TestBot) -> None:
    assert "No goals yet" in await bot.ok("/goals")
    assert "No goals yet" in await bot.ok("/goal chart")
