"""Chapters: the society's local groups, their channels, presidents and meetings."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace
from datetime import date, datetime, timedelta
from typing import Annotated, Any, Literal
from zoneinfo import ZoneInfo

from sqlalchemy import Date, bindparam, func, literal_column, select, text
from sqlalchemy.ext.asyncio import AsyncSession

from bot.complete import rank_choices
from bot.context import Context
from bot.declarations import Arg, Opt
from bot.errors import BadArgument, Conflict
from bot.mentions import Person, mention
from bot.notifier import Announcement
from bot.permissions import HQ_ONLY, Role, president_of
from bot.registry import Router
from bot.reply import Block, Fields, Header, Note, Reply, Section
from bot.zones import zone as parse_zone
from commands.cadence import Cadence, cadence
from commands.chapter_card import chapter_card
from commands.chapter_figures import status_figures
from commands.charters.group import of_chapter
from commands.charters.info import charter_blocks
from commands.lookup import CHAPTER_BY_NAME, chapter_presidents, find_chapter, name_key
from commands.text import plural
from storage.models import (
    ChannelBinding,
    Chapter,
    ChapterStatus,
    Identity,
    Meeting,
    MeetingKind,
    Member,
)
from storage.upsert import InsertNew

router = Router("chapters")
router.owner("chapter", preload=CHAPTER_BY_NAME)(chapter_presidents)


@router.completer("chapters")
async def complete_chapters(session: AsyncSession, typed: str) -> list[str]:
    return rank_choices(typed, await session.scalars(select(Chapter.name)))


ChapterName = Annotated[str, Arg("the chapter's name", complete="chapters")]
MAX_NAME = 80
MAX_CHANNEL_ID = 64
MAX_CHANNEL_NAME = 120
EARLIEST_MEETING = date(2000, 1, 1)


def _local_today(context: Context, chapter: Chapter) -> date:
    return context.now.astimezone(ZoneInfo(chapter.timezone)).date()


async def chapter_cadence(
    session: AsyncSession, chapter: Chapter, today: date, per_kind: Mapping[MeetingKind, int]
) -> dict[MeetingKind, Cadence]:
    held = dict(
        (
            await session.execute(
                select(Meeting.kind, func.count())
                .where(
                    Meeting.chapter_id == chapter.id,
                    Meeting.held_on >= date(today.year, 1, 1),
                    Meeting.held_on <= today,
                )
                .group_by(Meeting.kind)
            )
        ).all()
    )
    return cadence_of(chapter, today, per_kind, held)


def cadence_of(
    chapter: Chapter,
    today: date,
    per_kind: Mapping[MeetingKind, int],
    held: Mapping[MeetingKind, int],
) -> dict[MeetingKind, Cadence]:
    """The cadence per kind, given the meetings `held` from January 1 to `today`."""
    since = chapter.activated_at.date() if chapter.activated_at else None
    waiting = chapter.status is ChapterStatus.INCUBATING and since is None
    return {
        kind: cadence(held.get(kind, 0), per_kind[kind], today, since, waiting)
        for kind in MeetingKind
    }


def _targets(context: Context) -> dict[MeetingKind, int]:
    return {
        MeetingKind.WORKING: context.settings.cadence_working,
        MeetingKind.SOCIAL: context.settings.cadence_social,
    }


@router.command("chapter", "list", examples=["/chapter list"])
async def chapter_list(context: Context) -> Reply:
    """List every chapter with its status, region and size."""
    # Plain rows through the session's connection, not the ORM: a list of hundreds
    # of chapters needs no identity map, and the ORM's result machinery cost more
    # than the query. The size is the chapter's own count, kept by the database as
    # members move (migration 0014): no GROUP BY over every member on each call.
    # Presidents' names and accounts come in the same statement (a row per
    # president's account), so the reply needs no second query for their mentions.
    connection = await context.session.connection()
    listed = await connection.execute(_CHAPTER_LIST)
    by_status: dict[ChapterStatus, list[str]] = {status: [] for status in ChapterStatus}
    summary: list[str] = []
    names: dict[int, str] = {}
    handles: dict[int, dict[str, str]] = {}
    last = None
    for id_, name, region, status, president, size, president_name, platform, handle in listed:
        if president is not None:
            names[president] = president_name
            accounts = handles.setdefault(president, {})
            if platform is not None:
                accounts[platform] = handle
        if id_ == last:
            continue  # the same chapter again, for its president's next account
        last = id_
        status = ChapterStatus(status)
        line = f"• *{name}* ({region}) · {plural(size, 'member')}"
        if president is not None:
            line += f" · president {mention(president)}"
        by_status[status].append(line)
        summary.append(f"{name} ({status.value})")
    blocks: list[Any] = [Header(f"Chapters ({len(summary)})")]
    for status, lines in by_status.items():
        if lines:
            heading = f"*{status.value.title()}* ({len(lines)})"
            blocks.append(Section(heading + "\n" + "\n".join(lines)))
    people = {member: Person(name, handles[member]) for member, name in names.items()}
    return replace(Reply.private(f"Chapters: {', '.join(summary)}", *blocks), people=people)


_CHAPTER_LIST = (
    select(
        Chapter.id,
        Chapter.name,
        Chapter.region,
        Chapter.status,
        Chapter.president_id,
        Chapter.member_count,
        Member.name,
        Identity.platform,
        Identity.external_id,
    )
    .outerjoin(Member, Member.id == Chapter.president_id)
    .outerjoin(Identity, Identity.member_id == Chapter.president_id)
    .order_by(Chapter.name_key, Chapter.id)
)
"""Built once: each call then finds its compiled form in SQLAlchemy's cache at once."""


NEW_FOR = timedelta(days=30)
"""How long a member counts as a newcomer in `/chapter info`."""


@router.command("chapter", "info", examples=["/chapter info Boston"])
async def chapter_info(context: Context, chapter: ChapterName) -> Reply:
    """Show a chapter: region, time zone, status, president, channels and recent meetings."""
    card = await chapter_card(context.session, chapter)  # one statement for the card
    found = card.chapter
    members = found.member_count
    recent = card.recent
    president = mention(found.president_id) if found.president_id else "none yet"
    where = ", ".join(f"#{name} ({platform})" for name, platform in card.channels) or "none bound"
    blocks: list[Any] = [
        Header(found.name),
        Fields(
            (
                ("Status", found.status.value),
                ("Region", found.region),
                ("Time zone", found.timezone),
                ("President", president),
                ("Members", str(members or 0)),
                ("Channels", where),
            )
        ),
    ]
    if recent:
        lines = [
            f"• #{m.id} {m.held_on.isoformat()} {m.kind.value}: {m.topic}"
            + (f" ({m.attendance} attended)" if m.attendance is not None else "")
            for m in recent
        ]
        blocks.append(Section("*Recent meetings*\n" + "\n".join(lines)))
        blocks.append(Note("Fix one with /chapter meeting edit ID, or /chapter meeting delete ID."))
    blocks += await charter_blocks(
        context, of_chapter(found), read=(card.charter, card.has_metrics)
    )
    if context.has(Role.HQ) or found.president_id == context.member.id:
        new = list(  # the president greets them; the welcome (commands.profiles) told them
            await context.session.scalars(
                select(Member.id)
                .where(Member.chapter_id == found.id, Member.joined_at > context.now - NEW_FOR)
                .order_by(Member.joined_at.desc(), Member.id.desc())
                .limit(50)
            )
        )
        shown = ", ".join(mention(m) for m in new) or "none"
        blocks.append(Section(f"*Newcomers in the last 30 days ({len(new)})*\n{shown}"))
    text = f"{found.name}: {found.status.value}, {found.region}, president {president}"
    people = {found.president_id: card.president} if card.president and found.president_id else {}
    return replace(Reply.private(text, *blocks), people=people)


@router.home(order=10)
async def home_chapter(context: Context) -> list[Block]:
    """The member's chapter and how its year of meetings is going."""
    member = context.member
    chapter = await context.session.get(Chapter, member.chapter_id) if member.chapter_id else None
    if chapter is None:
        return [
            Header("Your chapter"),
            Section("You have not joined a chapter yet. Find yours with /chapter list."),
            Note("Then: /member join CHAPTER"),
        ]
    today = _local_today(context, chapter)
    result = await chapter_cadence(context.session, chapter, today, _targets(context))
    lines = [f"• {kind.value.title()}: {c.summary()}" for kind, c in result.items()]
    return [
        Header(f"Your chapter: {chapter.name}"),
        Section(f"*{chapter.status.value.title()}* · {chapter.region}\n" + "\n".join(lines)),
    ]


@router.command("chapter", "status", examples=["/chapter status Boston"])
async def chapter_status(context: Context, chapter: ChapterName) -> Reply:
    """Show a chapter's meeting cadence this year, pro rata: held, due by today, verdict."""
    figures = await status_figures(context.session, chapter, context.now)
    found = figures.chapter
    today = _local_today(context, found)
    result = cadence_of(found, today, _targets(context), figures.held(today))
    planned = figures.planned()
    lines = []
    for kind, c in result.items():
        lines.append(f"{kind.value.title()}: {c.summary()} · {planned[kind]} planned")
    return Reply.private(
        f"{found.name} cadence for {today.year}: " + "; ".join(lines),
        Header(f"{found.name} · cadence {today.year}"),
        Section("\n".join(f"• {line}" for line in lines)),
        Note(f"As of {today.isoformat()} in {found.timezone}."),
    )


_NEW_CHAPTER = InsertNew(Chapter, ["name_key"])


def _others_that_year() -> Any:
    """Of the new meeting's chapter and kind, the others held from `since` to `until`:
    returned with the insert, so the reply's standing costs no statement. The new row
    is left out by its id, as PostgreSQL's RETURNING never sees it and SQLite's may.

    Spelled with qualified column names: a RETURNING clause renders columns bare,
    which inside a subquery on the same table would be ambiguous.
    """

    def other(name: str) -> Any:
        return literal_column(f"other.{name}")

    def new(name: str) -> Any:
        return literal_column(f"{Meeting.__tablename__}.{name}")

    return (
        select(func.count())
        .select_from(text(f"{Meeting.__tablename__} AS other"))
        .where(
            other("chapter_id") == new("chapter_id"),
            other("kind") == new("kind"),
            other("held_on") >= bindparam("since", type_=Date()),
            other("held_on") <= bindparam("until", type_=Date()),
            other("id") != new("id"),
        )
        .scalar_subquery()
    )


_NEW_MEETING = InsertNew(Meeting, ["chapter_id", "kind", "held_on"], also=[_others_that_year()])


@router.command(
    "chapter",
    "create",
    access=HQ_ONLY,
    examples=['/chapter create "Los Angeles" --region "North America" --tz America/Los_Angeles'],
)
async def chapter_create(
    context: Context,
    name: Annotated[str, Arg("the new chapter's name")],
    region: Annotated[str, Opt("the region it belongs to, e.g. Europe", metavar="TEXT")],
    tz: Annotated[str, Opt("its IANA time zone, e.g. Europe/London", metavar="ZONE")],
) -> Reply:
    """Create a chapter. It starts incubating until HQ activates it."""
    clean = " ".join(name.split())
    if not clean or len(clean) > MAX_NAME:
        raise BadArgument(f"NAME must be 1–{MAX_NAME} characters; got {len(clean)}.")
    clean_region = " ".join(region.split())
    if not clean_region or len(clean_region) > MAX_NAME:
        raise BadArgument(f"--region must be 1–{MAX_NAME} characters; got {len(clean_region)}.")
    zone = parse_zone(tz)
    row = {
        "name": clean,
        "name_key": name_key(clean),
        "region": clean_region,
        "timezone": zone.key,
        "status": ChapterStatus.INCUBATING,
        "created_at": context.now,
    }
    if await _NEW_CHAPTER.execute(context.session, row) is None:
        existing = await context.session.scalar(
            select(Chapter.name).where(Chapter.name_key == name_key(clean))
        )
        raise Conflict(f"A chapter named {existing} already exists.")
    return Reply.public(f"Created chapter {clean} ({region}, {zone.key}); it is incubating.")


@router.command(
    "chapter", "president", access=HQ_ONLY, examples=["/chapter president Boston @alice"]
)
async def chapter_president(
    context: Context,
    chapter: ChapterName,
    member: Annotated[Member, Arg("the new president")],
) -> Reply:
    """Make a member the chapter's president (and a member of it, if they have no chapter)."""
    found = await find_chapter(context.session, chapter)
    if found.president_id == member.id:
        raise Conflict(f"{member.name} is already president of {found.name}.")
    found.president_id = member.id
    if member.chapter_id is None:
        member.chapter_id = found.id
    return Reply.public(f"{mention(member.id)} is now president of {found.name}.")


async def _set_status(context: Context, name: str, status: ChapterStatus) -> Chapter:
    found = await find_chapter(context.session, name)
    if found.status is status:
        raise Conflict(f"{found.name} is already {status.value}.")
    found.status = status
    if status is ChapterStatus.ACTIVE:
        found.activated_at, found.retired_at = context.now, None
    else:
        found.retired_at = context.now
    return found


@router.command("chapter", "activate", access=HQ_ONLY, examples=["/chapter activate London"])
async def chapter_activate(context: Context, chapter: ChapterName) -> Reply:
    """Mark a chapter active; every chapter channel hears about it."""
    found = await _set_status(context, chapter, ChapterStatus.ACTIVE)
    context.uow.record("chapter.activated", chapter_id=found.id)
    return Reply.public(f"{found.name} is now an active chapter.")


@router.command(
    "chapter", "retire", access=HQ_ONLY, examples=["/chapter retire London"], confirm=True
)
async def chapter_retire(context: Context, chapter: ChapterName) -> Reply:
    """Mark a chapter dormant. Its history and channels are kept; it can be activated again."""
    found = await _set_status(context, chapter, ChapterStatus.DORMANT)
    context.uow.record("chapter.retired", chapter_id=found.id)
    return Reply.public(f"{found.name} is now dormant.")


@router.command(
    "chapter", "bind", access=president_of("chapter"), examples=["/chapter bind Boston"]
)
async def chapter_bind(context: Context, chapter: ChapterName) -> Reply:
    """Bind the channel you type this in to the chapter, so it receives the chapter's updates."""
    found = await find_chapter(context.session, chapter)
    place = context.place
    if not place.channel_id or place.is_direct:
        raise BadArgument(
            "Type /chapter bind in the channel you want to bind, not a direct message."
        )
    if len(place.channel_id) > MAX_CHANNEL_ID:
        raise BadArgument(
            f"This channel's id is over {MAX_CHANNEL_ID} characters; it cannot be bound."
        )
    existing = await context.session.scalar(
        select(ChannelBinding).where(
            ChannelBinding.platform == place.platform,
            ChannelBinding.channel_id == place.channel_id,
        )
    )
    if existing is not None:
        if existing.chapter_id == found.id:
            raise Conflict(f"This channel is already bound to {found.name}.")
        other = await context.session.get(Chapter, existing.chapter_id)
        owner = other.name if other else "another chapter"
        raise Conflict(f"This channel already speaks for {owner}; a channel serves one chapter.")
    context.session.add(
        ChannelBinding(
            chapter_id=found.id,
            platform=place.platform,
            channel_id=place.channel_id,
            channel_name=(place.channel_name or place.channel_id)[:MAX_CHANNEL_NAME],
            bound_by=context.member.id,
            bound_at=context.now,
        )
    )
    return Reply.public(f"This channel now receives {found.name}'s updates.")


@router.command(
    "chapter",
    "meeting",
    access=president_of("chapter"),
    examples=[
        '/chapter meeting Boston working 2026-03-14 "Ethics of AI" --attendance 18',
        '/chapter meeting Boston social yesterday "Summer picnic"',
    ],
)
async def chapter_meeting(
    context: Context,
    chapter: ChapterName,
    kind: Annotated[Literal["working", "social"], Arg("working meeting or social event")],
    day: Annotated[date, Arg("when it was held", past=True, metavar="DATE")],
    topic: Annotated[str, Arg("what it was about")],
    attendance: Annotated[int | None, Opt("how many attended", metavar="N")] = None,
) -> Reply:
    """Log a meeting the chapter held; it counts toward the chapter's yearly cadence."""
    found = await find_chapter(context.session, chapter)
    today = _local_today(context, found)
    if day > today:
        raise BadArgument(f"DATE {day.isoformat()} is in the future; log meetings once held.")
    if day < EARLIEST_MEETING:
        raise BadArgument(f"DATE {day.isoformat()} is too long ago; give a date from 2000 on.")
    if attendance is not None and not 0 <= attendance <= 100_000:
        raise BadArgument(f"--attendance must be between 0 and 100000, got {attendance}.")
    clean_topic = " ".join(topic.split())
    if len(clean_topic) > 200:
        raise BadArgument(f"TOPIC is {len(clean_topic)} characters; keep it to 200.")
    meeting_kind = MeetingKind(kind)
    row = {
        "chapter_id": found.id,
        "kind": meeting_kind,
        "held_on": day,
        "topic": clean_topic,
        "attendance": attendance,
        "logged_by": context.member.id,
        "logged_at": context.now,
    }
    until = today if day.year == today.year else date(day.year, 12, 31)
    since = date(day.year, 1, 1)
    new = await _NEW_MEETING.row(context.session, {**row, "since": since, "until": until})
    if new is None:
        raise Conflict(f"{found.name} already has a {kind} meeting logged on {day.isoformat()}.")
    held = {meeting_kind: new[1] + 1}  # the others that year, and this one
    standing = await year_standing(context, found, meeting_kind, day, held)
    return Reply.public(
        f"Logged {found.name}'s {kind} meeting on {day.isoformat()}: {clean_topic}. "
        f"It counts toward {day.year}: {standing}."
    )


async def counts_toward(context: Context, chapter: Chapter, kind: MeetingKind, day: date) -> str:
    """Which year a meeting counted toward, and how that year stands for its kind."""
    return f"It counts toward {day.year}: {await year_standing(context, chapter, kind, day)}."


async def year_standing(
    context: Context,
    chapter: Chapter,
    kind: MeetingKind,
    day: date,
    held: Mapping[MeetingKind, int] | None = None,
) -> str:
    """How the year of `day` stands for meetings of `kind`: pro rata now, or as it ended.

    `held`: the meetings of `kind` held that year up to today, when the caller has
    counted them already; otherwise they are counted here.
    """
    today = _local_today(context, chapter)
    until = today if day.year == today.year else date(day.year, 12, 31)
    if held is None:
        c = (await chapter_cadence(context.session, chapter, until, _targets(context)))[kind]
    else:
        c = cadence_of(chapter, until, _targets(context), held)[kind]
    if day.year == today.year:
        return c.summary()
    owed = c.owed_this_year
    if owed == 0:
        return f"{plural(c.held, kind.value + ' meeting')} held; none were owed that year"
    verdict = "met" if c.held >= owed else f"{owed - c.held} short"
    return f"{c.held} of {plural(owed, kind.value + ' meeting')} that year ({verdict})"


@router.announcer("chapter.activated")
async def announce_activated(
    session: AsyncSession, payload: Mapping[str, Any], now: datetime
) -> Announcement:
    chapter = await session.get(Chapter, payload["chapter_id"])
    name = chapter.name if chapter else "A chapter"
    return Announcement(Reply.public(f"🎉 {name} is now an active chapter. Welcome!"))


@router.announcer("chapter.retired")
async def announce_retired(
    session: AsyncSession, payload: Mapping[str, Any], now: datetime
) -> Announcement:
    chapter = await session.get(Chapter, payload["chapter_id"])
    name = chapter.name if chapter else "A chapter"
    ids = frozenset({chapter.id}) if chapter else frozenset()
    return Announcement(
        Reply.public(f"{name} is now dormant. Thank you to everyone who ran it."), ids
    )
