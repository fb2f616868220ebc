"""The welcome: one direct message for a member seen for the first time.

It says what the society is, which chapter to join (the one in their city when
their profile names it, else the nearest by time zone), how to set interests, the
workgroups that match their tags (or those recruiting), and the next events of that
chapter or of the whole society (read from the events' tables). Their chapter's
president hears of a newcomer, and sees the last 30 days' newcomers in
`/chapter info`. Run by the scheduler (`welcome.newcomers`): "seen" means a first
successful command, and each welcome is claimed once (`welcome:member-N`).
"""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import ColumnElement, Select, String, and_, cast, exists, func, literal, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.config import Settings
from bot.due import At, DueRun, Tick
from bot.mentions import mention
from bot.notifier import queue_direct
from bot.profilefill import member_tz
from bot.registry import Router
from bot.reply import Header, Note, Reply, Section, stamp
from commands.nudges import nearby_chapters, nearest_chapter, recruiting
from commands.workgroups.lookup import as_typed
from storage.models import (
    Chapter,
    ChapterEvent,
    DueClaim,
    EventStatus,
    Identity,
    Member,
    MemberProfile,
    MemberTag,
    Workgroup,
    WorkgroupStatus,
    WorkgroupTag,
)

router = Router("welcome")

NEW_FOR = timedelta(days=30)
BATCH = 50
SHOWN = 3


async def matching_workgroups(session: AsyncSession, member_id: int) -> list[Workgroup]:
    """Active workgroups sharing the member's tags, most shared first."""
    mine = select(MemberTag.tag_id).where(MemberTag.member_id == member_id)
    shared = func.count().label("shared")
    rows = await session.execute(
        select(Workgroup, shared)
        .join(WorkgroupTag, WorkgroupTag.workgroup_id == Workgroup.id)
        .where(Workgroup.status == WorkgroupStatus.ACTIVE, WorkgroupTag.tag_id.in_(mine))
        .group_by(Workgroup.id)
        .order_by(shared.desc(), Workgroup.name_key)
        .limit(SHOWN)
    )
    return [w for w, _ in rows]


async def next_events(
    session: AsyncSession, chapter: Chapter | None, now: datetime
) -> list[ChapterEvent]:
    """The next few events a newcomer could come to: their chapter's and the society's."""
    society = and_(ChapterEvent.chapter_id.is_(None), ChapterEvent.workgroup_id.is_(None))
    whose = society if chapter is None else or_(ChapterEvent.chapter_id == chapter.id, society)
    return list(
        await session.scalars(
            select(ChapterEvent)
            .where(
                ChapterEvent.status == EventStatus.SCHEDULED,
                ChapterEvent.starts_at > now,
                whose,
            )
            .order_by(ChapterEvent.starts_at, ChapterEvent.id)
            .limit(SHOWN)
        )
    )


def events_section(events: list[ChapterEvent], chapter: Chapter | None, zone: str) -> Section:
    """The next events, each with when (in the reader's zone) and who holds it."""
    if not events:
        return Section("No events are planned yet; /event list shows them when they are.")
    lines = []
    for event in events:
        held = "the society" if event.chapter_id is None or chapter is None else chapter.name
        when = stamp(event.starts_at, zone)
        lines.append(f"• *{event.title}* ({held}), {when} — /event show {event.id}")
    joined = "\n".join(lines)
    return Section(f"Next events (say you're coming with /event rsvp ID going):\n{joined}")


def city_chapter(chapters: list[Chapter], city: str | None) -> Chapter | None:
    """The chapter named for the member's city (or whose region names it), if any."""
    if not city:
        return None
    wanted = " ".join(city.lower().split())
    for chapter in chapters:
        if wanted in (chapter.name_key, chapter.region.lower()) or chapter.name_key in wanted:
            return chapter
    return None


def welcome_reply(
    member: Member,
    chapter: Chapter | None,
    suggested: Chapter | None,
    workgroups: list[Workgroup],
    matched: bool,
    events: Section | None = None,
) -> Reply:
    first = member.name.split()[0] if member.name.split() else member.name
    society = (
        "Chapterhouse runs our society from this chat: local chapters that meet through "
        "the year, member-led workgroups, and positions the chapters decide together."
    )
    if chapter is not None:
        where = f"You are a member of *{chapter.name}*; see it with /chapter info."
    elif suggested is not None:
        where = (
            f"Pick a chapter: *{suggested.name}* ({suggested.region}) looks nearest; join it "
            f"with /member join {as_typed(suggested.name)}, or see them all with /chapter list."
        )
    else:
        where = "Pick a chapter with /chapter list, then /member join CHAPTER."
    tags = (
        'Tell others what you do and care about: /member edit --skills "a, b" '
        '--interests "c, d" (your chapter sees it; --visible changes who does).'
    )
    if workgroups:
        which = "match your interests" if matched else "are looking for people"
        lines = "\n".join(
            f"• *{w.name}*: {w.purpose} — /workgroup join {as_typed(w.name)}" for w in workgroups
        )
        work = f"Workgroups that {which}:\n{lines}"
    else:
        work = "No workgroup is taking members yet; start one with /workgroup propose."
    return Reply.private(
        f"Welcome, {first}! {where}",
        Header(f"Welcome, {first}!"),
        Section(society),
        Section(where),
        Section(tags),
        Section(work),
        *([events] if events is not None else []),
        Note("See everything with /help. Find members with /member find."),
    )


def _unwelcomed(since: At) -> Select[Member]:
    key = literal("welcome:member-", String) + cast(Member.id, String)
    return select(Member).where(
        Member.joined_at > since,
        Member.last_active_at.is_not(None),
        exists().where(Identity.member_id == Member.id),
        ~exists().where(DueClaim.key == key),
    )


def newcomers_due(tick: Tick, _settings: Settings) -> ColumnElement[bool]:
    return exists(_unwelcomed(tick.at(-NEW_FOR)))


async def welcome_newcomers(run: DueRun) -> None:
    """Welcome members seen (a first command) in the last 30 days and not yet welcomed."""
    newcomers = list(
        await run.session.scalars(
            _unwelcomed(run.now - NEW_FOR).order_by(Member.joined_at, Member.id).limit(BATCH + 1)
        )
    )
    if not newcomers:
        return
    run.more = len(newcomers) > BATCH
    chapters = await nearby_chapters(run.session)
    for member in newcomers[:BATCH]:
        claim = f"welcome:member-{member.id}"
        if not await run.claim(claim):
            continue
        profile = await run.session.get(MemberProfile, member.id)
        chapter = await run.session.get(Chapter, member.chapter_id) if member.chapter_id else None
        suggested = None
        if chapter is None:
            suggested = city_chapter(chapters, profile.city if profile else None) or (
                nearest_chapter(chapters, member_tz(member, run.settings.tz), run.now)
            )
        workgroups = await matching_workgroups(run.session, member.id)
        matched = bool(workgroups)
        if not workgroups:
            workgroups = (await recruiting(run.session))[:SHOWN]
        near = chapter or suggested
        zone = member_tz(member, ZoneInfo(near.timezone) if near else run.settings.tz)
        events = events_section(await next_events(run.session, near, run.now), near, zone.key)
        reply = welcome_reply(member, chapter, suggested, workgroups, matched, events)
        sent = await queue_direct(run.uow, reply, {member.id: claim}, settings=run.settings)
        told = ""
        if chapter is not None and chapter.president_id not in (None, member.id):
            assert chapter.president_id is not None
            note = Reply.private(
                f"A newcomer in {chapter.name}: {mention(member.id)}. Say hello! "
                f"(/chapter info {as_typed(chapter.name)} lists the last 30 days' newcomers.)"
            )
            await queue_direct(
                run.uow,
                note,
                {chapter.president_id: f"welcome-president:member-{member.id}"},
                settings=run.settings,
                nudge=True,
            )
            told = f", president of {chapter.name} told"
        run.note(f"welcome {member.name} {'by direct message' if sent else '(unreachable)'}{told}")


router.due("welcome.newcomers", probe=newcomers_due)(welcome_newcomers)
