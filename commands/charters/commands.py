"""Charter metrics and chapter charters.

`/workgroup metric add|set` and `/chapter metric add|set`: a group says which
metrics it **owns** (it answers for them: its lead sets the value, or it is counted
when the metric names a society figure such as members or meetings) and which it
only **influences** (linked to a society goal, whose progress it shows).
`/chapter charter` gives chapters the purpose and "not responsible for" lines
workgroups already keep. Handlers check and write; `cards` draws.
"""

from __future__ import annotations

import math
from datetime import date
from typing import Annotated, Literal

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.context import Context
from bot.declarations import Arg, Opt
from bot.errors import BadArgument, Conflict, NotFound
from bot.permissions import lead_of, president_of
from bot.registry import Router
from bot.reply import Block, Reply, Section
from commands.charters import cards
from commands.charters.figures import figure_named
from commands.charters.group import Group, of_chapter, of_workgroup
from commands.charters.info import charter_blocks, local_today
from commands.charters.standing import metrics_of, standings, value_of
from commands.goals.pace import number
from commands.lookup import find_chapter, name_key
from commands.workgroups.charter import MAX_CHARTER, clean_text
from commands.workgroups.lookup import find_workgroup
from storage.models import ChapterCharter, CharterMetric, Goal, MetricKind

router = Router("charters")

MAX_METRIC = 120
MAX_UNIT = 40
MAX_VALUE = 1e12

Action = Annotated[Literal["add", "set"], Arg("add a metric, or set an owned metric's value")]
MetricName = Annotated[str, Arg("the metric, in quotes", metavar='"METRIC"')]
What = Annotated[
    str,
    Arg("add: owned or influenced; set: the metric's new value", metavar="owned|influenced|VALUE"),
]
Target = Annotated[int | None, Opt("add: the value to reach (more than 0)", metavar="N")]
Unit = Annotated[str | None, Opt("add: what it counts (mentors, members…)", metavar="TEXT")]
By = Annotated[date | None, Opt("add: when the target is due", metavar="DATE")]
GoalKey = Annotated[str | None, Opt("add, influenced: the society goal it moves", metavar="KEY")]


def _today(context: Context, group: Group) -> date:
    return local_today(context, group)


async def _add(
    context: Context,
    group: Group,
    metric: str,
    what: str,
    target: int | None,
    unit: str | None,
    by: date | None,
    goal: str | None,
) -> Reply:
    session = context.session
    name = clean_text(metric, "METRIC", MAX_METRIC)
    kind_text = what.strip().lower()
    if kind_text not in ("owned", "influenced"):
        raise BadArgument(
            f"/{group.kind} metric add takes owned or influenced after the metric, "
            f"got {what[:40]!r}."
        )
    kind = MetricKind(kind_text)
    key = name_key(name)
    existing = await _metric_named(session, group, key)
    if existing is not None:
        raise Conflict(
            f"{group.name} already has a metric named {existing.name!r}; "
            f'change its value with /{group.kind} metric set {group.typed} "{existing.name}" VALUE.'
        )
    if target is not None and target <= 0:
        raise BadArgument(f"--target must be more than 0; got {target}.")
    today = _today(context, group)
    if by is not None and by < today:
        raise BadArgument(f"--by {by.isoformat()} is in the past; give a date from today on.")
    if by is not None and target is None:
        raise BadArgument("--by needs a --target to be due by it; give --target N too.")
    clean_unit = clean_text(unit, "--unit", MAX_UNIT) if unit is not None else ""
    linked: Goal | None = None
    if kind is MetricKind.INFLUENCED:
        if goal is None:
            raise BadArgument(
                "An influenced metric shows a society goal's progress; "
                "name it with --goal KEY (see /goals)."
            )
        linked = await session.scalar(select(Goal).where(Goal.key == goal.strip().lower()))
        if linked is None:
            raise NotFound(f"No goal with key {goal!r}; see /goals for the keys.")
        if target is not None or by is not None:
            raise BadArgument(
                f"An influenced metric takes its target from goal {linked.key}; "
                "drop --target and --by."
            )
    elif goal is not None:
        raise BadArgument("--goal links an influenced metric; an owned metric has its own value.")
    figure = figure_named(name, group.kind) if kind is MetricKind.OWNED else None
    row = CharterMetric(
        group_key=group.key,
        workgroup_id=group.id if group.kind == "workgroup" else None,
        chapter_id=group.id if group.kind == "chapter" else None,
        name=name,
        name_key=key,
        kind=kind,
        figure=figure,
        target=float(target) if target is not None else None,
        unit=clean_unit or (figure if figure and target is not None else ""),
        due_on=by,
        goal_id=linked.id if linked else None,
        value=None,
        baseline_value=0.0,
        baseline_on=today,
        created_at=context.now,
        updated_at=context.now,
        updated_by=context.member.id,
    )
    if figure is not None:
        # Pace starts from where the figure stands today, not from zero.
        row.baseline_value = await value_of(session, row, today)
    session.add(row)
    await session.flush()
    (standing,) = await standings(session, [row], today)
    how = {
        (MetricKind.OWNED, True): f"counted from the society's records ({figure})",
        (MetricKind.OWNED, False): (
            f'set it with /{group.kind} metric set {group.typed} "{name}" VALUE'
        ),
    }.get((kind, figure is not None), f"it shows goal {linked.key if linked else ''}'s progress")
    line = (
        f"{group.name} now {'owns' if kind is MetricKind.OWNED else 'influences'} {name!r}: {how}."
    )
    blocks: list[Block] = [Section(line), Section(standing.summary())]
    bar = standing.block()
    if bar is not None:
        blocks.append(bar)
    return Reply.public(line, *blocks)


async def _metric_named(session: AsyncSession, group: Group, key: str) -> CharterMetric | None:
    """The group's metric whose name folds to `key`: names are unique per group."""
    return await session.scalar(
        select(CharterMetric).where(
            CharterMetric.group_key == group.key, CharterMetric.name_key == key
        )
    )


async def _add_or_set(
    context: Context,
    group: Group,
    action: str,
    metric: str,
    what: str,
    target: int | None,
    unit: str | None,
    by: date | None,
    goal: str | None,
) -> Reply:
    """`metric add` or `metric set`, the same for a workgroup's charter and a chapter's."""
    if action == "set":
        _options_for_set(target, unit, by, goal)
        return await _set(context, group, metric, what)
    return await _add(context, group, metric, what, target, unit, by, goal)


async def _set(context: Context, group: Group, metric: str, what: str) -> Reply:
    session = context.session
    row = await _metric_named(session, group, name_key(metric))
    if row is None:
        names = [m.name for m in await metrics_of(session, group.key)]
        known = ", ".join(names) if names else "none yet"
        raise NotFound(f"{group.name} has no metric named {metric!r} (it has: {known}).")
    if row.kind is MetricKind.INFLUENCED:
        raise Conflict(
            f"{row.name!r} is influenced: it shows its goal's progress and has no value of its own."
        )
    if row.figure is not None:
        raise Conflict(f"{row.name!r} is counted from the society's records ({row.figure}).")
    try:
        value = float(what.replace(",", ""))
    except ValueError:
        raise BadArgument(f"VALUE must be a number, got {what[:40]!r}.") from None
    if not math.isfinite(value) or abs(value) > MAX_VALUE:
        raise BadArgument(f"VALUE {what[:40]!r} is out of range.")
    before = row.value if row.value is not None else row.baseline_value
    row.value = value
    row.updated_at = context.now
    row.updated_by = context.member.id
    (standing,) = await standings(session, [row], _today(context, group))
    line = f"{group.name}: {row.name} {number(before)} → {number(value)}."
    return Reply.public(
        line,
        Section(line),
        Section(standing.summary()),
        *([bar] if (bar := standing.block()) else []),
    )


def _options_for_set(
    target: int | None, unit: str | None, by: date | None, goal: str | None
) -> None:
    given = [
        flag
        for flag, value in (("--target", target), ("--unit", unit), ("--by", by), ("--goal", goal))
        if value is not None
    ]
    if given:
        raise BadArgument(f"{', '.join(given)} belong to metric add; set takes only a VALUE.")


@router.command(
    "workgroup",
    "metric",
    access=lead_of("name"),
    examples=[
        '/workgroup metric add Mentoring "mentors matched" owned --target 20 --unit mentors '
        "--by 2026-12-31",
        '/workgroup metric add Mentoring "members" owned --target 40',
        '/workgroup metric add Mentoring "society members" influenced --goal members',
        '/workgroup metric set Mentoring "mentors matched" 7',
    ],
)
async def workgroup_metric(
    context: Context,
    action: Action,
    name: Annotated[str, Arg("the workgroup's name", complete="workgroups")],
    metric: MetricName,
    what: What,
    target: Target = None,
    unit: Unit = None,
    by: By = None,
    goal: GoalKey = None,
) -> Reply:
    """Add a metric to a workgroup's charter (owned or influenced), or set an owned one's value.

    An owned metric is the workgroup's to answer for: its lead sets the value, or it
    is counted when its name is a society figure (members, outputs, published
    outputs, active chapters…). An influenced metric links to a society goal and
    shows that goal's progress.
    """
    group = of_workgroup(await find_workgroup(context.session, name))
    return await _add_or_set(context, group, action, metric, what, target, unit, by, goal)


@router.command(
    "chapter",
    "metric",
    access=president_of("chapter"),
    examples=[
        '/chapter metric add Boston "meetings" owned --target 8 --by 2026-12-31',
        '/chapter metric add Boston "active chapters" influenced --goal chapters',
        '/chapter metric set Boston "sponsors" 3',
    ],
)
async def chapter_metric(
    context: Context,
    action: Action,
    chapter: Annotated[str, Arg("the chapter's name", complete="chapters")],
    metric: MetricName,
    what: What,
    target: Target = None,
    unit: Unit = None,
    by: By = None,
    goal: GoalKey = None,
) -> Reply:
    """Add a metric to a chapter's charter (owned or influenced), or set an owned one's value.

    Owned metrics named for a figure (members, meetings, working meetings, social
    meetings) are counted for the chapter; influenced ones show a society goal.
    """
    group = of_chapter(await find_chapter(context.session, chapter))
    return await _add_or_set(context, group, action, metric, what, target, unit, by, goal)


@router.command(
    "chapter",
    "charter",
    access=president_of("chapter"),
    examples=[
        '/chapter charter Boston --purpose "Bring members in Boston together monthly" '
        '--not "Running national events"',
        "/chapter charter Boston",
    ],
)
async def chapter_charter(
    context: Context,
    chapter: Annotated[str, Arg("the chapter's name", complete="chapters")],
    purpose: Annotated[str | None, Opt("what the chapter is for", metavar="TEXT")] = None,
    not_: Annotated[str | None, Opt("what it is not responsible for", metavar="TEXT")] = None,
) -> Reply:
    """Set a chapter's charter: its purpose and what it is not responsible for.

    Without options it shows the charter and its metrics.
    """
    found = await find_chapter(context.session, chapter)
    charter = await context.session.get(ChapterCharter, found.id)
    if purpose is None and not_ is None:
        blocks = await charter_blocks(context, of_chapter(found), charter)
        if not blocks:
            return Reply.private(
                f"{found.name} has no charter yet; set one with /chapter charter "
                f"{of_chapter(found).typed} --purpose TEXT [--not TEXT]."
            )
        return Reply.private(f"{found.name}'s charter", *blocks)
    clean_purpose = clean_text(purpose, "--purpose", MAX_CHARTER) if purpose is not None else None
    clean_not = clean_text(not_, "--not", MAX_CHARTER) if not_ is not None else None
    if charter is None:
        charter = ChapterCharter(chapter_id=found.id, purpose=None, not_responsible=None)
        context.session.add(charter)
    if clean_purpose is not None:
        charter.purpose = clean_purpose
    if clean_not is not None:
        charter.not_responsible = clean_not
    charter.updated_at = context.now
    charter.updated_by = context.member.id
    text = cards.charter_lines(charter.purpose, charter.not_responsible)
    return Reply.public(f"{found.name}'s charter is set.", Section(text))


__all__ = ["router"]
