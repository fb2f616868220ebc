"""How a poll looks: the posted card with its vote buttons, and the results.

The card is what every channel copy shows and what is re-rendered as votes come
in; it never reveals a hidden poll's counts, and it never names a voter.
"""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from bot.mentions import mention
from bot.reply import Actions, Ask, Block, Button, Header, Note, Progress, Reply, Section
from commands.polls.audience import describe
from commands.polls.tally import Tally, is_closed, results_visible
from commands.text import moment, percent, plural
from storage.models import Chapter, Poll


def how_to_vote(poll: Poll) -> str:
    if poll.ranked:
        return "Rank the options, first choice first (instant runoff)"
    if poll.multi > 1:
        return f"Choose up to {poll.multi}"
    return "Choose one"


def vote_example(poll: Poll) -> str:
    numbers = " ".join(str(n) for n in range(1, len(poll.options) + 1))
    if poll.ranked:
        return f"/poll vote {poll.id} {numbers}"
    if poll.multi > 1:
        return f"/poll vote {poll.id} {' '.join(numbers.split()[: poll.multi])}"
    return f"/poll vote {poll.id} 1"


def option_names(poll: Poll, choices: list[int]) -> str:
    names = [poll.options[c - 1] for c in choices]
    if poll.ranked:
        return ", ".join(f"{i}. {name}" for i, name in enumerate(names, 1))
    return ", ".join(names)


def _facts(
    poll: Poll,
    tally: Tally,
    now: datetime,
    tz: ZoneInfo,
    chapter: Chapter | None,
    workgroup: str | None,
) -> str:
    who = f"Workgroup: {workgroup}" if workgroup else f"for {describe(poll, chapter)}"
    facts = [how_to_vote(poll), who, tally.participation()]
    if poll.anonymous:
        facts.append("anonymous")
    if poll.hidden and not is_closed(poll, now):
        facts.append("results hidden until close")
    closing = poll.closed_at or poll.closes_at
    verb = "closed" if is_closed(poll, now) else "closes"
    facts.append(f"{verb} {moment(closing, tz)}")
    if poll.creator_id is not None:
        facts.append(f"by {mention(poll.creator_id)}")
    return " · ".join(facts)


def _bars(poll: Poll, tally: Tally) -> list[Block]:
    if not tally.ballots:
        return [_option_list(poll)]  # empty bars say nothing the list does not
    return [
        Progress(f"{n}. {label}", tally.counts[n], max(tally.ballots, 1))
        for n, label in enumerate(poll.options, 1)
    ]


def _option_list(poll: Poll) -> Section:
    return Section("\n".join(f"{n}. {label}" for n, label in enumerate(poll.options, 1)))


def buttons(poll: Poll) -> Actions:
    if poll.ranked:
        ranking = Ask(
            tuple((label, str(n)) for n, label in enumerate(poll.options, 1)),
            most=len(poll.options),
            ordered=True,
            title=f"Rank poll {poll.id}",
        )
        return Actions((Button("Rank the options", f"/poll vote {poll.id}", "primary", ranking),))
    toggle = " --toggle" if poll.multi > 1 else ""
    one_each = tuple(
        Button(f"{n}. {label}", f"/poll vote {poll.id} {n}{toggle}")
        for n, label in enumerate(poll.options, 1)
    )
    if poll.multi == 1:
        return Actions(one_each)
    # Several at once, where a platform can ask for a pick (a select menu, a modal).
    several = Ask(
        tuple((label, str(n)) for n, label in enumerate(poll.options, 1)),
        most=poll.multi,
        ordered=False,
        title=f"Choose up to {poll.multi}",
    )
    return Actions(
        (*one_each, Button(f"Choose up to {poll.multi}", f"/poll vote {poll.id}", ask=several))
    )


def poll_card(
    poll: Poll,
    tally: Tally,
    now: datetime,
    tz: ZoneInfo,
    chapter: Chapter | None,
    workgroup: str | None = None,
) -> Reply:
    closed = is_closed(poll, now)
    blocks: list[Block] = [Header(f"Poll {poll.id}: {poll.question}")]
    if results_visible(poll, now):
        blocks += _bars(poll, tally)
    else:
        blocks.append(_option_list(poll))
    blocks.append(Note(_facts(poll, tally, now, tz, chapter, workgroup)))
    if closed:
        blocks.append(Section(f"Closed. See /poll results {poll.id}."))
    else:
        blocks.append(buttons(poll))
    options = "; ".join(f"{n}. {label}" for n, label in enumerate(poll.options, 1))
    text = f"Poll {poll.id}: {poll.question} ({options})"
    return Reply.public(text, *blocks)


def _winner_line(poll: Poll, tally: Tally, closed: bool) -> str:
    leaders = tally.leaders
    if not leaders:
        return "No votes were cast." if closed else "No votes yet."
    noun = "Winner" if closed else "Leading"
    if tally.runoff is not None:
        rounds = len(tally.runoff.rounds)
        return f"*{noun}:* {poll.options[leaders[0] - 1]}, after {plural(rounds, 'round')}."
    votes = tally.counts[leaders[0]]
    share = percent(votes, tally.ballots)
    if len(leaders) == 1:
        return f"*{noun}:* {poll.options[leaders[0] - 1]} with {plural(votes, 'vote')} ({share})."
    names = " and ".join(poll.options[n - 1] for n in leaders)
    return f"*Tie:* {names}, {plural(votes, 'vote')} each ({share})."


def _rounds(poll: Poll, tally: Tally) -> list[Block]:
    if tally.runoff is None:
        return []
    lines: list[str] = []
    for round_ in tally.runoff.rounds:
        counts = " · ".join(
            f"{poll.options[option - 1]} {votes}" for option, votes in round_.tallies.items()
        )
        line = f"Round {round_.number}: {counts}"
        if round_.exhausted:
            line += f" ({plural(round_.exhausted, 'ballot')} exhausted)"
        if round_.winner is not None:
            line += f" → {poll.options[round_.winner - 1]} wins"
        elif round_.eliminated is not None:
            line += f" → {poll.options[round_.eliminated - 1]} eliminated"
        lines.append(line)
        if round_.tie is not None:
            lines.append(f"   {round_.tie.describe(poll.options)}")
    return [Section("\n".join(lines))]


def results_reply(
    poll: Poll,
    tally: Tally,
    now: datetime,
    tz: ZoneInfo,
    chapter: Chapter | None,
    workgroup: str | None = None,
) -> Reply:
    closed = is_closed(poll, now)
    title = f"Results of poll {poll.id}: {poll.question}"
    if not results_visible(poll, now):
        line = (
            f"Poll {poll.id}'s results are hidden until it closes ({moment(poll.closes_at, tz)}); "
            f"{tally.participation()} so far."
        )
        return Reply.private(line, Header(title), Section(line))
    winner = _winner_line(poll, tally, closed)
    blocks: list[Block] = [Header(title), Section(winner), *_bars(poll, tally)]
    blocks += _rounds(poll, tally)
    blocks.append(Note(_facts(poll, tally, now, tz, chapter, workgroup)))
    if not closed:
        blocks.append(Note("Provisional: members may still vote or change their vote."))
    return Reply.private(f"{title}. {winner.replace('*', '')}", *blocks)
