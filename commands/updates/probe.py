"""Whether an update prompt may be due: the scheduler's cheap test before `prompt_updates`.

The job works out each group's zone (its lead's, their chapter's, the group's, the
society's) and so the period it owes; the probe does not. It asks instead about the
periods any zone on Earth can be owing now: a period is a candidate from its due
day's 09:00 on the earliest clock until `PROMPT_WINDOW` + `REMIND_AFTER` after that
hour on the latest, which is never more than two periods of a cadence at once. A
group may then have work only if, for a candidate of its cadence, it was active
before the period ended, nothing was posted or skipped for it, its lead is not
away on every clock, and its prompt is unclaimed while a prompt can still be sent,
or its prompt is claimed and its reminder is not once a reminder can be due. The
job itself rechecks all of it in the group's own zone; the probe only has to never
say no when the job would act.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from functools import lru_cache
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import (
    Boolean,
    ColumnElement,
    Date,
    String,
    and_,
    cast,
    exists,
    func,
    literal,
    or_,
    select,
)
from sqlalchemy.orm import InstrumentedAttribute

from bot.config import Settings
from bot.due import Tick
from commands.updates.due import PROMPT_WINDOW
from commands.updates.periods import (
    CADENCES,
    DEFAULT_CADENCE,
    DUE_HOUR,
    REMIND_AFTER,
    Period,
    period_of,
    previous,
    society_period,
)
from storage.models import (
    Chapter,
    ChapterStatus,
    DueClaim,
    StatusUpdate,
    UpdateAway,
    UpdateCadence,
    UTCDateTime,
    Workgroup,
    WorkgroupStatus,
)

EARLIEST, LATEST = timedelta(hours=15), timedelta(hours=15)
"""How far before and after 09:00 UTC a zone's 09:00 can fall (UTC+14 to UTC−12),
with an hour to spare."""
SLOTS = 2
"""Candidate periods asked per cadence: a week's due days are 7 days apart and a
candidate lasts under 12 days, so no cadence ever has more than two at once."""
LAST_CLOCK = ZoneInfo("Etc/GMT-14")
"""The latest date on Earth: a lead away until at least then is away in every zone."""


@lru_cache(maxsize=64)
def candidates(cadence: str, now: datetime) -> tuple[Period, ...]:
    """The periods of `cadence` some zone may be prompting or reminding for at `now`."""
    found: list[Period] = []
    period = period_of(cadence, (now + timedelta(days=2)).date())
    while True:
        nine = datetime.combine(period.due_on, DUE_HOUR, UTC)
        if now > nine + LATEST + PROMPT_WINDOW + REMIND_AFTER:
            return tuple(reversed(found))  # every earlier period is over too
        if nine - EARLIEST <= now:
            found.append(period)
        period = previous(period)


def _slot(cadence: str, n: int, now: datetime) -> Period | None:
    found = candidates(cadence, now)
    return found[n] if n < len(found) else None


def _prompt_open(period: Period | None, now: datetime) -> bool:
    """A prompt may still go out somewhere: some zone's due time is at most a week ago."""
    if period is None:
        return False
    return now <= datetime.combine(period.due_on, DUE_HOUR, UTC) + LATEST + PROMPT_WINDOW


def _remind_open(period: Period | None, now: datetime) -> bool:
    """A reminder may be due somewhere: some zone's due time is three days ago or more."""
    if period is None:
        return False
    return now >= datetime.combine(period.due_on, DUE_HOUR, UTC) - EARLIEST + REMIND_AFTER


def _claimed(key: ColumnElement[str]) -> ColumnElement[bool]:
    return exists().where(DueClaim.key == key)


class _Slot:
    """One candidate period of one cadence, as parameters of the probe."""

    def __init__(self, tick: Tick, cadence: str, n: int) -> None:
        def of(pick: Callable[[Period | None, datetime], Any]) -> Callable[[datetime], Any]:
            return lambda now: pick(_slot(cadence, n, now), now)

        self.cadence = cadence
        self.label = tick.value(of(lambda p, _: p.label if p else None), String())
        self.society_label = tick.value(
            of(lambda p, _: society_period(p).label if p else None), String()
        )
        self.ends = tick.value(
            of(lambda p, _: datetime.combine(p.end, datetime.min.time(), UTC) if p else None),
            UTCDateTime(),
        )
        self.prompt_open = tick.value(of(_prompt_open), Boolean())
        self.remind_open = tick.value(of(_remind_open), Boolean())

    def owes(self, key: ColumnElement[str], label: ColumnElement[str]) -> ColumnElement[bool]:
        """Nothing posted for the period, and a prompt or reminder still to claim."""
        prompt = literal("update-prompt:", String) + key + literal(":", String) + label
        remind = literal("update-remind:", String) + key + literal(":", String) + label
        return and_(
            or_(self.prompt_open, self.remind_open),
            ~exists().where(StatusUpdate.group_key == key, StatusUpdate.period == label),
            or_(
                and_(self.prompt_open, ~_claimed(prompt)),
                and_(self.remind_open, _claimed(prompt), ~_claimed(remind)),
            ),
        )


def prompts_due(tick: Tick, _settings: Settings) -> ColumnElement[bool]:
    """A group (or the society) with a candidate period it may be prompted or reminded for."""
    slots = [_Slot(tick, cadence, n) for cadence in CADENCES for n in range(SLOTS)]
    away_day = tick.value(lambda now: now.astimezone(LAST_CLOCK).date(), Date())

    def cadence_of(key: ColumnElement[str]) -> ColumnElement[str]:
        chosen = select(UpdateCadence.cadence).where(UpdateCadence.group_key == key)
        return func.coalesce(chosen.scalar_subquery(), DEFAULT_CADENCE)

    def group_owes(
        key: ColumnElement[str],
        leader: InstrumentedAttribute[int | None],
        since: InstrumentedAttribute[datetime | None],
    ) -> ColumnElement[bool]:
        cadence = cadence_of(key)
        return and_(
            ~exists().where(UpdateAway.member_id == leader, UpdateAway.until >= away_day),
            or_(
                *(
                    and_(
                        cadence == slot.cadence,
                        or_(since.is_(None), since < slot.ends),
                        slot.owes(key, slot.label),
                    )
                    for slot in slots
                )
            ),
        )

    chapter_key = literal("chapter:", String) + cast(Chapter.id, String)
    workgroup_key = literal("workgroup:", String) + cast(Workgroup.id, String)
    society: ColumnElement[str] = literal("society", String)
    society_cadence = cadence_of(society)
    return or_(
        exists(
            select(Chapter.id).where(
                Chapter.status == ChapterStatus.ACTIVE,
                Chapter.president_id.is_not(None),
                group_owes(chapter_key, Chapter.president_id, Chapter.activated_at),
            )
        ),
        exists(
            select(Workgroup.id).where(
                Workgroup.status == WorkgroupStatus.ACTIVE,
                Workgroup.lead_id.is_not(None),
                group_owes(workgroup_key, Workgroup.lead_id, Workgroup.activated_at),
            )
        ),
        or_(
            *(
                and_(society_cadence == slot.cadence, slot.owes(society, slot.society_label))
                for slot in slots
            )
        ),
    )
