"""How a charter looks: purpose, "not responsible for", and each metric's bar and pace.

`/workgroup info` and `/chapter info` add these blocks to their cards, so a charter
reads the same wherever it shows."""

from __future__ import annotations

from collections.abc import Sequence

from bot.reply import Block, Note, Progress, Section
from commands.charters.standing import MetricStanding
from storage.models import MetricKind


def charter_lines(purpose: str | None, not_responsible: str | None) -> str:
    lines = []
    if purpose:
        lines.append(f"*Purpose:* {purpose}")
    if not_responsible:
        lines.append(f"*Not responsible for:* {not_responsible}")
    return "\n".join(lines)


def metric_blocks(standings: Sequence[MetricStanding], how_to_add: str) -> list[Block]:
    """The owned metrics, then the influenced ones: bars where there is a target."""
    if not standings:
        return []
    blocks: list[Block] = []
    for kind, title in ((MetricKind.OWNED, "Owns"), (MetricKind.INFLUENCED, "Influences")):
        mine = [s for s in standings if s.metric.kind is kind]
        if not mine:
            continue
        bars: list[Progress] = []
        lines: list[str] = []
        for standing in mine:
            bar = standing.block()
            if bar is not None:
                bars.append(bar)
            else:
                lines.append(f"• {standing.summary()}")
        blocks.append(Section(f"*{title}*" + ("\n" + "\n".join(lines) if lines else "")))
        blocks.extend(bars)
    blocks.append(Note(how_to_add))
    return blocks


def metric_text(standings: Sequence[MetricStanding]) -> str:
    return "; ".join(s.summary() for s in standings)
