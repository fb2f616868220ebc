"""The audit log of privileged actions, for HQ."""

from __future__ import annotations

from datetime import UTC
from typing import Annotated

from sqlalchemy import select

from bot.context import Context
from bot.declarations import Arg
from bot.errors import BadArgument
from bot.mentions import mention
from bot.permissions import HQ_ONLY
from bot.registry import Router
from bot.reply import Header, Reply, Section, stamp
from storage.models import AuditEvent

router = Router("audit")
MAX_ROWS = 200


@router.command("audit", access=HQ_ONLY, examples=["/audit", "/audit 50"])
async def audit(
    context: Context,
    count: Annotated[int, Arg("how many recent entries", metavar="N")] = 20,
) -> Reply:
    """Show the latest privileged actions: who did what, when.

    Times are written as platform timestamps, so each reader sees their own zone
    (UTC on the console for a member whose zone is not known).
    """
    if not 1 <= count <= MAX_ROWS:
        raise BadArgument(f"N must be between 1 and {MAX_ROWS}, got {count}.")
    rows = list(
        await context.session.scalars(
            select(AuditEvent).order_by(AuditEvent.id.desc()).limit(count)
        )
    )
    if not rows:
        return Reply.private("The audit log is empty.")
    lines = [
        f"{stamp(e.at if e.at.tzinfo else e.at.replace(tzinfo=UTC), 'UTC')} · "
        f"{mention(e.actor_id) if e.actor_id else 'a former member'} · {e.summary}"
        for e in rows
    ]
    return Reply.private(
        "\n".join(lines), Header(f"Audit log (latest {len(rows)})"), Section("\n".join(lines))
    )
