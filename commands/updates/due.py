"""Update prompts: when a group's update falls due, its lead or president hears so.

On the first working day after a period ends, at 09:00 in the lead's own zone
(their own, else their chapter's, else the society's), the lead gets a direct
message with the draft and a button that opens the form. Three days later, if
nothing was posted or skipped, one reminder; after that the group shows as
overdue and nobody is nagged again. A lead who is away (`/update away`) is not
prompted. HQ gets the society's report the same way on the first working day of
each month, and on the first working day of each quarter the longer quarterly report
instead of that month's.

Each prompt and reminder is claimed by a `DueClaim` keyed by group, period and
person, so two scheduler processes, a restart or a late tick send it once.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from sqlalchemy import and_, insert, or_, select

from bot.due import DueRun
from bot.notifier import queue_directs
from bot.reply import Actions, Button, Reply, Section
from commands.charters.group import SOCIETY, Group
from commands.updates import cards
from commands.updates.draft import drafts
from commands.updates.periods import REMIND_AFTER, Period
from commands.updates.status import away_until, cadences, due_period, owing_groups
from storage.models import (
    Chapter,
    DueClaim,
    GrantedRole,
    Identity,
    Member,
    RoleGrant,
    StatusUpdate,
)

PROMPT_WINDOW = timedelta(days=7)
"""A prompt is sent only this long after the due time: a scheduler that was down
for weeks, or a first start, does not prompt for an old period."""
BATCH = 100
"""Prompts per transaction; the job asks to run again at once for the rest."""


def _zone(name: str | None) -> ZoneInfo | None:
    if not name:
        return None
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return None


def prompt_reply(group: Group, period: Period, body: Reply, reminder: bool) -> Reply:
    """The direct message: the draft, and a button that opens the pre-filled form."""
    first = (
        f"Reminder: {group.name}'s update for {period.describe()} is still to come."
        if reminder
        else f"{group.name}'s update for {period.describe()} is due."
    )
    button = Button("Write the update", f"/update post {group.typed}", style="primary")
    return Reply.private(f"{first} {body.text}", Section(first), *body.blocks, Actions((button,)))


@dataclass(frozen=True)
class Leader:
    """What a prompt needs of the person it goes to (read as columns, every tick)."""

    id: int
    name: str
    timezone: str | None
    chapter_id: int | None


LEADER_COLUMNS = select(Member.id, Member.name, Member.timezone, Member.chapter_id)


async def _leaders(run: DueRun, ids: Iterable[int]) -> list[Leader]:
    wanted = list(ids)
    if not wanted:
        return []
    rows = await run.session.execute(
        LEADER_COLUMNS.where(Member.id.in_(wanted)).order_by(Member.id)
    )
    return [Leader(*row) for row in rows]


async def _hq(run: DueRun) -> list[Leader]:
    """Who writes the society's report: members granted HQ, and the configured admins."""
    ids = set(
        await run.session.scalars(
            select(RoleGrant.member_id).where(RoleGrant.role == GrantedRole.HQ)
        )
    )
    admins = run.settings.chapterhouse_admins
    if admins:
        named = or_(
            *(
                and_(Identity.platform == a.platform, Identity.external_id == a.user_id)
                for a in admins
            )
        )
        ids |= set(await run.session.scalars(select(Identity.member_id).where(named)))
    return await _leaders(run, ids)


async def prompt_updates(run: DueRun) -> None:
    """Prompt every lead, president and HQ whose update fell due, once per period each."""
    session, now = run.session, run.now
    groups = [*await owing_groups(session), SOCIETY]
    kinds = await cadences(session, (g.key for g in groups))
    leaders = {g.leader_id for g in groups if g.leader_id is not None}
    members = {m.id: m for m in await _leaders(run, leaders)}
    chapter_zones = {
        chapter_id: zone
        for chapter_id, zone in await session.execute(select(Chapter.id, Chapter.timezone))
    }
    aways = await away_until(session, leaders)
    plan: list[tuple[Group, Period, ZoneInfo, bool]] = []
    for group in groups:
        leader = members.get(group.leader_id) if group.leader_id is not None else None
        zone = (
            (_zone(leader.timezone) if leader else None)
            or (
                _zone(chapter_zones.get(leader.chapter_id))
                if leader and leader.chapter_id
                else None
            )
            or _zone(group.timezone)
            or run.settings.tz
        )
        period = due_period(group, kinds[group.key], now, zone)
        due = period.due_at(zone)
        if group.since is not None and group.since >= period.end:
            continue
        if now - due > PROMPT_WINDOW + REMIND_AFTER:
            continue
        until = aways.get(leader.id) if leader is not None else None
        if until is not None and until >= now.astimezone(zone).date():
            continue
        plan.append((group, period, zone, now >= due + REMIND_AFTER))
    if not plan:
        return
    rows = await session.execute(
        select(StatusUpdate.group_key, StatusUpdate.period).where(
            StatusUpdate.group_key.in_([g.key for g, *_ in plan])
        )
    )
    answered = {(key, label) for key, label in rows}
    keys = {
        (group.key, period.label): (
            f"update-prompt:{group.key}:{period.label}",
            f"update-remind:{group.key}:{period.label}",
        )
        for group, period, *_ in plan
    }
    taken = await run.claimed([k for pair in keys.values() for k in pair])
    todo: list[tuple[Group, Period, ZoneInfo, str, bool]] = []
    for group, period, zone, late in plan:
        if (group.key, period.label) in answered:
            continue
        prompt_key, remind_key = keys[(group.key, period.label)]
        if late:
            if prompt_key not in taken or remind_key in taken:
                continue
            todo.append((group, period, zone, remind_key, True))
        elif prompt_key not in taken and now - period.due_at(zone) <= PROMPT_WINDOW:
            todo.append((group, period, zone, prompt_key, False))
    if len(todo) > BATCH:
        todo, run.more = todo[:BATCH], True
    # One statement claims the whole batch: a second scheduler that got there first makes
    # it fail on the key, and this job's work is rolled back and tried on the next tick.
    if todo:
        await session.execute(
            insert(DueClaim), [{"key": key, "claimed_at": now} for *_, key, _ in todo]
        )
    hq = await _hq(run) if any(g.kind == "society" for g, *_ in todo) else []
    written_all = await drafts(session, [(g, p, z) for g, p, z, _, _ in todo])
    messages: list[tuple[Reply, dict[int, str]]] = []
    recipients: list[list[Leader]] = []
    for (group, period, _, key, reminder), written in zip(todo, written_all, strict=True):
        leader = members.get(group.leader_id) if group.leader_id is not None else None
        people = hq if group.kind == "society" else [leader] if leader is not None else []
        body = cards.draft_reply(group, period, written)
        reply = prompt_reply(group, period, body, reminder)
        messages.append((reply, {m.id: f"{key}:{m.id}" for m in people}))
        recipients.append(people)
    reached = await queue_directs(run.uow, messages, settings=run.settings)
    for (group, period, _, _, reminder), people, count in zip(
        todo, recipients, reached, strict=True
    ):
        what = "reminder" if reminder else "prompt"
        who = ", ".join(m.name for m in people) or "nobody"
        run.note(f"update {what} → {who} ({count} reached): {group.name}, {period.describe()}")
