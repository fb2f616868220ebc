"""Ballots: one per member per poll, replaced when the member changes their vote.

Every ballot, anonymous or not, is found by a keyed hash of poll and member, so the
same code keeps one ballot per member for both. Only a non-anonymous ballot also
names its voter and when it was cast. See `bot.ballot_key` for where the key lives.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from collections.abc import Mapping
from datetime import datetime

from sqlalchemy import delete, select, tuple_, update
from sqlalchemy.ext.asyncio import AsyncSession

from bot.config import Settings
from bot.context import Context
from storage.models import Ballot, Member, Poll
from storage.upsert import Upsert

FORMER_PREFIX = "former:"


def voter_key(settings: Settings, poll_id: int, member_id: int) -> str:
    secret = settings.ballot_secret
    if secret is None:  # pragma: no cover - bootstrap always sets one
        raise RuntimeError("no ballot key: build the app with chapterhouse.bootstrap")
    message = f"poll:{poll_id}:member:{member_id}".encode()
    return hmac.new(secret.get_secret_value().encode(), message, hashlib.sha256).hexdigest()


BallotKey = tuple[int, str]
"""(poll id, voter key)."""


async def current_many(session: AsyncSession, wanted: set[BallotKey]) -> dict[BallotKey, list[int]]:
    """The choices behind each key that has voted (locked on PostgreSQL until commit)."""
    if not wanted:
        return {}
    rows = await session.execute(
        select(Ballot.poll_id, Ballot.voter_key, Ballot.choices)
        .where(tuple_(Ballot.poll_id, Ballot.voter_key).in_(sorted(wanted)))
        .with_for_update()
    )
    return {(poll_id, key): list(choices) for poll_id, key, choices in rows}


_UPSERT = Upsert(Ballot, ("poll_id", "voter_key"), ("choices", "cast_at"))


async def store(
    session: AsyncSession,
    polls: Mapping[int, Poll],
    voters: Mapping[BallotKey, int],
    before: Mapping[BallotKey, list[int]],
    after: Mapping[BallotKey, list[int]],
    now: datetime,
) -> None:
    """Write every ballot that changed, in one statement per kind of change.

    An upsert, not an insert, so a vote racing another process's vote for the same
    member replaces it instead of doubling it.
    """
    rows, gone = [], []
    for ballot_key, member_id in voters.items():
        choices = after.get(ballot_key)
        if choices == before.get(ballot_key):
            continue
        if choices is None:
            gone.append(ballot_key)
            continue
        poll = polls[ballot_key[0]]
        rows.append(
            {
                "poll_id": poll.id,
                "voter_key": ballot_key[1],
                "voter_id": None if poll.anonymous else member_id,
                "choices": choices,
                "cast_at": None if poll.anonymous else now,
            }
        )
    if rows:
        # In key order, not arrival order: where rows land says nothing of who came when.
        rows.sort(key=lambda row: (row["poll_id"], row["voter_key"]))
        await _UPSERT.execute(session, rows)
    if gone:
        await session.execute(
            delete(Ballot).where(tuple_(Ballot.poll_id, Ballot.voter_key).in_(gone))
        )


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
