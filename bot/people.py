"""Who a reply mentions, looked up once so each platform can write them its own way.

A reply names members as tokens; a renderer turns each into a Slack or Discord
mention, or a plain name. Commands, announcements and live cards all need this, so
it sits below each of them rather than inside the dispatcher.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable, Mapping
from typing import Any

from sqlalchemy import event, inspect, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import ORMExecuteState, Session

from bot.mentions import Person, member_ids
from bot.reply import Reply
from storage.models import Identity, Member


async def with_people(session: AsyncSession, reply: Reply) -> Reply:
    """Attach what renderers need to write each mentioned member, in one query."""
    wanted = member_ids(reply.all_text()) - set(reply.people)
    known = _remembered(session, wanted)
    if known:
        reply = dataclasses.replace(reply, people={**reply.people, **known})
        wanted -= set(known)
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


_KNOWN = "chapterhouse.people"
"""Session.info key: members looked up in this unit of work, with their accounts."""


def remember(session: AsyncSession, member: Member, handles: Mapping[str, str]) -> None:
    """A member this unit of work looked up with all their accounts (a resolved mention):
    a reply mentioning them then needs no query for it. Kept for this transaction only,
    and forgotten as soon as it writes members or identities."""
    session.info.setdefault(_KNOWN, {})[member.id] = (member, dict(handles))


def _remembered(session: AsyncSession, wanted: set[int]) -> dict[int, Person]:
    known: dict[int, tuple[Member, dict[str, str]]] = session.info.get(_KNOWN) or {}
    people: dict[int, Person] = {}
    for member_id in wanted & set(known):
        member, handles = known[member_id]
        state = inspect(member)
        if state.deleted or state.was_deleted or state.detached:
            continue
        people[member_id] = Person(member.name, handles)  # the name as it is now
    return people


_PEOPLE_TABLES = frozenset({"members", "identities"})


@event.listens_for(Session, "do_orm_execute")
def _forget_on_write(state: ORMExecuteState) -> None:
    if state.is_select or not state.session.info.get(_KNOWN):
        return
    name = getattr(getattr(state.statement, "table", None), "name", None)
    if name is not None and name not in _PEOPLE_TABLES:
        return  # a write to another table
    state.session.info.pop(_KNOWN, None)  # a write to people, or one we cannot tell


@event.listens_for(Session, "after_flush")
def _forget_on_flush(session: Session, _context: Any) -> None:
    if not session.info.get(_KNOWN):
        return
    changed = (*session.new, *session.dirty, *session.deleted)
    if any(isinstance(row, Member | Identity) for row in changed):
        session.info.pop(_KNOWN, None)
