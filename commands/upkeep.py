"""Housekeeping that belongs to no feature: forgetting platform deliveries past retry,
and live posts' edit streams nobody has drawn for an hour."""

from __future__ import annotations

from bot import live
from bot.due import DueRun
from bot.inbound import prune
from bot.inbound import prune_due as inbound_prune_due
from bot.registry import Router

router = Router("upkeep")


@router.due("upkeep.inbound", probe=inbound_prune_due)
async def prune_inbound(run: DueRun) -> None:
    """Claimed deliveries older than an hour: no platform retries that late."""
    pruned = await prune(run.session, run.now)
    if pruned:
        run.note(f"Forgot {pruned} platform deliveries older than an hour.")


@router.due("upkeep.live", probe=live.prune_due)
async def prune_live(run: DueRun) -> None:
    """Live posts' claims free for an hour: the next change to a card writes its row again."""
    pruned = await live.prune(run.session, run.now)
    if pruned:
        run.note(f"Forgot {pruned} live-post claims unused for an hour.")
