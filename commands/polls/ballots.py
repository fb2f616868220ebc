"""Ballots: one per member per poll, replaced when the member changes their vote.

Every ballot, anonymous or not, is found by a keyed hash of poll and member, so the
same code keeps one ballot per member for both. Only a non-anonymous ballot also
names its voter and when it was cast. See `bot.ballot_key` for where the key lives.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from collections.abc import Callable, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import delete, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession

from bot.config import Settings
from bot.context import Context
from storage.models import Ballot, Member, Poll

FORMER_PREFIX = "former:"


def voter_key(settings: Settings, poll_id: int, member_id: int) -> str:
    secret = settings.ballot_secret
    if secret is None:  # pragma: no cover - bootstrap always sets one
        raise RuntimeError("no ballot key: build the app with bot.bootstrap")
    message = f"poll:{poll_id}:member:{member_id}".encode()
    return hmac.new(secret.get_secret_value().encode(), message, hashlib.sha256).hexdigest()


async def current(session: AsyncSession, poll: Poll, key: str) -> list[int] | None:
    """The member's choices now, or None if they have not voted."""
    choices = await session.scalar(
        select(Ballot.choices)
        .where(Ballot.poll_id == poll.id, Ballot.voter_key == key)
        .with_for_update()
    )
    return list(choices) if choices is not None else None


def _upsert(insert: Callable[[type[Ballot]], Any]) -> Any:
    statement = insert(Ballot)
    return statement.on_conflict_do_update(
        index_elements=[Ballot.poll_id, Ballot.voter_key],
        set_={"choices": statement.excluded.choices, "cast_at": statement.excluded.cast_at},
    )


# Built once: composing an upsert costs more than running one.
_UPSERTS = {"postgresql": _upsert(postgresql.insert), "sqlite": _upsert(sqlite.insert)}


async def cast(
    session: AsyncSession,
    poll: Poll,
    key: str,
    member: Member,
    choices: Sequence[int],
    now: datetime,
) -> None:
    """Insert or replace the ballot in one statement, so concurrent votes never double."""
    values = {
        "poll_id": poll.id,
        "voter_key": key,
        "voter_id": None if poll.anonymous else member.id,
        "choices": list(choices),
        "cast_at": None if poll.anonymous else now,
    }
    await session.execute(_UPSERTS[session.get_bind().dialect.name], values)


async def withdraw(session: AsyncSession, poll: Poll, key: str) -> None:
    await session.execute(delete(Ballot).where(Ballot.poll_id == poll.id, Ballot.voter_key == key))


async def move_ballots(context: Context, member: Member, target: Member | None) -> None:
    """Before a member is merged into `target` or forgotten, carry their ballots along.

    Merging: a ballot moves to the target unless the target voted in that poll too;
    then, in an open poll, the target's ballot stands (one person, one vote), and in
    a closed poll the extra ballot is kept unlinked so published results stay true.
    Forgetting: ballots are kept, counted, and unlinked from the member for good.
    """
    session = context.session
    poll_rows = (await session.execute(select(Poll.id, Poll.closed_at, Poll.anonymous))).all()
    if not poll_rows:
        return
    settings = context.settings
    keys = {poll_id: voter_key(settings, poll_id, member.id) for poll_id, _, _ in poll_rows}
    voted = set(
        await session.scalars(
            select(Ballot.poll_id).where(Ballot.voter_key.in_(list(keys.values())))
        )
    )
    for poll_id, closed_at, anonymous in poll_rows:
        if poll_id not in voted:
            continue
        mine = (Ballot.poll_id == poll_id) & (Ballot.voter_key == keys[poll_id])
        new_key = FORMER_PREFIX + secrets.token_hex(28)
        new_voter: int | None = None
        if target is not None:
            target_key = voter_key(settings, poll_id, target.id)
            theirs = await session.scalar(
                select(Ballot.voter_key).where(
                    Ballot.poll_id == poll_id, Ballot.voter_key == target_key
                )
            )
            if theirs is None:
                new_key, new_voter = target_key, None if anonymous else target.id
            elif closed_at is None:
                await session.execute(delete(Ballot).where(mine))
                continue
        await session.execute(
            update(Ballot)
            .where(mine)
            .values(
                voter_key=new_key,
                voter_id=new_voter,
                cast_at=None if new_voter is None else Ballot.cast_at,
            )
        )
