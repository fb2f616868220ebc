"""The polls' scheduled work: closing at the deadline, and one reminder the day before.

Both are claimed by conditional updates on the poll's own row (`closed_at`,
`auto_reminded_at`), so two ticks, two processes or a tick racing `/poll close`
act on a poll once. Both queries range over the index on (closed_at, closes_at):
a minute with nothing due reads only the polls closing within the next day.

These are plain functions; the polls router registers them where it is built
(`commands.polls.commands`), so importing this module changes no router.
"""

from __future__ import annotations

from datetime import timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import ColumnElement, Integer, Select, exists, literal_column, select

from bot.config import Settings
from bot.due import At, DueRun, Tick
from commands.polls import audience as audiences
from commands.polls.closing import close_poll
from commands.polls.reminders import remind_non_voters
from commands.text import moment, plural
from storage.claims import claim
from storage.models import Poll

BATCH = 200
REMIND_BEFORE = timedelta(hours=24)


def _closing(now: At) -> Select[Poll]:
    return select(Poll).where(Poll.closed_at.is_(None), Poll.closes_at <= now)


def _to_remind(now: At, until: At) -> Select[Poll]:
    return select(Poll).where(
        Poll.closed_at.is_(None),
        Poll.closes_at > now,
        Poll.closes_at <= until,
        Poll.auto_reminded_at.is_(None),
    )


def closing_due(tick: Tick, _settings: Settings) -> ColumnElement[bool]:
    """The earliest deadline of an open poll has passed: one index entry read, whatever the time.

    Not `exists(_closing(...))`: PostgreSQL plans the probe statement once for every
    tick (a generic plan), and not knowing the time it guesses a third of the open
    polls are past their deadline, so `exists` chose to scan them all, 10,000 rows a
    quiet minute. The first open poll in the index's order (closed_at, closes_at) is
    the one that closes first, under any plan; `min` would not use the index for
    `closed_at IS NULL`. No open poll: NULL, which says no.
    """
    earliest = (
        select(Poll.closes_at)
        .where(Poll.closed_at.is_(None))
        .order_by(Poll.closed_at, Poll.closes_at)
        .limit(literal_column("1", Integer))  # a bound limit would be planned as unknown
        .scalar_subquery()
    )
    return earliest <= tick.at()


def reminders_due(tick: Tick, _settings: Settings) -> ColumnElement[bool]:
    return exists(_to_remind(tick.at(), tick.at(REMIND_BEFORE)))


def _where(poll: Poll) -> str:
    if poll.audience == audiences.SOCIETY:
        return "every chapter channel"
    if poll.audience == audiences.HERE:
        return f"#{poll.origin_channel_name or poll.origin_channel_id} ({poll.origin_platform})"
    return "its chapter's channels"


async def close_polls(run: DueRun) -> None:
    """Close every poll whose deadline has passed, however late the tick that finds it."""
    while True:
        due = list(
            await run.session.scalars(
                _closing(run.now).order_by(Poll.closes_at, Poll.id).limit(BATCH)
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


async def remind_polls(run: DueRun) -> None:
    """Remind eligible non-voters once, a day before a poll closes.

    A poll that was open for less than a day when it came into that window, or that
    anyone in a channel may vote in (nobody is counted there), is claimed without a
    message, so later ticks do not look at it again.
    """
    due = list(
        await run.session.scalars(
            _to_remind(run.now, run.now + REMIND_BEFORE).order_by(Poll.closes_at, Poll.id)
        )
    )
    for poll in due:
        if not await claim(
            run.session,
            Poll,
            Poll.id == poll.id,
            Poll.auto_reminded_at.is_(None),
            Poll.closed_at.is_(None),
            auto_reminded_at=run.now,
        ):
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
