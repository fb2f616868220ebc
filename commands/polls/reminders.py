"""Reminders to a poll's eligible members who have not voted yet.

One path for `/poll remind` and the scheduler's reminder the day before closing;
`label` keeps their delivery keys apart.
"""

from __future__ import annotations

from zoneinfo import ZoneInfo

from sqlalchemy import select

from bot.config import Settings
from bot.identity import roles_many
from bot.notifier import queue_directs
from bot.permissions import Role
from bot.profilefill import member_tz
from bot.reply import Reply, Section, stamp
from commands.polls import audience as audiences
from commands.polls import ballots
from commands.polls.cards import vote_example
from commands.polls.closing import render_card
from storage.models import Ballot, Member, Poll
from storage.uow import UnitOfWork


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
    roles = await roles_many(uow, [m for m, _ in eligible], settings)
    # Whoever created the poll, and HQ who run the society, know it is open.
    running = {m for m, held in roles.items() if Role.HQ in held} | {poll.creator_id}
    waiting = [(m, nudges) for m, nudges in eligible if keys[m] not in voted and m not in running]
    wanting = {m: f"remind:poll:{poll.id}:{label}:member:{m}" for m, nudges in waiting if nudges}
    card = await render_card(uow.session, str(poll.id), uow.now)
    assert card is not None  # the caller holds the poll
    # The closing time in each reader's zone: the platform's own where it has one, else
    # (the console) the member's zone when known, the poll's otherwise.
    zones: dict[str, dict[int, str]] = {}
    for member in await uow.session.scalars(select(Member).where(Member.id.in_(list(wanting)))):
        zone = member_tz(member, tz).key
        zones.setdefault(zone, {})[member.id] = wanting[member.id]
    messages = []
    for zone, recipients in sorted(zones.items()):
        line = (
            f"Reminder: poll {poll.id} closes {stamp(poll.closes_at, zone)} and you have not "
            f"voted. {vote_example(poll)}"
        )
        messages.append((Reply.private(line, Section(line), *card.blocks), recipients))
    queued = sum(await queue_directs(uow, messages, settings=settings, nudge=True))
    return len(waiting), len(waiting) - len(wanting), queued
