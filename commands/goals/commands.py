"""Society goals: set by HQ, counted from the society's data or updated by hand,
shown with pace so members can see whether the year is on course."""

from __future__ import annotations

import asyncio
import math
import re
from collections.abc import Mapping
from datetime import date, datetime
from typing import Annotated, Any, Literal

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.complete import rank_choices
from bot.context import Context
from bot.declarations import Arg, Opt
from bot.errors import BadArgument, Conflict, NotFound
from bot.formatting import percentage, plural
from bot.notifier import Announcement
from bot.permissions import HQ_ONLY
from bot.registry import Router
from bot.reply import Block, Fields, File, Header, Note, Reply, Section
from commands.goals.chart import ChartPanel, render_chart
from commands.goals.due import daily_snapshot, snapshot_due
from commands.goals.metrics import DESCRIPTIONS, UNITS, count
from commands.goals.pace import milestone, number
from commands.goals.progress import Standing, standing_of, standings
from commands.goals.snapshots import announce_milestone, record_snapshot
from storage.models import Goal, GoalMetric, GoalSnapshot, GoalUpdate

router = Router("goals")
router.due("goals.snapshot", probe=snapshot_due)(daily_snapshot)

KEY = re.compile(r"[a-z0-9][a-z0-9_-]{0,39}")
MAX_TITLE = 200
MAX_UNIT = 40
MAX_NOTE = 500
MAX_VALUE = 1e12
HISTORY_ROWS = 8
NOTE_ROWS = 5

GoalKey = Annotated[str, Arg("the goal's key, e.g. members", complete="goals", metavar="KEY")]
Metric = Literal[
    "active_chapters",
    "members",
    "active_workgroups",
    "adopted_positions",
    "meetings_held",
    "manual",
]


@router.completer("goals")
async def complete_goals(session: AsyncSession, typed: str) -> list[str]:
    return rank_choices(typed, await session.scalars(select(Goal.key)))


def society_today(context: Context) -> date:
    return context.now.astimezone(context.tz).date()


def parse_number(text: str, what: str) -> float:
    """`5000`, `5,000`, `12.5`: a finite number, or one line saying what is expected."""
    cleaned = text.strip().replace(",", "").replace("_", "")
    try:
        value = float(cleaned)
    except ValueError:
        raise BadArgument(f"{what} must be a number like 20 or 12.5, got {text!r}.") from None
    if not math.isfinite(value) or abs(value) > MAX_VALUE:
        raise BadArgument(f"{what} must be a number like 20 or 12.5, got {text!r}.")
    return value


async def find_goal(session: AsyncSession, key: str) -> Goal:
    wanted = key.strip().lower()
    goal = await session.scalar(select(Goal).where(Goal.key == wanted))
    if goal is not None:
        return goal
    keys = list(await session.scalars(select(Goal.key).order_by(Goal.key)))
    if not keys:
        raise NotFound(f"There is no goal {key!r}; there are no goals yet (HQ: /goal set).")
    close = rank_choices(wanted, keys, limit=3)
    hint = f" Did you mean {', '.join(close)}?" if close else f" Goals: {', '.join(keys)}."
    raise NotFound(f"There is no goal {key!r}.{hint}")


@router.command("goals", examples=["/goals"])
async def goals(context: Context) -> Reply:
    """Every society goal with a progress bar, percent and pace."""
    found = await standings(context.session, society_today(context))
    if not found:
        return Reply.private("No goals yet. HQ can set one with /goal set.")
    lines = [f"{s.goal.title}: {s.summary}" for s in found]
    blocks: list[Block] = [Header(f"Society goals ({len(found)})")]
    blocks += [s.progress() for s in found]
    blocks.append(Note("/goal show KEY for history and notes · /goal chart for a picture"))
    return Reply.private("\n".join(lines), *blocks)


async def _history(session: AsyncSession, goal: Goal) -> list[GoalSnapshot]:
    rows = await session.scalars(
        select(GoalSnapshot)
        .where(GoalSnapshot.goal_id == goal.id)
        .order_by(GoalSnapshot.day.desc())
        .limit(HISTORY_ROWS)
    )
    return list(reversed(list(rows)))


@router.command("goal", "show", examples=["/goal show members"])
async def goal_show(context: Context, key: GoalKey) -> Reply:
    """One goal: progress and pace, how it is counted, recent history and HQ's notes."""
    goal = await find_goal(context.session, key)
    today = society_today(context)
    standing = await standing_of(context.session, goal, today)
    pace = standing.pace
    unit = f" {goal.unit}" if goal.unit else ""
    blocks: list[Block] = [
        Header(goal.title),
        standing.progress(),
        Fields(
            (
                ("Key", goal.key),
                ("Counts", f"{goal.metric.value}: {DESCRIPTIONS[goal.metric]}"),
                ("Baseline", f"{number(goal.baseline_value)}{unit} on {goal.baseline_on}"),
                ("Deadline", goal.deadline.isoformat()),
                ("Expected by today", f"{number(round(pace.expected, 1))}{unit}"),
                ("Pace", pace.verdict),
            )
        ),
    ]
    history = await _history(context.session, goal)
    if history:
        rows = [f"{s.day} · {number(s.value)}{unit}" for s in history]
        blocks.append(Section("*History*\n" + "\n".join(rows)))
    notes = list(
        await context.session.scalars(
            select(GoalUpdate)
            .where(GoalUpdate.goal_id == goal.id)
            .order_by(GoalUpdate.id.desc())
            .limit(NOTE_ROWS)
        )
    )
    if notes:
        rows = [
            f"{n.at.astimezone(context.tz):%Y-%m-%d}"
            + (f" · {number(n.value)}{unit}" if n.value is not None else "")
            + (f" · {n.note}" if n.note else "")
            for n in notes
        ]
        blocks.append(Section("*Notes*\n" + "\n".join(rows)))
    return Reply.private(f"{goal.title}: {standing.summary}", *blocks)


def _key(key: str) -> str:
    wanted = key.strip().lower()
    if not KEY.fullmatch(wanted):
        raise BadArgument(
            f"KEY {key!r} must be 1–40 lower-case letters, digits, - or _, starting with a "
            "letter or digit (e.g. members, active-chapters)."
        )
    return wanted


@router.command(
    "goal",
    "set",
    access=HQ_ONLY,
    examples=[
        '/goal set chapters --title "20 active chapters" --target 20 --deadline 2026-12-31 '
        "--metric active_chapters",
        '/goal set conference --title "An international conference" --target 1 '
        "--deadline 2026-12-31",
    ],
)
async def goal_set(
    context: Context,
    key: Annotated[str, Arg("a short key to refer to the goal, e.g. members", metavar="KEY")],
    title: Annotated[str, Opt("what the goal is, as members will read it", metavar="TEXT")],
    target: Annotated[str, Opt("the number to reach", metavar="N")],
    deadline: Annotated[date, Opt("the day to reach it by", metavar="DATE")],
    metric: Annotated[Metric, Opt("what is counted; manual means HQ updates it")] = "manual",
    unit: Annotated[str | None, Opt("what is counted, e.g. members", metavar="TEXT")] = None,
) -> Reply:
    """Set a society goal, or change its title, target, deadline or unit.

    The baseline (today's value) is recorded when the goal is first set; pace is a
    straight line from it to the target at the deadline.
    """
    key = _key(key)
    title = " ".join(title.split())
    if not title or len(title) > MAX_TITLE:
        raise BadArgument(f"--title must be 1–{MAX_TITLE} characters.")
    goal_target = parse_number(target, "--target")
    if goal_target < 0:
        raise BadArgument(f"--target must be 0 or more, got {target}.")
    today = society_today(context)
    if deadline <= today:
        raise BadArgument(f"--deadline must be after today ({today}), got {deadline}.")
    chosen = GoalMetric(metric)
    goal_unit = " ".join((unit if unit is not None else UNITS[chosen]).split())
    if len(goal_unit) > MAX_UNIT:
        raise BadArgument(f"--unit must be at most {MAX_UNIT} characters.")
    session = context.session
    goal = await session.scalar(select(Goal).where(Goal.key == key))
    if goal is not None and goal.metric is not chosen and metric != "manual":
        raise Conflict(
            f"Goal {key} counts {goal.metric.value}; its history would not fit "
            f"{chosen.value}. Use a new KEY for a goal that counts {chosen.value}."
        )
    if goal is None:
        baseline = (
            0.0 if chosen is GoalMetric.MANUAL else await count(session, chosen, today, today)
        )
        goal = Goal(
            key=key,
            title=title,
            metric=chosen,
            unit=goal_unit,
            target=goal_target,
            deadline=deadline,
            baseline_value=baseline,
            baseline_on=today,
            value=baseline if chosen is GoalMetric.MANUAL else None,
            created_at=context.now,
            created_by=context.member.id,
        )
        session.add(goal)
        await session.flush()
        verb = "set"
    else:
        goal.title, goal.target, goal.deadline = title, goal_target, deadline
        if unit is not None:
            goal.unit = goal_unit
        verb = "changed"
    standing = await standing_of(session, goal, today)
    if verb == "set":
        # What was already true when the goal was set is not news.
        goal.milestone = milestone(standing.percent)
        await record_snapshot(context.uow, goal.id, today, standing.value)
    context.uow.audit(
        context.member.id,
        f"goal.{verb}",
        f"{verb} goal {key}: {title}, {number(goal_target)} by {deadline}",
    )
    return Reply.private(
        f"Goal {key} {verb}: {title}. {standing.summary}",
        Section(f"Goal *{key}* {verb}: {title}"),
        standing.progress(),
    )


@router.command(
    "goal",
    "update",
    access=HQ_ONLY,
    examples=['/goal update conference 1 --note "Venue booked for October"'],
)
async def goal_update(
    context: Context,
    key: GoalKey,
    value: Annotated[str, Arg("the goal's value now", metavar="VALUE")],
    note: Annotated[str | None, Opt("what changed, kept in the goal's history")] = None,
) -> Reply:
    """Update a manual goal's value (with an optional note for its history)."""
    goal = await find_goal(context.session, key)
    if goal.metric is not GoalMetric.MANUAL:
        raise Conflict(
            f"Goal {goal.key} is counted from data ({goal.metric.value}); only manual goals "
            "take a value."
        )
    new_value = parse_number(value, "VALUE")
    text = " ".join(note.split()) if note else None
    if text is not None and len(text) > MAX_NOTE:
        raise BadArgument(f"--note must be at most {MAX_NOTE} characters.")
    today = society_today(context)
    goal.value = new_value
    context.session.add(
        GoalUpdate(
            goal_id=goal.id, at=context.now, value=new_value, note=text, member_id=context.member.id
        )
    )
    await record_snapshot(context.uow, goal.id, today, new_value)
    standing = Standing(goal, new_value, today)
    passed = await announce_milestone(context.uow, standing)
    context.uow.audit(
        context.member.id, "goal.update", f"updated goal {goal.key} to {number(new_value)}"
    )
    extra = f" It passed {percentage(passed)}; the chapters will hear." if passed else ""
    return Reply.private(
        f"Goal {goal.key} is now {standing.summary}.{extra}",
        Section(f"Goal *{goal.key}* updated.{extra}"),
        standing.progress(),
    )


@router.command("goal", "chart", examples=["/goal chart", "/goal chart members"])
async def goal_chart(
    context: Context,
    key: Annotated[
        str | None, Arg("one goal's key; without it, every goal", complete="goals", metavar="KEY")
    ] = None,
) -> Reply:
    """A picture of each goal's value over time against its straight target line."""
    today = society_today(context)
    if key is not None:
        found = [await standing_of(context.session, await find_goal(context.session, key), today)]
    else:
        found = await standings(context.session, today)
    if not found:
        return Reply.private("No goals yet. HQ can set one with /goal set.")
    ids = [s.goal.id for s in found]
    history: dict[int, list[tuple[date, float]]] = {i: [] for i in ids}
    rows = await context.session.execute(
        select(GoalSnapshot.goal_id, GoalSnapshot.day, GoalSnapshot.value)
        .where(GoalSnapshot.goal_id.in_(ids))
        .order_by(GoalSnapshot.goal_id, GoalSnapshot.day)
    )
    for goal_id, day, value in rows:
        history[goal_id].append((day, value))
    panels = []
    for s in found:
        points = [p for p in history[s.goal.id] if p[0] != today] + [(today, s.value)]
        panels.append(
            ChartPanel(
                title=s.goal.title,
                unit=s.goal.unit,
                points=tuple(points),
                start=(s.goal.baseline_on, s.goal.baseline_value),
                end=(s.goal.deadline, s.goal.target),
            )
        )
    # Drawing takes a fifth of a second or so: keep it off the event loop.
    png = await asyncio.to_thread(render_chart, panels)
    name = f"goal-{found[0].goal.key}-{today}.png" if key else f"goals-{today}.png"
    what = found[0].goal.title if key else plural(len(found), "goal")
    return Reply.private(
        f"Chart of {what} ({today})",
        Section(f"Chart of {what}: value over time against the straight line to the target."),
        File.binary(name, png, "image/png"),
    )


@router.announcer("goal.milestone")
async def announce_goal_milestone(
    session: AsyncSession, payload: Mapping[str, Any], now: datetime
) -> Announcement | None:
    goal = await session.get(Goal, payload["goal_id"])
    if goal is None:
        return None
    percent = int(payload["percent"])
    unit = f" {goal.unit}" if goal.unit else ""
    value = float(payload["value"])
    if percent >= 100:
        line = f"🎯 Goal reached: *{goal.title}*"
        if percent > 100:
            line = f"🚀 *{goal.title}* is at {percent} % of its target"
    else:
        line = f"📈 *{goal.title}* passed {percentage(percent)}"
    detail = f"{number(value)} of {number(goal.target)}{unit}, deadline {goal.deadline}."
    return Announcement(
        Reply.public(
            f"{line.replace('*', '')}: {detail}",
            Section(f"{line}: {detail}"),
            Note("/goals for every goal and its pace"),
        )
    )


@router.home(order=50)
async def home_goals(context: Context) -> list[Block]:
    """The society's goals in brief, so every member sees where the year stands."""
    found = await standings(context.session, society_today(context))
    if not found:
        return []
    return [Section("*Society goals*"), *(s.progress() for s in found)]
