"""Instant-runoff benchmark: the poll counter on a large ranked-choice poll.

What it measures
----------------
The time `commands.polls.irv.instant_runoff` takes to count a whole poll (by
default 5,000 ballots over 10 options), input validation and grouping included,
next to a naive recount that rereads every ballot in every round.

Why
---
A poll is counted when it closes and again whenever someone asks for the result,
inside a chat command that should answer at once. The goal is a few to tens of
milliseconds at 5,000 ballots. An absolute figure depends on the machine, so the
same run also times the naive recount and prints the ratio: that is the figure to
watch, since it says whether the incremental count still earns its complexity.

How
---
1. Build ballots with a fixed random seed: options have skewed popularity (so no
   option has a first-round majority and several rounds happen), each ballot is a
   popularity-weighted random ranking, and many ballots rank only a few options
   (so ballots exhaust along the way, as in real polls).
2. Count once with both counters and check they agree on the winner and the order
   of elimination, so the comparison is between two correct counts.
3. Time each counter with `time.perf_counter` over `--repeat` runs (the naive one
   over fewer, it is slow), and print the median and best in milliseconds, then
   the naive/ours ratio of the medians.

Reading the figures
-------------------
Our time includes checking every distinct ballot and grouping identical ones, which
the naive count skips; most naive lookups stop at the first choice, since popular
options survive longest. So the ratio is modest at 10 options and grows when the
options eliminated early held many first choices, or with more options.

Usage
-----
    .venv/bin/python bench/irv_count.py [--ballots 5000] [--options 10]
        [--repeat 20] [--naive-repeat 5] [--seed 7]
"""

from __future__ import annotations

import argparse
import random
import statistics
import sys
import time
from collections.abc import Callable, Sequence
from pathlib import Path

# The checkout being measured, even from a venv where the project is not installed.
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from commands.polls.irv import instant_runoff


def make_ballots(count: int, options: int, seed: int) -> list[list[int]]:
    rng = random.Random(seed)
    popularity = [1.0 / (rank + 1.5) for rank in range(options)]  # skewed, no runaway leader
    # Mostly short rankings, a sizeable minority who rank everything.
    lengths = list(range(1, options + 1))
    length_weights = [3.0 if length <= 3 else 1.0 for length in lengths]
    length_weights[-1] = 4.0
    result = []
    for _ in range(count):
        # Weighted random order (Efraimidis–Spirakis): sort by u ** (1 / weight).
        order = sorted(
            range(1, options + 1),
            key=lambda option: rng.random() ** (1 / popularity[option - 1]),
            reverse=True,
        )
        result.append(order[: rng.choices(lengths, length_weights)[0]])
    return result


def naive_count(ballots: Sequence[Sequence[int]], options: int) -> tuple[int, list[int]]:
    """The obvious count: every round rereads every ballot from its first choice."""
    continuing = list(range(1, options + 1))
    history: list[dict[int, int]] = []
    eliminated: list[int] = []
    while True:
        tallies = dict.fromkeys(continuing, 0)
        exhausted = 0
        for ballot in ballots:
            for option in ballot:
                if option in tallies:
                    tallies[option] += 1
                    break
            else:
                exhausted += 1
        leader = max(tallies, key=tallies.__getitem__)
        if len(tallies) == 1 or 2 * tallies[leader] > len(ballots) - exhausted:
            return leader, eliminated
        fewest = min(tallies.values())
        tied = [o for o in continuing if tallies[o] == fewest]
        for earlier in reversed(history):
            if len(tied) == 1:
                break
            low = min(earlier[o] for o in tied)
            tied = [o for o in tied if earlier[o] == low]
        history.append(tallies)
        eliminated.append(max(tied))
        continuing.remove(max(tied))


def timings(count: Callable[[], object], repeat: int) -> tuple[float, float]:
    runs = []
    for _ in range(repeat):
        start = time.perf_counter()
        count()
        runs.append((time.perf_counter() - start) * 1000)
    return statistics.median(runs), min(runs)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--ballots", type=int, default=5000)
    parser.add_argument("--options", type=int, default=10)
    parser.add_argument("--repeat", type=int, default=20)
    parser.add_argument("--naive-repeat", type=int, default=5)
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()

    ballots = make_ballots(args.ballots, args.options, args.seed)
    result = instant_runoff(ballots, args.options)
    naive_winner, naive_out = naive_count(ballots, args.options)
    if (result.winner, list(result.elimination_order)) != (naive_winner, naive_out):
        sys.exit(f"counters disagree: {result.winner} vs {naive_winner}")
    rounds = len(result.rounds)
    exhausted = result.rounds[-1].exhausted

    ours = timings(lambda: instant_runoff(ballots, args.options), args.repeat)
    naive = timings(lambda: naive_count(ballots, args.options), args.naive_repeat)
    size = f"ballots={args.ballots} options={args.options} rounds={rounds}"
    print(f"poll {size} winner={result.winner} exhausted_at_end={exhausted}")
    for name, (median, best) in (("irv", ours), ("naive", naive)):
        print(f"{name} {size} median_ms={median:.2f} best_ms={best:.2f}")
    print(f"ratio naive/irv median={naive[0] / ours[0]:.1f}x best={naive[1] / ours[1]:.1f}x")


if __name__ == "__main__":
    main()
