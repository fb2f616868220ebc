"""Society figures for HQ: members, chapters, polls and workgroups, as of now.

`society_stats` gathers the figures once, as data; `/stats` shows them in chat and
`chapterhouse stats --csv` writes every one of them, so the two never disagree.
"""

from __future__ import annotations

import csv
import io
from collections import Counter
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime, timedelta

from sqlalchemy import and_, case, func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.config import Settings
from bot.context import Context
from bot.formatting import number, percentage
from bot.permissions import HQ_ONLY
from bot.registry import Router
from bot.reply import Block, Fields, Header, Note, Reply, Section
from commands.polls.audience import HERE, SOCIETY
from commands.text import percent, plural
from commands.updates.summary import states_section
from storage.models import (
    Ballot,
    Chapter,
    ChapterStatus,
    Delivery,
    DeliveryStatus,
    Meeting,
    MeetingKind,
    Member,
    Poll,
    Workgroup,
    WorkgroupStatus,
)

router = Router("stats")

ACTIVE_DAYS = 30
"""A member who ran a command or voted this recently counts as active."""
POLL_DAYS = 90
"""Participation is measured over the polls that closed this recently."""
SHOWN_CHAPTERS = 20


@dataclass(frozen=True)
class ChapterFigures:
    name: str
    status: ChapterStatus
    members: int
    working: int
    """Working meetings held this year (the society's calendar year)."""
    social: int


@dataclass(frozen=True)
class PollFigures:
    closed: int
    """Polls closed in the window, open-channel polls included."""
    counted: int
    """Those whose eligible voters are known (not open-channel polls)."""
    ballots: int
    """Ballots cast in the counted polls."""
    eligible: int
    mean_share: float | None
    """The average of each counted poll's ballots ÷ eligible (None without any)."""
    open: int

    @property
    def share(self) -> float | None:
        """Ballots ÷ eligible over all counted polls together."""
        return self.ballots / self.eligible if self.eligible else None


@dataclass(frozen=True)
class Stats:
    as_of: datetime
    month_start: date
    """The first day of this month in the society's time zone."""
    year: int
    members: int
    new_this_month: int
    active: int
    """Members active (a command or a vote) in the last `ACTIVE_DAYS` days."""
    without_chapter: int
    chapters: tuple[ChapterFigures, ...]
    """Every chapter, most members first."""
    polls: PollFigures
    workgroups: dict[WorkgroupStatus, int]
    failed_deliveries: int

    def chapters_by_status(self) -> dict[ChapterStatus, int]:
        counts = Counter(c.status for c in self.chapters)
        return {status: counts[status] for status in ChapterStatus}

    def rows(self) -> list[tuple[str, str, str, str]]:
        """Every figure as (section, chapter, metric, value), for CSV."""
        rows: list[tuple[str, str, str, str]] = [
            ("society", "", "as_of", self.as_of.isoformat(timespec="seconds")),
            ("members", "", "total", str(self.members)),
            ("members", "", "new_this_month", str(self.new_this_month)),
            ("members", "", f"active_{ACTIVE_DAYS}d", str(self.active)),
            ("members", "", "without_chapter", str(self.without_chapter)),
        ]
        rows += [
            ("chapters", "", status.value, str(count))
            for status, count in self.chapters_by_status().items()
        ]
        for c in self.chapters:
            rows += [
                ("chapter", c.name, "status", c.status.value),
                ("chapter", c.name, "members", str(c.members)),
                ("chapter", c.name, "working_meetings_this_year", str(c.working)),
                ("chapter", c.name, "social_meetings_this_year", str(c.social)),
            ]
        p = self.polls
        rows += [
            ("polls", "", "open", str(p.open)),
            ("polls", "", f"closed_{POLL_DAYS}d", str(p.closed)),
            ("polls", "", f"counted_{POLL_DAYS}d", str(p.counted)),
            ("polls", "", f"ballots_{POLL_DAYS}d", str(p.ballots)),
            ("polls", "", f"eligible_{POLL_DAYS}d", str(p.eligible)),
            ("polls", "", f"participation_{POLL_DAYS}d", _ratio(p.share)),
            ("polls", "", f"mean_participation_{POLL_DAYS}d", _ratio(p.mean_share)),
        ]
        rows += [("workgroups", "", s.value, str(n)) for s, n in self.workgroups.items()]
        rows.append(("deliveries", "", "failed", str(self.failed_deliveries)))
        return rows

    def to_csv(self) -> str:
        out = io.StringIO()
        writer = csv.writer(out, lineterminator="\n")
        writer.writerow(("section", "chapter", "metric", "value"))
        writer.writerows(self.rows())
        return out.getvalue()


def _ratio(share: float | None) -> str:
    return "" if share is None else f"{share:.4f}"


def _shown(share: float | None) -> str:
    return "—" if share is None else percentage(100 * share)


async def _member_figures(
    session: AsyncSession, month_start: datetime, active_since: datetime
) -> tuple[int, int, int, int]:
    """(total, joined since month start, active since, without a chapter) in one pass."""
    row = (
        await session.execute(
            select(
                func.count(),
                func.count(case((Member.joined_at >= month_start, 1))),
                func.count(case((Member.last_active_at >= active_since, 1))),
                func.count(case((Member.chapter_id.is_(None), 1))),
            ).select_from(Member)
        )
    ).one()
    return int(row[0]), int(row[1]), int(row[2]), int(row[3])


async def _chapter_figures(
    session: AsyncSession, year: int, today: date
) -> tuple[tuple[ChapterFigures, ...], dict[int, int]]:
    """Every chapter's figures, and members per chapter id (for poll eligibility)."""
    members: dict[int, int] = {}
    for chapter_id, count in await session.execute(
        select(Member.chapter_id, func.count())
        .where(Member.chapter_id.is_not(None))
        .group_by(Member.chapter_id)
    ):
        if chapter_id is not None:
            members[chapter_id] = int(count)
    meetings: Counter[tuple[int, MeetingKind]] = Counter()
    for chapter_id, kind, count in await session.execute(
        select(Meeting.chapter_id, Meeting.kind, func.count())
        .where(Meeting.held_on >= date(year, 1, 1), Meeting.held_on <= today)
        .group_by(Meeting.chapter_id, Meeting.kind)
    ):
        meetings[(chapter_id, kind)] = int(count)
    chapters = (await session.execute(select(Chapter.id, Chapter.name, Chapter.status))).all()
    figures = [
        ChapterFigures(
            name=name,
            status=status,
            members=members.get(chapter_id, 0),
            working=meetings[(chapter_id, MeetingKind.WORKING)],
            social=meetings[(chapter_id, MeetingKind.SOCIAL)],
        )
        for chapter_id, name, status in chapters
    ]
    figures.sort(key=lambda c: (-c.members, c.name.casefold()))
    return tuple(figures), members


async def _poll_figures(
    session: AsyncSession, now: datetime, total_members: int, per_chapter: dict[int, int]
) -> PollFigures:
    """Participation in polls closed in the last `POLL_DAYS` days.

    Eligibility is counted as the society stands now (members join and leave);
    a poll in a channel bound to no chapter has no eligible count and is left out
    of the shares.
    """
    since = now - timedelta(days=POLL_DAYS)
    closed_lately = or_(
        and_(Poll.closed_at.is_not(None), Poll.closed_at >= since),
        and_(Poll.closed_at.is_(None), Poll.closes_at <= now, Poll.closes_at >= since),
    )
    polls = (
        await session.execute(select(Poll.id, Poll.audience, Poll.chapter_id).where(closed_lately))
    ).all()
    ballots: dict[int, int] = {}
    if polls:
        ballots = {
            poll_id: int(count)
            for poll_id, count in await session.execute(
                select(Ballot.poll_id, func.count())
                .where(Ballot.poll_id.in_([p.id for p in polls]))
                .group_by(Ballot.poll_id)
            )
        }
    open_polls = int(
        await session.scalar(
            select(func.count())
            .select_from(Poll)
            .where(Poll.closed_at.is_(None), Poll.closes_at > now)
        )
        or 0
    )
    counted = cast = eligible = 0
    shares: list[float] = []
    for poll_id, audience, chapter_id in polls:
        if audience == HERE and chapter_id is None:
            continue
        who = total_members if audience == SOCIETY else per_chapter.get(chapter_id or 0, 0)
        votes = ballots.get(poll_id, 0)
        counted += 1
        cast += votes
        eligible += who
        if who:
            shares.append(min(1.0, votes / who))
    return PollFigures(
        closed=len(polls),
        counted=counted,
        ballots=cast,
        eligible=eligible,
        mean_share=sum(shares) / len(shares) if shares else None,
        open=open_polls,
    )


async def _workgroup_figures(
    session: AsyncSession, now: datetime, settings: Settings
) -> dict[WorkgroupStatus, int]:
    """Workgroups by status; a proposal past its expiry counts as expired, as listed."""
    lapsed = and_(
        Workgroup.status == WorkgroupStatus.PROPOSED,
        Workgroup.created_at < now - timedelta(days=settings.workgroup_expiry_days),
    )
    counts = {status: 0 for status in WorkgroupStatus}
    for status, total, lapsed_ones in await session.execute(
        select(Workgroup.status, func.count(), func.count(case((lapsed, 1)))).group_by(
            Workgroup.status
        )
    ):
        counts[status] += int(total) - int(lapsed_ones)
        counts[WorkgroupStatus.EXPIRED] += int(lapsed_ones)
    return counts


async def society_stats(session: AsyncSession, now: datetime, settings: Settings) -> Stats:
    """The society's figures as of `now`; months and years are the society's (its zone)."""
    local = now.astimezone(settings.tz)
    month_start = local.date().replace(day=1)
    month_start_at = datetime.combine(month_start, datetime.min.time(), settings.tz)
    members, new, active, without = await _member_figures(
        session, month_start_at.astimezone(UTC), now - timedelta(days=ACTIVE_DAYS)
    )
    chapters, per_chapter = await _chapter_figures(session, local.year, local.date())
    polls = await _poll_figures(session, now, members, per_chapter)
    workgroups = await _workgroup_figures(session, now, settings)
    failed = int(
        await session.scalar(
            select(func.count())
            .select_from(Delivery)
            .where(Delivery.status == DeliveryStatus.FAILED)
        )
        or 0
    )
    return Stats(
        as_of=now,
        month_start=month_start,
        year=local.year,
        members=members,
        new_this_month=new,
        active=active,
        without_chapter=without,
        chapters=chapters,
        polls=polls,
        workgroups=workgroups,
        failed_deliveries=failed,
    )


def stats_reply(stats: Stats, settings: Settings) -> Reply:
    """The figures as HQ reads them in chat; every chapter is in the CSV."""
    by_status = stats.chapters_by_status()
    month = f"{stats.month_start:%B}"
    member_pairs = (
        ("Members", str(stats.members)),
        (f"New in {month}", str(stats.new_this_month)),
        (
            f"Active, last {ACTIVE_DAYS} days",
            f"{stats.active} ({percent(stats.active, stats.members)})",
        ),
        ("Without a chapter", str(stats.without_chapter)),
        (
            "Chapters",
            ", ".join(f"{n} {s.value}" for s, n in by_status.items()),
        ),
        (
            "Workgroups",
            ", ".join(f"{n} {s.value}" for s, n in stats.workgroups.items() if n) or "none yet",
        ),
    )
    lines = [
        f"• *{c.name}* ({c.status.value}) · {plural(c.members, 'member')} · "
        f"{c.working} working, {c.social} social"
        for c in stats.chapters[:SHOWN_CHAPTERS]
    ]
    rest = len(stats.chapters) - SHOWN_CHAPTERS
    if rest > 0:
        lines.append(f"…and {rest} more in `chapterhouse stats --csv`")
    chapters = Section(
        f"*Chapters: members, meetings in {stats.year}*\n"
        + ("\n".join(lines) if lines else "No chapters yet.")
    )
    p = stats.polls
    if p.counted:
        participation = (
            f"{plural(p.ballots, 'ballot')} of {number(p.eligible)} eligible ({_shown(p.share)}); "
            f"{_shown(p.mean_share)} per poll on average"
        )
    else:
        participation = "no poll with known voters closed"
    polls = Section(
        f"*Polls, closed in the last {POLL_DAYS} days*\n"
        f"{plural(p.closed, 'poll')} closed: {participation}. {plural(p.open, 'poll')} open now."
    )
    blocks: list[Block] = [Header("Society stats"), Fields(member_pairs), chapters, polls]
    if stats.failed_deliveries:
        blocks.append(
            Section(f"*Deliveries*\n{plural(stats.failed_deliveries, 'post')} failed for good.")
        )
    local = stats.as_of.astimezone(settings.tz)
    blocks.append(Note(f"As of {local:%a %d %b %Y %H:%M} {local.tzname() or settings.tz.key}."))
    text = (
        f"Society stats: {plural(stats.members, 'member')}, "
        f"{number(stats.new_this_month)} new in {month}, "
        f"{number(stats.active)} active in the last {ACTIVE_DAYS} days; "
        f"{plural(by_status[ChapterStatus.ACTIVE], 'active chapter')}; "
        f"poll participation {_shown(p.share)}."
    )
    return Reply.private(text, *blocks)


@router.command("stats", access=HQ_ONLY, examples=["/stats"])
async def stats(context: Context) -> Reply:
    """Show the society's figures: members, chapters, meetings, poll participation, workgroups.

    Every figure, for every chapter, is also in `chapterhouse stats --csv`.
    """
    figures = await society_stats(context.session, context.now, context.settings)
    reply = stats_reply(figures, context.settings)
    updates = await states_section(context.session, context.now, context.tz)
    return replace(reply, blocks=(*reply.blocks, updates))
