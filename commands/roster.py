"""Adding people who have never used the bot, and asking who one is.

On Slack and Discord a mention carries the account id, so `/chapter president
Berlin @klaus` creates Klaus from the mention (see `bot.identity.resolve`). On the
console there is no account to mention: `/member add` creates the member by name.
"""

from __future__ import annotations

import re
from typing import Annotated

from sqlalchemy import func, select

from bot.context import Context
from bot.declarations import Arg, Opt
from bot.errors import BadArgument, Conflict, Forbidden
from bot.identity import MAX_DISPLAY_NAME
from bot.mentions import mention
from bot.permissions import Access, Owner, Role
from bot.registry import Router
from bot.reply import Fields, Header, Note, Reply
from commands.lookup import find_chapter
from storage.models import Chapter, Identity, Member

router = Router("roster")

EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
MAX_HANDLE = 64


@router.owner("chapter-or-any")
async def presidents(context: Context, name: str | None) -> set[int]:
    """The named chapter's president; with no chapter named, any chapter's president."""
    if name is not None:
        chapter = await find_chapter(context.session, name)
        return {chapter.president_id} if chapter.president_id is not None else set()
    return set(
        await context.session.scalars(
            select(Chapter.president_id).where(Chapter.president_id.is_not(None))
        )
    )


PRESIDENTS_OR_HQ = Access(
    frozenset({Role.HQ}),
    Owner("chapter-or-any", "chapter", "president", wording="a chapter president"),
)


def handle_for(name: str) -> str:
    """A console handle from a name: `Klaus Meyer` → `klaus.meyer`."""
    words = re.findall(r"[\w\-]+", name.lower())
    return ".".join(words)[:MAX_HANDLE]


@router.command(
    "member",
    "add",
    access=PRESIDENTS_OR_HQ,
    examples=[
        "/member add Klaus --chapter Boston",
        '/member add "Ngozi Okafor" --email ngozi@example.org --chapter Lagos',
    ],
)
async def member_add(
    context: Context,
    name: Annotated[str, Arg("their name, as others should see it")],
    email: Annotated[str | None, Opt("their email address", metavar="EMAIL")] = None,
    chapter: Annotated[
        str | None,
        Opt("the chapter they join (a president's own, by default)", complete="chapters"),
    ] = None,
) -> Reply:
    """Add a member who has not used the bot yet; they get a console handle to mention.

    On Slack and Discord there is no need: mention the person and they are added.
    """
    clean = " ".join(name.split())
    if not clean or len(clean) > MAX_DISPLAY_NAME:
        raise BadArgument(f"NAME must be 1–{MAX_DISPLAY_NAME} characters; got {len(clean)}.")
    handle = handle_for(clean)
    if not handle:
        raise BadArgument(f"NAME {clean!r} needs at least one letter or digit.")
    session = context.session
    if email is not None:
        email = email.strip().lower()
        if not EMAIL.match(email) or len(email) > 254:
            raise BadArgument(f"--email {email[:40]!r} is not an address like name@example.org.")
        if await session.scalar(select(Member.id).where(func.lower(Member.email) == email)):
            raise Conflict(f"A member with email {email} already exists.")
    if chapter is not None:
        found: Chapter | None = await find_chapter(session, chapter)
    else:
        found = await session.scalar(
            select(Chapter).where(Chapter.president_id == context.member.id).limit(1)
        )
    if found is not None and not context.has(Role.HQ) and found.president_id != context.member.id:
        raise Forbidden(f"{found.name}'s president or HQ", f"add members to {found.name}")
    taken = await session.scalar(
        select(Identity.id).where(Identity.platform == "console", Identity.external_id == handle)
    )
    if taken is not None:
        raise Conflict(f"@{handle} is already a member; mention them as @{handle}.")
    member = Member(
        name=clean, email=email, joined_at=context.now, chapter_id=found.id if found else None
    )
    session.add(member)
    session.add(
        Identity(
            member=member,
            platform="console",
            external_id=handle,
            display_name=clean,
            created_at=context.now,
        )
    )
    await session.flush()
    where = f" to {found.name}" if found else ""
    return Reply.public(f"Added {clean} (@{handle}){where}. Mention them as @{handle}.")


@router.command("whoami", examples=["/whoami"])
async def whoami(context: Context) -> Reply:
    """Who you are here: your member, this account, your chapter and roles."""
    member = context.member
    chapter = await context.session.get(Chapter, member.chapter_id) if member.chapter_id else None
    presides = list(
        await context.session.scalars(
            select(Chapter.name).where(Chapter.president_id == member.id).order_by(Chapter.name)
        )
    )
    titles = [t for r, t in ((Role.HQ, "HQ"), (Role.MODERATOR, "moderator")) if r in context.roles]
    titles += [f"president of {n}" for n in presides]
    roles = ", ".join(titles) or "member"
    account = f"{context.platform}:{context.identity.external_id}"
    pairs = (
        ("Member", member.name),
        ("Account", account),
        ("Chapter", chapter.name if chapter else "none yet"),
        ("Roles", roles),
    )
    return Reply.private(
        f"You are {mention(member.id)} ({account}); chapter {pairs[2][1]}; roles: {roles}.",
        Header("Who you are"),
        Fields(pairs),
        Note(
            "Join a chapter with /member join CHAPTER."
            if chapter is None
            else "See /member profile."
        ),
    )
