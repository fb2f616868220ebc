"""Instant-runoff (ranked-choice) counting, kept free of I/O so results can be explained.

A poll result is only trusted if members can follow it, so the counter returns every
round — tallies, exhausted ballots, who was dropped and why — rather than just a name.

How the count works
-------------------
Each ballot counts for its highest-ranked option that is still in the race. An option
with more than half of the ballots still in play wins; a ballot whose ranked options
have all been eliminated is "exhausted" and no longer counts towards that half. When
only one option is left, it wins. Otherwise the option with the fewest votes is
eliminated (exactly one per round, even when it has no votes) and its ballots move to
their next choice.

Ties for fewest votes
---------------------
When several options share the fewest votes, we look back at the earlier rounds, most
recent first, and eliminate the option that had fewer votes in the most recent round
where they differed. If they were level in every earlier round, the option listed
later in the poll is eliminated. (With three or more tied, an option that had more
votes in a round is safe, and the comparison goes on among the rest.)
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from types import MappingProxyType

Ballot = tuple[int, ...]


@dataclass(frozen=True)
class Tie:
    """Kept so the announcement can say why an option went out, not just that it did."""

    options: tuple[int, ...]
    votes: int
    eliminated: int
    decided_in: int | None  # the earlier round that settled it; None means poll order
    compared: tuple[int, ...]  # options still level when it was settled, eliminated included

    @property
    def method(self) -> str:
        return "poll order" if self.decided_in is None else f"earlier round {self.decided_in}"

    def describe(self, labels: Sequence[str]) -> str:
        def name(option: int) -> str:
            return labels[option - 1]

        tied = ", ".join(name(o) for o in self.options)
        # Name the rivals only when an earlier round already saved some of the tied,
        # otherwise "fewer votes" or "listed later" would not hold against all of them.
        others = [name(o) for o in self.compared if o != self.eliminated]
        than = f" than {', '.join(others)}" if self.compared != self.options else ""
        if self.decided_in is None:
            reason = f"it is listed later in the poll{than}"
        else:
            reason = f"it had fewer votes{than} in round {self.decided_in}"
        return (
            f"Tied for fewest votes: {tied} ({self.votes} each); "
            f"{name(self.eliminated)} is eliminated because {reason}."
        )


@dataclass(frozen=True)
class Round:
    number: int
    tallies: Mapping[int, int]  # every continuing option, in poll order, zeros included
    exhausted: int
    eliminated: int | None
    tie: Tie | None
    winner: int | None


@dataclass(frozen=True)
class Runoff:
    rounds: tuple[Round, ...]  # empty when no ballot ranked anything
    winner: int | None
    ballots: int

    @property
    def elimination_order(self) -> tuple[int, ...]:
        return tuple(r.eliminated for r in self.rounds if r.eliminated is not None)


def _group(ballots: Iterable[Sequence[int]], options: int) -> Counter[Ballot]:
    """Identical ballots are counted once, with a weight: polls repeat popular rankings."""
    if options < 2:
        raise ValueError(f"a poll needs at least 2 options, got {options}")
    groups = Counter(tuple(b) for b in ballots)
    valid = frozenset(range(1, options + 1))
    for ballot in groups:
        ranked = set(ballot)
        if ranked <= valid and len(ranked) == len(ballot):
            continue  # set operations keep the check out of the per-option Python loop
        for option in ballot:
            if option not in valid:
                raise ValueError(
                    f"ballot {list(ballot)} ranks option {option}, not in 1..{options}"
                )
        raise ValueError(f"ballot {list(ballot)} ranks an option more than once")
    return groups


def first_preferences(ballots: Iterable[Sequence[int]], options: int) -> dict[int, int]:
    """First-choice counts for a live "current standings" view without a full count."""
    counts = dict.fromkeys(range(1, options + 1), 0)
    for ballot, weight in _group(ballots, options).items():
        if ballot:
            counts[ballot[0]] += weight
    return counts


def _break_tie(tied: list[int], votes: int, earlier: Sequence[Round]) -> Tie:
    level = tied
    for previous in reversed(earlier):
        low = min(previous.tallies[o] for o in level)
        narrowed = [o for o in level if previous.tallies[o] == low]
        if len(narrowed) == 1:
            return Tie(tuple(tied), votes, narrowed[0], previous.number, tuple(level))
        level = narrowed
    return Tie(tuple(tied), votes, max(level), None, tuple(level))


def instant_runoff(ballots: Iterable[Sequence[int]], options: int) -> Runoff:
    """Count incrementally: only the eliminated option's ballots are looked at again.

    Each distinct ballot sits in the pile of the option it currently counts for, with
    its position in the ranking; eliminating an option moves just that pile onwards.
    A full count therefore reads every ranking once, whatever the number of rounds.
    """
    groups = _group(ballots, options)
    total = sum(groups.values())
    tallies = dict.fromkeys(range(1, options + 1), 0)  # continuing options only
    piles: dict[int, list[tuple[Ballot, int, int]]] = {o: [] for o in tallies}
    exhausted = 0
    for ballot, weight in groups.items():
        if ballot:
            tallies[ballot[0]] += weight
            piles[ballot[0]].append((ballot, weight, 0))
        else:
            exhausted += weight
    if exhausted == total:
        return Runoff(rounds=(), winner=None, ballots=total)

    rounds: list[Round] = []
    while True:
        number = len(rounds) + 1
        snapshot = MappingProxyType(dict(tallies))
        leader = max(tallies, key=tallies.__getitem__)
        if len(tallies) == 1 or 2 * tallies[leader] > total - exhausted:
            rounds.append(Round(number, snapshot, exhausted, None, None, leader))
            return Runoff(rounds=tuple(rounds), winner=leader, ballots=total)

        fewest = min(tallies.values())
        tied = [o for o in tallies if tallies[o] == fewest]
        tie = _break_tie(tied, fewest, rounds) if len(tied) > 1 else None
        loser = tie.eliminated if tie else tied[0]
        rounds.append(Round(number, snapshot, exhausted, loser, tie, None))

        del tallies[loser]
        for ballot, weight, position in piles.pop(loser):
            for i in range(position + 1, len(ballot)):
                option = ballot[i]
                if option in tallies:
                    tallies[option] += weight
                    piles[option].append((ballot, weight, i))
                    break
            else:
                exhausted += weight
