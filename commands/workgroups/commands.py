"""/workgroup: propose, back, join, leave, list, info, output, recruit, handover, close.

A member proposes a workgroup with a charter (its purpose, and what it is not
responsible for) and becomes its lead and first backer. When enough members back
the proposal (`workgroup_threshold`) it becomes active, its backers become its
members, and every chapter channel hears about it. A proposal still short of
backers after `workgroup_expiry_days` expires (`status.expire`, run by the
scheduler's nudges). Leads post outputs, call for volunteers, hand over and close
their workgroup. Handlers check and write; `cards` draws what they answer.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace
from datetime import datetime, timedelta
from typing import Annotated, Any, Literal

from sqlalchemy import delete, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.context import Context
from bot.declarations import Arg, Opt
from bot.errors import BadArgument, Conflict
from bot.mentions import mention
from bot.notifier import Announcement, bound_channels
from bot.permissions import lead_of
from bot.registry import Router
from bot.reply import Block, Reply
from commands.charters.group import of_workgroup
from commands.charters.info import charter_blocks
from commands.lookup import name_key
from commands.text import plural
from commands.workgroups import cards, targeted
from commands.workgroups.charter import (
    MAX_CHARTER,
    MAX_NEED,
    MAX_TITLE,
    clean_link,
    clean_name,
    clean_text,
)
from commands.workgroups.lookup import (
    as_typed,
    complete_workgroups,
    find_workgroup,
    workgroup_leads,
)
from commands.workgroups.membership import (
    activate,
    back,
    backer_count,
    backer_counts,
    backers_of,
    backs,
    involving,
    is_member,
    keep_one_backing,
    locked,
    member_counts,
    members_of,
)
from commands.workgroups.outputs import output_titled, outputs_of
from commands.workgroups.status import (
    CLOSED,
    PROPOSALS,
    lapsed,
    not_open,
    require_active,
    shown_status,
    status_filter,
)
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
router.owner("workgroup")(workgroup_leads)
router.completer("workgroups")(complete_workgroups)
router.before_member_leaves(keep_one_backing)

LIST_LIMIT = 50

WorkgroupName = Annotated[str, Arg("the workgroup's name", complete="workgroups")]
StatusName = Literal["proposed", "active", "completed", "archived", "expired"]
OutputStatusName = Literal["planned", "in-progress", "published"]


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
    clean = clean_name(name)
    charter = clean_text(purpose, "--purpose", MAX_CHARTER)
    not_responsible = clean_text(not_, "--not", MAX_CHARTER) if not_ is not None else None
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
    count, activated = await back(context, workgroup)
    return cards.proposed_reply(workgroup, count, activated, settings)


@router.command("workgroup", "back", examples=['/workgroup back "Open Data"'])
async def workgroup_back(context: Context, name: WorkgroupName) -> Reply:
    """Back a proposed workgroup; at enough backers it starts, with its backers as members."""
    workgroup = await locked(context, name)
    threshold = context.settings.workgroup_threshold
    if workgroup.status is WorkgroupStatus.ACTIVE:
        raise Conflict(
            f"{workgroup.name} is already active; join it with /workgroup join "
            f"{as_typed(workgroup.name)}."
        )
    if workgroup.status is not WorkgroupStatus.PROPOSED or lapsed(
        workgroup, context.settings, context.now
    ):
        raise not_open(workgroup, context.settings, context.now, "take backers")
    if await backs(context.session, workgroup.id, context.member.id):
        count = await backer_count(context.session, workgroup.id)
        raise Conflict(f"You already back {workgroup.name} ({count} of {threshold}).")
    count, activated = await back(context, workgroup)
    if activated:
        return Reply.private(
            f"You back {workgroup.name}: that makes {count} of {threshold}, so it is now "
            f"active! Its {plural(count, 'backer')} are its first members, and every chapter "
            "channel hears about it."
        )
    return Reply.private(
        f"You back {workgroup.name} ({count} of {plural(threshold, 'backer')}). It starts at "
        f"{threshold}; ask others to /workgroup back {as_typed(workgroup.name)}."
    )


# --- joining and leaving -----------------------------------------------------------------


@router.command("workgroup", "join", examples=["/workgroup join Mentoring"])
async def workgroup_join(context: Context, name: WorkgroupName) -> Reply:
    """Join an active workgroup."""
    workgroup = await find_workgroup(context.session, name)
    require_active(context, workgroup, "take members")
    if await is_member(context.session, workgroup.id, context.member.id):
        raise Conflict(f"You are already a member of {workgroup.name}.")
    context.session.add(
        WorkgroupMember(
            workgroup_id=workgroup.id, member_id=context.member.id, joined_at=context.now
        )
    )
    return Reply.private(
        f"Welcome to {workgroup.name}! Its lead is {cards.lead_text(workgroup)}. "
        f"See its outputs with /workgroup info {as_typed(workgroup.name)}."
    )


@router.command("workgroup", "leave", examples=["/workgroup leave Mentoring"])
async def workgroup_leave(context: Context, name: WorkgroupName) -> Reply:
    """Leave an active workgroup. Its lead hands it over first."""
    workgroup = await find_workgroup(context.session, name)
    require_active(context, workgroup, "change its members")
    if not await is_member(context.session, workgroup.id, context.member.id):
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
    examples=["/workgroup list", "/workgroup list --status active", "/workgroup list --for-me"],
)
async def workgroup_list(
    context: Context,
    status: Annotated[StatusName | None, Opt("only workgroups in this state")] = None,
    for_me: Annotated[
        bool, Opt("active ones that share your skills and interests, best first")
    ] = False,
) -> Reply:
    """List workgroups: by default the proposals and the active ones, with their sizes."""
    if for_me:
        return await targeted.for_me(context)
    settings, now = context.settings, context.now
    cutoff = now - timedelta(days=settings.workgroup_expiry_days)
    wanted = (
        [WorkgroupStatus(status)] if status else [WorkgroupStatus.PROPOSED, WorkgroupStatus.ACTIVE]
    )
    session = context.session
    rows = (
        await session.execute(
            select(Workgroup)
            .where(or_(*(status_filter(s, cutoff) for s in wanted)))
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
    backers = await backer_counts(session, ids)
    members = await member_counts(session, ids)
    cut_at = LIST_LIMIT if more else None
    return cards.list_reply(workgroups, backers, members, cut_at, settings, now)


@router.command("workgroup", "info", examples=["/workgroup info Mentoring"])
async def workgroup_info(context: Context, name: WorkgroupName) -> Reply:
    """Show a workgroup: charter, status, lead, members, outputs and last activity."""
    settings, now = context.settings, context.now
    session = context.session
    workgroup = await find_workgroup(session, name)
    if shown_status(workgroup, settings, now) in PROPOSALS:
        people = await backers_of(session, workgroup.id)
    else:
        people = await members_of(session, workgroup.id)
    outputs = await outputs_of(session, workgroup.id)
    reply = cards.info_reply(workgroup, people, outputs, settings, now, context.tz)
    charter = await charter_blocks(context, of_workgroup(workgroup))
    return replace(reply, blocks=reply.blocks + tuple(charter)) if charter else reply


async def home_workgroups(context: Context) -> list[Block]:
    """The member's workgroups and the proposals they back, with status."""
    settings, now = context.settings, context.now
    member_id = context.member.id
    workgroups = [
        w for w in await involving(context.session, member_id) if not lapsed(w, settings, now)
    ]
    backers = await backer_counts(context.session, [w.id for w in workgroups])
    return cards.home_blocks(workgroups, backers, member_id, settings.workgroup_threshold)


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
    require_active(context, workgroup, "add outputs")
    clean_title = clean_text(title, "TITLE", MAX_TITLE)
    address = clean_link(link) if link is not None else None
    now = context.now
    existing = await output_titled(context.session, workgroup.id, clean_title)
    workgroup.last_activity_at = now
    if existing is None:
        output = WorkgroupOutput(
            workgroup_id=workgroup.id,
            title=clean_title,
            status=OutputStatus(status or OutputStatus.PLANNED),
            link=address,
            author_id=context.member.id,
            created_at=now,
            updated_at=now,
        )
        context.session.add(output)
        where = f" · {address}" if address else ""
        return Reply.public(
            f"{workgroup.name} added an output: {clean_title} — "
            f"{output.status.value.replace('-', ' ')}{where}"
        )
    changes = []
    if status is not None and OutputStatus(status) is not existing.status:
        changes.append(f"{existing.status.value} → {status}")
        existing.status = OutputStatus(status)
    if address is not None and address != existing.link:
        changes.append(f"link {address}")
        existing.link = address
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
    examples=[
        '/workgroup recruit Mentoring "Two mentors for new members in Boston"',
        '/workgroup recruit Mentoring "A data person" --skills "python, sql" --max 30',
    ],
)
async def workgroup_recruit(
    context: Context,
    name: WorkgroupName,
    need: Annotated[str, Arg("who or what the workgroup needs, in quotes")],
    skills: Annotated[str | None, Opt("ask members with these skills", metavar="a,b")] = None,
    interests: Annotated[str | None, Opt("ask members with these interests", metavar="a,b")] = None,
    max_: Annotated[
        int | None, Opt("ask at most N members directly (default 20, at most 200)", metavar="N")
    ] = None,
) -> Reply:
    """Call for volunteers in every chapter channel, and ask matching members directly.

    Members whose skills or interests match (the workgroup's tags if none are given)
    get a direct message with I'm in / Not now buttons, at most once a month.
    """
    most = targeted.check_most(max_)
    workgroup = await find_workgroup(context.session, name)
    require_active(context, workgroup, "recruit")
    clean = clean_text(need, "NEED", MAX_NEED)
    workgroup.last_activity_at = context.now
    context.uow.record(
        "workgroup.recruit", workgroup_id=workgroup.id, need=clean, by=context.member.id
    )
    channels = await bound_channels(context.session, None)
    asked = await targeted.ask_matching(context, workgroup, clean, skills, interests, most)
    return Reply.private(
        f"Your call for volunteers for {workgroup.name} goes to "
        f"{plural(len(channels), 'chapter channel')}: {clean}" + (f"\n{asked}" if asked else "")
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
    workgroup = await locked(context, name)
    if workgroup.status not in (WorkgroupStatus.PROPOSED, WorkgroupStatus.ACTIVE) or lapsed(
        workgroup, context.settings, context.now
    ):
        raise not_open(workgroup, context.settings, context.now, "change its lead")
    if workgroup.lead_id == member.id:
        raise Conflict(f"{member.name} already leads {workgroup.name}.")
    previous = workgroup.lead_id
    workgroup.lead_id = member.id
    workgroup.last_activity_at = context.now
    joined = ""
    if workgroup.status is WorkgroupStatus.ACTIVE:
        if not await is_member(context.session, workgroup.id, member.id):
            context.session.add(
                WorkgroupMember(
                    workgroup_id=workgroup.id, member_id=member.id, joined_at=context.now
                )
            )
            joined = " and a member"
    elif not await backs(context.session, workgroup.id, member.id):
        # A proposal's lead backs it, as its proposer did.
        context.session.add(
            WorkgroupBacking(workgroup_id=workgroup.id, member_id=member.id, backed_at=context.now)
        )
        joined = " and a backer"
        await context.session.flush()
        if (
            await backer_count(context.session, workgroup.id)
            >= context.settings.workgroup_threshold
        ):
            await activate(context, workgroup)
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
    workgroup = await locked(context, name)
    status = WorkgroupStatus(outcome)
    if workgroup.status in CLOSED:
        raise Conflict(f"{workgroup.name} is already {workgroup.status.value}.")
    if lapsed(workgroup, context.settings, context.now):
        raise not_open(workgroup, context.settings, context.now, "be closed")
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


async def announce_activated(
    session: AsyncSession, payload: Mapping[str, Any], now: datetime
) -> Announcement | None:
    workgroup = await session.get(Workgroup, payload["workgroup_id"])
    if workgroup is None:
        return None
    members = len(await members_of(session, workgroup.id))
    return Announcement(cards.activated_reply(workgroup, members))


async def announce_recruit(
    session: AsyncSession, payload: Mapping[str, Any], now: datetime
) -> Announcement | None:
    workgroup = await session.get(Workgroup, payload["workgroup_id"])
    if workgroup is None:
        return None
    return Announcement(cards.recruit_reply(workgroup, str(payload["need"])))


router.home(order=20)(home_workgroups)
router.announcer("workgroup.activated")(announce_activated)
router.announcer("workgroup.recruit")(announce_recruit)
