"""The demo society: enough to try every command on a fresh machine."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from commands.goals.metrics import count
from commands.goals.pace import milestone
from commands.goals.progress import line_of
from commands.lookup import name_key
from storage.models import (
    ChannelBinding,
    Chapter,
    ChapterStatus,
    DueClaim,
    Goal,
    GoalMetric,
    GoalSnapshot,
    GrantedRole,
    Identity,
    Meeting,
    MeetingKind,
    Member,
    Poll,
    Position,
    PositionStatus,
    RoleGrant,
    Workgroup,
    WorkgroupBacking,
    WorkgroupMember,
    WorkgroupStatus,
)

CHAPTERS = (
    ("Washington DC", "North America", "America/New_York", ChapterStatus.ACTIVE),
    ("San Francisco", "North America", "America/Los_Angeles", ChapterStatus.ACTIVE),
    ("Boston", "North America", "America/New_York", ChapterStatus.ACTIVE),
    ("London", "Europe", "Europe/London", ChapterStatus.INCUBATING),
    ("Chicago", "North America", "America/Chicago", ChapterStatus.INCUBATING),
    ("New York", "North America", "America/New_York", ChapterStatus.INCUBATING),
)
# handle, full name, chapter, society-wide role, presides over
MEMBERS = (
    ("alice", "Alice Admin", "Washington DC", GrantedRole.HQ, None),
    ("bob", "Bob Boston", "Boston", None, "Boston"),
    ("carol", "Carol Capitol", "Washington DC", None, "Washington DC"),
    ("dan", "Dan Moderator", "San Francisco", GrantedRole.MODERATOR, None),
    ("erin", "Erin Bay", "San Francisco", None, "San Francisco"),
    ("frank", "Frank Thames", "London", None, None),
    ("grace", "Grace Member", "Boston", None, None),
)

# An active workgroup, so leads' commands have something to act on: name, purpose,
# what it is not responsible for, lead, members (its backers, who became its members).
WORKGROUP = (
    "Mentoring",
    "Pair new members with experienced ones",
    "Hiring or career placement",
    "grace",
    ("grace", "bob", "erin", "frank", "carol"),
)


class NotEmpty(Exception):
    """The demo goes only into an empty database, never over real members."""


# The founding letter's goals for the year: key, title, metric, target, unit, and the
# value the society started the year from (what the demo's history begins with).
GOALS = (
    ("chapters", "20 active chapters", GoalMetric.ACTIVE_CHAPTERS, 20, "chapters", 1),
    ("members", "5,000 members", GoalMetric.MEMBERS, 5000, "members", 2),
    ("conference", "An international conference", GoalMetric.MANUAL, 1, "conference", 0),
    ("workgroups", "20 active workgroups", GoalMetric.ACTIVE_WORKGROUPS, 20, "workgroups", 0),
)
GOAL_LEAD_DAYS = 14
"""A demo seeded in late December gets next year's goals, not a deadline days away."""


async def seed_demo(session: AsyncSession, now: datetime) -> str:
    if await session.scalar(select(func.count()).select_from(Chapter)) or await session.scalar(
        select(func.count()).select_from(Member)
    ):
        raise NotEmpty("the database already has chapters or members; the demo needs an empty one")
    chapters: dict[str, Chapter] = {}
    people: dict[str, Member] = {}
    start_of_year = datetime(now.year, 1, 1, tzinfo=now.tzinfo)
    for name, region, tz, status in CHAPTERS:
        chapter = Chapter(
            name=name,
            name_key=name_key(name),
            region=region,
            timezone=tz,
            status=status,
            created_at=start_of_year,
            activated_at=start_of_year if status is ChapterStatus.ACTIVE else None,
        )
        chapters[name] = chapter
        session.add(chapter)
        if status is ChapterStatus.ACTIVE:
            slug = name_key(name).replace(" ", "-")
            session.add(
                ChannelBinding(
                    chapter=chapter,
                    platform="console",
                    channel_id=slug,
                    channel_name=slug,
                    bound_at=now,
                )
            )
    await session.flush()
    for handle, full_name, chapter_name, role, presides in MEMBERS:
        member = Member(name=full_name, chapter_id=chapters[chapter_name].id, joined_at=now)
        session.add(member)
        people[handle] = member
        session.add(
            Identity(
                member=member,
                platform="console",
                external_id=handle,
                display_name=handle,
                created_at=now,
            )
        )
        await session.flush()
        # The demo's members are old hands, not newcomers: no welcome for them.
        session.add(DueClaim(key=f"welcome:member-{member.id}", claimed_at=now))
        if role is not None:
            session.add(RoleGrant(member_id=member.id, role=role, granted_at=now))
        if presides is not None:
            chapters[presides].president_id = member.id
    _seed_meetings(session, chapters, now)
    await session.flush()
    await _seed_workgroup(session, people, now)
    moderator = await session.scalar(
        select(Identity.member_id).where(
            Identity.platform == "console", Identity.external_id == "dan"
        )
    )
    session.add(
        Poll(
            question="Which goal should the society push first this quarter?",
            options=["20 active chapters", "5,000 members", "The conference", "20 workgroups"],
            audience="society",
            origin_platform="console",
            origin_channel_id="boston",
            origin_channel_name="boston",
            timezone="UTC",
            creator_id=moderator,
            created_at=now,
            closes_at=now + timedelta(days=5),
        )
    )
    await session.flush()
    _seed_positions(session, people, now)
    await session.flush()
    await _seed_goals(session, now)
    return (
        f"Seeded the demo society: {len(CHAPTERS)} chapters "
        f"(3 active, 3 incubating), {len(MEMBERS)} members, an open society poll, "
        "an active workgroup, two positions (one open, one a draft) and the founding "
        f"letter's {len(GOALS)} goals."
    )


async def _seed_workgroup(session: AsyncSession, people: dict[str, Member], now: datetime) -> None:
    name, purpose, not_responsible, lead, members = WORKGROUP
    workgroup = Workgroup(
        name=name,
        name_key=name_key(name),
        purpose=purpose,
        not_responsible=not_responsible,
        status=WorkgroupStatus.ACTIVE,
        lead_id=people[lead].id,
        proposer_id=people[lead].id,
        created_at=now,
        activated_at=now,
        last_activity_at=now,
    )
    session.add(workgroup)
    await session.flush()
    for handle in members:
        member_id = people[handle].id
        session.add(WorkgroupBacking(workgroup_id=workgroup.id, member_id=member_id, backed_at=now))
        session.add(WorkgroupMember(workgroup_id=workgroup.id, member_id=member_id, joined_at=now))
    await session.flush()


def _seed_meetings(session: AsyncSession, chapters: dict[str, Chapter], now: datetime) -> None:
    """A plausible year so far, with some chapters keeping up better than others."""
    plan = {"Boston": (0.1, 0.35, 0.6), "Washington DC": (0.2,), "San Francisco": (0.15, 0.5)}
    for name, fractions in plan.items():
        chapter = chapters[name]
        today = now.astimezone(ZoneInfo(chapter.timezone)).date()
        start = date(today.year, 1, 1)
        span = (today - start).days
        for index, fraction in enumerate(fractions):
            held = start + timedelta(days=int(span * fraction))
            kind = MeetingKind.WORKING if index % 2 == 0 else MeetingKind.SOCIAL
            session.add(
                Meeting(
                    chapter_id=chapter.id,
                    kind=kind,
                    held_on=held,
                    topic=f"{name} {kind.value} meetup",
                    attendance=12 + 3 * index,
                    logged_at=now,
                )
            )


def _seed_positions(session: AsyncSession, people: dict[str, Member], now: datetime) -> None:
    """Position 1 open to the chapters, position 2 a draft waiting to be opened.

    Proposed by members who hold no role the permission matrix plays, so only HQ
    (and they) may withdraw them.
    """
    session.add(
        Position(
            title="Open meeting notes",
            statement="Chapters publish the notes of their working meetings within a month.",
            status=PositionStatus.OPEN,
            proposer_id=people["erin"].id,
            created_at=now,
            opened_at=now,
            closes_at=now + timedelta(days=30),
        )
    )
    session.add(
        Position(
            title="Code of conduct at every event",
            statement="Every chapter event follows the society's code of conduct.",
            status=PositionStatus.DRAFT,
            proposer_id=people["frank"].id,
            created_at=now,
        )
    )


async def _seed_goals(session: AsyncSession, now: datetime) -> None:
    """The letter's goals, baselined on 1 January, with today's value in their history."""
    today = now.date()
    year = (
        today.year
        if date(today.year, 12, 31) - today >= timedelta(GOAL_LEAD_DAYS)
        else (today.year + 1)
    )
    start = date(year, 1, 1) if year == today.year else today
    for key, title, metric, target, unit, baseline in GOALS:
        value = await count(session, metric, start, today) if metric is not GoalMetric.MANUAL else 0
        if start == today:
            baseline = int(value)
        goal = Goal(
            key=key,
            title=title,
            metric=metric,
            unit=unit,
            target=target,
            deadline=date(year, 12, 31),
            baseline_value=baseline,
            baseline_on=start,
            value=value if metric is GoalMetric.MANUAL else None,
            created_at=now,
        )
        goal.milestone = milestone(line_of(goal).percent(value))
        session.add(goal)
        await session.flush()
        session.add(GoalSnapshot(goal_id=goal.id, day=start, value=baseline))
        if start != today:
            session.add(GoalSnapshot(goal_id=goal.id, day=today, value=value))
