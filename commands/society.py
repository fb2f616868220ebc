"""Setting up a real society: its name, home zone, first HQ admin and first chapters.

`chapterhouse init` calls `initialise`; it is the way in on an empty database, where
every HQ command would otherwise be refused because nobody is HQ yet.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.config import parse_admins
from bot.errors import BadArgument, Conflict
from bot.formatting import plural
from bot.identity import register
from bot.zones import zone
from commands.lookup import name_key
from storage.models import (
    Chapter,
    ChapterStatus,
    GrantedRole,
    Identity,
    Member,
    RoleGrant,
    Society,
)
from storage.uow import UnitOfWork

MAX_NAME = 80


@dataclass(frozen=True)
class NewChapter:
    name: str
    region: str
    timezone: str


def read_chapter(text: str, home_zone: str) -> NewChapter:
    """`NAME[, REGION[, ZONE]]`: the zone defaults to the society's, the region to its
    zone's continent (`Europe` for Europe/Berlin)."""
    parts = [" ".join(p.split()) for p in text.split(",")]
    if not parts[0] or len(parts) > 3:
        raise BadArgument(
            f"--chapter {text[:40]!r}: expected NAME, or NAME, REGION, ZONE "
            '(e.g. "Berlin, Europe, Europe/Berlin").'
        )
    name = parts[0]
    if len(name) > MAX_NAME:
        raise BadArgument(f"--chapter {name[:20]!r}…: a name is at most {MAX_NAME} characters.")
    chapter_zone = zone(parts[2], f"--chapter {name}:").key if len(parts) == 3 else home_zone
    region = parts[1] if len(parts) > 1 and parts[1] else chapter_zone.split("/")[0]
    return NewChapter(name, region[:MAX_NAME], chapter_zone)


async def society(session: AsyncSession) -> Society | None:
    return await session.scalar(select(Society).limit(1))


async def initialise(
    uow: UnitOfWork,
    *,
    admin: str,
    admin_name: str,
    name: str,
    timezone: str,
    chapters: list[str],
) -> list[str]:
    """Write the society, its first HQ admin and chapters; what was done, line by line."""
    session = uow.session
    existing = await society(session)
    if existing is not None:
        raise Conflict(
            f"This database is already set up as {existing.name}; "
            "HQ grants more admins with /role grant @member hq."
        )
    members = await session.scalar(select(func.count()).select_from(Member))
    chapters_held = await session.scalar(select(func.count()).select_from(Chapter))
    if members or chapters_held:
        raise Conflict(
            f"This database already holds {plural(chapters_held or 0, 'chapter')} and "
            f"{plural(members or 0, 'member')} (the demo's?); set up a real society in a new "
            "one, e.g. export DATABASE_URL=sqlite+aiosqlite:///society.db, then init again."
        )
    clean = " ".join(name.split())
    if not clean or len(clean) > 120:
        raise BadArgument(f"--name must be 1–120 characters; got {len(clean)}.")
    home = zone(timezone, "--tz").key
    try:
        [account] = parse_admins(admin)
    except ValueError as error:
        raise BadArgument(f"--admin: {error}") from None
    planned = [read_chapter(text, home) for text in chapters]
    keys = [name_key(c.name) for c in planned]
    if len(set(keys)) != len(keys):
        raise BadArgument("--chapter names a chapter twice; give each once.")
    taken = set(await session.scalars(select(Chapter.name).where(Chapter.name_key.in_(keys))))
    if taken:
        raise Conflict(f"Chapters already exist: {', '.join(sorted(taken))}.")

    session.add(Society(name=clean, timezone=home, created_at=uow.now))
    shown = admin_name or admin.partition(":")[2].strip() or account.user_id
    member, _ = await register(uow, account.platform, account.user_id, shown)
    held = await session.scalar(
        select(RoleGrant.id).where(
            RoleGrant.member_id == member.id, RoleGrant.role == GrantedRole.HQ
        )
    )
    if held is None:
        session.add(
            RoleGrant(member_id=member.id, role=GrantedRole.HQ, granted_by=None, granted_at=uow.now)
        )
    for new in planned:
        session.add(
            Chapter(
                name=new.name,
                name_key=name_key(new.name),
                region=new.region,
                timezone=new.timezone,
                status=ChapterStatus.INCUBATING,
                created_at=uow.now,
            )
        )
    uow.audit(member.id, "init", f"Set up {clean} ({home}); HQ: {account.platform}:{shown}")
    lines = [
        f"Set up {clean} (time zone {home}).",
        f"HQ admin: {shown} on {account.platform} ({account.platform}:{account.user_id}).",
    ]
    lines += [
        f"Created chapter {c.name} ({c.region}, {c.timezone}); it is incubating." for c in planned
    ]
    return lines


def next_steps(admin: str, chapters: list[str]) -> list[str]:
    """What to type next, for whoever just ran init."""
    platform, _, user = admin.partition(":")
    first = read_chapter(chapters[0], "UTC").name if chapters else "Berlin"
    quoted = f'"{first}"' if " " in first else first
    if platform.strip().lower() == "console":
        run = f"chapterhouse exec --as {user.strip().lower()}"
        return [
            "Next:",
            f'  {run} "/member add Klaus --chapter {quoted}"',
            f'  {run} "/chapter president {quoted} @klaus"',
            f'  {run} "/chapter activate {quoted}"',
            f"  chapterhouse console --as {user.strip().lower()}",
        ]
    return [
        "Next: set the platform's tokens (see .env.example), run `chapterhouse serve`,",
        f"then, as that account: /chapter president {quoted} @someone, /chapter activate {quoted}.",
    ]


async def console_admin(session: AsyncSession) -> str | None:
    """The console handle of a set-up society's HQ admin: who the bare console opens as."""
    if await society(session) is None:
        return None
    return await session.scalar(
        select(Identity.external_id)
        .join(RoleGrant, RoleGrant.member_id == Identity.member_id)
        .where(Identity.platform == "console", RoleGrant.role == GrantedRole.HQ)
        .order_by(RoleGrant.id)
        .limit(1)
    )
