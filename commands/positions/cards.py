"""How a position looks: its card, the chapters' part in it, and its announcements."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.mentions import mention
from bot.reply import Block, Fields, Header, Note, Reply, Section
from commands.positions.listing import Listed
from commands.positions.rule import Outcome, Tally, describe, fraction_text, what_is_missing
from commands.text import moment, plural
from storage.models import (
    Chapter,
    ChapterStatus,
    Position,
    PositionCheckin,
    PositionCheckout,
    PositionStance,
    PositionStatus,
)

STANCES = "agree|disagree|abstain"


def checkout_usage(position_id: int) -> str:
    return f"/position checkout {position_id} --chapter CHAPTER --meeting DATE"


def checkin_usage(position_id: int | str, chapter: str = "CHAPTER") -> str:
    return (
        f"/position checkin {position_id} --chapter {chapter} {STANCES} "
        "--for N --against N --abstain N --summary TEXT"
    )


def how_to_take_part(position_id: int) -> str:
    return (
        "A chapter's president checks it out for a meeting with "
        f"`{checkout_usage(position_id)}`, and after the meeting checks in the chapter's "
        f"stance with `{checkin_usage(position_id)}`."
    )


def counts_text(votes_for: int | None, votes_against: int | None, votes_abstain: int | None) -> str:
    """`12 for, 3 against, 1 abstaining`: only what the president reported."""
    parts = []
    if votes_for is not None:
        parts.append(f"{votes_for} for")
    if votes_against is not None:
        parts.append(f"{votes_against} against")
    if votes_abstain is not None:
        parts.append(f"{votes_abstain} abstaining")
    return ", ".join(parts)


def stance_text(checkin: PositionCheckin) -> str:
    """`agree (12 for, 3 against, 1 abstaining)`."""
    counts = counts_text(checkin.votes_for, checkin.votes_against, checkin.votes_abstain)
    return f"{checkin.stance} ({counts})" if counts else checkin.stance


@dataclass(frozen=True)
class ChapterPart:
    """One chapter's part in a position: its check-out and its current check-in."""

    name: str
    status: ChapterStatus
    checked_out: bool
    meeting_on: date | None
    checkin: PositionCheckin | None

    def line(self) -> str:
        parts: list[str] = []
        if self.checkin is not None:
            parts.append(stance_text(self.checkin))
            if self.checkin.summary:
                parts.append(f"“{self.checkin.summary}”")
        if self.checked_out:
            meeting = (
                f"its meeting on {self.meeting_on.isoformat()}" if self.meeting_on else "a meeting"
            )
            parts.append(f"checked out for {meeting}")
        if self.checkin is None:
            parts.append("not checked in yet")
        line = f"• *{self.name}*: " + " · ".join(parts)
        if self.checkin is not None and self.status is not ChapterStatus.ACTIVE:
            line += f" ({self.status.value}: not counted)"
        return line


async def chapter_parts(session: AsyncSession, position_id: int) -> list[ChapterPart]:
    """Every chapter that checked the position out or in, by name."""
    checkouts = {
        chapter_id: meeting_on
        for chapter_id, meeting_on in await session.execute(
            select(PositionCheckout.chapter_id, PositionCheckout.meeting_on).where(
                PositionCheckout.position_id == position_id
            )
        )
    }
    checkins = {
        checkin.chapter_id: checkin
        for checkin in await session.scalars(
            select(PositionCheckin)
            .join(PositionStance, PositionStance.checkin_id == PositionCheckin.id)
            .where(PositionStance.position_id == position_id)
        )
    }
    ids = set(checkouts) | set(checkins)
    if not ids:
        return []
    chapters = await session.execute(
        select(Chapter.id, Chapter.name, Chapter.status)
        .where(Chapter.id.in_(sorted(ids)))
        .order_by(Chapter.name_key)
    )
    return [
        ChapterPart(
            name=name,
            status=status,
            checked_out=chapter_id in checkouts,
            meeting_on=checkouts.get(chapter_id),
            checkin=checkins.get(chapter_id),
        )
        for chapter_id, name, status in chapters
    ]


def parts_section(parts: list[ChapterPart], empty: str) -> Section:
    if not parts:
        return Section(empty)
    return Section("*Chapters*\n" + "\n".join(part.line() for part in parts))


def status_text(position: Position, tz: ZoneInfo) -> str:
    status = position.status
    if status == PositionStatus.DRAFT:
        return "draft: not open to chapters yet"
    if status == PositionStatus.OPEN:
        return "open to chapters"
    when = f" {moment(position.decided_at, tz)}" if position.decided_at else ""
    return f"{status.value}{when}"


def deadline_text(position: Position, tz: ZoneInfo) -> str:
    if position.closes_at is not None:
        return moment(position.closes_at, tz)
    if position.requested_closes_at is not None:
        return f"set when opened (the proposer asks for {moment(position.requested_closes_at, tz)})"
    return "set when opened"


def tally_line(t: Tally, outcome: Outcome | None = None) -> str:
    """`describe(t)`, whose verdict looks ahead; for a decided position, what happened."""
    line = describe(t)
    if outcome is None or outcome is Outcome.OPEN or outcome is Outcome.ADOPTED:
        return line
    counts, _, _ = line.rpartition(" → ")
    return f"{counts} → {outcome.value} at the deadline"


def _outcome(position: Position) -> Outcome | None:
    try:
        return Outcome(position.status.value)
    except ValueError:
        return None


def position_card(
    position: Position, parts: list[ChapterPart], t: Tally | None, tz: ZoneInfo
) -> Reply:
    """/position show: the statement, where it stands, and every chapter's part."""
    status = position.status
    fields: list[tuple[str, str]] = [
        ("Status", status_text(position, tz)),
        ("Deadline", deadline_text(position, tz)),
    ]
    if position.proposer_id is not None:
        fields.append(("Proposed by", mention(position.proposer_id)))
    blocks: list[Block] = [
        Header(f"Position {position.id}: {position.title}"),
        Section(position.statement),
        Fields(tuple(fields)),
    ]
    if status != PositionStatus.DRAFT:
        blocks.append(parts_section(parts, "No chapter has checked it out or in yet."))
    line = tally_line(t, _outcome(position)) if t is not None else None
    if line is not None:
        blocks.append(Note(line))
    if status == PositionStatus.OPEN:
        blocks.append(Note(how_to_take_part(position.id)))
    elif status == PositionStatus.DRAFT:
        blocks.append(
            Note(f"A moderator or HQ opens it to the chapters: /position open {position.id}")
        )
    text = f"Position {position.id}: {position.title} ({status_text(position, tz)})"
    if line is not None:
        text += f". {line}"
    return Reply.private(text, *blocks)


def opened_reply(position: Position, t: Tally, tz: ZoneInfo) -> Reply:
    """The announcement every chapter channel gets when a position opens."""
    rule = t.rule
    assert position.closes_at is not None
    closes = moment(position.closes_at, tz)
    threshold = (
        f"It is adopted once {fraction_text(rule.quorum)} of the active chapters "
        f"({t.quorum_needed} of {t.active} now) have checked in and "
        f"{fraction_text(rule.supermajority)} of those taking a side agree."
    )
    blocks: list[Block] = [
        Header(f"Position {position.id} is open to the chapters: {position.title}"),
        Section(position.statement),
        Section(how_to_take_part(position.id)),
        Note(f"Check-ins close {closes}. {threshold}"),
    ]
    text = (
        f"Position {position.id} is open to the chapters until {closes}: {position.title}. "
        f"Check it out with {checkout_usage(position.id)}; check in with "
        f"{checkin_usage(position.id)}."
    )
    return Reply.public(text, *blocks)


def verdict(outcome: Outcome, t: Tally) -> str:
    """One sentence on why the position ended as it did."""
    counted = (
        f"{t.checked_in} of {plural(t.active, 'active chapter')} checked in: "
        f"{t.agree} agree, {t.disagree} disagree, {t.abstain} abstain"
    )
    if outcome is Outcome.ADOPTED:
        return f"Adopted. {counted}."
    if outcome is Outcome.REJECTED:
        return (
            f"Rejected at its deadline: the quorum was met, but fewer than "
            f"{fraction_text(t.rule.supermajority)} of the chapters taking a side agreed. "
            f"{counted}."
        )
    missing = "; ".join(what_is_missing(t)) or "the quorum was not met"
    return f"Expired at its deadline for want of quorum ({missing}). {counted}."


def outcome_reply(
    position: Position, outcome: Outcome, t: Tally, parts: list[ChapterPart]
) -> Reply:
    """The announcement of an outcome, with the tally by chapter."""
    line = verdict(outcome, t)
    blocks: list[Block] = [
        Header(f"Position {position.id} {outcome.value}: {position.title}"),
        Section(position.statement),
        Section(line),
        parts_section(parts, "No chapter checked in."),
        Note(tally_line(t, outcome)),
    ]
    if outcome is Outcome.EXPIRED:
        blocks.append(Note("It may be proposed again with /position propose."))
    return Reply.public(
        f"Position {position.id} {outcome.value}: {position.title}. {line}", *blocks
    )


def withdrawn_reply(position: Position) -> Reply:
    line = (
        f"Position {position.id} ({position.title}) was withdrawn; "
        "chapters need no longer check it in."
    )
    return Reply.public(line, Section(line))


def list_reply(listed: Listed, status: str | None, tz: ZoneInfo) -> Reply:
    """`/position list`: one line per position; open ones say who has them in hand.

    `status` is the filter as typed (None for the default of open and draft).
    """
    positions = listed.positions
    if not positions:
        none = {None: "No open or draft positions.", "all": "No positions yet."}.get(
            status, f"No {status} positions."
        )
        return Reply.private(f"{none} Anyone may propose one with /position propose.")
    lines = []
    for position in positions:
        state = position.status.value
        if position.status == PositionStatus.OPEN and position.closes_at is not None:
            state = f"open until {moment(position.closes_at, tz)}"
            out = listed.checked_out.get(position.id)
            state += " · checked out by " + (", ".join(out) if out else "no chapter yet")
            if position.id in listed.checked_in:
                state += " · checked in: " + ", ".join(listed.checked_in[position.id])
        elif position.decided_at is not None:
            state = f"{state} {moment(position.decided_at, tz)}"
        lines.append(f"*{position.id}* {position.title} — {state}")
    title = {None: "Open and draft positions", "all": "Positions"}.get(
        status, f"{str(status).title()} positions"
    )
    return Reply.private(
        f"{title}: " + "; ".join(f"{p.id} {p.title} ({p.status.value})" for p in positions),
        Header(title),
        Section("\n".join(lines)),
        Note("See one with /position show ID."),
    )
