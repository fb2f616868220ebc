"""The first draft of an update, written from what the society already recorded.

For a group and a period, the draft fills the three fields from the records:
**asked** — what members or HQ asked of the group (positions awaiting its stance,
polls put to it, the goals it influences); **got** — what it delivered (meetings
held with attendance, stances checked in, polls closed, outputs added, members
joined, goal movement); **next** — where it goes next (work planned, stances still
owed, metrics behind pace).

`draft_from` is a pure function of `Records`, which `records.gather` reads for any
number of groups in a fixed handful of queries: one lead's form and the
scheduler's 250 prompts in a tick run the same code (bench/updates.py).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from commands.charters.group import Group
from commands.charters.standing import MetricStanding
from commands.goals.pace import number
from commands.goals.progress import standings as goal_standings
from commands.updates.fields import MAX_FIELD, MAX_LONG_FIELD, clip
from commands.updates.periods import CADENCES, Period, period_of
from commands.updates.records import Records, bounds, gather, goal_over, load_goals, metric_value
from storage.models import (
    Chapter,
    Meeting,
    Member,
    MetricKind,
    OutputStatus,
    Poll,
    Position,
    PositionStatus,
    StatusUpdate,
    Workgroup,
    WorkgroupOutput,
)

SHOWN = 4
"""Items named per line before "and N more"."""


@dataclass(frozen=True)
class Draft:
    asked: str
    got: str
    next: str
    metrics: dict[str, float] = field(default_factory=dict)
    """Owned metrics set by hand, with their values at the period's end."""
    highlights: str = ""
    """HQ's quarterly report only: what stood out in the quarter."""

    @property
    def empty(self) -> bool:
        return not (self.asked or self.got or self.next or self.highlights)


def _listed(items: Sequence[str]) -> str:
    shown = ", ".join(items[:SHOWN])
    more = len(items) - SHOWN
    return shown + (f" and {more} more" if more > 0 else "")


def _lines(lines: Sequence[str], limit: int = MAX_FIELD) -> str:
    return clip("\n".join(f"• {line}" for line in lines if line), limit)


def _plural(count: int, noun: str) -> str:
    return f"{count} {noun}{'s' * (count != 1)}"


def _moved(records: Records, goal_ids: Sequence[int], period: Period) -> list[str]:
    lines = []
    for goal_id in goal_ids:
        over = goal_over(records, goal_id, period)
        if over is not None and over[0] != over[1]:
            lines.append(f"{over[2].goal.title}: {number(over[0])} → {number(over[1])}")
    return lines


def _charter(
    records: Records, group: Group, period: Period
) -> tuple[list[MetricStanding], list[str]]:
    """The group's metrics at the period's end, and its influenced goals' movement."""
    last_day = period.end - timedelta(days=1)
    shown: list[MetricStanding] = []
    goal_ids: list[int] = []
    for metric in records.metrics.get(group.key, []):
        if metric.kind is MetricKind.INFLUENCED and metric.goal_id is not None:
            over = goal_over(records, metric.goal_id, period)
            if over is not None:
                goal_ids.append(metric.goal_id)
                shown.append(MetricStanding(metric, over[1], last_day, over[2]))
        elif metric.kind is MetricKind.OWNED:
            shown.append(MetricStanding(metric, metric_value(records, metric, last_day), last_day))
    return shown, _moved(records, goal_ids, period)


def _behind(shown: Sequence[MetricStanding]) -> list[str]:
    lines = []
    for standing in shown:
        verdict = standing.goal.pace.verdict if standing.goal else standing.verdict
        if verdict and verdict.startswith("behind"):
            lines.append(f"{standing.metric.name}: {verdict}")
    return lines


def _manual(shown: Sequence[MetricStanding]) -> dict[str, float]:
    return {
        s.metric.name: s.value
        for s in shown
        if s.metric.kind is MetricKind.OWNED and s.metric.figure is None
    }


def draft_chapter(records: Records, group: Group, period: Period, zone: ZoneInfo) -> Draft:
    assert group.id is not None
    chapter_id = group.id
    start, end = bounds(period, zone)
    asked: list[str] = []
    got: list[str] = []
    ahead: list[str] = []
    owed = [
        p
        for p in records.open_positions
        if p.opened_at is not None
        and p.opened_at < end
        and (p.id, chapter_id) not in records.stances
    ]
    if owed:
        asked.append("Our stance on " + _listed([f"“{p.title}” (#{p.id})" for p in owed]))
    polls = records.polls.get(chapter_id, [])
    put = [p for p in polls if start <= p.created_at < end]
    if put:
        asked.append("Polls put to members: " + _listed([f"“{p.question}”" for p in put]))
    meetings = [
        m for m in records.meetings.get(chapter_id, []) if period.start <= m.held_on < period.end
    ]
    if meetings:
        people = sum(m.attendance or 0 for m in meetings)
        described = [
            f"{m.held_on.day} {m.held_on:%b} {m.kind.value} “{m.topic}”"
            + (f" ({m.attendance})" if m.attendance is not None else "")
            for m in meetings
        ]
        got.append(f"{_plural(len(meetings), 'meeting')}, {people} attended: " + _listed(described))
    checkins = [c for c in records.checkins.get(chapter_id, []) if start <= c.at < end]
    if checkins:
        got.append("Stances: " + _listed([f"{c.stance} on “{c.title}”" for c in checkins]))
    closed = [p.question for p in polls if p.closed_at is not None and start <= p.closed_at < end]
    if closed:
        got.append("Polls decided: " + _listed([f"“{q}”" for q in closed]))
    joined = sum(1 for at in records.chapter_joins.get(chapter_id, []) if start <= at < end)
    if joined:
        got.append(f"{_plural(joined, 'new member')}")
    shown, moved = _charter(records, group, period)
    got += moved
    later = [p for p in owed if p.closes_at is not None]
    if later:
        ahead.append(
            "Check in on " + _listed([f"“{p.title}” by {p.closes_at:%d %b}" for p in later])
        )
    ahead += _behind(shown)
    return Draft(_lines(asked), _lines(got), _lines(ahead), _manual(shown))


def draft_workgroup(records: Records, group: Group, period: Period, zone: ZoneInfo) -> Draft:
    assert group.id is not None
    start, end = bounds(period, zone)
    asked: list[str] = []
    got: list[str] = []
    ahead: list[str] = []
    shown, moved = _charter(records, group, period)
    asked += [f"Move {s.goal.brief}" for s in shown if s.goal is not None]
    outputs = records.outputs.get(group.id, [])
    touched = sorted(
        (o for o in outputs if start <= o.updated_at < end), key=lambda o: o.updated_at
    )
    published = [o for o in touched if o.status is OutputStatus.PUBLISHED]
    moving = [o for o in touched if o.status is not OutputStatus.PUBLISHED]
    if published:
        got.append("Published " + _listed([f"“{o.title}”" for o in published]))
    if moving:
        got.append(
            "Under way: "
            + _listed([f"“{o.title}” ({o.status.value.replace('-', ' ')})" for o in moving])
        )
    joined = sum(1 for at in records.workgroup_joins.get(group.id, []) if start <= at < end)
    if joined:
        got.append(_plural(joined, "new member"))
    got += moved
    planned = [o.title for o in outputs if o.status is not OutputStatus.PUBLISHED]
    if planned:
        ahead.append("Finish " + _listed([f"“{t}”" for t in planned]))
    ahead += _behind(shown)
    return Draft(_lines(asked), _lines(got), _lines(ahead), _manual(shown))


def draft_from(records: Records, group: Group, period: Period, zone: ZoneInfo) -> Draft:
    """A workgroup's or chapter's draft from records already gathered (pure)."""
    if group.kind == "chapter":
        return draft_chapter(records, group, period, zone)
    return draft_workgroup(records, group, period, zone)


async def draft_society(
    session: AsyncSession, period: Period, zone: ZoneInfo, cadence_per_year: int
) -> Draft:
    """HQ's report: the society's period, with the groups' own updates one line each.

    Over a quarter it is the longer form: the quarter's figures, longer fields, and a
    drafted "highlights" field.
    """
    quarterly = period.cadence == "quarterly"
    start, end = bounds(period, zone)
    today = period.end - timedelta(days=1)
    asked: list[str] = []
    got: list[str] = []
    ahead: list[str] = []
    goals = await goal_standings(session, today)
    asked += [s.brief for s in goals]
    decided = (
        await session.execute(
            select(Position.title, Position.status).where(
                Position.decided_at >= start, Position.decided_at < end
            )
        )
    ).all()
    if decided:
        got.append("Positions: " + _listed([f"{s.value} “{t}”" for t, s in decided]))
    closed = list(
        await session.scalars(
            select(Poll.question).where(Poll.closed_at >= start, Poll.closed_at < end)
        )
    )
    if closed:
        got.append(f"{len(closed)} poll{'s' * (len(closed) != 1)} closed: " + _listed(closed))
    activated = list(
        await session.scalars(
            select(Chapter.name).where(Chapter.activated_at >= start, Chapter.activated_at < end)
        )
    )
    if activated:
        got.append("Chapters activated: " + _listed(activated))
    held = await session.scalar(
        select(func.count()).where(Meeting.held_on >= period.start, Meeting.held_on < period.end)
    )
    active = await session.scalar(select(func.count()).where(Chapter.activated_at.is_not(None)))
    months = max(1, round((period.end - period.start).days / 30))
    expected = round((active or 0) * cadence_per_year * months / 12)
    got.append(f"{held or 0} meetings held (cadence expects about {expected})")
    joined = await session.scalar(
        select(func.count()).where(Member.joined_at >= start, Member.joined_at < end)
    )
    if joined:
        got.append(f"{joined} new members")
    records = Records()
    await load_goals(session, records, [s.goal.id for s in goals], period.start, period.end)
    got += _moved(records, [s.goal.id for s in goals], period)
    answered = (
        await session.execute(
            select(StatusUpdate.skipped, func.count())
            .where(
                StatusUpdate.period.in_(labels_within(period)),
                StatusUpdate.group_key != "society",
            )
            .group_by(StatusUpdate.skipped)
        )
    ).all()
    posted = sum(n for skipped, n in answered if not skipped)
    skipped = sum(n for skipped, n in answered if skipped)
    if posted or skipped:
        got.append(f"{_plural(posted, 'group update')} posted, {skipped} skipped")
    if period.quarter_end and not quarterly:
        # The longer report each quarter: the quarter's own figures beside the month's.
        quarter = period_of("quarterly", period.start)
        q_start, q_end = bounds(quarter, zone)
        q_held = await session.scalar(
            select(func.count()).where(
                Meeting.held_on >= quarter.start, Meeting.held_on < quarter.end
            )
        )
        q_decided = await session.scalar(
            select(func.count()).where(Position.decided_at >= q_start, Position.decided_at < q_end)
        )
        q_joined = await session.scalar(
            select(func.count()).where(Member.joined_at >= q_start, Member.joined_at < q_end)
        )
        got.append(
            f"{quarter.describe()}: {q_held or 0} meetings, {q_decided or 0} positions decided, "
            f"{q_joined or 0} new members"
        )
    open_positions = list(
        await session.scalars(
            select(Position.title)
            .where(Position.status == PositionStatus.OPEN)
            .order_by(Position.closes_at)
        )
    )
    if open_positions:
        ahead.append("Positions open: " + _listed([f"“{t}”" for t in open_positions]))
    ahead += [f"{s.goal.title}: {s.pace.verdict}" for s in goals if not s.pace.ahead]
    if not quarterly:
        return Draft(_lines(asked), _lines(got), _lines(ahead))
    lines = await quarter_highlights(session, start, end)
    limit = MAX_LONG_FIELD
    return Draft(
        _lines(asked, limit), _lines(got, limit), _lines(ahead, limit), {}, _lines(lines, limit)
    )


def labels_within(period: Period) -> set[str]:
    """The labels of every group's periods that start inside `period`, of any cadence:
    a quarter's report counts the weeks', fortnights', months' and the quarter's updates."""
    labels = {period.label}
    day = period.start
    while day < period.end:
        labels |= {p.label for c in CADENCES if (p := period_of(c, day)).start >= period.start}
        day += timedelta(days=1)
    return labels


async def quarter_highlights(session: AsyncSession, start: datetime, end: datetime) -> list[str]:
    """What stood out in a quarter, for HQ to edit: positions adopted, work published,
    chapters activated, and the best-attended meeting."""
    lines: list[str] = []
    adopted = list(
        await session.scalars(
            select(Position.title).where(
                Position.status == PositionStatus.ADOPTED,
                Position.decided_at >= start,
                Position.decided_at < end,
            )
        )
    )
    if adopted:
        lines.append("Adopted: " + _listed([f"“{t}”" for t in adopted]))
    published = (
        await session.execute(
            select(WorkgroupOutput.title, Workgroup.name)
            .join(Workgroup, Workgroup.id == WorkgroupOutput.workgroup_id)
            .where(
                WorkgroupOutput.status == OutputStatus.PUBLISHED,
                WorkgroupOutput.updated_at >= start,
                WorkgroupOutput.updated_at < end,
            )
            .order_by(WorkgroupOutput.updated_at)
        )
    ).all()
    if published:
        lines.append("Published: " + _listed([f"“{t}” ({w})" for t, w in published]))
    activated = list(
        await session.scalars(
            select(Workgroup.name).where(
                Workgroup.activated_at >= start, Workgroup.activated_at < end
            )
        )
    )
    if activated:
        lines.append("Workgroups started: " + _listed(activated))
    best = (
        await session.execute(
            select(Meeting.topic, Meeting.attendance, Chapter.name)
            .join(Chapter, Chapter.id == Meeting.chapter_id)
            .where(
                Meeting.held_on >= start.date(),
                Meeting.held_on < end.date(),
                Meeting.attendance.is_not(None),
            )
            .order_by(Meeting.attendance.desc(), Meeting.held_on)
            .limit(1)
        )
    ).first()
    if best is not None:
        topic, attendance, chapter = best
        lines.append(f"Best attended: {chapter}'s “{topic}” ({attendance})")
    return lines


async def draft(
    session: AsyncSession,
    group: Group,
    period: Period,
    zone: ZoneInfo,
    cadence_per_year: int = 8,
) -> Draft:
    """The draft for one group and period (a pure read; nothing is written)."""
    if group.kind == "society":
        return await draft_society(session, period, zone, cadence_per_year)
    records = await gather(session, [group.key], [(period, zone)])
    return draft_from(records, group, period, zone)


async def drafts(
    session: AsyncSession, wanted: Sequence[tuple[Group, Period, ZoneInfo]]
) -> list[Draft]:
    """Drafts for many groups, their records read once for all of them."""
    groups = [(g, p, z) for g, p, z in wanted if g.kind != "society"]
    records = (
        await gather(session, [g.key for g, _, _ in groups], [(p, z) for _, p, z in groups])
        if groups
        else Records()
    )
    result = []
    for group, period, zone in wanted:
        if group.kind == "society":
            result.append(await draft_society(session, period, zone, 8))
        else:
            result.append(draft_from(records, group, period, zone))
    return result
