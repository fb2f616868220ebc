"""A group's charter as its info card shows it: a small hook for `/workgroup info`
and `/chapter info`, which add these blocks to what they already draw."""

from __future__ import annotations

from datetime import date
from zoneinfo import ZoneInfo

from bot.context import Context
from bot.reply import Block, Section
from commands.charters import cards
from commands.charters.group import Group
from commands.charters.standing import metrics_of, standings
from storage.models import ChapterCharter


def local_today(context: Context, group: Group) -> date:
    """The group's own day: a chapter's zone, else the society's."""
    zone = ZoneInfo(group.timezone) if group.timezone else context.tz
    return context.now.astimezone(zone).date()


async def charter_blocks(
    context: Context,
    group: Group,
    charter: ChapterCharter | None = None,
    *,
    read: tuple[ChapterCharter | None, bool] | None = None,
) -> list[Block]:
    """A group's charter metrics (and a chapter's purpose lines) for its info card.

    `read`: the chapter's charter (None: it has none) and whether the group keeps
    metrics, when the caller's own query read them; neither is then queried again.
    """
    session = context.session
    blocks: list[Block] = []
    if read is not None:
        charter = read[0]
    if group.kind == "chapter" and group.id is not None:
        if read is None:
            charter = charter or await session.get(ChapterCharter, group.id)
        if charter is not None and (
            lines := cards.charter_lines(charter.purpose, charter.not_responsible)
        ):
            blocks.append(Section(lines))
    if read is not None and not read[1]:
        return blocks
    rows = await metrics_of(session, group.key)
    if rows:
        shown = await standings(session, rows, local_today(context, group))
        blocks += cards.metric_blocks(
            shown, f'Metrics: /{group.kind} metric add|set {group.typed} "METRIC" …'
        )
    return blocks
