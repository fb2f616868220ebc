"""Fixing a wrongly logged meeting: edit or delete it by the id `/chapter info` shows.

The cadence and the goals that count meetings are computed from the meetings
themselves, so they follow an edit or a deletion with nothing else to update.
"""

from __future__ import annotations

from datetime import date
from typing import Annotated, Literal

from sqlalchemy import select

from bot.context import Context
from bot.declarations import Arg, Opt
from bot.errors import BadArgument, Conflict, NotFound
from bot.permissions import Access, Owner, Role
from bot.registry import Router
from bot.reply import Reply
from commands.chapters import EARLIEST_MEETING, _local_today, counts_toward, year_standing
from storage.models import Chapter, Meeting, MeetingKind

router = Router("meetings")

MeetingId = Annotated[int, Arg("the meeting's id, as /chapter info shows it", metavar="ID")]
MEETING_PRESIDENT = Access(
    frozenset({Role.HQ}),
    Owner("meeting", "meeting", "president", wording="the president of that meeting's chapter"),
)


async def _find(context: Context, meeting_id: int) -> tuple[Meeting, Chapter]:
    meeting = await context.session.get(Meeting, meeting_id)
    if meeting is None:
        raise NotFound(f"No meeting #{meeting_id}; /chapter info CHAPTER lists them with ids.")
    chapter = await context.session.get(Chapter, meeting.chapter_id)
    assert chapter is not None  # meetings go with their chapter
    return meeting, chapter


@router.owner("meeting")
async def meeting_presidents(context: Context, meeting_id: int) -> set[int]:
    _, chapter = await _find(context, meeting_id)
    return {chapter.president_id} if chapter.president_id is not None else set()


@router.command(
    "chapter",
    "meeting edit",
    access=MEETING_PRESIDENT,
    examples=[
        "/chapter meeting edit 1 --date 2026-03-12",
        '/chapter meeting edit 1 --kind social --topic "Summer picnic" --attendance 30',
    ],
)
async def meeting_edit(
    context: Context,
    meeting: MeetingId,
    kind: Annotated[Literal["working", "social"] | None, Opt("working or social")] = None,
    date_: Annotated[date | None, Opt("when it was held", past=True, metavar="DATE")] = None,
    topic: Annotated[str | None, Opt("what it was about", metavar="TEXT")] = None,
    attendance: Annotated[int | None, Opt("how many attended", metavar="N")] = None,
) -> Reply:
    """Correct a logged meeting's kind, date, topic or attendance."""
    found, chapter = await _find(context, meeting)
    if kind is None and date_ is None and topic is None and attendance is None:
        raise BadArgument(
            "Say what to change: --kind, --date, --topic or --attendance, "
            f"e.g. /chapter meeting edit {meeting} --date 2026-03-12."
        )
    new_kind = MeetingKind(kind) if kind else found.kind
    new_day = date_ or found.held_on
    today = _local_today(context, chapter)
    if new_day > today:
        raise BadArgument(
            f"--date {new_day.isoformat()} is in the future; meetings are logged once held."
        )
    if new_day < EARLIEST_MEETING:
        raise BadArgument(
            f"--date {new_day.isoformat()} is too long ago; give a date from 2000 on."
        )
    if attendance is not None and not 0 <= attendance <= 100_000:
        raise BadArgument(f"--attendance must be between 0 and 100000, got {attendance}.")
    clean_topic = " ".join(topic.split()) if topic is not None else found.topic
    if not clean_topic or len(clean_topic) > 200:
        raise BadArgument(f"--topic must be 1–200 characters; got {len(clean_topic)}.")
    if (new_kind, new_day) != (found.kind, found.held_on):
        clash = await context.session.scalar(
            select(Meeting.id).where(
                Meeting.chapter_id == chapter.id,
                Meeting.kind == new_kind,
                Meeting.held_on == new_day,
                Meeting.id != found.id,
            )
        )
        if clash is not None:
            raise Conflict(
                f"{chapter.name} already has a {new_kind.value} meeting on "
                f"{new_day.isoformat()} (#{clash})."
            )
    was = f"{found.held_on.isoformat()} {found.kind.value}"
    found.kind, found.held_on, found.topic = new_kind, new_day, clean_topic
    if attendance is not None:
        found.attendance = attendance
    await context.session.flush()
    counted = await counts_toward(context, chapter, new_kind, new_day)
    return Reply.public(
        f"Corrected {chapter.name}'s meeting #{found.id} (was {was}): now "
        f"{new_day.isoformat()} {new_kind.value}, {clean_topic}. {counted}"
    )


@router.command(
    "chapter",
    "meeting delete",
    access=MEETING_PRESIDENT,
    examples=["/chapter meeting delete 1"],
    confirm=True,
)
async def meeting_delete(context: Context, meeting: MeetingId) -> Reply:
    """Delete a meeting logged by mistake; it no longer counts toward the cadence."""
    found, chapter = await _find(context, meeting)
    kind, day, topic = found.kind, found.held_on, found.topic
    await context.session.delete(found)
    await context.session.flush()
    return Reply.public(
        f"Deleted {chapter.name}'s {kind.value} meeting #{meeting} of {day.isoformat()} "
        f"({topic}). {day.year} now: {await year_standing(context, chapter, kind, day)}."
    )
