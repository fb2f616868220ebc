"""Who a reply mentions, looked up once so each platform can write them its own way.

A reply names members as tokens; a renderer turns each into a Slack or Discord
mention, or a plain name. Commands, announcements and live cards all need this, so
it sits below each of them rather than inside the dispatcher.
"""

from __future__ import annotations

import dataclasses

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
    names: dict[int, str] = {}
    handles: dict[int, dict[str, str]] = {}
    for member_id, name, platform, external_id in rows:
        names[member_id] = name
        if platform is not None:
            handles.setdefault(member_id, {})[platform] = external_id
    people = dict(reply.people)
    for member_id, name in names.items():
        people[member_id] = Person(name, handles.get(member_id, {}))
    return dataclasses.replace(reply, people=people)
