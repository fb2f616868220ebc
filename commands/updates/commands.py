"""/update: status updates, Geekbot's way — short "asked / got / next" on a cadence.

A workgroup's lead or a chapter's president posts one update per period (default
monthly); HQ posts the society's report the same way (`/update post society`).
With fields it posts at once, as one short card in the group's channels; without
them it shows the draft written from the period's records (platforms with forms
open it pre-filled). Posting again for a period replaces the earlier update and
says so. `skip` answers a period with a reason; `away` pauses prompts.
"""

from __future__ import annotations

import math
from datetime import date, datetime
from typing import Annotated

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.complete import rank_choices
from bot.context import Context
from bot.declarations import Arg, Opt
from bot.errors import BadArgument, NotFound
from bot.notifier import queue_posts
from bot.permissions import Access, Owner, Role
from bot.registry import Router
from bot.reply import Note, Reply, Section
from commands.charters.commands import MAX_VALUE
from commands.charters.group import SOCIETY, Group
from commands.charters.lookup import find_group, group_by_key, group_leaders
from commands.charters.standing import metrics_of
from commands.lookup import name_key
from commands.text import plural
from commands.updates import cards
from commands.updates.channels import confirmation, update_channels
from commands.updates.draft import draft
from commands.updates.due import prompt_updates
from commands.updates.fields import MAX_FIELD, MAX_LONG_FIELD, MAX_REASON, clean_field, long_form
from commands.updates.periods import (
    CADENCES,
    CadenceName,
    Period,
    period_of,
    previous,
    society_period,
)
from commands.updates.probe import prompts_due
from commands.updates.status import (
    cadence_of,
    owing_groups,
    reporting_period,
    standings,
    update_for,
    zone_of,
)
from storage.models import (
    Delivery,
    DeliveryStatus,
    MetricKind,
    StatusUpdate,
    UpdateAway,
    UpdateCadence,
)
from storage.uow import UnitOfWork

router = Router("updates")
router.owner("group")(group_leaders)

LEADER = Access(
    frozenset({Role.HQ}),
    Owner("group", "group", "lead", wording="the group's lead or president"),
)
GroupName = Annotated[
    str, Arg("the workgroup or chapter (HQ: society)", complete="update-groups", metavar="GROUP")
]
LIST_LIMIT = 60
HISTORY = 12
BACK_PERIODS = 120
"""How far back `--period` may reach: two years of weeks, ten of months."""


@router.completer("update-groups")
async def complete_groups(session: AsyncSession, typed: str) -> list[str]:
    names = [g.name for g in await owing_groups(session)]
    return rank_choices(typed, names)


def _today(context: Context, group: Group) -> date:
    return context.now.astimezone(zone_of(group, context.tz)).date()


async def _period(context: Context, group: Group, label: str | None) -> Period:
    """The period a post reports on; HQ's for a quarter's last month is the quarter."""
    cadence = await cadence_of(context.session, group.key)
    today = _today(context, group)
    hq = society_period if group.kind == "society" else (lambda p: p)
    if label is None:
        return hq(await reporting_period(context.session, group, cadence, today))
    current = period_of(cadence, today)
    candidate = current
    for _ in range(BACK_PERIODS):
        if label.strip().lower() in (candidate.label.lower(), hq(candidate).label.lower()):
            return hq(candidate)
        candidate = previous(candidate)
    raise BadArgument(
        f"--period {label[:20]!r} is not a {cadence} period up to now; this one is {current.label}."
    )


async def _store(
    context: Context,
    group: Group,
    period: Period,
    *,
    asked: str = "",
    got: str = "",
    next_: str = "",
    highlights: str = "",
    reason: str | None = None,
    metrics: dict[str, float] | None = None,
) -> tuple[StatusUpdate, StatusUpdate | None]:
    """Write the group's update for `period`, replacing one already there."""
    session = context.session
    existing = await update_for(session, group.key, period.label)
    earlier = None
    if existing is None:
        update = StatusUpdate(
            group_key=group.key,
            workgroup_id=group.id if group.kind == "workgroup" else None,
            chapter_id=group.id if group.kind == "chapter" else None,
            period=period.label,
            replaced=0,
        )
        session.add(update)
    else:
        earlier = StatusUpdate(posted_at=existing.posted_at, skipped=existing.skipped)
        update = existing
        update.replaced = (existing.replaced or 0) + 1
    update.skipped = reason is not None
    update.asked, update.got, update.next_steps = asked, got, next_
    update.reason = reason
    update.highlights = highlights or None
    update.metrics = metrics or None
    update.author_id = context.member.id
    update.posted_at = context.now
    await session.flush()
    return update, earlier


@router.command(
    "update",
    "post",
    access=LEADER,
    examples=[
        '/update post Boston --asked "A stance on remote work" --got "2 meetings, 31 attended" '
        '--next "Check in on the ethics position"',
        "/update post Mentoring",
        "/update post society",
    ],
)
async def update_post(
    context: Context,
    group: GroupName,
    asked: Annotated[str | None, Opt("what members or HQ asked of us", metavar="TEXT")] = None,
    got: Annotated[str | None, Opt("what we delivered", metavar="TEXT")] = None,
    next_: Annotated[str | None, Opt("where we go next", metavar="TEXT")] = None,
    period: Annotated[
        str | None, Opt("the period it reports on (default: the one due)", metavar="PERIOD")
    ] = None,
    metrics: Annotated[
        str | None, Opt("owned metrics' new values", metavar='"NAME=VALUE; NAME=VALUE"')
    ] = None,
    highlights: Annotated[
        str | None, Opt("HQ's quarterly report: what stood out", metavar="TEXT")
    ] = None,
) -> Reply:
    """Post a short status update: what was asked of us, what we got done, what is next.

    With fields it is posted at once as one card in the group's channels; without
    them you get the draft written from the period's records to edit. Posting again
    for the same period replaces the earlier update. Each field holds 500 characters;
    HQ's quarterly report (due on a quarter's first working day, instead of that
    month's) holds 1,000 a field and adds --highlights.
    """
    found = await find_group(context.session, group, society=True)
    when = await _period(context, found, period)
    longer = long_form(found.kind, when.cadence)
    if highlights is not None and not longer:
        raise BadArgument(
            f"--highlights belongs to HQ's quarterly report; {found.name}'s update for "
            f"{when.describe()} takes --asked, --got and --next."
        )
    given = (asked, got, next_, metrics, highlights)
    if all(value is None for value in given):
        if period is not None:
            raise BadArgument(
                "The update is empty: write at least one of --asked, --got or --next."
            )
        zone = zone_of(found, context.tz)
        written = await draft(context.session, found, when, zone)
        return cards.draft_reply(found, when, written, form=True)
    limit = MAX_LONG_FIELD if longer else MAX_FIELD
    fields = {
        "asked": clean_field(asked, "--asked", limit),
        "got": clean_field(got, "--got", limit),
        "next_": clean_field(next_, "--next", limit),
    }
    extra = clean_field(highlights, "--highlights", limit)
    if not any(fields.values()) and not extra:
        raise BadArgument("The update is empty: write at least one of --asked, --got or --next.")
    values = await set_metrics(context, found, metrics) if metrics else {}
    update, earlier = await _store(
        context,
        found,
        when,
        asked=fields["asked"],
        got=fields["got"],
        next_=fields["next_"],
        highlights=extra,
        metrics=values,
    )
    return await _posted(context, found, when, update, earlier)


async def set_metrics(context: Context, group: Group, given: str) -> dict[str, float]:
    """Set the owned metrics an update names (`NAME=VALUE; NAME=VALUE`); their new values."""
    owned = {
        name_key(m.name): m
        for m in await metrics_of(context.session, group.key)
        if m.kind is MetricKind.OWNED and m.figure is None
    }
    values: dict[str, float] = {}
    for part in filter(None, (p.strip() for p in given.replace("\n", ";").split(";"))):
        name, equals, raw = part.rpartition("=")
        metric = owned.get(name_key(name)) if equals else None
        if metric is None:
            known = ", ".join(m.name for m in owned.values()) or "none set by hand"
            raise BadArgument(
                f"--metrics: {part[:40]!r} is not NAME=VALUE for one of {group.name}'s own "
                f"metrics ({known})."
            )
        try:
            value = float(raw.replace(",", "").strip())
        except ValueError:
            raise BadArgument(
                f"--metrics: {metric.name} needs a number, got {raw[:20]!r}."
            ) from None
        if not math.isfinite(value) or abs(value) > MAX_VALUE:
            raise BadArgument(f"--metrics: {metric.name} {raw[:20]!r} is out of range.")
        values[metric.name] = value
    for metric in owned.values():
        if metric.name in values:
            metric.value = values[metric.name]
            metric.updated_at, metric.updated_by = context.now, context.member.id
    return values


async def _posted(
    context: Context,
    group: Group,
    period: Period,
    update: StatusUpdate,
    earlier: StatusUpdate | None,
) -> Reply:
    card = cards.update_card(update, group, period)
    channels = await update_channels(context.session, group, context.place)
    targets = [c.target for c in channels]
    await queue_posts(context.uow, card, f"update:{update.id}:{update.replaced}", targets)
    what = "skip" if update.skipped else "update"
    line = confirmation(what, group, period.describe(), channels)
    if update.metrics:
        values = ", ".join(f"{name} {value:g}" for name, value in update.metrics.items())
        line += f" Metrics set: {values}."
    if earlier is not None:
        line = (
            f"This replaces the {'skip' if earlier.skipped else 'update'} posted earlier "
            f"for {period.describe()} (#{update.id}). " + line
        )
    # The card goes to the group's channels only; the author hears where it went (a
    # lead answering the scheduler's prompt in a direct message gets no copy there).
    reply = Reply.private(line, Section(line), Note(f"See it with /update show {update.id}."))
    if group.kind == "society" and targets:
        # HQ's report goes to every chapter channel: answer with what arrived.
        sessions, prefix = context.uow.factory, f"update:{update.id}:{update.replaced}:"

        async def report_when_sent(now: datetime) -> Reply:
            async with UnitOfWork(sessions, now) as uow:
                return await delivery_report(uow.session, prefix, reply)

        context.uow.then(report_when_sent)
    return reply


async def delivery_report(session: AsyncSession, prefix: str, reply: Reply) -> Reply:
    """The posting's answer with a line saying how many channels received it and which not."""
    rows = list(await session.scalars(select(Delivery).where(Delivery.key.startswith(prefix))))
    sent = [d for d in rows if d.status is DeliveryStatus.SENT]
    missing = [d for d in rows if d.status is not DeliveryStatus.SENT]
    line = f"Delivered to {len(sent)} of {plural(len(rows), 'chapter channel')}."
    if missing:
        shown = ", ".join(
            f"{d.platform} {d.channel_id} ({d.status.value}: {d.error or 'waiting'})"
            for d in missing[:5]
        )
        line += f" Not yet: {shown}."
    return Reply.private(f"{reply.text} {line}", *reply.blocks, Note(line))


@router.command(
    "update",
    "skip",
    access=LEADER,
    examples=['/update skip Boston --reason "Summer break: no meetings in August"'],
)
async def update_skip(
    context: Context,
    group: GroupName,
    reason: Annotated[str, Opt("why there is no update this period", metavar="TEXT")],
) -> Reply:
    """Skip this period's update, saying why; the group shows as skipped, not overdue."""
    found = await find_group(context.session, group, society=True)
    when = await _period(context, found, None)
    why = clean_field(reason, "--reason", MAX_REASON)
    if not why:
        raise BadArgument("--reason is empty; say in a few words why there is no update.")
    update, earlier = await _store(context, found, when, reason=why)
    return await _posted(context, found, when, update, earlier)


@router.command("update", "away", examples=["/update away --until 2026-08-31"])
async def update_away(
    context: Context,
    until: Annotated[date, Opt("the last day you are away", metavar="DATE")],
) -> Reply:
    """Take time off: no update prompts until the day after, and your groups show as away."""
    today = context.now.astimezone(context.tz).date()
    if until < today:
        raise BadArgument(f"--until {until.isoformat()} is in the past; give a date from today on.")
    row = await context.session.get(UpdateAway, context.member.id)
    if row is None:
        context.session.add(
            UpdateAway(member_id=context.member.id, until=until, set_at=context.now)
        )
    else:
        row.until, row.set_at = until, context.now
    return Reply.private(
        f"You are away until {until.day} {until:%b %Y}: no update prompts until then, "
        "and your groups show as away."
    )


@router.command(
    "update",
    "cadence",
    access=LEADER,
    examples=["/update cadence Mentoring fortnightly", "/update cadence Boston quarterly"],
)
async def update_cadence(
    context: Context,
    group: GroupName,
    cadence: Annotated[CadenceName, Arg("how often the group posts an update")],
) -> Reply:
    """Set how often a group posts its update: weekly, fortnightly, monthly or quarterly."""
    found = await find_group(context.session, group, society=True)
    row = await context.session.get(UpdateCadence, found.key)
    before = row.cadence if row else "monthly"
    if row is None:
        context.session.add(
            UpdateCadence(
                group_key=found.key, cadence=cadence, set_by=context.member.id, set_at=context.now
            )
        )
    else:
        row.cadence, row.set_by, row.set_at = cadence, context.member.id, context.now
    nxt = period_of(cadence, _today(context, found))
    return Reply.private(
        f"{found.name} posts {cadence} updates now (was {before}); "
        f"the next is due {nxt.due_on.day} {nxt.due_on:%b %Y}."
    )


@router.command(
    "update",
    "list",
    examples=["/update list", "/update list --overdue", "/update list Boston"],
)
async def update_list(
    context: Context,
    group: Annotated[
        str | None, Arg("one workgroup or chapter", complete="update-groups", metavar="GROUP")
    ] = None,
    overdue: Annotated[bool, Opt("only groups whose update is overdue")] = False,
) -> Reply:
    """Which groups are current, due, overdue or away; or one group's updates."""
    session = context.session
    if group is not None:
        found = await find_group(session, group, society=True)
        (standing,) = await standings(session, [found], context.now, context.tz)
        updates = list(
            await session.scalars(
                select(StatusUpdate)
                .where(StatusUpdate.group_key == found.key)
                .order_by(StatusUpdate.posted_at.desc())
                .limit(HISTORY)
            )
        )
        return cards.history_reply(found, updates, standing)
    shown = await standings(session, await owing_groups(session), context.now, context.tz)
    if overdue:
        shown = [s for s in shown if s.state == "overdue"]
    return cards.list_reply(shown[:LIST_LIMIT], overdue)


@router.command("update", "show", examples=["/update show 12"])
async def update_show(context: Context, id_: Annotated[int, Arg("the update's number")]) -> Reply:
    """Show one update in full."""
    update = await context.session.get(StatusUpdate, id_)
    found = await group_by_key(context.session, update.group_key) if update else None
    if update is None or found is None:
        raise NotFound(f"No update #{id_}; see /update list.")
    card = cards.update_card(update, found)
    return Reply.private(card.text, *card.blocks)


router.due("updates.prompt", probe=prompts_due)(prompt_updates)

__all__ = ["CADENCES", "SOCIETY", "router"]
