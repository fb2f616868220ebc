"""/poll: create, vote, results, list, close, remind, export."""

from __future__ import annotations

import csv
import io
from datetime import timedelta
from typing import Annotated
from zoneinfo import ZoneInfo

from sqlalchemy import or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.complete import rank_choices
from bot.context import Context
from bot.declarations import Arg, Opt, When
from bot.errors import BadArgument, Conflict
from bot.permissions import Access, Owner, Role
from bot.registry import MAX_CHOICES, Router
from bot.reply import Block, File, Header, Note, Reply, Section
from commands.polls import audience as audiences
from commands.polls import ballots
from commands.polls.cards import (
    poll_card,
    results_reply,
)
from commands.polls.closing import (
    announce_closed,
    announce_opened,
    close_poll,
    render_card,
    settle,
)
from commands.polls.due import close_polls, closing_due, remind_polls, reminders_due
from commands.polls.lookup import find_poll, poll_chapter
from commands.polls.reminders import remind_non_voters
from commands.polls.tally import count, is_closed, results_visible
from commands.polls.voting import VoteArgs, vote_batch, vote_requests
from commands.text import moment, plural
from commands.workgroups.lookup import find_workgroup
from storage.claims import claim
from storage.models import (
    Ballot,
    Chapter,
    Member,
    Poll,
    PollWorkgroup,
    Workgroup,
    WorkgroupStatus,
)

router = Router("polls")
router.owner("audience")(audiences.audience_owners)
router.announcer("poll.opened")(announce_opened)
router.announcer("poll.closed")(announce_closed)
router.live_post("poll")(render_card)
router.before_member_leaves(ballots.move_ballots)
router.due("polls.close", probe=closing_due)(close_polls)
router.due("polls.remind", probe=reminders_due)(remind_polls)

MIN_OPTIONS, MAX_OPTIONS = 2, 10
MAX_QUESTION, MAX_OPTION = 300, 75
LONGEST = timedelta(days=366)
LIST_LIMIT = 15

POLL_CREATORS = Access(
    frozenset({Role.MODERATOR, Role.HQ}),
    Owner(
        "audience",
        "audience",
        "president",
        wording="the president of the chapter (or lead of the workgroup) polled",
    ),
)
POLL_KEEPERS = Access(frozenset({Role.MODERATOR, Role.HQ}), Owner("poll", "poll_id", "creator"))
PollId = Annotated[int, Arg("the poll's number, as shown on it", complete="polls", metavar="ID")]


@router.owner("poll")
async def poll_creator(context: Context, poll_id: int) -> set[int]:
    poll = await find_poll(context.session, poll_id)
    return {poll.creator_id} if poll.creator_id is not None else set()


@router.completer("polls")
async def complete_polls(session: AsyncSession, typed: str) -> list[str]:
    """Open polls, newest first, by number."""
    rows = await session.scalars(
        select(Poll.id).where(Poll.closed_at.is_(None)).order_by(Poll.id.desc()).limit(200)
    )
    return [str(i) for i in rows if str(i).startswith(typed.strip())][:MAX_CHOICES]


@router.completer("audiences")
async def complete_audiences(session: AsyncSession, typed: str) -> list[str]:
    names = [f"chapter:{name}" for name in await session.scalars(select(Chapter.name))]
    active = select(Workgroup.name).where(Workgroup.status == WorkgroupStatus.ACTIVE)
    names += [f"workgroup:{name}" for name in await session.scalars(active)]
    return rank_choices(typed, [audiences.HERE, audiences.SOCIETY, *names])


def _clean_options(question: str, options: tuple[str, ...]) -> list[str]:
    cleaned = [" ".join(o.split()) for o in options]
    if len(cleaned) < MIN_OPTIONS:
        raise BadArgument(
            f"A poll needs at least {MIN_OPTIONS} options; you gave {len(cleaned)}. "
            'Example: /poll create "Where next?" "Boston" "Denver"'
        )
    if len(cleaned) > MAX_OPTIONS:
        hint = " Put the question in quotes." if not question.endswith("?") else ""
        raise BadArgument(
            f"A poll takes at most {MAX_OPTIONS} options; you gave {len(cleaned)}.{hint}"
        )
    if any(o.endswith("?") for o in cleaned) and not question.endswith("?"):
        raise BadArgument(
            'Put the question in quotes: /poll create "Where should we meet?" "Tea" "Coffee"'
        )
    seen: set[str] = set()
    for option in cleaned:
        if not option:
            raise BadArgument("An option is empty; give each option some text.")
        if len(option) > MAX_OPTION:
            raise BadArgument(
                f"Option {option[:20]!r}… is {len(option)} characters; "
                f"keep each option to {MAX_OPTION}."
            )
        if option.casefold() in seen:
            raise BadArgument(f"Option {option!r} is given twice; give each option once.")
        seen.add(option.casefold())
    return cleaned


@router.command(
    "poll",
    "create",
    access=POLL_CREATORS,
    form=True,
    examples=[
        '/poll create "Where should we meet?" "Library" "Café" --audience chapter:Boston',
        '/poll create "Conference city?" "Lisbon" "Denver" "Osaka" --ranked --audience society',
        '/poll create "Which talks?" "AI" "Ethics" "Careers" --multi 2 --anonymous --closes 48h',
    ],
)
async def poll_create(
    context: Context,
    question: Annotated[str, Arg("the question, in quotes")],
    options: Annotated[tuple[str, ...], Arg("2 to 10 options, each in quotes", metavar="OPTION")],
    multi: Annotated[int | None, Opt("let members choose up to N options", metavar="N")] = None,
    anonymous: Annotated[bool, Opt("nobody can see who voted what, ever")] = False,
    hidden: Annotated[bool, Opt("hide the results from everyone until the poll closes")] = False,
    ranked: Annotated[bool, Opt("members rank the options; counted by instant runoff")] = False,
    closes: Annotated[
        When | None, Opt("when voting ends: 48h, 3d or a date (default 3 days)", metavar="WHEN")
    ] = None,
    audience: Annotated[
        str,
        Opt(
            "who votes, and where it is posted (default: here)",
            complete="audiences",
            metavar="here|society|chapter:NAME|workgroup:NAME",
        ),
    ] = "here",
) -> Reply:
    """Ask a question in a channel, a chapter or the whole society.

    Members vote with the buttons or /poll vote, and may change their vote until it
    closes. A society poll is posted to every chapter channel on every platform and
    counted as one poll. Moderators and HQ may poll anyone; a chapter's president
    may poll their chapter, a workgroup's lead their workgroup.
    """
    text = " ".join(question.split())
    if len(text) > MAX_QUESTION:
        raise BadArgument(f"The question is {len(text)} characters; keep it to {MAX_QUESTION}.")
    labels = _clean_options(text, options)
    if ranked and multi is not None:
        raise BadArgument(
            "--ranked and --multi do not mix: a ranked ballot already orders every choice."
        )
    if multi is not None and not 1 <= multi <= len(labels):
        raise BadArgument(
            f"--multi must be between 1 and {len(labels)} (the number of options); got {multi}."
        )
    now = context.now
    closes_at = closes or now + timedelta(hours=context.settings.poll_default_hours)
    if closes_at <= now:
        raise BadArgument(
            f"--closes is in the past ({moment(closes_at, context.tz)}); "
            "give a later time such as 48h or a future date."
        )
    if closes_at - now > LONGEST:
        raise BadArgument("--closes is more than a year away; give a nearer time.")
    target = await audiences.parse_audience(context, audience)
    zone = target.chapter.timezone if target.chapter else context.settings.default_timezone
    poll = Poll(
        question=text,
        options=labels,
        multi=1 if ranked else (multi or 1),
        ranked=ranked,
        anonymous=anonymous,
        hidden=hidden,
        audience=target.kind,
        chapter_id=target.chapter.id if target.chapter else None,
        origin_platform=context.place.platform,
        origin_channel_id=context.place.channel_id,
        origin_channel_name=context.place.channel_name[:120],
        timezone=zone,
        creator_id=context.member.id,
        created_at=now,
        closes_at=closes_at,
    )
    context.session.add(poll)
    await context.session.flush()
    if target.workgroup is not None:
        context.session.add(PollWorkgroup(poll_id=poll.id, workgroup_id=target.workgroup.id))
        await context.session.flush()
    where = await audiences.targets(context.session, poll)
    context.uow.record("poll.opened", poll_id=poll.id, targets=[list(t) for t in where])
    tally = await count(context.session, poll)
    workgroup = target.workgroup.name if target.workgroup else None
    card = poll_card(poll, tally, now, ZoneInfo(zone), target.chapter, workgroup)
    posted = (
        f"Posted to {plural(len(where), 'channel')}."
        if where
        else "No channel is bound to that audience, so it was posted nowhere; "
        f"members vote with /poll vote {poll.id}."
    )
    if not where and workgroup is not None:
        posted += f" Its lead binds a channel with /workgroup bind {workgroup} typed in it."
    return Reply.private(f"Poll {poll.id} is open. {posted}", *card.blocks, Note(posted))


@router.command(
    "poll",
    "vote",
    examples=["/poll vote 12 2", "/poll vote 12 Boston", "/poll vote 7 3 1 2"],
)
async def poll_vote(
    context: Context,
    poll_id: PollId,
    choices: Annotated[
        tuple[str, ...],
        Arg("option numbers or labels; ranked: first choice first", metavar="OPTION"),
    ] = (),
    toggle: Annotated[bool, Opt("add or remove one option, keeping your other choices")] = False,
) -> Reply:
    """Vote in a poll, or change your vote; with no options, see your vote.

    You may vote again until the poll closes; your last vote counts.
    """
    return (await vote_batch([(context, VoteArgs(poll_id, choices, toggle))]))[0]


router.batch("poll", "vote")(vote_requests)


async def _may_see(context: Context, poll: Poll) -> None:
    if (
        context.has(Role.MODERATOR)
        or poll.creator_id == context.member.id
        or audiences.may_vote(poll, context.member)
    ):
        return
    await audiences.refuse_ineligible(context.session, poll, context.member, "see")


@router.command("poll", "results", examples=["/poll results 12"])
async def poll_results(context: Context, poll_id: PollId) -> Reply:
    """Show a poll's count: live while it is open, unless its results are hidden.

    Ranked polls show every round of the instant runoff and how ties were broken.
    """
    poll = await find_poll(context.session, poll_id)
    await settle(context.uow, poll)
    await _may_see(context, poll)
    tally = await count(context.session, poll, runoff=results_visible(poll, context.now))
    chapter = await poll_chapter(context.session, poll)
    workgroup = await audiences.workgroup_name(context.session, poll)
    return results_reply(poll, tally, context.now, ZoneInfo(poll.timezone), chapter, workgroup)


async def _voted(context: Context, polls: list[Poll]) -> set[int]:
    """Which of these polls the member has voted in (through their keyed ballots)."""
    keys = {p.id: ballots.voter_key(context.settings, p.id, context.member.id) for p in polls}
    return set(
        await context.session.scalars(
            select(Ballot.poll_id).where(
                Ballot.poll_id.in_(keys), Ballot.voter_key.in_(list(keys.values()))
            )
        )
    )


def _for_workgroup(workgroups: dict[int, str], poll: Poll) -> str:
    name = workgroups.get(poll.id)
    return f" (Workgroup: {name})" if name else ""


@router.home(order=30)
async def home_polls(context: Context) -> list[Block]:
    """Open polls the member may vote in, the ones still waiting for their vote first."""
    mine = audiences.polls_of_members_workgroups(context.member.id)
    query = (
        select(Poll)
        .where(
            Poll.closed_at.is_(None),
            Poll.closes_at > context.now,
            or_(Poll.audience != audiences.WORKGROUP, Poll.id.in_(mine)),
        )
        .order_by(Poll.closes_at)
        .limit(LIST_LIMIT)
    )
    polls = [
        p
        for p in await context.session.scalars(query)
        if p.audience == audiences.WORKGROUP or audiences.may_vote(p, context.member)
    ]
    if not polls:
        return [Header("Open polls"), Section("No open polls for you right now.")]
    voted = await _voted(context, polls)
    polls.sort(key=lambda p: p.id in voted)
    workgroups = await audiences.workgroup_names(context.session, [p.id for p in polls])
    lines = []
    for poll in polls:
        mark = "you voted ✓" if poll.id in voted else "*not voted yet*"
        closes = moment(poll.closes_at, ZoneInfo(poll.timezone))
        named = _for_workgroup(workgroups, poll)
        lines.append(f"*{poll.id}* {poll.question}{named} — closes {closes} · {mark}")
    return [
        Header("Open polls"),
        Section("\n".join(lines)),
        Note("Vote with the poll's buttons or /poll vote ID OPTION."),
    ]


@router.completer("workgroups-polled")
async def complete_polled_workgroups(session: AsyncSession, typed: str) -> list[str]:
    names = await session.scalars(
        select(Workgroup.name).join(PollWorkgroup, PollWorkgroup.workgroup_id == Workgroup.id)
    )
    return rank_choices(typed, sorted(set(names)))


@router.command(
    "poll",
    "list",
    examples=["/poll list", "/poll list --open", "/poll list --workgroup Mentoring"],
)
async def poll_list(
    context: Context,
    open_: Annotated[bool, Opt("only polls that are still open")] = False,
    workgroup: Annotated[
        str | None,
        Opt("only this workgroup's polls", complete="workgroups-polled", metavar="NAME"),
    ] = None,
) -> Reply:
    """List recent polls you can vote in, newest first, and whether you have voted.

    A workgroup's polls are listed for its members, named with the workgroup.
    """
    member = context.member
    query = select(Poll).order_by(Poll.id.desc()).limit(LIST_LIMIT)
    if open_:
        query = query.where(Poll.closed_at.is_(None), Poll.closes_at > context.now)
    if workgroup is not None:
        group = await find_workgroup(context.session, workgroup)
        query = query.where(
            Poll.id.in_(select(PollWorkgroup.poll_id).where(PollWorkgroup.workgroup_id == group.id))
        )
    if not context.has(Role.MODERATOR):
        query = query.where(
            or_(
                Poll.audience == audiences.SOCIETY,
                (Poll.audience == audiences.HERE) & Poll.chapter_id.is_(None),
                (Poll.audience != audiences.WORKGROUP) & (Poll.chapter_id == member.chapter_id),
                Poll.id.in_(audiences.polls_of_members_workgroups(member.id)),
                Poll.creator_id == member.id,
            )
        )
    polls = list(await context.session.scalars(query))
    if not polls:
        none = "No open polls" if open_ else "No polls"
        if workgroup is not None:
            none += f" for the {group.name} workgroup"
            if not context.has(Role.MODERATOR):
                none += " that you can see (its members see its polls)"
        else:
            none = "No open polls." if open_ else "No polls yet."
            return Reply.private(f"{none} Moderators start one with /poll create.")
        return Reply.private(f"{none}.")
    voted = await _voted(context, polls)
    workgroups = await audiences.workgroup_names(context.session, [p.id for p in polls])
    lines = []
    for poll in polls:
        tz = ZoneInfo(poll.timezone)
        if is_closed(poll, context.now):
            state = f"closed {moment(poll.closed_at or poll.closes_at, tz)}"
        else:
            state = f"open until {moment(poll.closes_at, tz)}"
        mark = " · you voted ✓" if poll.id in voted else ""
        lines.append(
            f"*{poll.id}* {poll.question}{_for_workgroup(workgroups, poll)} — {state}{mark}"
        )
    title = "Open polls" if open_ else "Recent polls"
    return Reply.private(
        f"{title}: " + "; ".join(str(p.id) for p in polls),
        Header(title),
        Section("\n".join(lines)),
        Note("See one with /poll results ID; vote with /poll vote ID OPTION."),
    )


@router.command("poll", "close", access=POLL_KEEPERS, examples=["/poll close 1"], confirm=True)
async def poll_close(context: Context, poll_id: PollId) -> Reply:
    """Close a poll now and post its results where it was posted."""
    poll = await find_poll(context.session, poll_id)
    tz = ZoneInfo(poll.timezone)
    if poll.closed_at is None and poll.closes_at <= context.now:
        await settle(context.uow, poll)
    elif not await close_poll(context.uow, poll, context.member.id):
        closed_at = poll.closed_at or poll.closes_at
        raise Conflict(f"Poll {poll.id} is already closed ({moment(closed_at, tz)}).")
    tally = await count(context.session, poll, runoff=True)
    chapter = await poll_chapter(context.session, poll)
    workgroup = await audiences.workgroup_name(context.session, poll)
    results = results_reply(poll, tally, context.now, tz, chapter, workgroup)
    line = f"Closed poll {poll.id}; the results are posted where it was posted."
    return Reply.private(f"{line} {results.text}", Section(line), *results.blocks)


@router.command("poll", "remind", access=POLL_KEEPERS, examples=["/poll remind 1"])
async def poll_remind(context: Context, poll_id: PollId) -> Reply:
    """Send a direct message to eligible members who have not voted yet.

    At most once a day per poll; members who turned nudges off are left alone.
    """
    poll = await find_poll(context.session, poll_id)
    await settle(context.uow, poll)
    tz = ZoneInfo(poll.timezone)
    if is_closed(poll, context.now):
        raise Conflict(f"Poll {poll.id} is closed; there is nothing left to vote on.")
    if audiences.is_open_channel(poll):
        raise BadArgument(
            f"Poll {poll.id} is open to anyone in #{poll.origin_channel_name}, and Chapterhouse "
            "cannot see who that is; reminders work for chapter and society polls."
        )
    today = context.now.astimezone(tz).date()
    if not await claim(
        context.session,
        Poll,
        Poll.id == poll.id,
        or_(Poll.reminded_on.is_(None), Poll.reminded_on < today),
        reminded_on=today,
    ):
        raise Conflict(
            f"Poll {poll.id}'s non-voters were already reminded today; try again tomorrow."
        )
    waiting, opted_out, sent = await remind_non_voters(
        context.uow, context.settings, poll, str(today)
    )
    unreachable = waiting - opted_out - sent
    parts = [f"Reminding {plural(sent, 'member')} who {'has' if sent == 1 else 'have'} not voted"]
    if opted_out:
        parts.append(f"{opted_out} turned nudges off")
    if unreachable:
        parts.append(f"{unreachable} {'has' if unreachable == 1 else 'have'} no chat account yet")
    return Reply.private("; ".join(parts) + ".")


def _cell(text: str) -> str:
    """Keep spreadsheet programs from running an option label as a formula."""
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text


@router.command("poll", "export", access=POLL_KEEPERS, examples=["/poll export 1"])
async def poll_export(context: Context, poll_id: PollId) -> Reply:
    """Download a poll's ballots as CSV; an anonymous poll's file has no voter column."""
    poll = await find_poll(context.session, poll_id)
    await settle(context.uow, poll)
    tz = ZoneInfo(poll.timezone)
    if not results_visible(poll, context.now):
        raise Conflict(
            f"Poll {poll.id}'s results are hidden until it closes ({moment(poll.closes_at, tz)})."
        )
    rows = (
        await context.session.execute(
            select(Ballot.choices, Member.name, Ballot.cast_at)
            .outerjoin(Member, Member.id == Ballot.voter_id)
            .where(Ballot.poll_id == poll.id)
        )
    ).all()
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    width = len(poll.options) if poll.ranked else 1
    choice_columns = [f"rank {n}" for n in range(1, width + 1)] if poll.ranked else ["choices"]
    voter_columns = [] if poll.anonymous else ["voter", "cast at"]
    writer.writerow([*voter_columns, *choice_columns])
    records = []
    for choices, name, cast_at in rows:
        labels = [_cell(poll.options[c - 1]) for c in choices]
        cells = labels + [""] * (width - len(labels)) if poll.ranked else ["; ".join(labels)]
        voter = (
            []
            if poll.anonymous
            else [
                _cell(name or "a former member"),
                cast_at.astimezone(tz).isoformat(timespec="seconds") if cast_at else "",
            ]
        )
        records.append([*voter, *cells])
    # Sorted by content, never by storage order, so row order tells nothing either.
    writer.writerows(sorted(records))
    name = f"poll-{poll.id}.csv"
    line = f"Poll {poll.id}: {plural(len(rows), 'ballot')} in {name}."
    return Reply.private(line, Section(line), File(name, out.getvalue()))
