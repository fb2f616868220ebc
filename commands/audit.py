"""The audit log of privileged actions, for HQ."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC
from typing import Annotated, Any

from sqlalchemy import select

from bot.context import Context
from bot.declarations import Arg
from bot.errors import BadArgument
from bot.mentions import mention
from bot.people import PersonRow, people_of
from bot.permissions import HQ_ONLY
from bot.registry import Router
from bot.reply import Header, Reply, Section, stamp
from storage.models import AuditEvent, Identity, Member

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
    # The actors' names and accounts come in the same statement (a row per account),
    # so the reply needs no second query to write their mentions.
    latest = select(AuditEvent).order_by(AuditEvent.id.desc()).limit(count).subquery()
    listed = await context.session.execute(
        select(latest, Member.name, Identity.platform, Identity.external_id)
        .outerjoin(Member, Member.id == latest.c.actor_id)
        .outerjoin(Identity, Identity.member_id == latest.c.actor_id)
        .order_by(latest.c.id.desc())
    )
    rows: list[Any] = []
    actors: list[PersonRow] = []
    for row in listed:
        if not rows or rows[-1].id != row.id:
            rows.append(row)
        actors.append((row.actor_id, row.name, row.platform, row.external_id))
    if not rows:
        return Reply.private("The audit log is empty.")
    lines = [
        f"{stamp(e.at if e.at.tzinfo else e.at.replace(tzinfo=UTC), 'UTC')} · "
        f"{mention(e.actor_id) if e.actor_id else 'a former member'} · {e.summary}"
        for e in rows
    ]
    reply = Reply.private(
        "\n".join(lines), Header(f"Audit log (latest {len(rows)})"), Section("\n".join(lines))
    )
    return replace(reply, people=people_of(actors))
