"""The audit log of privileged actions, for HQ."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC
from typing import Annotated, Any

from sqlalchemy import (
    JSON,
    CompoundSelect,
    Integer,
    String,
    Text,
    bindparam,
    cast,
    null,
    select,
    true,
    type_coerce,
    union_all,
)

from bot.context import Context
from bot.declarations import Arg
from bot.errors import BadArgument
from bot.mentions import FORGOTTEN, mention
from bot.people import PersonRow, people_of
from bot.permissions import HQ_ONLY
from bot.registry import Router
from bot.reply import Header, Reply, Section, stamp
from storage.jsonitems import json_items
from storage.jsonrows import json_rows
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
    listed = await context.session.execute(_STATEMENT, {"count": count})
    rows: list[Any] = []
    people: list[PersonRow] = []
    gone: set[int] = set()
    for row in listed:
        if row.id is not None:
            rows.append(row)
        elif row.member_name is None:
            gone.add(row.member_id)  # forgotten since: written as the tokens of the gone are
        else:
            accounts: list[tuple[str | None, str | None]] = [
                (str(platform), str(handle)) for platform, handle in row.accounts or ()
            ]
            people += [
                (row.member_id, row.member_name, p, h) for p, h in accounts or [(None, None)]
            ]
    rows.sort(key=lambda e: e.id, reverse=True)
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
    return replace(reply, people={**dict.fromkeys(gone, FORGOTTEN), **people_of(people)})


def _statement() -> CompoundSelect[Any]:
    """The entries, then everyone they name (the actors and the members their summaries
    mention) with their names and accounts, each once; so the reply needs no second
    query to write their mentions.

    Each person is looked up by key in subqueries of their own rather than joined, and
    only once: PostgreSQL guesses a hundred elements per JSON list, and for that many
    would scan every member to join them, or plan costs high enough to compile the
    query to machine code first, which takes longer than running it.
    """
    latest = (
        select(AuditEvent.id, AuditEvent.at, AuditEvent.actor_id, AuditEvent.summary)
        .add_columns(AuditEvent.mentioned)
        .order_by(AuditEvent.id.desc())
        .limit(bindparam("count"))
        .cte("latest")
    )
    items = json_items(latest.c.mentioned).table_valued("value")
    either = union_all(
        select(latest.c.actor_id.label("member_id")),
        select(cast(items.c.value, Integer)).select_from(latest.join(items, true())),
    ).subquery("either")
    named = select(either.c.member_id).distinct().cte("named")
    name = select(Member.name).where(Member.id == named.c.member_id).scalar_subquery()
    accounts = (
        select(json_rows(Identity.platform, Identity.external_id))
        .where(Identity.member_id == named.c.member_id)
        .scalar_subquery()
    )
    return union_all(
        select(
            *(latest.c.id, latest.c.at, latest.c.actor_id, latest.c.summary),
            type_coerce(null(), Integer).label("member_id"),
            type_coerce(null(), String).label("member_name"),
            type_coerce(null(), JSON).label("accounts"),
        ),
        select(
            *(type_coerce(null(), c.type) for c in (latest.c.id, latest.c.at, latest.c.actor_id)),
            type_coerce(null(), Text),
            named.c.member_id,
            name,
            accounts,
        ).where(named.c.member_id.is_not(None)),
    )


_STATEMENT = _statement()
"""Built once: composing it costs more than running it."""
