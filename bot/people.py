"""Who a reply mentions, looked up once so each platform can write them its own way.

A reply names members as tokens; a renderer turns each into a Slack or Discord
mention, or a plain name. Commands, announcements and live cards all need this, so
it sits below each of them rather than inside the dispatcher.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.mentions import Person, member_ids
from bot.reply import Reply
from storage.models import Identity, Member


async def with_people(session: AsyncSession, reply: Reply) -> Reply:
    """Attach what renderers need to write each mentioned member, in one query."""
    wanted = member_ids(reply.all_text()) - set(reply.people)
    if not wanted:
        return reply
    rows = await session.execute(
        select(Member.id, Member.name, Identity.platform, Identity.external_id)
        .outerjoin(Identity, Identity.member_id == Member.id)
        .where(Member.id.in_(wanted))
    )
    return dataclasses.replace(reply, people={**reply.people, **people_of(rows)})


PersonRow = tuple[int | None, str | None, str | None, str | None]
"""(member id, name, platform, account id): a member outer-joined to their identities."""


def people_of(rows: Iterable[PersonRow]) -> dict[int, Person]:
    """People from rows a handler's own query joined in (a row per account), so the
    reply mentioning them needs no second query: give them to `Reply.people`."""
    names: dict[int, str] = {}
    handles: dict[int, dict[str, str]] = {}
    for member_id, name, platform, external_id in rows:
        if member_id is None or name is None:
            continue
        names[member_id] = name
        accounts = handles.setdefault(member_id, {})
        if platform is not None and external_id is not None:
            accounts[platform] = external_id
    return {member_id: Person(name, handles[member_id]) for member_id, name in names.items()}
