"""Instant-runoff counting: hand-checked polls, and the fast counter against a naive one."""

from __future__ import annotations

from collections.abc import Sequence

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from commands.polls.irv import Runoff, first_preferences, instant_runoff

DRINKS = ["Coffee", "Tea", "Juice", "Water"]


def ballots(*groups: tuple[int, list[int]]) -> list[list[int]]:
    return [list(ranking) for count, ranking in groups for _ in range(count)]


def test_first_round_majority() -> None:
    result = instant_runoff([[1, 2], [1], [1, 3], [2, 1], [3]], 3)
    assert result.winner == 1
    assert result.ballots == 5
    [only] = result.rounds
    assert (only.number, dict(only.tallies), only.exhausted) == (1, {1: 3, 2: 1, 3: 1}, 0)
    assert (only.winner, only.eliminated, only.tie) == (1, None, None)


def test_transfers_overturn_the_first_round_leader() -> None:
    result = instant_runoff(ballots((8, [1]), (7, [2, 3]), (5, [3, 2])), 3)
    first, second = result.rounds
    assert dict(first.tallies) == {1: 8, 2: 7, 3: 5}
    assert (first.eliminated, first.winner, first.tie) == (3, None, None)
    assert dict(second.tallies) == {1: 8, 2: 12}
    assert second.winner == result.winner == 2


def test_exhausted_ballots_lower_the_majority_threshold() -> None:
    result = instant_runoff(ballots((4, [1]), (3, [2]), (2, [3])), 3)
    first, second = result.rounds
    assert first.eliminated == 3
    assert (dict(second.tallies), second.exhausted) == ({1: 4, 2: 3}, 2)
    # 4 of 9 ballots is no majority of all ballots, but it is of the 7 still in play.
    assert second.winner == result.winner == 1


def test_tie_for_fewest_is_broken_by_an_earlier_round() -> None:
    poll = ballots((5, [1]), (3, [2]), (2, [3, 2]), (1, [4, 3, 2]))
    result = instant_runoff(poll, 4)
    first, second, third = result.rounds
    assert (dict(first.tallies), first.eliminated, first.tie) == ({1: 5, 2: 3, 3: 2, 4: 1}, 4, None)
    assert dict(second.tallies) == {1: 5, 2: 3, 3: 3}
    assert second.eliminated == 3
    tie = second.tie
    assert tie is not None
    assert (tie.options, tie.votes, tie.eliminated) == ((2, 3), 3, 3)
    assert (tie.decided_in, tie.method) == (1, "earlier round 1")
    assert tie.describe(DRINKS) == (
        "Tied for fewest votes: Tea, Juice (3 each); "
        "Juice is eliminated because it had fewer votes in round 1."
    )
    assert dict(third.tallies) == {1: 5, 2: 6}
    assert third.winner == result.winner == 2


def test_tie_level_in_every_round_goes_by_poll_order() -> None:
    poll = ballots((3, [1]), (2, [2]), (2, [3, 1]), (1, [4, 1]))
    result = instant_runoff(poll, 4)
    first, second, third = result.rounds
    assert (first.eliminated, first.tie) == (4, None)
    assert dict(second.tallies) == {1: 4, 2: 2, 3: 2}  # 4 of 8 is not a majority
    tie = second.tie
    assert tie is not None
    assert (tie.options, tie.eliminated, tie.decided_in, tie.method) == (
        (2, 3),
        3,
        None,
        "poll order",
    )
    assert tie.describe(DRINKS) == (
        "Tied for fewest votes: Tea, Juice (2 each); "
        "Juice is eliminated because it is listed later in the poll."
    )
    assert (dict(third.tallies), third.winner) == ({1: 6, 2: 2}, 1)


def test_three_way_tie_narrows_round_by_round() -> None:
    foods = ["Pizza", "Tacos", "Sushi", "Curry", "Salad", "Soup"]
    poll = ballots((9, [1]), (3, [2]), (2, [3]), (2, [4]), (1, [5, 3]), (1, [6, 5, 4]))
    result = instant_runoff(poll, 6)
    assert result.elimination_order == (6, 5, 4)
    one, two, three, four = result.rounds
    assert one.tie is not None and one.tie.method == "poll order"
    assert two.tie is not None
    assert (two.tie.options, two.tie.eliminated, two.tie.method) == (
        (3, 4, 5),
        5,
        "earlier round 1",
    )
    assert two.tie.describe(foods).endswith(
        "Salad is eliminated because it had fewer votes in round 1."
    )
    assert dict(three.tallies) == {1: 9, 2: 3, 3: 3, 4: 3}
    assert three.tie is not None
    # Round 2 saves Tacos (3 against 2 and 2); Sushi and Curry were level all along.
    assert (three.tie.compared, three.tie.eliminated, three.tie.method) == ((3, 4), 4, "poll order")
    assert three.tie.describe(foods) == (
        "Tied for fewest votes: Tacos, Sushi, Curry (3 each); "
        "Curry is eliminated because it is listed later in the poll than Sushi."
    )
    assert (four.exhausted, four.winner, result.winner) == (3, 1, 1)


def test_options_without_votes_go_one_per_round() -> None:
    result = instant_runoff([[1], [1], [2], [2, 1]], 4)
    assert result.elimination_order == (4, 3, 2)
    assert [dict(r.tallies) for r in result.rounds] == [
        {1: 2, 2: 2, 3: 0, 4: 0},
        {1: 2, 2: 2, 3: 0},
        {1: 2, 2: 2},
        {1: 3},
    ]
    assert result.winner == 1


def test_no_ranked_ballots_means_no_winner() -> None:
    assert instant_runoff([[], [], []], 3) == Runoff(rounds=(), winner=None, ballots=3)
    assert instant_runoff([], 2) == Runoff(rounds=(), winner=None, ballots=0)


def test_accepts_any_iterable_of_rankings() -> None:
    result = instant_runoff((tuple(b) for b in [[2, 1], [2], [1]]), 2)
    assert result.winner == 2
    assert result.ballots == 3


def test_first_preferences_counts_every_option() -> None:
    assert first_preferences([[2, 1], [2], [], [3]], 4) == {1: 0, 2: 2, 3: 1, 4: 0}


@pytest.mark.parametrize(
    ("poll", "options", "message"),
    [
        ([[1, 0]], 3, "option 0, not in 1..3"),
        ([[4]], 3, "option 4, not in 1..3"),
        ([[1, 2, 1]], 3, "more than once"),
        ([[1]], 1, "at least 2 options"),
    ],
)
def test_bad_input_is_refused(poll: list[list[int]], options: int, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        instant_runoff(poll, options)
    if options >= 2:
        with pytest.raises(ValueError, match=message):
            first_preferences(poll, options)


# --- against a reference --------------------------------------------------------------


def naive_count(
    poll: Sequence[Sequence[int]], options: int
) -> tuple[list[tuple[dict[int, int], int, int | None, str | None]], int | None]:
    """Recount every ballot from scratch each round, exactly as the rules read."""
    if not any(poll):
        return [], None
    continuing = list(range(1, options + 1))
    history: list[dict[int, int]] = []
    rounds: list[tuple[dict[int, int], int, int | None, str | None]] = []
    while True:
        tallies = {option: 0 for option in continuing}
        exhausted = 0
        for ballot in poll:
            choices = [option for option in ballot if option in continuing]
            if choices:
                tallies[choices[0]] += 1
            else:
                exhausted += 1
        in_play = len(poll) - exhausted
        winners = [o for o in continuing if tallies[o] > in_play / 2 or len(continuing) == 1]
        if winners:
            rounds.append((tallies, exhausted, None, None))
            return rounds, winners[0]
        fewest = min(tallies.values())
        tied = [o for o in continuing if tallies[o] == fewest]
        how = None
        if len(tied) > 1:
            how = "poll order"
            for number in range(len(history), 0, -1):
                earlier = history[number - 1]
                tied = [o for o in tied if earlier[o] == min(earlier[t] for t in tied)]
                if len(tied) == 1:
                    how = f"earlier round {number}"
                    break
        loser = max(tied)
        rounds.append((tallies, exhausted, loser, how))
        history.append(tallies)
        continuing.remove(loser)


@st.composite
def polls(draw: st.DrawFn) -> tuple[int, list[list[int]]]:
    options = draw(st.integers(2, 6))
    ranking = st.permutations(range(1, options + 1)).flatmap(
        lambda order: st.integers(0, options).map(lambda length: order[:length])
    )
    return options, draw(st.lists(ranking, max_size=60))


@settings(max_examples=400)
@given(polls())
def test_matches_a_naive_recount(poll: tuple[int, list[list[int]]]) -> None:
    options, cast = poll
    result = instant_runoff(cast, options)
    expected_rounds, expected_winner = naive_count(cast, options)
    assert result.winner == expected_winner
    actual = [
        (dict(r.tallies), r.exhausted, r.eliminated, r.tie.method if r.tie else None)
        for r in result.rounds
    ]
    assert actual == expected_rounds


@settings(max_examples=400)
@given(polls())
def test_invariants_of_every_count(poll: tuple[int, list[list[int]]]) -> None:
    options, cast = poll
    result = instant_runoff(cast, options)
    assert result.ballots == len(cast)
    assert len(result.rounds) <= options
    assert [r.number for r in result.rounds] == list(range(1, len(result.rounds) + 1))
    continuing = list(range(1, options + 1))
    for r in result.rounds:
        assert list(r.tallies) == continuing
        assert sum(r.tallies.values()) + r.exhausted == len(cast)
        assert (r.winner is None) != (r.eliminated is None)
        if r.tie is not None:
            assert r.tie.eliminated == r.eliminated
            assert all(
                r.tallies[o] == r.tie.votes == min(r.tallies.values()) for o in r.tie.options
            )
        if r.eliminated is not None:
            continuing.remove(r.eliminated)
    if result.winner is None:
        assert result.rounds == ()
        assert not any(cast)
    else:
        assert result.rounds[-1].winner == result.winner
        assert result.winner not in result.elimination_order
