"""HQ announcements to chapter channels, answered with a delivery report.

An announcement is queued as one delivery per channel, keyed
`announce:<id>:<platform>:<channel>`, so that however often the sending is retried
or repeated, each channel hears it once. The announcer wants to know what arrived,
not merely what was queued: the command answers with a follow-up that reads the
ledger after the posts were sent.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Annotated, Literal
from zoneinfo import ZoneInfo

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.context import Context
from bot.declarations import Arg, Opt
from bot.errors import BadArgument, Conflict, NotFound
from bot.mentions import mention
from bot.notifier import bound_channels, queue_posts
from bot.parser import closest
from bot.permissions import HQ_ONLY
from bot.registry import Router
from bot.reply import Header, Note, Reply, Section
from commands.deliveries import PAGE, load
from commands.lookup import find_chapter, name_key
from commands.text import plural
from storage.models import AnnouncementRecord, Chapter, Delivery, DeliveryStatus
from storage.uow import UnitOfWork

router = Router("announce")

MAX_TEXT = 3000
"""What one Slack section holds; longer belongs in a document with a link."""
MAX_ASKED = 400
"""The stored `chapters` column."""

Platform = Literal["all", "slack", "discord"]


@router.command(
    "announce",
    access=HQ_ONLY,
    examples=[
        '/announce "Welcome to the society" --chapters Boston',
        '/announce "Call for papers" --chapters "Washington DC,Boston" --platform slack',
        "/announce --report 3",
    ],
)
async def announce(
    context: Context,
    text: Annotated[str | None, Arg("what to say, in quotes")] = None,
    chapters: Annotated[
        str | None, Opt("all, or chapter names separated by commas", metavar="all|NAME,NAME")
    ] = None,
    platform: Annotated[Platform | None, Opt("every platform, or only one")] = None,
    report: Annotated[
        int | None, Opt("show the delivery report of an earlier announcement", metavar="ID")
    ] = None,
) -> Reply:
    """Post an announcement to chapter channels; you get a report of what arrived.

    Without --chapters it goes to every bound chapter channel. The report gives
    delivered N of M and, for each channel that did not get it, why.
    """
    if report is not None:
        if text is not None or chapters is not None or platform is not None:
            raise BadArgument(
                "--report shows an earlier announcement's report; give it alone: "
                f"/announce --report {report}."
            )
        return await delivery_report(context.session, report, context.now, context.tz)
    if text is None:
        raise BadArgument(
            'Give the text in quotes: /announce "TEXT" [--chapters all|NAME,NAME] '
            "[--platform all|slack|discord], or /announce --report ID for an earlier one."
        )
    if len(text) > MAX_TEXT:
        raise BadArgument(
            f"An announcement holds at most {MAX_TEXT} characters; this one has {len(text)}. "
            "Shorten it, or link to a document."
        )
    chosen = await _chosen(context.session, chapters or "all")
    on = platform or "all"
    targets = await bound_channels(context.session, None if chosen is None else chosen.keys())
    if on != "all":
        targets = [t for t in targets if t[0] == on]
    if not targets:
        raise Conflict(_nowhere(chosen, on))
    record = AnnouncementRecord(
        text=text,
        chapters=(chapters or "all")[:MAX_ASKED],
        platform=on,
        author_id=context.member.id,
        created_at=context.now,
    )
    context.session.add(record)
    await context.session.flush()
    post = Reply.public(
        f"Announcement: {text}",
        Header("Announcement"),
        Section(text),
        Note(f"From {mention(context.member.id)}, for HQ"),
    )
    await queue_posts(context.uow, post, f"announce:{record.id}", targets)
    sessions, announced, tz = context.uow.factory, record.id, context.tz

    async def report_when_sent(now: datetime) -> Reply:
        async with UnitOfWork(sessions, now) as uow:
            return await delivery_report(uow.session, announced, now, tz)

    context.uow.then(report_when_sent)
    queued = (
        f"Announcement {record.id} is queued for {plural(len(targets), 'channel')}. "
        f"Its delivery report: /announce --report {record.id}"
    )
    return Reply.private(queued)


async def delivery_report(
    session: AsyncSession, announcement_id: int, now: datetime, tz: ZoneInfo
) -> Reply:
    """Delivered N of M, then each channel that did not get it and why."""
    record = await session.get(AnnouncementRecord, announcement_id)
    if record is None:
        latest = await session.scalar(select(func.max(AnnouncementRecord.id)))
        hint = f" The latest is {latest}." if latest else " There are none yet."
        raise NotFound(f"No announcement {announcement_id}.{hint}")
    rows = await load(session, Delivery.key.startswith(f"announce:{announcement_id}:"))
    sent = [r for r in rows if r.delivery.status is DeliveryStatus.SENT]
    failed = [r for r in rows if r.delivery.status is DeliveryStatus.FAILED]
    skipped = [r for r in rows if r.delivery.status is DeliveryStatus.SKIPPED]
    waiting = [
        r for r in rows if r.delivery.status in (DeliveryStatus.PENDING, DeliveryStatus.SENDING)
    ]
    header = f"Announcement {announcement_id}: delivered {len(sent)} of {len(rows)}"
    lines: list[str] = []
    for title, group in (
        ("Not delivered", failed),
        ("Still pending", waiting),
        ("Skipped", skipped),
    ):
        if group:
            lines.append(f"*{title}* ({len(group)}):")
            lines += [f"• {r.where}: {r.reason(now, tz)}" for r in group]
    if len(lines) > PAGE:
        rest = len(lines) - PAGE
        lines = [*lines[:PAGE], f"…and {rest} more lines: /deliveries lists what did not arrive."]
    if not lines:
        lines = ["Every channel received it."]
    asked = "every chapter" if name_key(record.chapters) == "all" else record.chapters
    where = "" if record.platform == "all" else f" on {record.platform.title()}"
    note = (
        f"“{_excerpt(record.text)}” to {asked}{where}. Again later: /announce --report {record.id}"
    )
    return Reply.private(
        "\n".join([header, *lines]), Header(header), Section("\n".join(lines)), Note(note)
    )


async def _chosen(session: AsyncSession, asked: str) -> dict[int, Chapter] | None:
    """The chapters named (by id, in the order given), or None for all of them."""
    names = [n.strip() for n in asked.split(",") if n.strip()]
    if not names:
        raise BadArgument("--chapters needs all, or chapter names separated by commas.")
    if any(name_key(n) == "all" for n in names):
        if len(names) > 1:
            raise BadArgument("--chapters takes all or a list of names, not both.")
        return None
    found: dict[int, Chapter] = {}
    missing: list[str] = []
    for name in names:
        try:
            chapter = await find_chapter(session, name)
        except NotFound:
            missing.append(name)
            continue
        found.setdefault(chapter.id, chapter)
    if missing:
        raise NotFound(await _unknown(session, missing))
    return found


async def _unknown(session: AsyncSession, missing: Iterable[str]) -> str:
    """One line naming every chapter not found, each with the closest real name if any."""
    names = {name_key(n): n for n in await session.scalars(select(Chapter.name))}
    described = []
    for name in missing:
        near = closest(name_key(name), list(names))
        described.append(f"{name!r} (did you mean {names[near]}?)" if near else repr(name))
    listed = (
        ", ".join(described[:-1]) + " or " + described[-1] if len(described) > 1 else described[0]
    )
    return f"No chapter named {listed}. Separate names with commas; see /chapter list."


def _nowhere(chosen: dict[int, Chapter] | None, platform: str) -> str:
    on = "" if platform == "all" else f" on {platform.title()}"
    if chosen is None:
        return (
            f"No chapter has a bound channel{on} yet, so nothing was sent. "
            "Bind one by typing /chapter bind CHAPTER in the channel."
        )
    names = [c.name for c in chosen.values()]
    listed = ", ".join(names[:-1]) + " and " + names[-1] if len(names) > 1 else names[0]
    have = "has" if len(names) == 1 else "have"
    return (
        f"{listed} {have} no bound channel{on}, so nothing was sent. "
        "Bind one by typing /chapter bind CHAPTER in the channel, or choose other chapters."
    )


def _excerpt(text: str, most: int = 60) -> str:
    line = " ".join(text.split())
    return line if len(line) <= most else line[: most - 1] + "…"
