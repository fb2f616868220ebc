"""Workgroups: member-led work that starts when enough members back it.

A member proposes a workgroup with a charter (its purpose, and what it is not
responsible for) and becomes its lead and first backer. When enough members back
the proposal (`workgroup_threshold`) it becomes active, its backers become its
members, and every chapter channel hears about it. A proposal still short of
backers after `workgroup_expiry_days` expires (`expire`, run by the scheduler).
Leads post outputs, call for volunteers, hand over and close their workgroup.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime, timedelta
from typing import Annotated, Any, Literal
from urllib.parse import urlsplit

from sqlalchemy import and_, delete, func, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.sql.elements import ColumnElement

from bot.complete import rank_choices
from bot.config import Settings
from bot.context import Context
from bot.declarations import Arg, Opt
from bot.errors import BadArgument, Conflict, NotFound
from bot.mentions import mention
from bot.notifier import Announcement, bound_channels
from bot.parser import closest
from bot.permissions import lead_of
from bot.registry import Router
from bot.reply import Actions, Block, Button, Fields, Header, Reply, Section
from bot.reply import Context as ContextLine
from commands.lookup import name_key
from commands.text import moment, plural
from storage.models import (
    Member,
    OutputStatus,
    Workgroup,
    WorkgroupBacking,
    WorkgroupMember,
    WorkgroupOutput,
    WorkgroupStatus,
)

router = Router("workgroups")

MIN_NAME, MAX_NAME = 2, 80
MAX_CHARTER = 1000
MAX_TITLE = 200
MAX_LINK = 500
MAX_NEED = 300
LIST_LIMIT = 50
SHOWN_MEMBERS = 20
QUOTES = frozenset('"“”')

CLOSED = (WorkgroupStatus.COMPLETED, WorkgroupStatus.ARCHIVED)
STATUS_ORDER = {status: index for index, status in enumerate(WorkgroupStatus)}

WorkgroupName = Annotated[str, Arg("the workgroup's name", complete="workgroups")]
StatusName = Literal["proposed", "active", "completed", "archived", "expired"]
OutputStatusName = Literal["planned", "in-progress", "published"]


# --- finding workgroups ----------------------------------------------------------------


async def find_workgroup(session: AsyncSession, name: str) -> Workgroup:
    """The workgroup a typed name means: exact, else a unique prefix, else a hint."""
    key = name_key(name)
    found = await session.scalar(select(Workgroup).where(Workgroup.name_key == key))
    if found is not None:
        return found
    rows = (
        await session.execute(
            select(Workgroup.name_key, Workgroup.name, Workgroup.status).order_by(
                Workgroup.name_key
            )
        )
    ).all()
    starts = [row for row in rows if row.name_key.startswith(key)] if key else []
    if len(starts) > 1:  # an old expired proposal should not make a live name ambiguous
        live = [row for row in starts if row.status is not WorkgroupStatus.EXPIRED]
        starts = live or starts
    if len(starts) == 1:
        found = await session.scalar(select(Workgroup).where(Workgroup.name_key == starts[0][0]))
        assert found is not None
        return found
    if len(starts) > 1:
        shown = ", ".join(row.name for row in starts[:5])
        raise BadArgument(f"{name!r} could be several workgroups ({shown}); give the full name.")
    names = {row.name_key: row.name for row in rows}
    suggestion = closest(key, list(names))
    hint = (
        f" Did you mean {names[suggestion]}?"
        if suggestion
        else " See /workgroup list, or propose it with /workgroup propose."
    )
    raise NotFound(f"No workgroup named {name!r}.{hint}")


@router.owner("workgroup")
async def workgroup_leads(context: Context, name: str) -> set[int]:
    workgroup = await find_workgroup(context.session, name)
    return {workgroup.lead_id} if workgroup.lead_id is not None else set()


@router.completer("workgroups")
async def complete_workgroups(session: AsyncSession, typed: str) -> list[str]:
    names = await session.scalars(
        select(Workgroup.name).where(Workgroup.status != WorkgroupStatus.EXPIRED)
    )
    return rank_choices(typed, names)


# --- wording ---------------------------------------------------------------------------


def as_typed(name: str) -> str:
    """A name as it must be typed in a command: quoted when it has spaces."""
    return f'"{name}"' if " " in name else name


def expires_at(workgroup: Workgroup, settings: Settings) -> datetime:
    return workgroup.created_at + timedelta(days=settings.workgroup_expiry_days)


def lapsed(workgroup: Workgroup, settings: Settings, now: datetime) -> bool:
    """A proposal past its expiry, whether or not `expire` has marked it yet."""
    if workgroup.status is WorkgroupStatus.EXPIRED:
        return True
    return workgroup.status is WorkgroupStatus.PROPOSED and now > expires_at(workgroup, settings)


def shown_status(workgroup: Workgroup, settings: Settings, now: datetime) -> WorkgroupStatus:
    return WorkgroupStatus.EXPIRED if lapsed(workgroup, settings, now) else workgroup.status


def _status_filter(status: WorkgroupStatus, cutoff: datetime) -> ColumnElement[bool]:
    """Workgroups showing `status`: proposals past their expiry count as expired."""
    proposed = Workgroup.status == WorkgroupStatus.PROPOSED
    if status is WorkgroupStatus.PROPOSED:
        return and_(proposed, Workgroup.created_at >= cutoff)
    if status is WorkgroupStatus.EXPIRED:
        return or_(
            Workgroup.status == WorkgroupStatus.EXPIRED,
            and_(proposed, Workgroup.created_at < cutoff),
        )
    return Workgroup.status == status


def _charter(workgroup: Workgroup) -> str:
    lines = [f"*Purpose:* {workgroup.purpose}"]
    if workgroup.not_responsible:
        lines.append(f"*Not responsible for:* {workgroup.not_responsible}")
    return "\n".join(lines)


def _lead(workgroup: Workgroup) -> str:
    return mention(workgroup.lead_id) if workgroup.lead_id is not None else "no lead"


def _clean_name(name: str) -> str:
    clean = " ".join(name.split())
    if not MIN_NAME <= len(clean) <= MAX_NAME:
        raise BadArgument(f"NAME must be {MIN_NAME}–{MAX_NAME} characters; got {len(clean)}.")
    if QUOTES & set(clean):
        raise BadArgument("NAME cannot contain quotation marks; members type it in commands.")
    if not any(ch.isalnum() for ch in clean):
        raise BadArgument("NAME needs at least one letter or digit.")
    return clean


def _clean_text(value: str, what: str, limit: int) -> str:
    clean = " ".join(value.split())
    if not clean:
        raise BadArgument(f"{what} is empty; say it in a few words.")
    if len(clean) > limit:
        raise BadArgument(f"{what} is {len(clean)} characters; keep it to {limit}.")
    return clean


def _clean_link(link: str) -> str:
    clean = link.strip()
    try:
        parts = urlsplit(clean)
    except ValueError:
        parts = None
    if (
        parts is None
        or parts.scheme.lower() not in ("http", "https")
        or not parts.hostname
        or any(ch.isspace() for ch in clean)
    ):
        raise BadArgument(
            f"--link {clean[:40]!r} is not a web address; give one starting with https://."
        )
    if len(clean) > MAX_LINK:
        raise BadArgument(f"--link is {len(clean)} characters; keep it to {MAX_LINK}.")
    return clean


async def _backers(session: AsyncSession, workgroup_id: int) -> int:
    count = await session.scalar(
        select(func.count())
        .select_from(WorkgroupBacking)
        .where(WorkgroupBacking.workgroup_id == workgroup_id)
    )
    return int(count or 0)


async def _members(session: AsyncSession, workgroup_id: int) -> list[int]:
    return list(
        await session.scalars(
            select(WorkgroupMember.member_id)
            .where(WorkgroupMember.workgroup_id == workgroup_id)
            .order_by(WorkgroupMember.joined_at, WorkgroupMember.member_id)
        )
    )


async def _is_member(session: AsyncSession, workgroup_id: int, member_id: int) -> bool:
    found = await session.scalar(
        select(WorkgroupMember.member_id).where(
            WorkgroupMember.workgroup_id == workgroup_id, WorkgroupMember.member_id == member_id
        )
    )
    return found is not None


async def _backs(session: AsyncSession, workgroup_id: int, member_id: int) -> bool:
    found = await session.scalar(
        select(WorkgroupBacking.member_id).where(
            WorkgroupBacking.workgroup_id == workgroup_id, WorkgroupBacking.member_id == member_id
        )
    )
    return found is not None


async def _locked(context: Context, name: str) -> Workgroup:
    """The workgroup, its row locked until commit (PostgreSQL) and freshly read.

    Backings that race each other to the threshold then count one after the other,
    so exactly one of them activates the workgroup.
    """
    workgroup = await find_workgroup(context.session, name)
    await context.session.refresh(workgroup, with_for_update=True)
    return workgroup


def _not_open(workgroup: Workgroup, settings: Settings, now: datetime, doing: str) -> Conflict:
    """Why a workgroup that is not active refuses `doing` (join, add outputs…)."""
    name = workgroup.name
    if lapsed(workgroup, settings, now):
        day = moment(expires_at(workgroup, settings), settings.tz)
        return Conflict(
            f"{name}'s proposal expired on {day} without enough backers; "
            f"propose it again with /workgroup propose {as_typed(name)} --purpose TEXT."
        )
    if workgroup.status is WorkgroupStatus.PROPOSED:
        return Conflict(
            f"{name} is still a proposal, so it cannot {doing} yet; "
            f"back it with /workgroup back {as_typed(name)}."
        )
    return Conflict(f"{name} is {workgroup.status.value}, so it cannot {doing}.")


def _require_active(context: Context, workgroup: Workgroup, doing: str) -> None:
    if workgroup.status is not WorkgroupStatus.ACTIVE:
        raise _not_open(workgroup, context.settings, context.now, doing)


async def _activate(context: Context, workgroup: Workgroup) -> None:
    """Proposal → active: the backers become its members and every chapter hears of it."""
    now = context.now
    workgroup.status = WorkgroupStatus.ACTIVE
    workgroup.activated_at = workgroup.last_activity_at = now
    backers = await context.session.scalars(
        select(WorkgroupBacking.member_id)
        .where(WorkgroupBacking.workgroup_id == workgroup.id)
        .order_by(WorkgroupBacking.backed_at, WorkgroupBacking.member_id)
    )
    already = set(await _members(context.session, workgroup.id))
    context.session.add_all(
        WorkgroupMember(workgroup_id=workgroup.id, member_id=member_id, joined_at=now)
        for member_id in backers
        if member_id not in already
    )
    context.uow.record("workgroup.activated", workgroup_id=workgroup.id)


async def _back(context: Context, workgroup: Workgroup) -> tuple[int, bool]:
    """Add the member's backing and activate at the threshold: (backers now, activated)."""
    context.session.add(
        WorkgroupBacking(
            workgroup_id=workgroup.id, member_id=context.member.id, backed_at=context.now
        )
    )
    await context.session.flush()
    count = await _backers(context.session, workgroup.id)
    if count < context.settings.workgroup_threshold:
        return count, False
    await _activate(context, workgroup)
    return count, True


# --- proposing and backing ---------------------------------------------------------------


@router.command(
    "workgroup",
    "propose",
    form=True,
    examples=[
        '/workgroup propose "Open Data" --purpose "Publish the society\'s datasets" '
        '--not "Hosting members\' private data"',
        '/workgroup propose Podcast --purpose "Record a monthly episode with a member"',
    ],
)
async def workgroup_propose(
    context: Context,
    name: Annotated[str, Arg("the new workgroup's name")],
    purpose: Annotated[str, Opt("what the workgroup is for", metavar="TEXT")],
    not_: Annotated[str | None, Opt("what it is not responsible for", metavar="TEXT")] = None,
) -> Reply:
    """Propose a workgroup with a charter; it starts once enough members back it.

    You become its lead and first backer. When enough members back it with
    /workgroup back, it becomes active, its backers become its members, and every
    chapter channel hears about it. A proposal that stays short of backers expires.
    """
    settings, now = context.settings, context.now
    clean = _clean_name(name)
    charter = _clean_text(purpose, "--purpose", MAX_CHARTER)
    not_responsible = _clean_text(not_, "--not", MAX_CHARTER) if not_ is not None else None
    key = name_key(clean)
    workgroup = await context.session.scalar(select(Workgroup).where(Workgroup.name_key == key))
    if workgroup is not None and not lapsed(workgroup, settings, now):
        shown = workgroup.status.value
        raise Conflict(f"A workgroup named {workgroup.name} already exists ({shown}).")
    if workgroup is not None:
        # An expired proposal's name is free again: the new proposal starts afresh.
        await context.session.execute(
            delete(WorkgroupBacking).where(WorkgroupBacking.workgroup_id == workgroup.id)
        )
        workgroup.status, workgroup.activated_at, workgroup.closed_at = (
            WorkgroupStatus.PROPOSED,
            None,
            None,
        )
    else:
        workgroup = Workgroup(name_key=key)
        context.session.add(workgroup)
    workgroup.name = clean
    workgroup.purpose, workgroup.not_responsible = charter, not_responsible
    workgroup.status = WorkgroupStatus.PROPOSED
    workgroup.lead_id = workgroup.proposer_id = context.member.id
    workgroup.created_at = workgroup.last_activity_at = now
    await context.session.flush()
    count, activated = await _back(context, workgroup)
    threshold = settings.workgroup_threshold
    if activated:
        line = f"{clean} is active at once: it needs only {plural(threshold, 'backer')}."
        return Reply.public(
            f"{line} {_charter(workgroup)}",
            Header(f"New workgroup: {clean}"),
            Section(_charter(workgroup)),
            Section(f"{line} Every chapter channel hears about it."),
        )
    blocks: list[Block] = [Header(f"Proposed workgroup: {clean}"), Section(_charter(workgroup))]
    progress = f"{count} of {threshold} backers — /workgroup back {as_typed(clean)}"
    day = moment(expires_at(workgroup, settings), settings.tz)
    blocks += [
        Section(f"Lead: {mention(context.member.id)} · {progress}"),
        Actions((Button("Back it", f"/workgroup back {as_typed(clean)}", style="primary"),)),
        ContextLine(f"It starts at {threshold} backers; the proposal expires on {day}."),
    ]
    return Reply.public(f"Proposed workgroup {clean}. {progress}", *blocks)


@router.command("workgroup", "back", examples=['/workgroup back "Open Data"'])
async def workgroup_back(context: Context, name: WorkgroupName) -> Reply:
    """Back a proposed workgroup; at enough backers it starts, with its backers as members."""
    workgroup = await _locked(context, name)
    threshold = context.settings.workgroup_threshold
    if workgroup.status is WorkgroupStatus.ACTIVE:
        raise Conflict(
            f"{workgroup.name} is already active; join it with /workgroup join "
            f"{as_typed(workgroup.name)}."
        )
    if workgroup.status is not WorkgroupStatus.PROPOSED or lapsed(
        workgroup, context.settings, context.now
    ):
        raise _not_open(workgroup, context.settings, context.now, "take backers")
    if await _backs(context.session, workgroup.id, context.member.id):
        count = await _backers(context.session, workgroup.id)
        raise Conflict(f"You already back {workgroup.name} ({count} of {threshold}).")
    count, activated = await _back(context, workgroup)
    if activated:
        return Reply.private(
            f"You back {workgroup.name}: that makes {count} of {threshold}, so it is now "
            f"active! Its {plural(count, 'backer')} are its first members, and every chapter "
            "channel hears about it."
        )
    return Reply.private(
        f"You back {workgroup.name} ({count} of {threshold} backers). It starts at "
        f"{threshold}; ask others to /workgroup back {as_typed(workgroup.name)}."
    )


async def expire(session: AsyncSession, now: datetime, settings: Settings) -> list[int]:
    """Expire proposals older than `workgroup_expiry_days` still short of the threshold.

    One conditional update: two runs at once (or a run racing a backing) never
    both expire a proposal. Returns the ids expired; the caller commits.
    """
    cutoff = now - timedelta(days=settings.workgroup_expiry_days)
    backers = (
        select(func.count())
        .select_from(WorkgroupBacking)
        .where(WorkgroupBacking.workgroup_id == Workgroup.id)
        .scalar_subquery()
    )
    result = await session.execute(
        update(Workgroup)
        .where(
            Workgroup.status == WorkgroupStatus.PROPOSED,
            Workgroup.created_at < cutoff,
            backers < settings.workgroup_threshold,
        )
        .values(status=WorkgroupStatus.EXPIRED, closed_at=now)
        .returning(Workgroup.id)
        .execution_options(synchronize_session=False)
    )
    return sorted(result.scalars())


# --- joining and leaving -----------------------------------------------------------------


@router.command("workgroup", "join", examples=["/workgroup join Mentoring"])
async def workgroup_join(context: Context, name: WorkgroupName) -> Reply:
    """Join an active workgroup."""
    workgroup = await find_workgroup(context.session, name)
    _require_active(context, workgroup, "take members")
    if await _is_member(context.session, workgroup.id, context.member.id):
        raise Conflict(f"You are already a member of {workgroup.name}.")
    context.session.add(
        WorkgroupMember(
            workgroup_id=workgroup.id, member_id=context.member.id, joined_at=context.now
        )
    )
    return Reply.private(
        f"Welcome to {workgroup.name}! Its lead is {_lead(workgroup)}. "
        f"See its outputs with /workgroup info {as_typed(workgroup.name)}."
    )


@router.command("workgroup", "leave", examples=["/workgroup leave Mentoring"])
async def workgroup_leave(context: Context, name: WorkgroupName) -> Reply:
    """Leave an active workgroup. Its lead hands it over first."""
    workgroup = await find_workgroup(context.session, name)
    _require_active(context, workgroup, "change its members")
    if not await _is_member(context.session, workgroup.id, context.member.id):
        raise Conflict(f"You are not a member of {workgroup.name}.")
    if workgroup.lead_id == context.member.id:
        raise Conflict(
            f"You lead {workgroup.name}; hand it over first with "
            f"/workgroup handover {as_typed(workgroup.name)} @member."
        )
    await context.session.execute(
        delete(WorkgroupMember).where(
            WorkgroupMember.workgroup_id == workgroup.id,
            WorkgroupMember.member_id == context.member.id,
        )
    )
    return Reply.private(f"You left {workgroup.name}.")


# --- seeing them -----------------------------------------------------------------------


@router.command(
    "workgroup",
    "list",
    examples=["/workgroup list", "/workgroup list --status active"],
)
async def workgroup_list(
    context: Context,
    status: Annotated[StatusName | None, Opt("only workgroups in this state")] = None,
) -> Reply:
    """List workgroups: by default the proposals and the active ones, with their sizes."""
    settings, now = context.settings, context.now
    cutoff = now - timedelta(days=settings.workgroup_expiry_days)
    wanted = (
        [WorkgroupStatus(status)] if status else [WorkgroupStatus.PROPOSED, WorkgroupStatus.ACTIVE]
    )
    session = context.session
    rows = (
        await session.execute(
            select(Workgroup)
            .where(or_(*(_status_filter(s, cutoff) for s in wanted)))
            .order_by(Workgroup.name_key)
            .limit(LIST_LIMIT + 1)
        )
    ).scalars()
    workgroups = list(rows)
    more = len(workgroups) > LIST_LIMIT
    workgroups = workgroups[:LIST_LIMIT]
    if not workgroups:
        which = status or "proposed or active"
        return Reply.private(
            f"No {which} workgroups. Propose one with /workgroup propose NAME --purpose TEXT."
        )
    ids = [w.id for w in workgroups]
    backers = dict(
        (
            await session.execute(
                select(WorkgroupBacking.workgroup_id, func.count())
                .where(WorkgroupBacking.workgroup_id.in_(ids))
                .group_by(WorkgroupBacking.workgroup_id)
            )
        ).all()
    )
    members = dict(
        (
            await session.execute(
                select(WorkgroupMember.workgroup_id, func.count())
                .where(WorkgroupMember.workgroup_id.in_(ids))
                .group_by(WorkgroupMember.workgroup_id)
            )
        ).all()
    )
    threshold = settings.workgroup_threshold
    blocks: list[Block] = [Header(f"Workgroups ({len(workgroups)}{'+' if more else ''})")]
    by_status: dict[WorkgroupStatus, list[str]] = {}
    for workgroup in workgroups:
        shown = shown_status(workgroup, settings, now)
        if shown is WorkgroupStatus.PROPOSED:
            size = f"{backers.get(workgroup.id, 0)} of {threshold} backers"
        elif shown is WorkgroupStatus.EXPIRED:
            size = f"{plural(backers.get(workgroup.id, 0), 'backer')}"
        else:
            size = plural(members.get(workgroup.id, 0), "member")
        by_status.setdefault(shown, []).append(
            f"• *{workgroup.name}* · {size} · lead {_lead(workgroup)}"
        )
    for shown in sorted(by_status, key=STATUS_ORDER.__getitem__):
        lines = by_status[shown]
        blocks.append(Section(f"*{shown.value.title()}* ({len(lines)})\n" + "\n".join(lines)))
    if more:
        blocks.append(ContextLine(f"Showing the first {LIST_LIMIT}; narrow it with --status."))
    blocks.append(ContextLine("See one with /workgroup info NAME."))
    text = ", ".join(f"{w.name} ({shown_status(w, settings, now).value})" for w in workgroups)
    return Reply.private(f"Workgroups: {text}", *blocks)


@router.command("workgroup", "info", examples=["/workgroup info Mentoring"])
async def workgroup_info(context: Context, name: WorkgroupName) -> Reply:
    """Show a workgroup: charter, status, lead, members, outputs and last activity."""
    settings, now, tz = context.settings, context.now, context.tz
    session = context.session
    workgroup = await find_workgroup(session, name)
    shown = shown_status(workgroup, settings, now)
    threshold = settings.workgroup_threshold
    pairs: list[tuple[str, str]] = [("Status", shown.value), ("Lead", _lead(workgroup))]
    blocks: list[Block] = [Header(workgroup.name)]
    notes: list[str] = []
    if shown in (WorkgroupStatus.PROPOSED, WorkgroupStatus.EXPIRED):
        backers = list(
            await session.scalars(
                select(WorkgroupBacking.member_id)
                .where(WorkgroupBacking.workgroup_id == workgroup.id)
                .order_by(WorkgroupBacking.backed_at, WorkgroupBacking.member_id)
            )
        )
        pairs.append(("Backers", f"{len(backers)} of {threshold}"))
        day = moment(expires_at(workgroup, settings), tz)
        if shown is WorkgroupStatus.PROPOSED:
            pairs.append(("Proposed", moment(workgroup.created_at, tz)))
            notes.append(
                f"The proposal expires on {day} unless it reaches {threshold} backers: "
                f"/workgroup back {as_typed(workgroup.name)}"
            )
        else:
            notes.append(f"The proposal expired on {day} without enough backers.")
        people = backers
        heading = "Backers"
    else:
        people = await _members(session, workgroup.id)
        pairs.append(("Members", str(len(people))))
        if workgroup.activated_at is not None:
            pairs.append(("Active since", moment(workgroup.activated_at, tz)))
        if workgroup.closed_at is not None and shown in CLOSED:
            pairs.append((shown.value.title(), moment(workgroup.closed_at, tz)))
        heading = "Members"
    pairs.append(("Last activity", moment(workgroup.last_activity_at, tz)))
    blocks += [Fields(tuple(pairs)), Section(_charter(workgroup))]
    if people:
        listed = ", ".join(mention(m) for m in people[:SHOWN_MEMBERS])
        extra = len(people) - SHOWN_MEMBERS
        listed += f" and {extra} more" if extra > 0 else ""
        blocks.append(Section(f"*{heading}*\n{listed}"))
    outputs = list(
        await session.scalars(
            select(WorkgroupOutput)
            .where(WorkgroupOutput.workgroup_id == workgroup.id)
            .order_by(WorkgroupOutput.created_at, WorkgroupOutput.id)
        )
    )
    if outputs:
        lines = [
            f"• {o.title} — {o.status.value.replace('-', ' ')}" + (f" · {o.link}" if o.link else "")
            for o in outputs
        ]
        blocks.append(Section("*Outputs*\n" + "\n".join(lines)))
    elif shown is WorkgroupStatus.ACTIVE:
        blocks.append(Section("*Outputs*\nNone yet."))
    if shown is WorkgroupStatus.ACTIVE:
        notes.append(f"Join with /workgroup join {as_typed(workgroup.name)}")
    blocks += [ContextLine(note) for note in notes]
    text = f"{workgroup.name}: {shown.value}, lead {_lead(workgroup)}. {workgroup.purpose}"
    return Reply.private(text, *blocks)


@router.home(order=20)
async def home_workgroups(context: Context) -> list[Block]:
    """The member's workgroups and the proposals they back, with status."""
    settings, now = context.settings, context.now
    member_id = context.member.id
    session = context.session
    joined = select(WorkgroupMember.workgroup_id).where(WorkgroupMember.member_id == member_id)
    backed = select(WorkgroupBacking.workgroup_id).where(WorkgroupBacking.member_id == member_id)
    workgroups = list(
        await session.scalars(
            select(Workgroup)
            .where(
                or_(
                    Workgroup.id.in_(joined),
                    Workgroup.id.in_(backed),
                    Workgroup.lead_id == member_id,
                ),
                Workgroup.status.not_in((WorkgroupStatus.ARCHIVED, WorkgroupStatus.EXPIRED)),
            )
            .order_by(Workgroup.name_key)
        )
    )
    workgroups = [w for w in workgroups if not lapsed(w, settings, now)]
    if not workgroups:
        return [
            Header("Your workgroups"),
            Section("You are in no workgroup yet. Find one with /workgroup list."),
            ContextLine("Or start one: /workgroup propose NAME --purpose TEXT"),
        ]
    threshold = settings.workgroup_threshold
    backers = dict(
        (
            await session.execute(
                select(WorkgroupBacking.workgroup_id, func.count())
                .where(WorkgroupBacking.workgroup_id.in_([w.id for w in workgroups]))
                .group_by(WorkgroupBacking.workgroup_id)
            )
        ).all()
    )
    # Active work first, then proposals, then finished work; by name within each.
    workgroups.sort(key=lambda w: (w.status is not WorkgroupStatus.ACTIVE, STATUS_ORDER[w.status]))
    lines = []
    for workgroup in workgroups:
        role = "you lead it" if workgroup.lead_id == member_id else None
        if workgroup.status is WorkgroupStatus.PROPOSED:
            state = f"proposed, {backers.get(workgroup.id, 0)} of {threshold} backers"
            role = role or "you back it"
        else:
            state = workgroup.status.value
            role = role or "member"
        lines.append(f"• *{workgroup.name}* — {state} · {role}")
    return [
        Header("Your workgroups"),
        Section("\n".join(lines)),
        ContextLine("See one with /workgroup info NAME; find others with /workgroup list."),
    ]


# --- what leads do -------------------------------------------------------------------


@router.command(
    "workgroup",
    "output",
    access=lead_of("name"),
    examples=[
        '/workgroup output Mentoring "Mentor guide" --status in-progress',
        '/workgroup output Mentoring "Mentor guide" --status published '
        "--link https://example.org/mentor-guide",
    ],
)
async def workgroup_output(
    context: Context,
    name: WorkgroupName,
    title: Annotated[str, Arg("what it makes, in quotes")],
    status: Annotated[
        OutputStatusName | None, Opt("how far along it is (new outputs: planned)")
    ] = None,
    link: Annotated[str | None, Opt("where to read it: an http(s) address", metavar="URL")] = None,
) -> Reply:
    """Add an output to the workgroup, or update one's status or link.

    Give a title the workgroup already lists to update it instead of adding it again.
    """
    workgroup = await find_workgroup(context.session, name)
    _require_active(context, workgroup, "add outputs")
    clean_title = _clean_text(title, "TITLE", MAX_TITLE)
    clean_link = _clean_link(link) if link is not None else None
    now = context.now
    # Matched in Python: SQLite's lower() leaves non-ASCII letters alone.
    outputs = await context.session.scalars(
        select(WorkgroupOutput).where(WorkgroupOutput.workgroup_id == workgroup.id)
    )
    existing = next((o for o in outputs if o.title.casefold() == clean_title.casefold()), None)
    workgroup.last_activity_at = now
    if existing is None:
        output = WorkgroupOutput(
            workgroup_id=workgroup.id,
            title=clean_title,
            status=OutputStatus(status or OutputStatus.PLANNED),
            link=clean_link,
            author_id=context.member.id,
            created_at=now,
            updated_at=now,
        )
        context.session.add(output)
        where = f" · {clean_link}" if clean_link else ""
        return Reply.public(
            f"{workgroup.name} added an output: {clean_title} — "
            f"{output.status.value.replace('-', ' ')}{where}"
        )
    changes = []
    if status is not None and OutputStatus(status) is not existing.status:
        changes.append(f"{existing.status.value} → {status}")
        existing.status = OutputStatus(status)
    if clean_link is not None and clean_link != existing.link:
        changes.append(f"link {clean_link}")
        existing.link = clean_link
    if not changes:
        shown = existing.status.value + (f", {existing.link}" if existing.link else "")
        raise Conflict(
            f"{workgroup.name} already lists {existing.title!r} ({shown}); "
            "give a new --status or --link to update it."
        )
    existing.updated_at = now
    return Reply.public(f"{workgroup.name} updated {existing.title}: " + "; ".join(changes) + ".")


@router.command(
    "workgroup",
    "recruit",
    access=lead_of("name"),
    examples=['/workgroup recruit Mentoring "Two mentors for new members in Boston"'],
)
async def workgroup_recruit(
    context: Context,
    name: WorkgroupName,
    need: Annotated[str, Arg("who or what the workgroup needs, in quotes")],
) -> Reply:
    """Call for volunteers in every chapter channel, with how to join."""
    workgroup = await find_workgroup(context.session, name)
    _require_active(context, workgroup, "recruit")
    clean = _clean_text(need, "NEED", MAX_NEED)
    workgroup.last_activity_at = context.now
    context.uow.record(
        "workgroup.recruit", workgroup_id=workgroup.id, need=clean, by=context.member.id
    )
    channels = await bound_channels(context.session, None)
    return Reply.private(
        f"Your call for volunteers for {workgroup.name} goes to "
        f"{plural(len(channels), 'chapter channel')}: {clean}"
    )


@router.command(
    "workgroup",
    "handover",
    access=lead_of("name"),
    examples=["/workgroup handover Mentoring @frank"],
)
async def workgroup_handover(
    context: Context,
    name: WorkgroupName,
    member: Annotated[Member, Arg("the new lead")],
) -> Reply:
    """Make another member the workgroup's lead; they become a member too."""
    workgroup = await _locked(context, name)
    if workgroup.status not in (WorkgroupStatus.PROPOSED, WorkgroupStatus.ACTIVE) or lapsed(
        workgroup, context.settings, context.now
    ):
        raise _not_open(workgroup, context.settings, context.now, "change its lead")
    if workgroup.lead_id == member.id:
        raise Conflict(f"{member.name} already leads {workgroup.name}.")
    previous = workgroup.lead_id
    workgroup.lead_id = member.id
    workgroup.last_activity_at = context.now
    joined = ""
    if workgroup.status is WorkgroupStatus.ACTIVE:
        if not await _is_member(context.session, workgroup.id, member.id):
            context.session.add(
                WorkgroupMember(
                    workgroup_id=workgroup.id, member_id=member.id, joined_at=context.now
                )
            )
            joined = " and a member"
    elif not await _backs(context.session, workgroup.id, member.id):
        # A proposal's lead backs it, as its proposer did.
        context.session.add(
            WorkgroupBacking(workgroup_id=workgroup.id, member_id=member.id, backed_at=context.now)
        )
        joined = " and a backer"
        await context.session.flush()
        if await _backers(context.session, workgroup.id) >= context.settings.workgroup_threshold:
            await _activate(context, workgroup)
    before = f" (after {mention(previous)})" if previous is not None else ""
    return Reply.public(
        f"{mention(member.id)} is now the lead{joined} of {workgroup.name}{before}."
    )


@router.command(
    "workgroup",
    "close",
    access=lead_of("name"),
    confirm=True,
    examples=["/workgroup close Mentoring completed", "/workgroup close Mentoring archived"],
)
async def workgroup_close(
    context: Context,
    name: WorkgroupName,
    outcome: Annotated[
        Literal["completed", "archived"],
        Arg("completed: its work is done; archived: set aside unfinished"),
    ],
) -> Reply:
    """Close a workgroup as completed or archived. Its charter, members and outputs are kept.

    A proposal can only be archived (withdrawn).
    """
    workgroup = await _locked(context, name)
    status = WorkgroupStatus(outcome)
    if workgroup.status in CLOSED:
        raise Conflict(f"{workgroup.name} is already {workgroup.status.value}.")
    if lapsed(workgroup, context.settings, context.now):
        raise _not_open(workgroup, context.settings, context.now, "be closed")
    if workgroup.status is WorkgroupStatus.PROPOSED and status is WorkgroupStatus.COMPLETED:
        raise BadArgument(
            f"{workgroup.name} never became active, so it cannot be completed; "
            f"withdraw the proposal with /workgroup close {as_typed(workgroup.name)} archived."
        )
    workgroup.status = status
    workgroup.closed_at = workgroup.last_activity_at = context.now
    if status is WorkgroupStatus.COMPLETED:
        return Reply.public(f"{workgroup.name} is completed. Thank you to everyone in it!")
    return Reply.public(f"{workgroup.name} is archived.")


# --- announcements ---------------------------------------------------------------------


@router.announcer("workgroup.activated")
async def announce_activated(
    session: AsyncSession, payload: Mapping[str, Any], now: datetime
) -> Announcement | None:
    workgroup = await session.get(Workgroup, payload["workgroup_id"])
    if workgroup is None:
        return None
    members = len(await _members(session, workgroup.id))
    line = (
        f"🎉 {workgroup.name} is now an active workgroup, led by {_lead(workgroup)}, "
        f"with {plural(members, 'member')}."
    )
    join = f"/workgroup join {as_typed(workgroup.name)}"
    return Announcement(
        Reply.public(
            f"{line} {workgroup.purpose} Join with {join}",
            Header(f"New workgroup: {workgroup.name}"),
            Section(line),
            Section(_charter(workgroup)),
            ContextLine(f"Join with {join}"),
        )
    )


@router.announcer("workgroup.recruit")
async def announce_recruit(
    session: AsyncSession, payload: Mapping[str, Any], now: datetime
) -> Announcement | None:
    workgroup = await session.get(Workgroup, payload["workgroup_id"])
    if workgroup is None:
        return None
    need = str(payload["need"])
    join = f"/workgroup join {as_typed(workgroup.name)}"
    return Announcement(
        Reply.public(
            f"📣 {workgroup.name} is looking for volunteers: {need} Join with {join}",
            Header(f"📣 {workgroup.name} needs volunteers"),
            Section(f"{need}\n\n*Purpose:* {workgroup.purpose}"),
            Fields((("Lead", _lead(workgroup)),)),
            ContextLine(f"Join with {join}, or ask {_lead(workgroup)}."),
        )
    )


# --- members who leave ---------------------------------------------------------------


@router.before_member_leaves
async def keep_one_backing(context: Context, member: Member, target: Member | None) -> None:
    """Before `member` is merged into `target`, drop their rows the target already has.

    Backings and memberships are keyed by (workgroup, member): where both accounts
    backed or joined the same workgroup, the target's row stands, so the merged
    member backs it once. Forgetting needs nothing: the rows go with the member.
    """
    if target is None:
        return
    for model in (WorkgroupBacking, WorkgroupMember):
        theirs = select(model.workgroup_id).where(model.member_id == target.id)
        await context.session.execute(
            delete(model).where(model.member_id == member.id, model.workgroup_id.in_(theirs))
        )
