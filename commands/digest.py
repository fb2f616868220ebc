"""The weekly chapter digest: what a chapter should know this week, in one post.

The scheduler posts it to every bound chapter channel at the chapter's local
morning; `/digest` shows the same thing on demand. Each section is short (a few
lines and a count of the rest) because members read it in chat, and each query
is bounded and indexed because the scheduler builds one per chapter, hundreds
in one tick.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Annotated
from zoneinfo import ZoneInfo

from sqlalchemy import and_, case, exists, func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.config import Settings
from bot.context import Context
from bot.declarations import Arg
from bot.errors import BadArgument
from bot.mentions import mention
from bot.registry import Router
from bot.reply import Header, Note, Reply, Section
from commands.chapters import chapter_cadence
from commands.events.planned import next_events_section
from commands.goals.progress import goal_lines
from commands.lookup import chapter_of_place, find_chapter
from commands.polls.audience import SOCIETY
from commands.positions.cards import STANCES
from commands.text import moment, plural
from commands.updates.summary import digest_section
from commands.workgroups.lookup import as_typed
from storage.models import (
    Chapter,
    ChapterStatus,
    MeetingKind,
    OutboxEvent,
    Poll,
    Position,
    PositionCheckout,
    PositionStance,
    PositionStatus,
    Workgroup,
    WorkgroupStatus,
)

router = Router("digest")

SHOWN = 3
"""Items per section; the rest are counted, with the command that lists them."""
SHOWN_GOALS = 6
RECENT_CALL = timedelta(days=28)
"""A call for volunteers stays news in the digest for four weekly issues."""
MAX_NEED = 120


def _more(rest: int, where: str) -> str:
    return f"\n…and {rest} more: {where}" if rest > 0 else ""


async def _goals_section(session: AsyncSession, day: date) -> Section:
    lines = await goal_lines(session, day)
    if not lines:
        return Section("*Goals*\nHQ has not set any goals yet.")
    shown = "\n".join(f"• {line}" for line in lines[:SHOWN_GOALS])
    return Section(f"*Goals*\n{shown}{_more(len(lines) - SHOWN_GOALS, '/goals')}")


async def _cadence_section(
    session: AsyncSession, chapter: Chapter, now: datetime, zone: ZoneInfo, settings: Settings
) -> tuple[Section, int]:
    """The section, and how many meetings the chapter is behind."""
    today = now.astimezone(zone).date()
    per_kind = {
        MeetingKind.WORKING: settings.cadence_working,
        MeetingKind.SOCIAL: settings.cadence_social,
    }
    title = f"*Meetings in {today.year}*"
    if chapter.status is not ChapterStatus.ACTIVE:
        line = f"{chapter.name} is {chapter.status.value}: meetings fall due once it is active."
        return Section(f"{title}\n{line}"), 0
    result = await chapter_cadence(session, chapter, today, per_kind)
    lines = [f"• {kind.value.title()}: {c.summary()}" for kind, c in result.items()]
    behind = sum(c.behind for c in result.values())
    return Section(title + "\n" + "\n".join(lines)), behind


async def _positions_section(
    session: AsyncSession, chapter: Chapter, now: datetime, zone: ZoneInfo
) -> tuple[Section, int]:
    """Open positions without this chapter's stance, soonest deadline first; and how many."""
    title = "*Positions awaiting your check-in*"
    if chapter.status is not ChapterStatus.ACTIVE:
        return Section(f"{title}\nOnly active chapters check in on positions."), 0
    stance = exists().where(
        PositionStance.position_id == Position.id, PositionStance.chapter_id == chapter.id
    )
    rows = (
        await session.execute(
            select(
                Position.id,
                Position.title,
                Position.closes_at,
                PositionCheckout.chapter_id,
                PositionCheckout.meeting_on,
                func.count().over(),
            )
            .outerjoin(
                PositionCheckout,
                and_(
                    PositionCheckout.position_id == Position.id,
                    PositionCheckout.chapter_id == chapter.id,
                ),
            )
            .where(
                Position.status == PositionStatus.OPEN,
                Position.closes_at > now,
                ~stance,
            )
            .order_by(Position.closes_at, Position.id)
            .limit(SHOWN)
        )
    ).all()
    if not rows:
        return Section(f"{title}\nNone: {chapter.name} has checked in on every open position."), 0
    total = int(rows[0][-1])
    lines = []
    for position_id, position_title, closes_at, checked_out, meeting_on in (r[:5] for r in rows):
        assert closes_at is not None  # open positions have a deadline
        if checked_out is None:
            taken = "not checked out yet"
        elif meeting_on is not None:
            taken = f"checked out for {meeting_on:%a %d %b}"
        else:
            taken = "checked out"
        lines.append(
            f"• *{position_id}* {position_title} — closes {moment(closes_at, zone)} · {taken}"
        )
    usage = f"/position checkin ID --chapter {as_typed(chapter.name)} {STANCES}"
    how = f"\nThe president checks in: {usage}"
    more = _more(total - len(rows), "/position list --status open")
    return Section(title + "\n" + "\n".join(lines) + more + how), total


async def _polls_section(
    session: AsyncSession, chapter: Chapter, now: datetime, zone: ZoneInfo
) -> tuple[Section, int]:
    """Open polls this chapter's members may vote in: society-wide and the chapter's own."""
    title = "*Open polls*"
    rows = (
        await session.execute(
            select(Poll.id, Poll.question, Poll.closes_at, Poll.audience, func.count().over())
            .where(
                Poll.closed_at.is_(None),
                Poll.closes_at > now,
                or_(Poll.audience == SOCIETY, Poll.chapter_id == chapter.id),
            )
            .order_by(Poll.closes_at, Poll.id)
            .limit(SHOWN)
        )
    ).all()
    if not rows:
        return Section(f"{title}\nNo open polls for {chapter.name}'s members right now."), 0
    total = int(rows[0][-1])
    lines = [
        f"• *{poll_id}* {question} — closes {moment(closes_at, zone)}"
        + (" · whole society" if audience == SOCIETY else "")
        for poll_id, question, closes_at, audience, _ in rows
    ]
    more = _more(total - len(rows), "/poll list --open")
    return Section(
        title + "\n" + "\n".join(lines) + more + "\nVote with /poll vote ID OPTION"
    ), total


async def _recent_calls(session: AsyncSession, now: datetime) -> dict[int, str]:
    """Each workgroup's latest call for volunteers in the window: workgroup id → need.

    Calls live only as outbox events. An event is dispatched after it is created,
    so a recent one is undispatched or dispatched within the window: that bound
    lets the pending-events index skip the older events instead of reading them all
    (sorting in SQL would make SQLite walk the whole table in id order instead).
    """
    since = now - RECENT_CALL
    rows = await session.execute(
        select(OutboxEvent.id, OutboxEvent.payload).where(
            or_(OutboxEvent.dispatched_at >= since, OutboxEvent.dispatched_at.is_(None)),
            OutboxEvent.kind == "workgroup.recruit",
            OutboxEvent.created_at >= since,
        )
    )
    calls: dict[int, str] = {}
    for _, payload in sorted(rows, key=lambda row: row[0], reverse=True):  # newest first
        workgroup_id = payload.get("workgroup_id")
        if isinstance(workgroup_id, int) and workgroup_id not in calls:
            calls[workgroup_id] = str(payload.get("need", ""))
    return calls


async def _workgroups_section(session: AsyncSession, now: datetime) -> tuple[Section, int]:
    """Active workgroups, the ones that called for volunteers lately first."""
    title = "*Workgroups recruiting*"
    calls = await _recent_calls(session, now)
    called_first = case((Workgroup.id.in_(list(calls)), 0), else_=1)
    rows = (
        await session.execute(
            select(Workgroup.id, Workgroup.name, Workgroup.lead_id, func.count().over())
            .where(Workgroup.status == WorkgroupStatus.ACTIVE)
            .order_by(called_first, Workgroup.last_activity_at.desc(), Workgroup.id)
            .limit(SHOWN)
        )
    ).all()
    if not rows:
        return Section(
            f"{title}\nNo active workgroups yet. Start one: /workgroup propose NAME --purpose TEXT"
        ), 0
    total = int(rows[0][-1])
    lines = []
    for workgroup_id, name, lead_id, _ in rows:
        need = calls.get(workgroup_id)
        if need:
            short = need if len(need) <= MAX_NEED else need[: MAX_NEED - 1].rstrip() + "…"
            what = f"needs: {short}"
        else:
            what = "open to join"
        lead = f" · lead {mention(lead_id)}" if lead_id is not None else ""
        lines.append(f"• *{name}* — {what}{lead} · /workgroup join {as_typed(name)}")
    more = _more(total - len(rows), "/workgroup list --status active")
    return Section(title + "\n" + "\n".join(lines) + more), total


@dataclass
class SocietyParts:
    """The parts of a digest that every chapter shares (goals, workgroups recruiting).

    The weekly post builds hundreds of digests in one transaction; these are the
    costliest sections (the goals count the whole membership), so they are built
    once per batch and kept here. Goals are kept per local day: chapters on either
    side of midnight see the pace for their own date.
    """

    goals: dict[date, Section] = field(default_factory=dict)
    workgroups: tuple[Section, int] | None = None

    async def goals_on(self, session: AsyncSession, day: date) -> Section:
        if day not in self.goals:
            self.goals[day] = await _goals_section(session, day)
        return self.goals[day]

    async def recruiting(self, session: AsyncSession, now: datetime) -> tuple[Section, int]:
        if self.workgroups is None:
            self.workgroups = await _workgroups_section(session, now)
        return self.workgroups


async def chapter_digest(
    session: AsyncSession,
    chapter: Chapter,
    now: datetime,
    settings: Settings,
    shared: SocietyParts | None = None,
) -> Reply:
    """The chapter's weekly digest, as the scheduler posts it to the chapter's channels.

    Pass one `shared` to every digest built at the same moment to build the
    society-wide sections once.
    """
    shared = shared or SocietyParts()
    zone = ZoneInfo(chapter.timezone)
    cadence, behind = await _cadence_section(session, chapter, now, zone, settings)
    positions, waiting = await _positions_section(session, chapter, now, zone)
    polls, open_polls = await _polls_section(session, chapter, now, zone)
    workgroups, recruiting = await shared.recruiting(session, now)
    goals = await shared.goals_on(session, now.astimezone(zone).date())
    events = await next_events_section(session, chapter, now)
    local = now.astimezone(zone)
    if chapter.status is not ChapterStatus.ACTIVE:
        standing = chapter.status.value
    else:
        standing = f"{plural(behind, 'meeting')} behind" if behind else "meetings on track"
    summary = [
        standing,
        f"{plural(waiting, 'position')} awaiting check-in",
        plural(open_polls, "open poll"),
        f"{plural(recruiting, 'workgroup')} recruiting",
    ]
    text = f"{chapter.name} weekly digest: " + ", ".join(summary) + "."
    return Reply.public(
        text,
        Header(f"{chapter.name} · weekly digest"),
        goals,
        cadence,
        events,
        positions,
        polls,
        workgroups,
        await digest_section(session, chapter, now, zone),
        Note(f"As of {local:%a %d %b %Y %H:%M} {local.tzname() or chapter.timezone}."),
    )


@router.command("digest", examples=["/digest", "/digest Boston"])
async def digest(
    context: Context,
    chapter: Annotated[
        str | None,
        Arg("the chapter; defaults to this channel's, then your own", complete="chapters"),
    ] = None,
) -> Reply:
    """Show a chapter's weekly digest: goals, meetings, positions, polls and workgroups.

    Only you see it here; the chapter's channels receive it every week.
    """
    session = context.session
    found: Chapter | None
    if chapter is not None:
        found = await find_chapter(session, chapter)
    else:
        found = await chapter_of_place(session, context.place)
        if found is None and context.member.chapter_id is not None:
            found = await session.get(Chapter, context.member.chapter_id)
        if found is None:
            raise BadArgument(
                "Name a chapter, e.g. /digest Boston: this channel speaks for none "
                "and you have not joined one (see /chapter list)."
            )
    reply = await chapter_digest(session, found, context.now, context.settings)
    return Reply.private(reply.text, *reply.blocks)
