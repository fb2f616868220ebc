"""Updates as other features show them: `/stats`, the weekly digest, and HQ's report
printed by `chapterhouse report`."""

from __future__ import annotations

from collections import Counter
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.reply import Header, Note, Reply, Section
from commands.charters.group import SOCIETY, Group, of_chapter
from commands.charters.lookup import group_by_key
from commands.updates import cards
from commands.updates.draft import draft, labels_within
from commands.updates.periods import Period, society_period
from commands.updates.status import owing_groups, standings, update_for
from storage.models import Chapter, StatusUpdate, Workgroup

SHOWN = 8


async def states_section(session: AsyncSession, now: datetime, tz: ZoneInfo) -> Section:
    """For `/stats`: how many groups are current, due, overdue or away, naming the late."""
    shown = await standings(session, await owing_groups(session), now, tz)
    counts: Counter[str] = Counter(s.state for s in shown)
    parts = [f"{counts[state]} {state}" for state in cards.STATE_MARKS if counts[state]]
    late = [s.group.name for s in shown if s.state == "overdue"]
    line = "*Updates*\n" + (", ".join(parts) if parts else "No group owes an update yet.")
    if late:
        more = f" and {len(late) - SHOWN} more" if len(late) > SHOWN else ""
        line += "\nOverdue: " + ", ".join(late[:SHOWN]) + more
    return Section(line)


async def digest_section(
    session: AsyncSession, chapter: Chapter, now: datetime, tz: ZoneInfo
) -> Section:
    """For a chapter's digest: its own update's state, and the week's updates, one line each."""
    (own,) = await standings(session, [of_chapter(chapter)], now, tz)
    lines = [
        f"Ours for {own.period.describe()}: {cards.STATE_MARKS[own.state]}"
        + (f" (#{own.update.id})" if own.update else "")
    ]
    recent = await session.execute(
        select(StatusUpdate, Workgroup.name, Chapter.name)
        .outerjoin(Workgroup, Workgroup.id == StatusUpdate.workgroup_id)
        .outerjoin(Chapter, Chapter.id == StatusUpdate.chapter_id)
        .where(
            StatusUpdate.posted_at >= now - timedelta(days=7),
            StatusUpdate.skipped.is_(False),
        )
        .order_by(StatusUpdate.posted_at.desc())
        .limit(SHOWN)
    )
    for update, workgroup_name, chapter_name in recent:
        name = workgroup_name or chapter_name or SOCIETY.name
        first = (update.got or update.next_steps or update.asked).splitlines()[0]
        lines.append(f"• {name}: {first.removeprefix('• ')} (/update show {update.id})")
    return Section("*Updates*\n" + "\n".join(lines))


async def society_report(session: AsyncSession, period: Period, tz: ZoneInfo) -> Reply:
    """HQ's report for a month or a quarter: as HQ posted it (or the draft, marked so),
    then every group's update in it, one line each."""
    quarterly = period.cadence == "quarterly"
    posted = await update_for(session, SOCIETY.key, period.label)
    if posted is not None and not posted.skipped:
        asked, got, ahead = posted.asked, posted.got, posted.next_steps
        highlights = posted.highlights or ""
        status = f"Posted by HQ (#{posted.id})."
    else:
        written = await draft(session, SOCIETY, period, tz)
        asked, got, ahead, highlights = written.asked, written.got, written.next, written.highlights
        status = "Not posted by HQ yet: this is the draft from the records."
    if period.quarter_end:
        quarter = society_period(period)
        status += (
            f" HQ reports on {period.describe()} with the quarter: "
            f"chapterhouse report --quarter {quarter.label}"
        )
    lines = []
    # A quarter's report names every group's updates in it, whatever their cadence.
    labels = labels_within(period) if quarterly else {period.label}
    rows = await session.scalars(
        select(StatusUpdate)
        .where(StatusUpdate.period.in_(labels), StatusUpdate.group_key != SOCIETY.key)
        .order_by(StatusUpdate.group_key, StatusUpdate.period)
    )
    names: dict[str, Group | None] = {}
    for update in rows:
        if update.group_key not in names:
            names[update.group_key] = await group_by_key(session, update.group_key)
        group = names[update.group_key]
        if group is None:
            continue
        name = f"{group.name} ({update.period})" if quarterly else group.name
        if update.skipped:
            lines.append(f"• {name}: skipped — {update.reason}")
        else:
            first = (update.got or update.next_steps or update.asked).splitlines()[0]
            lines.append(f"• {name}: {first.removeprefix('• ')}")
    what = "quarter" if quarterly else "month"
    return Reply.private(
        f"The society's report for {period.describe()}",
        Header(f"The society's report for {period.describe()}"),
        *cards.field_sections(asked, got, ahead, highlights),
        Section(
            "*Groups*\n" + ("\n".join(lines) if lines else f"No group updates for the {what}.")
        ),
        Note(status),
    )


def markdown(reply: Reply) -> str:
    """A report as Markdown: headers as `#`, sections' bold labels as `##`."""
    out: list[str] = []
    for block in reply.blocks:
        if isinstance(block, Header):
            out += [f"# {block.text}", ""]
        elif isinstance(block, Section):
            title, _, body = block.text.partition("\n")
            if title.startswith("*") and title.endswith("*"):
                out += [f"## {title.strip('*')}", "", body.replace("• ", "- "), ""]
            else:
                out += [block.text, ""]
        elif isinstance(block, Note):
            out += [f"_{block.text}_", ""]
    return "\n".join(out).rstrip() + "\n"
