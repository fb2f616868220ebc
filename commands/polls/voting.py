"""Voting, judged one vote at a time and written a burst at a time.

A society poll's votes arrive together, from every chapter channel at once. The
dispatcher hands a burst of `/poll vote` requests over as one batch: the polls and
the voters' current ballots are read once, each vote is judged in arrival order
against the ballots as the earlier votes left them (so a member's last vote wins,
even within one batch), and the changed ballots are written with one statement.
A refused vote writes nothing; the others still count.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any
from zoneinfo import ZoneInfo

from bot.context import Context
from bot.errors import BadArgument, UserError
from bot.reply import Header, Note, Reply, Section
from commands.polls import audience, ballots
from commands.polls.ballots import BallotKey
from commands.polls.cards import buttons, option_names, vote_example
from commands.polls.closing import settle, subject
from commands.polls.lookup import find_poll
from commands.polls.tally import is_closed
from commands.text import moment
from storage.models import Poll


@dataclass(frozen=True)
class VoteArgs:
    """What `/poll vote` was given, as its handler declares it."""

    poll_id: int
    choices: tuple[str, ...] = ()
    toggle: bool = False


Vote = tuple[Context, VoteArgs]


async def vote_requests(requests: list[tuple[Context, dict[str, Any]]]) -> list[Reply]:
    """The dispatcher's batch of `/poll vote` requests, arguments still by name."""
    return await vote_batch(
        [
            (
                context,
                VoteArgs(
                    poll_id=int(args["poll_id"]),
                    choices=tuple(args.get("choices") or ()),
                    toggle=bool(args.get("toggle")),
                ),
            )
            for context, args in requests
        ]
    )


async def vote_batch(votes: list[Vote]) -> list[Reply]:
    uow = votes[0][0].uow
    session = uow.session
    polls: dict[int, Poll] = {}
    for poll_id in sorted({args.poll_id for _, args in votes}):
        # A share lock on PostgreSQL: a close from another process waits for these
        # votes to commit instead of slipping in between the check and the write.
        poll = await session.get(Poll, poll_id, with_for_update={"read": True})
        if poll is not None:
            await settle(uow, poll)
            polls[poll_id] = poll
    keys: list[BallotKey] = [
        (args.poll_id, ballots.voter_key(context.settings, args.poll_id, context.member.id))
        for context, args in votes
    ]
    before = await ballots.current_many(session, {k for k in keys if k[0] in polls})
    after = dict(before)
    voters: dict[BallotKey, int] = {}
    replies: list[Reply] = []
    for (context, args), key in zip(votes, keys, strict=True):
        try:
            poll = polls.get(key[0]) or await find_poll(session, key[0])
            reply, choices = await _judge(context, poll, after.get(key), args)
        except UserError as error:
            replies.append(Reply.error(str(error)))
            continue
        replies.append(reply)
        if choices is not None:
            voters[key] = context.member.id
            if choices:
                after[key] = choices
            else:
                after.pop(key, None)
    await ballots.store(session, polls, voters, before, after, uow.now)
    for poll_id in sorted({poll_id for poll_id, _ in voters}):
        uow.touch(subject(poll_id))
    return replies


async def _judge(
    context: Context, poll: Poll, mine: list[int] | None, args: VoteArgs
) -> tuple[Reply, list[int] | None]:
    """One vote against the member's ballot as it stands: the reply and the new choices
    (None when the ballot stays as it was: a look, a repeat, a closed poll)."""
    tz = ZoneInfo(poll.timezone)
    if is_closed(poll, context.now):
        # A reply, not a raise: a close that `settle` just made must still commit.
        closed_at = poll.closed_at or poll.closes_at
        line = f"Poll {poll.id} closed {moment(closed_at, tz)}; see /poll results {poll.id}."
        return Reply.error(line), None
    await audience.refuse_ineligible(context.session, poll, context.member, "vote in")
    chosen = _choices(poll, args.choices)
    if not chosen:
        return _your_vote(poll, mine), None
    if args.toggle:
        chosen = _toggled(poll, mine or [], chosen)
    elif not poll.ranked and len(chosen) > poll.multi:
        allowed = "one choice" if poll.multi == 1 else f"up to {poll.multi} choices"
        raise BadArgument(f"Poll {poll.id} takes {allowed}; you gave {len(chosen)}.")
    if not poll.ranked:
        chosen = sorted(chosen)
    if chosen == mine:
        line = f"Your vote in poll {poll.id} is already {option_names(poll, chosen)}; "
        return Reply.private(line + "nothing changed."), None
    if not chosen:
        return Reply.private(f"Your vote in poll {poll.id} is withdrawn."), chosen
    noun = "ranking" if poll.ranked else "vote"
    if mine:
        line = (
            f"Changed your {noun} in poll {poll.id} from {option_names(poll, mine)} "
            f"to {option_names(poll, chosen)}."
        )
    else:
        line = f"Your {noun} in poll {poll.id}: {option_names(poll, chosen)}."
    line += f" You can change it until {moment(poll.closes_at, tz)}."
    if poll.anonymous:
        line += " It is anonymous: nobody can see who chose what."
    return Reply.private(line), chosen


def _toggled(poll: Poll, mine: list[int], chosen: list[int]) -> list[int]:
    if poll.ranked or len(chosen) != 1:
        raise BadArgument("--toggle takes one option of a choose-one or choose-several poll.")
    option = chosen[0]
    if option in mine:
        return [c for c in mine if c != option]
    if poll.multi == 1:
        return [option]
    if len(mine) >= poll.multi:
        raise BadArgument(
            f"Poll {poll.id} takes up to {poll.multi} choices and you have "
            f"{option_names(poll, mine)}; remove one first."
        )
    return [*mine, option]


def _choices(poll: Poll, given: tuple[str, ...]) -> list[int]:
    """Option numbers from what was typed: numbers, labels, unique label prefixes."""
    tokens: list[str] = []
    for item in given:
        tokens += item.split(",") if re.fullmatch(r"\d+(,\d+)+,?", item) else [item]
    labels = [o.casefold() for o in poll.options]
    chosen: list[int] = []
    for token in (t.strip() for t in tokens if t.strip()):
        if token.isdigit() and 1 <= int(token) <= len(labels):
            number = int(token)
        elif token.casefold() in labels:
            number = labels.index(token.casefold()) + 1
        else:
            starts = [i for i, label in enumerate(labels, 1) if label.startswith(token.casefold())]
            if len(starts) != 1:
                listing = ", ".join(f"{n}. {o}" for n, o in enumerate(poll.options, 1))
                raise BadArgument(
                    f"Poll {poll.id} has no option {token[:40]!r}; choose a number or a label: "
                    f"{listing}."
                )
            number = starts[0]
        if number in chosen:
            raise BadArgument(
                f"You chose {poll.options[number - 1]!r} twice; give each option once."
            )
        chosen.append(number)
    return chosen


def _your_vote(poll: Poll, mine: list[int] | None) -> Reply:
    listing = "\n".join(f"{n}. {label}" for n, label in enumerate(poll.options, 1))
    if mine:
        line = f"Your vote in poll {poll.id}: {option_names(poll, mine)}."
    else:
        line = f"You have not voted in poll {poll.id} yet."
    how = f"To vote, give option numbers: {vote_example(poll)}"
    if poll.ranked:
        how += " (first choice first; rank as many as you like)"
    return Reply.private(
        f"{line} {how}",
        Header(f"Poll {poll.id}: {poll.question}"),
        Section(listing),
        Note(f"{line} {how}"),
        buttons(poll),
    )
