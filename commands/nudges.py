"""The society's scheduled nudges: the weekly digest, and the direct messages that keep it moving.

Each item is claimed under a key that names it and its period before anything is
queued, so a restart, a missed tick or a second scheduler never sends it twice:

- `digest:chapter-<id>:<ISO year>-W<week>`: the chapter's digest, posted to each of
  its bound channels at its local `DIGEST_DAY` `DIGEST_TIME`. Found more than a
  day late (the scheduler was down), it is claimed as `skipped` and not posted: a
  week-old digest is noise. After a longer outage only the latest week is looked at.
- `cadence:chapter-<id>:<year>-<month>`: on the first Monday of the month (chapter
  local, at the digest time), its president hears if the chapter is behind its
  pro-rata meetings. Chapters on track are claimed as `skipped`, so each is
  looked at once a month.
- `workgroup-idle:workgroup-<id>:<day of last activity>`: a lead hears once per idle
  stretch; any output or update starts a new stretch.
- `onboarding:member-<id>`: a member who joined `ONBOARDING_DAYS` ago and has no
  chapter and no workgroup hears once where to start. Only members who joined in
  the last `ONBOARDING_DAYS` + 14 days are looked at, so the query stays small in
  a large society; members who joined before the scheduler ran are never
  onboarded retroactively.

Proposals short of backing expire here too (`commands.workgroups.status.expire`). Direct messages
respect `/member nudges off`; quiet hours are applied when they are sent.
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from sqlalchemy import ColumnElement, Select, String, cast, exists, literal, or_, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased

from bot.config import Settings
from bot.due import At, DueRun, Tick
from bot.identity import roles_many
from bot.notifier import bound_channels, queue_direct, queue_posts
from bot.permissions import Role
from bot.registry import Router
from bot.reply import Header, Note, Reply, Section
from commands.chapters import chapter_cadence
from commands.digest import SocietyParts, chapter_digest
from commands.events.planned import planned_this_year
from commands.text import moment, plural
from commands.workgroups.lookup import as_typed
from commands.workgroups.status import expire, expiry_due
from storage.models import (
    ChannelBinding,
    Chapter,
    ChapterStatus,
    DueClaim,
    Identity,
    MeetingKind,
    Member,
    Workgroup,
    WorkgroupBacking,
    WorkgroupMember,
    WorkgroupStatus,
)

router = Router("nudges")

WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
LATE = timedelta(hours=24)
"""A digest or cadence nudge found later than this after its moment is skipped."""
ONBOARDING_WINDOW = timedelta(days=14)
"""How long after it fell due an onboarding message may still go out."""
BATCH = 200
SUGGESTED_WORKGROUPS = 3
LIVE = (ChapterStatus.ACTIVE, ChapterStatus.INCUBATING)


def zone_of(name: str | None, settings: Settings) -> ZoneInfo:
    """A stored zone name, or the society's zone when there is none or it is unknown."""
    if name:
        try:
            return ZoneInfo(name)
        except (ZoneInfoNotFoundError, ValueError):
            pass
    return settings.tz


def last_weekly(now: datetime, zone: ZoneInfo, weekday: int, at: time) -> datetime:
    """The latest local `weekday` `at` in `zone` not after `now` (daylight saving included)."""
    local = now.astimezone(zone)
    day = local.date() - timedelta(days=(local.weekday() - weekday) % 7)
    due = datetime.combine(day, at, tzinfo=zone)
    if due > now:
        due = datetime.combine(day - timedelta(days=7), at, tzinfo=zone)
    return due


def first_monday(year: int, month: int) -> date:
    first = date(year, month, 1)
    return first + timedelta(days=(0 - first.weekday()) % 7)


def week_of(day: date) -> str:
    year, week, _ = day.isocalendar()
    return f"{year}-W{week:02d}"


def _late(run: DueRun, due: datetime) -> str:
    hours = int((run.now - due).total_seconds() // 3600)
    return f"found {hours} h after its moment, more than a day late"


async def _wants_nudges(session: AsyncSession, member_id: int | None) -> Member | None:
    """The member, if they exist and have not turned nudges off."""
    if member_id is None:
        return None
    member = await session.get(Member, member_id)
    return member if member is not None and member.nudges else None


# --- the weekly digest --------------------------------------------------------------


DIGEST_BATCH = 50
"""Digests built in one transaction; each is a dozen queries."""


EDGES = (ZoneInfo("Etc/GMT+12"), ZoneInfo("Etc/GMT-14"))
"""The earliest and the latest clocks on Earth: every zone's date lies between theirs."""


def _claim_missing(key: ColumnElement[str]) -> ColumnElement[bool]:
    return ~exists().where(DueClaim.key == key)


def digest_due(tick: Tick, settings: Settings) -> ColumnElement[bool]:
    """A live chapter whose zone has a week, of those any zone can be in now, unclaimed.

    Every zone's due digest falls in the week of one of the two edge zones' (the
    week turns between them for a day at most), so a zone with both weeks claimed
    has nothing due; the job itself sorts out which week it is.
    """
    weekday = WEEKDAYS.index(settings.digest_day)

    def week(zone: ZoneInfo) -> ColumnElement[str]:
        return tick.value(
            lambda now: week_of(last_weekly(now, zone, weekday, settings.digest_time).date())
        )

    def live(chapter: type[Chapter]) -> ColumnElement[bool]:
        # Not `in_`: an expanding IN re-renders the whole probe statement every tick.
        return or_(*(chapter.status == status for status in LIVE))

    # The claims are per zone, so the zones are asked first: a thousand chapters in
    # one zone cost one pair of claim lookups, not a thousand pairs and a thousand
    # lookups of their channels; only a zone with a claim missing looks for a
    # live chapter of its own with a channel.
    zones = select(Chapter.timezone.label("zone")).where(live(Chapter)).distinct().subquery()
    zone_key = literal("digest:zone:", String) + zones.c.zone + literal(":", String)
    bound = aliased(Chapter)
    return exists(
        select(zones.c.zone).where(
            or_(*(_claim_missing(zone_key + week(zone)) for zone in EDGES)),
            exists().where(
                bound.timezone == zones.c.zone,
                live(bound),
                ChannelBinding.chapter_id == bound.id,
            ),
        )
    )


async def post_digests(run: DueRun) -> None:
    """Post each chapter's weekly digest to its channels at its local digest time.

    Chapters are taken a time zone at a time: once every chapter of a zone has had
    this week's digest (or had it skipped), the zone itself is claimed for the
    week, so the other ten thousand minutes of the week cost one small query. A
    chapter bound in a zone after its digest went out waits for the next week.
    At most `DIGEST_BATCH` digests are built per transaction; the rest follow at
    once in the next (`run.more`), so no single write holds the database for long.
    """
    settings = run.settings
    weekday = WEEKDAYS.index(settings.digest_day)
    bound = exists().where(ChannelBinding.chapter_id == Chapter.id)
    live = (Chapter.status.in_(LIVE), bound)
    zones = list(await run.session.scalars(select(Chapter.timezone).where(*live).distinct()))
    zone_keys: dict[str, str] = {}
    for zone_name in zones:
        due = last_weekly(run.now, ZoneInfo(zone_name), weekday, settings.digest_time)
        zone_keys[f"digest:zone:{zone_name}:{week_of(due.date())}"] = zone_name
    finished = await run.claimed(list(zone_keys))
    open_zones = [zone for key, zone in zone_keys.items() if key not in finished]
    if not open_zones:
        return
    chapters = list(
        await run.session.scalars(
            select(Chapter).where(*live, Chapter.timezone.in_(open_zones)).order_by(Chapter.id)
        )
    )
    plan: dict[str, tuple[Chapter, datetime]] = {}
    for chapter in chapters:
        due = last_weekly(run.now, ZoneInfo(chapter.timezone), weekday, settings.digest_time)
        plan[f"digest:chapter-{chapter.id}:{week_of(due.date())}"] = (chapter, due)
    taken = await run.claimed(list(plan))
    built = 0
    shared = SocietyParts()
    for key, (chapter, due) in plan.items():
        if key in taken:
            continue
        if built == DIGEST_BATCH:
            run.more = True
            return
        zone = ZoneInfo(chapter.timezone)
        if run.now - due > LATE:
            if await run.claim(key, "skipped", _late(run, due)):
                run.note(
                    f"skip {chapter.name}'s digest for {key.rsplit(':', 1)[1]} → its channels: "
                    f"{_late(run, due)} ({moment(due, zone)})"
                )
            continue
        if not await run.claim(key):
            continue
        built += 1
        reply = await chapter_digest(run.session, chapter, run.now, settings, shared)
        channels = await queue_posts(
            run.uow, reply, key, await bound_channels(run.session, [chapter.id])
        )
        where = ", ".join(f"{channel} ({platform})" for platform, channel in channels)
        run.note(
            f"post {chapter.name}'s weekly digest → {where}: "
            f"its local {settings.digest_day.title()} {settings.digest_time:%H:%M} "
            f"({moment(due, zone)})"
        )
    for key, zone_name in zone_keys.items():
        if zone_name in open_zones:
            await run.claim(key)


# --- cadence nudges to presidents ---------------------------------------------------


def cadence_reply(chapter: Chapter, lines: list[str], today: date) -> Reply:
    text = (
        f"{chapter.name} is behind its meetings for {today.year}: " + "; ".join(lines) + ". "
        f"Log a meeting with /chapter meeting {as_typed(chapter.name)} working|social DATE "
        '"TOPIC" --attendance N, or plan one with /event create '
        f'{as_typed(chapter.name)} working|social WHEN "TITLE".'
    )
    return Reply.private(
        text,
        Header(f"{chapter.name}: meetings behind for {today.year}"),
        Section("\n".join(f"• {line}" for line in lines)),
        Section(
            f"Held one that is not logged yet? `/chapter meeting {as_typed(chapter.name)} "
            'working|social DATE "TOPIC" --attendance N`'
        ),
        Note("Turn these messages off with /member nudges off."),
    )


def cadence_due(tick: Tick, _settings: Settings) -> ColumnElement[bool]:
    """A chapter with a president and, of the months any zone can be in now, one unclaimed."""

    def month(zone: ZoneInfo) -> ColumnElement[str]:
        return tick.value(lambda now: f"{now.astimezone(zone):%Y-%m}")

    key = literal("cadence:chapter-", String) + cast(Chapter.id, String) + literal(":", String)
    return exists(
        select(Chapter.id).where(
            Chapter.status == ChapterStatus.ACTIVE,
            Chapter.president_id.is_not(None),
            or_(*(_claim_missing(key + month(zone)) for zone in EDGES)),
        )
    )


async def nudge_cadence(run: DueRun) -> None:
    """On the first Monday of a month, tell presidents whose chapter is behind pro rata."""
    settings = run.settings
    per_kind = {
        MeetingKind.WORKING: settings.cadence_working,
        MeetingKind.SOCIAL: settings.cadence_social,
    }
    chapters = list(
        await run.session.scalars(
            select(Chapter)
            .where(Chapter.status == ChapterStatus.ACTIVE, Chapter.president_id.is_not(None))
            .order_by(Chapter.id)
        )
    )
    plan: dict[str, tuple[Chapter, datetime]] = {}
    for chapter in chapters:
        zone = ZoneInfo(chapter.timezone)
        local = run.now.astimezone(zone)
        day = first_monday(local.year, local.month)
        due = datetime.combine(day, settings.digest_time, tzinfo=zone)
        if due <= run.now:
            plan[f"cadence:chapter-{chapter.id}:{day:%Y-%m}"] = (chapter, due)
    taken = await run.claimed(list(plan))
    for key, (chapter, due) in plan.items():
        if key in taken:
            continue
        if run.now - due > LATE:
            if await run.claim(key, "skipped", _late(run, due)):
                run.note(f"skip {chapter.name}'s cadence nudge → its president: {_late(run, due)}")
            continue
        today = due.astimezone(ZoneInfo(chapter.timezone)).date()
        result = await chapter_cadence(run.session, chapter, today, per_kind)
        planned = await planned_this_year(run.session, chapter, run.now)
        lines = [
            f"{kind.value}: {c.summary()}; "
            + (f"{planned[kind]} planned" if planned[kind] else "nothing planned")
            for kind, c in result.items()
            if c.behind
        ]
        president = await _wants_nudges(run.session, chapter.president_id)
        if not lines or president is None:
            why = "on track" if not lines else "the president turned nudges off"
            if await run.claim(key, "skipped", why):
                run.note(f"no cadence nudge for {chapter.name} → its president: {why}")
            continue
        if not await run.claim(key):
            continue
        reply = cadence_reply(chapter, lines, today)
        sent = await queue_direct(
            run.uow, reply, {president.id: key}, settings=run.settings, nudge=True
        )
        how = "by direct message" if sent else "who has no chat account to reach"
        run.note(
            f"nudge {chapter.name}'s president {president.name} {how} → "
            f"behind pro rata: {'; '.join(lines)}"
        )


# --- workgroups ---------------------------------------------------------------------


def idle_reply(workgroup: Workgroup, since: datetime, zone: ZoneInfo) -> Reply:
    name = as_typed(workgroup.name)
    text = (
        f"{workgroup.name} has had no output or update since {moment(since, zone)}. "
        f'Post progress with /workgroup output {name} "TITLE", ask for help with '
        f'/workgroup recruit {name} "NEED", or close it with /workgroup close {name} completed.'
    )
    return Reply.private(
        text,
        Header(f"{workgroup.name} has been quiet"),
        Section(text),
        Note("Turn these messages off with /member nudges off."),
    )


def _idle_for(settings: Settings) -> timedelta:
    return timedelta(days=settings.workgroup_idle_days)


def _idle(since: At) -> Select[Workgroup]:
    return select(Workgroup).where(
        Workgroup.status == WorkgroupStatus.ACTIVE,
        Workgroup.lead_id.is_not(None),
        Workgroup.last_activity_at <= since,
    )


def idle_due(tick: Tick, settings: Settings) -> ColumnElement[bool]:
    """Any idle workgroup: those already told this stretch are passed over by the job."""
    return exists(_idle(tick.at(-_idle_for(settings))))


async def nudge_idle_workgroups(run: DueRun) -> None:
    """Tell the lead of an active workgroup idle for `WORKGROUP_IDLE_DAYS`, once per stretch."""
    idle = list(
        await run.session.scalars(_idle(run.now - _idle_for(run.settings)).order_by(Workgroup.id))
    )
    plan = {
        f"workgroup-idle:workgroup-{w.id}:{w.last_activity_at.date().isoformat()}": w for w in idle
    }
    taken = await run.claimed(list(plan))
    days = run.settings.workgroup_idle_days
    for key, workgroup in plan.items():
        if key in taken:
            continue
        lead = await _wants_nudges(run.session, workgroup.lead_id)
        if lead is None:
            if await run.claim(key, "skipped", "the lead turned nudges off"):
                run.note(f"no idle nudge for {workgroup.name} → its lead: nudges off")
            continue
        if not await run.claim(key):
            continue
        zone = zone_of(lead.timezone, run.settings)
        reply = idle_reply(workgroup, workgroup.last_activity_at, zone)
        sent = await queue_direct(run.uow, reply, {lead.id: key}, settings=run.settings, nudge=True)
        how = "by direct message" if sent else "who has no chat account to reach"
        run.note(
            f"nudge {workgroup.name}'s lead {lead.name} {how} → "
            f"no output or update for {plural(days, 'day')} "
            f"(since {moment(workgroup.last_activity_at, zone)})"
        )


async def expire_proposals(run: DueRun) -> None:
    """Expire workgroup proposals still short of backers after `WORKGROUP_EXPIRY_DAYS`."""
    expired = await expire(run.session, run.now, run.settings)
    if not expired:
        return
    names = dict(
        (
            await run.session.execute(
                select(Workgroup.id, Workgroup.name).where(Workgroup.id.in_(expired))
            )
        ).all()
    )
    for workgroup_id in expired:
        run.note(
            f"expire proposal {names.get(workgroup_id, workgroup_id)} → its status: short of "
            f"{plural(run.settings.workgroup_threshold, 'backer')} after "
            f"{plural(run.settings.workgroup_expiry_days, 'day')}"
        )


# --- onboarding ---------------------------------------------------------------------


async def nearby_chapters(session: AsyncSession) -> list[Chapter]:
    """The chapters a newcomer may join (active or incubating), by name."""
    return list(
        await session.scalars(
            select(Chapter).where(Chapter.status.in_(LIVE)).order_by(Chapter.name_key)
        )
    )


def nearest_chapter(chapters: list[Chapter], zone: ZoneInfo, now: datetime) -> Chapter | None:
    """The chapter whose UTC offset now is closest to `zone`'s; active ones first on a tie."""
    if not chapters:
        return None
    here = now.astimezone(zone).utcoffset() or timedelta(0)

    def distance(chapter: Chapter) -> tuple[timedelta, bool]:
        there = now.astimezone(ZoneInfo(chapter.timezone)).utcoffset() or timedelta(0)
        return abs(there - here), chapter.status is not ChapterStatus.ACTIVE

    return min(chapters, key=distance)


async def recruiting(session: AsyncSession) -> list[Workgroup]:
    """Active workgroups, the most recently active first: the ones a newcomer can join."""
    return list(
        await session.scalars(
            select(Workgroup)
            .where(Workgroup.status == WorkgroupStatus.ACTIVE)
            .order_by(Workgroup.last_activity_at.desc(), Workgroup.id)
            .limit(SUGGESTED_WORKGROUPS)
        )
    )


def onboarding_reply(member: Member, chapter: Chapter | None, workgroups: list[Workgroup]) -> Reply:
    if chapter is not None:
        where = (
            f"The chapter nearest your time zone is *{chapter.name}* ({chapter.region}, "
            f"{chapter.timezone}): join it with /member join {as_typed(chapter.name)}, "
            "or see every chapter with /chapter list."
        )
    else:
        where = "See the chapters with /chapter list and join one with /member join CHAPTER."
    if workgroups:
        groups = "\n".join(
            f"• *{w.name}*: {w.purpose} — /workgroup join {as_typed(w.name)}" for w in workgroups
        )
        work = f"Workgroups you can join now:\n{groups}"
    else:
        work = "No workgroup is taking members yet; start one with /workgroup propose."
    first = member.name.split()[0] if member.name.split() else member.name
    text = f"Welcome, {first}! You have not joined a chapter or a workgroup yet. {where}"
    return Reply.private(
        text,
        Header("Where to start"),
        Section(f"Welcome, {first}! You have not joined a chapter or a workgroup yet.\n\n{where}"),
        Section(work),
        Note("Turn these messages off with /member nudges off."),
    )


def _onboard_after(settings: Settings) -> timedelta:
    return timedelta(days=settings.onboarding_days)


def _unboarded(since: At, due_before: At) -> Select[Member]:
    """Members who joined in (since, due_before], alone and not yet shown where to start."""
    key = literal("onboarding:member-", String) + cast(Member.id, String)
    return select(Member).where(
        Member.joined_at > since,
        Member.joined_at <= due_before,
        Member.chapter_id.is_(None),
        Member.nudges.is_(True),
        exists().where(Identity.member_id == Member.id),
        ~exists().where(WorkgroupMember.member_id == Member.id),
        ~exists().where(WorkgroupBacking.member_id == Member.id),
        _claim_missing(key),
    )


def onboarding_due(tick: Tick, settings: Settings) -> ColumnElement[bool]:
    after = _onboard_after(settings)
    return exists(_unboarded(tick.at(-after - ONBOARDING_WINDOW), tick.at(-after)))


async def onboard_members(run: DueRun) -> None:
    """Tell members with no chapter and no workgroup where to start, days after joining."""
    settings = run.settings
    members = list(
        await run.session.scalars(
            _unboarded(
                run.now - _onboard_after(settings) - ONBOARDING_WINDOW,
                run.now - _onboard_after(settings),
            )
            .order_by(Member.joined_at, Member.id)
            .limit(BATCH)
        )
    )
    if not members:
        return
    workgroups = await recruiting(run.session)
    chapters = await nearby_chapters(run.session)
    roles = await roles_many(run.uow, [m.id for m in members], settings)
    for member in members:
        claim = f"onboarding:member-{member.id}"
        if Role.HQ in roles[member.id]:
            # HQ set the society up; a welcome telling them where to start is noise.
            if await run.claim(claim, "skipped", "HQ"):
                run.note(f"no welcome for {member.name}: HQ")
            continue
        if not await run.claim(claim):
            continue
        zone = zone_of(member.timezone, settings)
        chapter = nearest_chapter(chapters, zone, run.now)
        reply = onboarding_reply(member, chapter, workgroups)
        sent = await queue_direct(run.uow, reply, {member.id: claim}, settings=settings, nudge=True)
        suggested = chapter.name if chapter is not None else "no chapter yet"
        run.note(
            f"welcome {member.name} {'by direct message' if sent else '(unreachable)'} → "
            f"suggesting {suggested}: joined {moment(member.joined_at, zone)}, "
            "no chapter and no workgroup"
        )


# The jobs are plain functions, registered here in the order the scheduler runs them.
router.due("nudges.digest", probe=digest_due)(post_digests)
router.due("nudges.cadence", probe=cadence_due)(nudge_cadence)
router.due("nudges.workgroup_idle", probe=idle_due)(nudge_idle_workgroups)
router.due("nudges.workgroup_expire", probe=expiry_due)(expire_proposals)
router.due("nudges.onboarding", probe=onboarding_due)(onboard_members)
