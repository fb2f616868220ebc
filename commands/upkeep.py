"""Housekeeping that belongs to no feature: forgetting platform deliveries past retry."""

from __future__ import annotations

from bot.due import DueRun
from bot.inbound import prune
from bot.registry import Router

router = Router("upkeep")


@router.due("upkeep.inbound")
async def prune_inbound(run: DueRun) -> None:
    """Claimed deliveries older than an hour: no platform retries that late."""
    pruned = await prune(run.session, run.now)
    if pruned:
        run.note(f"Forgot {pruned} platform deliveries older than an hour.")
