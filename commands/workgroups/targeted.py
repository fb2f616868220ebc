"""Targeted calls for volunteers: workgroups' tags, direct asks, answers, and fit.

A lead's `/workgroup recruit NAME "NEED" --skills a,b` still posts to every chapter
channel; besides, it asks up to `--max` members whose skills or interests match by
direct message, with *I'm in* and *Not now* buttons. Only members with nudges on
are asked, and never the same member for the same workgroup twice within
`ASK_AGAIN_AFTER`. "I'm in" joins them and tells the lead; `/workgroup answers`
shows the lead how many were asked and who answered.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Annotated, Literal

from sqlalchemy import ColumnElement, and_, delete, exists, func, insert, or_, select

from bot.context import Context
from bot.declarations import Arg
from bot.errors import BadArgument, Conflict, NotFound
from bot.mentions import mention
from bot.notifier import queue_direct
from bot.permissions import lead_of
from bot.registry import Router
from bot.reply import Actions, Button, Fields, Header, Note, Reply, Section
from commands.profiles.tags import (
    find_tag,
    member_tag_ids,
    resolve_tags,
    split_tags,
    workgroup_tag_labels,
)
from commands.text import plural
from commands.workgroups.lookup import as_typed, find_workgroup
from commands.workgroups.membership import is_member
from commands.workgroups.status import require_active
from storage.models import (
    Identity,
    Member,
    MemberTag,
    RecruitAsk,
    Tag,
    Workgroup,
    WorkgroupMember,
    WorkgroupStatus,
    WorkgroupTag,
)

router = Router("workgroup calls")

MAX_ASKED = 200
DEFAULT_ASKED = 20
ASK_AGAIN_AFTER = timedelta(days=30)
FIT_SHOWN = 10

WorkgroupName = Annotated[str, Arg("the workgroup's name", complete="workgroups")]


def check_most(most: int | None) -> int:
    """How many to ask directly: `--max`, at most `MAX_ASKED`."""
    if most is None:
        return DEFAULT_ASKED
    if most < 0 or most > MAX_ASKED:
        raise BadArgument(f"--max is between 0 and {MAX_ASKED} members; got {most}.")
    return most


async def _known_tags(context: Context, raw: str | None, flag: str) -> tuple[list[int], list[str]]:
    """Tag ids the society already has for what was typed, and the words none matched."""
    if raw is None:
        return [], []
    ids, unknown = [], []
    for typed in split_tags(raw, flag):
        tag = await find_tag(context.session, typed)
        if tag is None:
            unknown.append(typed)
        else:
            ids.append(tag.id)
    return ids, unknown


async def ask_matching(
    context: Context,
    workgroup: Workgroup,
    need: str,
    skills: str | None,
    interests: str | None,
    most: int,
) -> str:
    """Ask up to `most` matching members directly; a line for the lead saying how it went."""
    skill_ids, unknown = await _known_tags(context, skills, "--skills")
    interest_ids, unknown_too = await _known_tags(context, interests, "--interests")
    unknown += unknown_too
    session, now = context.session, context.now
    matches = []
    if skill_ids:
        matches.append(and_(MemberTag.kind == "skill", MemberTag.tag_id.in_(skill_ids)))
    if interest_ids:
        matches.append(and_(MemberTag.kind == "interest", MemberTag.tag_id.in_(interest_ids)))
    if not matches and skills is None and interests is None:
        # No tags given: the workgroup's own tags, as skills or interests.
        own = select(WorkgroupTag.tag_id).where(WorkgroupTag.workgroup_id == workgroup.id)
        if await session.scalar(select(exists().where(WorkgroupTag.workgroup_id == workgroup.id))):
            matches.append(MemberTag.tag_id.in_(own))
    skipped = f" No member has {', '.join(unknown)} yet." if unknown else ""
    if not matches and skills is None and interests is None:
        return ""  # an untagged workgroup's plain call: the channels only
    if not matches or most == 0:
        return "Nobody was asked directly." + skipped
    chosen = await _best_matches(context, workgroup, or_(*matches), most)
    if not chosen:
        return (
            "Nobody matching was left to ask directly (asked in the last 30 days, "
            "already in it, or nudges off)." + skipped
        )
    call = f"{workgroup.id}:{now.isoformat(timespec='seconds')}"
    await session.execute(
        insert(RecruitAsk),
        [
            {"workgroup_id": workgroup.id, "member_id": m, "call": call, "asked_at": now}
            for m in chosen
        ],
    )
    reply = ask_reply(workgroup, need, context.member.id)
    keys = {m: f"recruit:{call}:{m}" for m in chosen}
    sent = await queue_direct(context.uow, reply, keys, settings=context.settings, nudge=True)
    return (
        f"{plural(sent, 'matching member')} asked directly; see who answers with "
        f"/workgroup answers {as_typed(workgroup.name)}.{skipped}"
    )


async def _best_matches(
    context: Context, workgroup: Workgroup, matches: ColumnElement[bool], most: int
) -> list[int]:
    """Up to `most` members to ask, most matching tags first.

    Scores come from the tag index alone, best first, a few times `most` at a time;
    only those are checked against who may be asked (nudges on, reachable, not in
    the workgroup, not asked lately), so a popular tag costs a sort, not a check of
    every member who has it.
    """
    session = context.session
    recent = context.now - ASK_AGAIN_AFTER
    score = func.count().label("score")
    ranked = (
        select(MemberTag.member_id, score)
        .where(matches)
        .group_by(MemberTag.member_id)
        .order_by(score.desc(), MemberTag.member_id)
    )
    chosen: list[int] = []
    step, offset = max(most * 3, 50), 0
    while len(chosen) < most:
        batch = [m for m, _ in await session.execute(ranked.offset(offset).limit(step))]
        if not batch:
            break
        offset += step
        allowed = set(
            await session.scalars(
                select(Member.id).where(
                    Member.id.in_(batch),
                    Member.nudges.is_(True),
                    Member.id != context.member.id,
                    exists().where(Identity.member_id == Member.id),
                    ~exists().where(
                        WorkgroupMember.workgroup_id == workgroup.id,
                        WorkgroupMember.member_id == Member.id,
                    ),
                    ~exists().where(
                        RecruitAsk.workgroup_id == workgroup.id,
                        RecruitAsk.member_id == Member.id,
                        RecruitAsk.asked_at > recent,
                    ),
                )
            )
        )
        chosen += [m for m in batch if m in allowed][: most - len(chosen)]
    return chosen


def ask_reply(workgroup: Workgroup, need: str, lead_id: int) -> Reply:
    name = as_typed(workgroup.name)
    return Reply.private(
        f"{workgroup.name} is looking for someone like you: {need}",
        Header(f"{workgroup.name} could use your help"),
        Section(f"{need}\n\n*Purpose:* {workgroup.purpose}\n*Lead:* {mention(lead_id)}"),
        Actions(
            (
                Button("I'm in", f"/workgroup answer {name} in", style="primary"),
                Button("Not now", f"/workgroup answer {name} not-now"),
            )
        ),
        Note("You were asked because of your skills or interests. /member nudges off stops these."),
    )


@router.command(
    "workgroup",
    "answer",
    examples=["/workgroup answer Mentoring in", "/workgroup answer Mentoring not-now"],
)
async def workgroup_answer(
    context: Context,
    name: WorkgroupName,
    answer: Annotated[Literal["in", "not-now"], Arg("in to join, not-now to pass")],
) -> Reply:
    """Answer a workgroup's call for volunteers: in joins it (and tells its lead)."""
    workgroup = await find_workgroup(context.session, name)
    ask = await context.session.scalar(
        select(RecruitAsk)
        .where(RecruitAsk.workgroup_id == workgroup.id, RecruitAsk.member_id == context.member.id)
        .order_by(RecruitAsk.asked_at.desc(), RecruitAsk.id.desc())
        .limit(1)
    )
    if ask is None:
        raise NotFound(
            f"{workgroup.name} has not asked you; join it with /workgroup join "
            f"{as_typed(workgroup.name)}."
        )
    if ask.answer is not None:
        raise Conflict(f"You already answered {workgroup.name}'s call ({ask.answer}).")
    ask.answer, ask.answered_at = answer, context.now
    if answer == "not-now":
        return Reply.private(f"No problem: {workgroup.name} will not ask you again for a while.")
    require_active(context, workgroup, "take members")
    if not await is_member(context.session, workgroup.id, context.member.id):
        context.session.add(
            WorkgroupMember(
                workgroup_id=workgroup.id, member_id=context.member.id, joined_at=context.now
            )
        )
    workgroup.last_activity_at = context.now
    if workgroup.lead_id is not None:
        told = Reply.private(
            f"{mention(context.member.id)} answered your call: they are in {workgroup.name}."
        )
        await queue_direct(context.uow, told, {workgroup.lead_id: f"recruit-answer:{ask.id}"})
    return Reply.private(f"Welcome to {workgroup.name}! Its lead hears that you are in.")


@router.command(
    "workgroup",
    "answers",
    access=lead_of("name"),
    examples=["/workgroup answers Mentoring"],
)
async def workgroup_answers(context: Context, name: WorkgroupName) -> Reply:
    """How the workgroup's direct calls went: how many were asked, and who answered."""
    workgroup = await find_workgroup(context.session, name)
    rows = list(
        await context.session.execute(
            select(RecruitAsk.member_id, RecruitAsk.answer)
            .where(
                RecruitAsk.workgroup_id == workgroup.id,
                RecruitAsk.asked_at > context.now - ASK_AGAIN_AFTER,
            )
            .order_by(RecruitAsk.answered_at, RecruitAsk.id)
        )
    )
    if not rows:
        return Reply.private(f"{workgroup.name} has asked nobody directly in the last 30 days.")
    yes = [mention(m) for m, a in rows if a == "in"]
    later = [mention(m) for m, a in rows if a == "not-now"]
    waiting = sum(1 for _, a in rows if a is None)
    pairs = (
        ("Asked", str(len(rows))),
        ("I'm in", ", ".join(yes) or "nobody yet"),
        ("Not now", ", ".join(later) or "nobody"),
        ("No answer yet", str(waiting)),
    )
    return Reply.private(
        f"{workgroup.name}: {len(rows)} asked in the last 30 days; in: {', '.join(yes) or 'none'}; "
        f"not now: {len(later)}; no answer yet: {waiting}",
        Header(f"{workgroup.name}: calls for volunteers"),
        Fields(pairs),
    )


@router.command(
    "workgroup",
    "tags",
    access=lead_of("name"),
    examples=['/workgroup tags Mentoring "mentoring, career advice"'],
)
async def workgroup_tags(
    context: Context,
    name: WorkgroupName,
    tags: Annotated[str, Arg("what it works on, comma-separated", metavar="a,b")],
) -> Reply:
    """Set what the workgroup works on, so members whose tags match find it and hear of it."""
    workgroup = await find_workgroup(context.session, name)
    typed = split_tags(tags, "TAGS")
    found = await resolve_tags(context.session, typed)
    await context.session.execute(
        delete(WorkgroupTag).where(WorkgroupTag.workgroup_id == workgroup.id)
    )
    context.session.add_all(WorkgroupTag(workgroup_id=workgroup.id, tag_id=t.id) for t in found)
    await context.session.flush()
    labels = await workgroup_tag_labels(context.session, workgroup.id)
    return Reply.private(f"{workgroup.name} is tagged: {', '.join(labels) or 'nothing'}.")


async def for_me(context: Context) -> Reply:
    """Active workgroups ranked by how many of their tags the member has."""
    mine = await member_tag_ids(context.session, context.member.id)
    if not mine:
        raise BadArgument(
            'Add your skills and interests first: /member edit --skills "a, b" --interests "c".'
        )
    overlap = func.count().label("overlap")
    rows = list(
        await context.session.execute(
            select(Workgroup, overlap)
            .join(WorkgroupTag, WorkgroupTag.workgroup_id == Workgroup.id)
            .where(Workgroup.status == WorkgroupStatus.ACTIVE, WorkgroupTag.tag_id.in_(mine))
            .group_by(Workgroup.id)
            .order_by(overlap.desc(), Workgroup.name_key)
            .limit(FIT_SHOWN)
        )
    )
    if not rows:
        return Reply.private(
            "No active workgroup shares your tags yet; see them all with /workgroup list."
        )
    tag_names = {
        tag_id: label
        for tag_id, label in await context.session.execute(
            select(Tag.id, Tag.label).where(Tag.id.in_(mine))
        )
    }
    lines = []
    for workgroup, count in rows:
        shared = await context.session.scalars(
            select(WorkgroupTag.tag_id).where(
                WorkgroupTag.workgroup_id == workgroup.id, WorkgroupTag.tag_id.in_(mine)
            )
        )
        labels = ", ".join(sorted(tag_names[t] for t in shared))
        lines.append(
            f"• *{workgroup.name}* ({plural(count, 'shared tag')}: {labels}) — "
            f"/workgroup join {as_typed(workgroup.name)}"
        )
    return Reply.private(
        "Workgroups for you: " + ", ".join(w.name for w, _ in rows),
        Header("Workgroups that fit your tags"),
        Section("\n".join(lines)),
    )
