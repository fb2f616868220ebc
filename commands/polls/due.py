"""The polls' scheduled work: closing at the deadline, and one reminder the day before.

Both are claimed by conditional updates on the poll's own row (`closed_at`,
`auto_reminded_at`), so two ticks, two processes or a tick racing `/poll close`
act on a poll once. Both queries range over the index on (closed_at, closes_at):
a minute with nothing due reads only the polls closing within the next day.
"""

from __future__ import annotations

from datetime import timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import select, update

from bot.config import Settings
from bot.due import DueRun
from bot.notifier import queue_direct
from bot.reply import Reply, Section
from commands.polls import audience as audiences
from commands.polls import ballots
from commands.polls.cards import vote_example
from commands.polls.closing import close_poll, render_card
from commands.polls.commands import router
from commands.text import moment, plural
from storage.models import Ballot, Poll
from storage.uow import UnitOfWork

BATCH = 200
REMIND_BEFORE = timedelta(hours=24)


def _where(poll: Poll) -> str:
    if poll.audience == audiences.SOCIETY:
        return "every chapter channel"
    if poll.audience == audiences.HERE:
        return f"#{poll.origin_channel_name or poll.origin_channel_id} ({poll.origin_platform})"
    return "its chapter's channels"


@router.due("polls.close")
async def close_polls(run: DueRun) -> None:
    """Close every poll whose deadline has passed, however late the tick that finds it."""
    while True:
        due = list(
            await run.session.scalars(
                select(Poll)
                .where(Poll.closed_at.is_(None), Poll.closes_at <= run.now)
                .order_by(Poll.closes_at, Poll.id)
                .limit(BATCH)
            )
        )
        for poll in due:
            if await close_poll(run.uow, poll, None):
                deadline = moment(poll.closes_at, ZoneInfo(poll.timezone))
                run.note(
                    f"close poll {poll.id} and post its results → {_where(poll)}: "
                    f"its deadline {deadline} has passed"
                )
        if len(due) < BATCH:
            return


async def remind_non_voters(
    uow: UnitOfWork, settings: Settings, poll: Poll, label: str
) -> tuple[int, int, int]:
    """Queue a reminder to each eligible member who has not voted and wants nudges.

    `label` tells one reminder from another in the delivery keys (a day for
    `/poll remind`, `auto` for the scheduler's). Returns (not voted, opted out, queued).
    """
    tz = ZoneInfo(poll.timezone)
    eligible = await audiences.eligible_ids(uow.session, poll)
    keys = {member_id: ballots.voter_key(settings, poll.id, member_id) for member_id, _ in eligible}
    voted = set(
        await uow.session.scalars(select(Ballot.voter_key).where(Ballot.poll_id == poll.id))
    )
    waiting = [(m, nudges) for m, nudges in eligible if keys[m] not in voted]
    wanting = {m: f"remind:poll:{poll.id}:{label}:member:{m}" for m, nudges in waiting if nudges}
    card = await render_card(uow.session, str(poll.id), uow.now)
    assert card is not None  # the caller holds the poll
    line = (
        f"Reminder: poll {poll.id} closes {moment(poll.closes_at, tz)} and you have not voted. "
        f"{vote_example(poll)}"
    )
    reminder = Reply.private(line, Section(line), *card.blocks)
    queued = await queue_direct(uow, reminder, wanting, settings=settings, nudge=True)
    return len(waiting), len(waiting) - len(wanting), queued


@router.due("polls.remind")
async def remind_polls(run: DueRun) -> None:
    """Remind eligible non-voters once, a day before a poll closes.

    A poll that was open for less than a day when it came into that window, or that
    anyone in a channel may vote in (nobody is counted there), is claimed without a
    message, so later ticks do not look at it again.
    """
    due = list(
        await run.session.scalars(
            select(Poll)
            .where(
                Poll.closed_at.is_(None),
                Poll.closes_at > run.now,
                Poll.closes_at <= run.now + REMIND_BEFORE,
                Poll.auto_reminded_at.is_(None),
            )
            .order_by(Poll.closes_at, Poll.id)
        )
    )
    for poll in due:
        claimed = await run.session.execute(
            update(Poll)
            .where(Poll.id == poll.id, Poll.auto_reminded_at.is_(None), Poll.closed_at.is_(None))
            .values(auto_reminded_at=run.now)
            .returning(Poll.id)
            .execution_options(synchronize_session=False)
        )
        if claimed.first() is None:
            continue
        closes = moment(poll.closes_at, ZoneInfo(poll.timezone))
        if audiences.is_open_channel(poll):
            run.note(
                f"no reminder for poll {poll.id} → {_where(poll)}: anyone there may vote, "
                "so nobody can be told apart as not having voted"
            )
            continue
        if poll.closes_at - poll.created_at <= REMIND_BEFORE:
            run.note(
                f"no reminder for poll {poll.id} → its voters: it was opened less than a day "
                f"before it closes ({closes})"
            )
            continue
        waiting, opted_out, queued = await remind_non_voters(run.uow, run.settings, poll, "auto")
        run.note(
            f"remind poll {poll.id} → {plural(queued, 'member')} by direct message "
            f"({waiting} not voted, {opted_out} with nudges off): it closes {closes}"
        )
