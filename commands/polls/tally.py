"""Counting a poll: votes per option, participation, and for ranked polls the runoff."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from commands.polls.audience import eligible_count
from commands.polls.irv import Runoff, instant_runoff
from storage.models import Ballot, Poll


@dataclass(frozen=True)
class Tally:
    ballots: int
    counts: dict[int, int]
    """Votes per option (1-based); first preferences for a ranked poll."""
    eligible: int | None
    """Members who may vote; None where that cannot be known (an open channel)."""
    runoff: Runoff | None = None

    @property
    def leaders(self) -> list[int]:
        """The winner, or every option tied for most votes (none without votes)."""
        if self.runoff is not None:
            return [self.runoff.winner] if self.runoff.winner is not None else []
        top = max(self.counts.values(), default=0)
        return [option for option, votes in self.counts.items() if votes == top and top > 0]

    def participation(self) -> str:
        if self.eligible is None:
            return f"{self.ballots} voted"
        return f"{self.ballots} of {self.eligible} eligible voted"


async def count(session: AsyncSession, poll: Poll, *, runoff: bool = False) -> Tally:
    """Count every ballot of `poll`; the runoff only when asked (results, not live cards)."""
    ballots = [
        list(c)
        for c in await session.scalars(select(Ballot.choices).where(Ballot.poll_id == poll.id))
    ]
    options = len(poll.options)
    counts = Counter[int]()
    for choices in ballots:
        if poll.ranked:
            if choices:
                counts[choices[0]] += 1
        else:
            counts.update(choices)
    return Tally(
        ballots=len(ballots),
        counts={option: counts[option] for option in range(1, options + 1)},
        eligible=await eligible_count(session, poll),
        runoff=instant_runoff(ballots, options) if poll.ranked and runoff else None,
    )


def is_closed(poll: Poll, now: datetime) -> bool:
    return poll.closed_at is not None or poll.closes_at <= now


def results_visible(poll: Poll, now: datetime) -> bool:
    """Hidden results stay hidden from everyone, the creator included, until close."""
    return not poll.hidden or is_closed(poll, now)
