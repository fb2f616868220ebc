"""/position: propose, open, checkout, checkin, show, list, withdraw.

A member proposes a position (a draft); a moderator or HQ opens it to the chapters
with a deadline, and every chapter channel hears of it. Chapter presidents check it
out for a meeting and check in the chapter's stance afterwards, as often as they
like until it closes. It is adopted as soon as the rule in `rule.py` is met, and
otherwise rejected or expired at its deadline (see `deciding.py`); the outcome is
announced once, with the tally by chapter.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date, datetime, timedelta
from typing import Annotated, Any, Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.context import Context
from bot.declarations import Arg, Opt, When
from bot.errors import BadArgument, Conflict
from bot.notifier import Announcement, bound_channels
from bot.permissions import MODERATORS, Access, Owner, Role, president_of
from bot.registry import MAX_CHOICES, Router
from bot.reply import Block, Header, Note, Reply, Section
from commands.lookup import find_chapter, name_key
from commands.positions import cards
from commands.positions.checkins import Counts, check_in, check_out, checkout_of, stance_of
from commands.positions.deciding import (
    OUTCOMES,
    current_tally,
    evaluate,
    recorded_tally,
    rule_from,
    rule_of,
    rule_payload,
    settle,
    settle_open,
    tally_of,
)
from commands.positions.due import decide_positions, decisions_due, remind_chapters, reminders_due
from commands.positions.listing import listing
from commands.positions.lookup import LIVE, find_position, position_proposer
from commands.positions.rule import Outcome, Stance, Tally, describe
from commands.text import moment, plural
from storage.claims import claim
from storage.models import (
    Chapter,
    ChapterStatus,
    Position,
    PositionCheckout,
    PositionStance,
    PositionStatus,
)

router = Router("positions")
router.owner("position")(position_proposer)
router.due("positions.remind", probe=reminders_due)(remind_chapters)
router.due("positions.decide", probe=decisions_due)(decide_positions)

MAX_TITLE = 200
MAX_STATEMENT = 3000
MAX_SUMMARY = 1000
MAX_VOTES = 100_000
LONGEST = timedelta(days=366)
EARLIEST_MEETING = date(2000, 1, 1)
LIST_LIMIT = 20

PROPOSER_OR_HQ = Access(frozenset({Role.HQ}), Owner("position", "position_id", "proposer"))
PositionId = Annotated[
    int, Arg("the position's number, as shown on it", complete="positions", metavar="ID")
]
ChapterOption = Annotated[
    str,
    Opt("the chapter's name (in quotes if it has spaces)", complete="chapters", metavar="CHAPTER"),
]
StatusName = Literal["draft", "open", "adopted", "rejected", "expired", "withdrawn", "all"]


@router.completer("positions")
async def complete_positions(session: AsyncSession, typed: str) -> list[str]:
    """Open and draft positions, newest first, by number."""
    rows = await session.scalars(
        select(Position.id).where(Position.status.in_(LIVE)).order_by(Position.id.desc()).limit(200)
    )
    return [str(i) for i in rows if str(i).startswith(typed.strip())][:MAX_CHOICES]


def _deadline(context: Context, closes: datetime | None, flag: str = "--closes") -> None:
    if closes is None:
        return
    if closes <= context.now:
        raise BadArgument(
            f"{flag} is in the past ({moment(closes, context.tz)}); "
            "give a later time such as 30d or a future date."
        )
    if closes - context.now > LONGEST:
        raise BadArgument(f"{flag} is more than a year away; give a nearer time.")


def _closed(position: Position, tz: ZoneInfo, verb: str) -> str:
    """One line for a position that can no longer be checked out, in, or withdrawn."""
    status = position.status
    if status == PositionStatus.DRAFT:
        return (
            f"Position {position.id} is still a draft; it can be {verb} once a moderator "
            f"or HQ opens it (/position open {position.id})."
        )
    when = f" {moment(position.decided_at, tz)}" if position.decided_at else ""
    return (
        f"Position {position.id} was {status.value}{when}; it can no longer be {verb}. "
        f"See /position show {position.id}."
    )


def _refuse_closed(context: Context, position: Position, settled: bool, verb: str) -> Reply:
    """Refuse a position that is not open. A reply, not a raise, when this very command
    decided it on first touch after its deadline: that decision must still commit."""
    line = _closed(position, context.tz, verb)
    if settled:
        return Reply.error(line)
    raise Conflict(line)


def _require_active(chapter: Chapter, doing: str) -> None:
    if chapter.status != ChapterStatus.ACTIVE:
        raise Conflict(
            f"{chapter.name} is {chapter.status.value}; only active chapters {doing} positions."
        )


@router.command(
    "position",
    "propose",
    form=True,
    examples=[
        '/position propose "Publish chapter budgets" --statement "Every chapter publishes '
        'its yearly budget to its members." --closes 30d',
        '/position propose "Code of conduct" --statement "Every event follows the code."',
    ],
)
async def position_propose(
    context: Context,
    title: Annotated[str, Arg("the position's title, in quotes")],
    statement: Annotated[str, Opt("the statement the society would take", metavar="TEXT")],
    closes: Annotated[
        When | None,
        Opt("when you would like check-ins to close: 30d, 6w or a date", metavar="WHEN"),
    ] = None,
) -> Reply:
    """Propose a position for the society to take; it is a draft until a moderator opens it.

    Once opened, chapters debate it at a meeting and check in their stance. A
    moderator or HQ opens it, with your deadline unless they choose another.
    """
    clean_title = " ".join(title.split())
    if not clean_title:
        raise BadArgument('TITLE is empty; give the position a title, e.g. "Open meeting notes".')
    if len(clean_title) > MAX_TITLE:
        raise BadArgument(f"TITLE is {len(clean_title)} characters; keep it to {MAX_TITLE}.")
    clean_statement = statement.strip()
    if not clean_statement:
        raise BadArgument("--statement is empty; say what the society would take a stance on.")
    if len(clean_statement) > MAX_STATEMENT:
        raise BadArgument(
            f"--statement is {len(clean_statement)} characters; keep it to {MAX_STATEMENT}."
        )
    _deadline(context, closes)
    live = await context.session.execute(
        select(Position.id, Position.title).where(Position.status.in_(LIVE))
    )
    same = next((i for i, t in live if name_key(t) == name_key(clean_title)), None)
    if same is not None:
        raise Conflict(
            f"Position {same} already has that title; see /position show {same}, "
            "or give yours a title of its own."
        )
    position = Position(
        title=clean_title,
        statement=clean_statement,
        status=PositionStatus.DRAFT,
        proposer_id=context.member.id,
        created_at=context.now,
        requested_closes_at=closes,
    )
    context.session.add(position)
    await context.session.flush()
    asked = f" You asked for check-ins to close {moment(closes, context.tz)}." if closes else ""
    line = (
        f"Proposed position {position.id}: {clean_title}. It is a draft until a moderator "
        f"or HQ opens it to the chapters (/position open {position.id}).{asked}"
    )
    return Reply.public(line, Section(line))


@router.command(
    "position",
    "open",
    access=MODERATORS,
    examples=["/position open 2", "/position open 2 --closes 6w"],
)
async def position_open(
    context: Context,
    position_id: PositionId,
    closes: Annotated[
        When | None,
        Opt(
            "when check-ins close: 30d, 6w or a date "
            "(default: the proposer's date if still ahead, else the society's default)",
            metavar="WHEN",
        ),
    ] = None,
) -> Reply:
    """Open a draft position to the chapters until its deadline; every chapter channel hears."""
    position = await find_position(context.session, position_id, lock=True)
    tz = context.tz
    if position.status == PositionStatus.OPEN:
        assert position.closes_at is not None
        raise Conflict(
            f"Position {position.id} is already open, until {moment(position.closes_at, tz)}."
        )
    if position.status != PositionStatus.DRAFT:
        raise Conflict(
            f"Position {position.id} is {position.status.value}; only a draft can be opened."
        )
    _deadline(context, closes)
    now = context.now
    requested = position.requested_closes_at
    closes_at: datetime
    if closes is not None:
        closes_at = closes
    elif requested is not None and now < requested <= now + LONGEST:
        closes_at = requested
    else:
        closes_at = now + timedelta(days=context.settings.position_days)
    position.status = PositionStatus.OPEN
    position.opened_at, position.closes_at = now, closes_at
    rule = rule_from(context.settings)
    context.uow.record(
        "position.opened",
        position_id=position.id,
        tz=context.settings.default_timezone,
        **rule_payload(rule),
    )
    channels = len(await bound_channels(context.session, None))
    told = (
        f"announced to {plural(channels, 'chapter channel')}"
        if channels
        else f"no chapter channel is bound, so nobody was told; share /position show {position.id}"
    )
    line = f"Opened position {position.id} to the chapters until {moment(closes_at, tz)}; {told}."
    return Reply.private(line, Section(line), Note(cards.how_to_take_part(position.id)))


@router.command(
    "position",
    "checkout",
    access=president_of("chapter"),
    examples=[
        "/position checkout 1 --chapter Boston --meeting 2026-07-01",
        "/position checkout 1 --chapter Boston --meeting thursday",
    ],
)
async def position_checkout(
    context: Context,
    position_id: PositionId,
    chapter: ChapterOption,
    meeting: Annotated[
        date | None, Opt("the date of the meeting that will debate it", metavar="DATE")
    ] = None,
) -> Reply:
    """Take an open position to a chapter meeting; check it out again to move the meeting."""
    position = await find_position(context.session, position_id, lock=True)
    found = await find_chapter(context.session, chapter)
    settled = await settle(context.uow, position, rule_from(context.settings))
    if position.status != PositionStatus.OPEN:
        return _refuse_closed(context, position, settled is not None, "checked out")
    _require_active(found, "check out")
    local_today = context.now.astimezone(ZoneInfo(found.timezone)).date()
    if meeting is not None and meeting < EARLIEST_MEETING:
        raise BadArgument(f"--meeting {meeting.isoformat()} is too long ago; give a later date.")
    if meeting is not None and meeting > local_today + LONGEST:
        raise BadArgument(f"--meeting {meeting.isoformat()} is more than a year away.")
    new, before = await check_out(context.uow, position.id, found, meeting, context.member.id)
    when = f"its meeting on {meeting.isoformat()}" if meeting else "a meeting"
    if new:
        line = f"{found.name} checked out position {position.id} ({position.title}) for {when}."
    elif before == meeting:
        line = f"{found.name} already has position {position.id} checked out for {when}."
        return Reply.private(line, Section(line))
    else:
        was = before.isoformat() if before else "no date"
        line = f"{found.name} moved position {position.id} to {when} (was {was})."
    assert position.closes_at is not None
    closes = position.closes_at.astimezone(ZoneInfo(found.timezone)).date()
    usage = cards.checkin_usage(position.id, found.name)
    notes = [f"Check in the chapter's stance after the meeting: {usage}"]
    if meeting is not None and meeting > closes:
        notes.insert(
            0,
            f"Mind the deadline: check-ins close {moment(position.closes_at, context.tz)}, "
            "before that meeting.",
        )
    return Reply.public(line, Section(line), *(Note(n) for n in notes))


def _count(value: int | None, flag: str) -> int | None:
    if value is not None and not 0 <= value <= MAX_VOTES:
        raise BadArgument(f"{flag} must be a count from 0 to {MAX_VOTES}; got {value}.")
    return value


@router.command(
    "position",
    "checkin",
    access=president_of("chapter"),
    examples=[
        "/position checkin 1 --chapter Boston agree --for 12 --against 3 --abstain 1 "
        '--summary "Broad support; review it in a year"',
        "/position checkin 1 --chapter Boston abstain",
    ],
)
async def position_checkin(
    context: Context,
    position_id: PositionId,
    chapter: ChapterOption,
    stance: Annotated[
        Literal["agree", "disagree", "abstain"], Arg("the stance the chapter's meeting took")
    ],
    for_: Annotated[int | None, Opt("members at the meeting who voted for", metavar="N")] = None,
    against: Annotated[
        int | None, Opt("members at the meeting who voted against", metavar="N")
    ] = None,
    abstain: Annotated[int | None, Opt("members at the meeting who abstained", metavar="N")] = None,
    summary: Annotated[
        str | None, Opt("what the meeting said, in a sentence or two", metavar="TEXT")
    ] = None,
) -> Reply:
    """Check in the stance a chapter's meeting took on an open position, with its counts.

    A chapter may check in again until the position closes; its latest stance counts
    and every earlier one is kept. The position is adopted as soon as enough active
    chapters have checked in and enough of those taking a side agree.
    """
    counts = Counts(
        _count(for_, "--for"), _count(against, "--against"), _count(abstain, "--abstain")
    )
    clean_summary = " ".join(summary.split()) if summary is not None else None
    if clean_summary is not None and len(clean_summary) > MAX_SUMMARY:
        raise BadArgument(
            f"--summary is {len(clean_summary)} characters; keep it to {MAX_SUMMARY}."
        )
    rule = rule_from(context.settings)
    position = await find_position(context.session, position_id, lock=True)
    found = await find_chapter(context.session, chapter)
    settled = await settle(context.uow, position, rule)
    if position.status != PositionStatus.OPEN:
        return _refuse_closed(context, position, settled is not None, "checked in")
    _require_active(found, "check in")
    before = await stance_of(context.session, position.id, found.id)
    checked_out = await checkout_of(context.session, position.id, found.id) is not None
    checkin = await check_in(
        context.uow,
        position.id,
        found,
        Stance(stance),
        counts,
        clean_summary or None,
        context.member.id,
    )
    outcome = await evaluate(context.uow, position, rule)
    said = cards.stance_text(checkin)
    if before is None:
        line = f"{found.name} checked in on position {position.id} ({position.title}): {said}."
    elif before.value == stance:
        line = f"{found.name} checked in again on position {position.id}: still {said}."
    else:
        line = (
            f"{found.name} checked in again on position {position.id}: now {said} (was {before})."
        )
    if not checked_out:
        line += f" {found.name} had not checked it out; the check-in counts all the same."
    blocks: list[Block] = [Section(line)]
    if clean_summary:
        blocks.append(Section(f"“{clean_summary}”"))
    if outcome is Outcome.ADOPTED:
        adopted = f"Position {position.id} is adopted; every chapter channel hears of it."
        line += f" {adopted}"
        blocks.append(Section(f"*{adopted}*"))
    else:
        t = await current_tally(context.session, position.id, rule)
        assert position.closes_at is not None
        blocks.append(Note(describe(t)))
        blocks.append(
            Note(
                f"Check-ins close {moment(position.closes_at, context.tz)}; "
                "a chapter may check in again until then."
            )
        )
    return Reply.public(line, *blocks)


async def _tally_for(context: Context, position: Position) -> Tally | None:
    if position.status == PositionStatus.OPEN:
        return await current_tally(context.session, position.id, rule_from(context.settings))
    return await recorded_tally(context.session, position)


@router.command("position", "show", examples=["/position show 1"])
async def position_show(context: Context, position_id: PositionId) -> Reply:
    """Show a position: statement, status, deadline, each chapter's check-out and check-in."""
    position = await find_position(context.session, position_id)
    await settle(context.uow, position, rule_from(context.settings))
    parts = await cards.chapter_parts(context.session, position.id)
    return cards.position_card(position, parts, await _tally_for(context, position), context.tz)


def _statuses(status: StatusName | None) -> tuple[PositionStatus, ...]:
    if status is None:
        return LIVE
    if status == "all":
        return tuple(PositionStatus)
    return (PositionStatus(status),)


@router.command("position", "list", examples=["/position list", "/position list --status adopted"])
async def position_list(
    context: Context,
    status: Annotated[
        StatusName | None, Opt("only positions in this state (default: open and draft)")
    ] = None,
) -> Reply:
    """List positions, newest first, and which chapters have each open one checked out."""
    await settle_open(context.uow, rule_from(context.settings))
    listed = await listing(context.session, _statuses(status), LIST_LIMIT)
    return cards.list_reply(listed, status, context.tz)


@router.command(
    "position",
    "withdraw",
    access=PROPOSER_OR_HQ,
    confirm=True,
    examples=["/position withdraw 2"],
)
async def position_withdraw(context: Context, position_id: PositionId) -> Reply:
    """Withdraw a position before the chapters decide it; chapters stop checking it in."""
    position = await find_position(context.session, position_id, lock=True)
    settled = await settle(context.uow, position, rule_from(context.settings))
    if position.status not in LIVE:
        return _refuse_closed(context, position, settled is not None, "withdrawn")
    was_open = position.status == PositionStatus.OPEN
    claimed = await claim(
        context.session,
        Position,
        Position.id == position.id,
        Position.status.in_(LIVE),
        status=PositionStatus.WITHDRAWN,
        decided_at=context.now,
    )
    if not claimed:  # pragma: no cover - the row lock keeps this from happening
        await context.session.refresh(position)
        raise Conflict(_closed(position, context.tz, "withdrawn"))
    position.status, position.decided_at = PositionStatus.WITHDRAWN, context.now
    context.uow.record("position.withdrawn", position_id=position.id, was_open=was_open)
    told = " Every chapter channel hears of it." if was_open else ""
    line = f"Withdrew position {position.id}: {position.title}.{told}"
    return Reply.public(line, Section(line))


@router.home(order=40)
async def home_positions(context: Context) -> list[Block]:
    """Open positions awaiting the member's chapter's check-in, soonest deadline first."""
    member = context.member
    chapter = await context.session.get(Chapter, member.chapter_id) if member.chapter_id else None
    if chapter is None or chapter.status != ChapterStatus.ACTIVE:
        return []
    checked_in = select(PositionStance.position_id).where(PositionStance.chapter_id == chapter.id)
    waiting = list(
        await context.session.scalars(
            select(Position)
            .where(
                Position.status == PositionStatus.OPEN,
                Position.closes_at > context.now,
                Position.id.not_in(checked_in),
            )
            .order_by(Position.closes_at, Position.id)
            .limit(LIST_LIMIT)
        )
    )
    title = f"Positions awaiting {chapter.name}"
    if not waiting:
        return [Header(title), Section(f"No open position awaits {chapter.name}'s check-in.")]
    meetings = dict(
        (
            await context.session.execute(
                select(PositionCheckout.position_id, PositionCheckout.meeting_on).where(
                    PositionCheckout.chapter_id == chapter.id,
                    PositionCheckout.position_id.in_([p.id for p in waiting]),
                )
            )
        ).all()
    )
    lines = []
    for position in waiting:
        assert position.closes_at is not None
        if position.id in meetings:
            meeting_on = meetings[position.id]
            taken = f"checked out for {meeting_on.isoformat()}" if meeting_on else "checked out"
        else:
            taken = "not checked out yet"
        lines.append(
            f"*{position.id}* {position.title} — closes {moment(position.closes_at, context.tz)}"
            f" · {taken}"
        )
    who = (
        "You check in"
        if chapter.president_id == member.id
        else "Your chapter's president checks in"
    )
    return [
        Header(title),
        Section("\n".join(lines)),
        Note(f"{who} with {cards.checkin_usage('ID', chapter.name)}"),
    ]


def _zone(payload: Mapping[str, Any]) -> ZoneInfo:
    try:
        return ZoneInfo(str(payload.get("tz") or "UTC"))
    except (ZoneInfoNotFoundError, ValueError):
        return ZoneInfo("UTC")


@router.announcer("position.opened")
async def announce_opened(
    session: AsyncSession, payload: Mapping[str, Any], now: datetime
) -> Announcement | None:
    position = await session.get(Position, payload["position_id"])
    if position is None or position.status != PositionStatus.OPEN:
        return None  # withdrawn or decided before it was announced: that is announced instead
    t = await current_tally(session, position.id, rule_of(payload))
    return Announcement(cards.opened_reply(position, t, _zone(payload)))


async def announce_outcome(
    session: AsyncSession, payload: Mapping[str, Any], now: datetime
) -> Announcement | None:
    position = await session.get(Position, payload["position_id"])
    if position is None:
        return None
    outcome = Outcome(payload.get("outcome") or position.status.value)
    t = tally_of(payload) or await current_tally(session, position.id, rule_of(payload))
    parts = await cards.chapter_parts(session, position.id)
    return Announcement(cards.outcome_reply(position, outcome, t, parts))


for _outcome in OUTCOMES:
    router.announcer(f"position.{_outcome.value}")(announce_outcome)


@router.announcer("position.withdrawn")
async def announce_withdrawn(
    session: AsyncSession, payload: Mapping[str, Any], now: datetime
) -> Announcement | None:
    position = await session.get(Position, payload["position_id"])
    if position is None or not payload.get("was_open"):
        return None  # a draft nobody was told about
    return Announcement(cards.withdrawn_reply(position))
