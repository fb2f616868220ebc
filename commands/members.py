"""Members: joining a chapter, profiles, linking accounts, and one's own data."""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Iterable
from dataclasses import replace
from datetime import timedelta
from typing import Annotated, Literal

from sqlalchemy import ColumnElement, delete, false, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from bot.context import Context
from bot.declarations import Arg, Opt
from bot.errors import BadArgument, Conflict, NotFound
from bot.mentions import mention
from bot.permissions import Role
from bot.registry import Router
from bot.reply import Actions, Button, Fields, Header, Note, Reply, Section
from commands.lookup import find_chapter, name_key
from commands.member_sheet import data_sheet, member_sheet
from commands.profiles.view import data_pairs, profile_pairs, shown_profile
from storage.models import (
    Base,
    ChannelBinding,
    Chapter,
    ChapterStatus,
    GrantedRole,
    Identity,
    LinkCode,
    Member,
    RoleGrant,
)

router = Router("members")

LINK_TTL = timedelta(minutes=15)
CODE_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"  # no 0/O or 1/I: read aloud safely
CODE_LENGTH = 8
PLATFORM_NAMES = {"slack": "Slack", "discord": "Discord", "console": "console"}


def _hash_code(code: str) -> str:
    return hashlib.sha256(code.encode()).hexdigest()


def _normalise_code(raw: str) -> str:
    return "".join(ch for ch in raw.upper() if ch.isalnum())


@router.command(
    "member", "join", examples=["/member join Boston", "/member join", "/member join Lagos --move"]
)
async def member_join(
    context: Context,
    chapter: Annotated[
        str | None, Arg("the chapter to join; defaults to this channel's", complete="chapters")
    ] = None,
    move: Annotated[bool, Opt("leave your current chapter for this one")] = False,
) -> Reply:
    """Join a chapter (one at a time). In a chapter's channel, the chapter can be left out.

    A member of another chapter is asked first; --move (or the button) confirms.
    """
    found, previous = await _target_and_current(context, chapter)
    if found is None:
        raise BadArgument("Name the chapter to join, e.g. /member join Boston (see /chapter list).")
    if found.status is ChapterStatus.DORMANT:
        raise BadArgument(f"{found.name} is dormant; join an active or incubating chapter.")
    member = context.member
    if member.chapter_id == found.id:
        raise Conflict(f"You are already a member of {found.name}.")
    if previous is not None and not move:
        typed = f'"{found.name}"' if " " in found.name else found.name
        question = (
            f"You are a member of {previous.name}. Leave it for {found.name}? "
            f"Type /member join {typed} --move, or use the button."
        )
        return Reply.private(
            question,
            Section(question),
            Actions((Button(f"Move to {found.name}", f"/member join {typed} --move", "primary"),)),
        )
    member.chapter_id = found.id
    moved = f" (you left {previous.name})" if previous else ""
    return Reply.private(f"Welcome to {found.name}!{moved}")


async def _target_and_current(
    context: Context, typed: str | None
) -> tuple[Chapter | None, Chapter | None]:
    """The chapter to join (the one named, else this channel's) and the member's current
    one, in one statement; a name that is not a chapter's exact name is looked up as
    `find_chapter` does (prefixes, hints)."""
    session = context.session
    place = context.place
    wanted: ColumnElement[bool] | None = None
    if typed:
        wanted = Chapter.name_key == name_key(typed)
    elif place.channel_id:
        wanted = Chapter.id.in_(
            select(ChannelBinding.chapter_id).where(
                ChannelBinding.platform == place.platform,
                ChannelBinding.channel_id == place.channel_id,
            )
        )
    current_id = context.member.chapter_id
    found = current = None
    if wanted is not None or current_id is not None:
        rows = await session.execute(
            select(Chapter, (wanted if wanted is not None else false()).label("wanted")).where(
                or_(
                    wanted if wanted is not None else false(),
                    Chapter.id == current_id if current_id is not None else false(),
                )
            )
        )
        for chapter, is_wanted in rows:
            found = chapter if is_wanted else found
            current = chapter if chapter.id == current_id else current
    if found is None and typed:
        found = await find_chapter(session, typed)  # a prefix, or a refusal with a hint
    return found, current


def _roles_text(roles: frozenset[Role], presides: Iterable[str]) -> str:
    titles = ((Role.HQ, "HQ"), (Role.MODERATOR, "moderator"))
    names = [title for role, title in titles if role in roles]
    names += [f"president of {name}" for name in presides]
    return ", ".join(names) or "member"


@router.command("member", "profile", examples=["/member profile", "/member profile @alice"])
async def member_profile(
    context: Context,
    member: Annotated[Member | None, Arg("whose profile; defaults to yours")] = None,
) -> Reply:
    """Show a member's chapter, roles, linked platforms, when they joined, and their profile.

    What another member says about themselves (title, skills…) shows only if they let
    you see it (/member edit --visible).
    """
    who = member or context.member
    sheet = await member_sheet(context.session, who)  # one statement for the whole card
    profile, withheld = shown_profile(context, who, sheet.profile)
    held = context.roles if who.id == context.member.id else sheet.roles(context.settings)
    roles = _roles_text(held, sheet.presides)
    linked = ", ".join(PLATFORM_NAMES.get(p, p) for p, _ in sheet.accounts)
    pairs = (
        ("Chapter", sheet.chapter or "none yet"),
        ("Roles", roles),
        ("Accounts", linked),
        ("Joined", who.joined_at.date().isoformat()),
    )
    own = who.id == context.member.id
    about = (
        []
        if withheld
        else await profile_pairs(context.session, who, profile, own=own, tags=sheet.tags)
    )
    reply = Reply.private(
        f"{mention(who.id)}: chapter {pairs[0][1]}; roles {roles}; on {linked}"
        + "".join(f"; {k.lower()} {v}" for k, v in about),
        Header(who.name),
        Fields(pairs + tuple(about)),
        *([Note(withheld)] if withheld else []),
    )
    return replace(reply, people={who.id: sheet.person(who)})


@router.command("member", "data", examples=["/member data"])
async def member_data(context: Context) -> Reply:
    """Show everything Chapterhouse stores about you."""
    member = context.member
    sheet = await data_sheet(context.session, member)  # one statement for all of it
    identities = sheet.identities
    accounts = "\n".join(
        f"• {PLATFORM_NAMES.get(i.platform, i.platform)} account {i.external_id} "
        f"(shown as {i.display_name}), since {i.created_at.date().isoformat()}"
        for i in identities
    )
    pairs = (
        ("Name", member.name),
        ("Email", member.email or "not stored"),
        ("Chapter", sheet.chapter or "none"),
        ("Roles", _roles_text(context.roles, sheet.presides)),
        ("Nudges", "on" if member.nudges else "off"),
        ("Joined", member.joined_at.isoformat(timespec="minutes")),
        (
            "Last active",
            member.last_active_at.isoformat(timespec="minutes") if member.last_active_at else "—",
        ),
        ("Meetings you logged", str(sheet.meetings)),
        ("Privileged actions in the audit log", str(sheet.actions)),
        *await data_pairs(context, (sheet.profile, sheet.tags, sheet.asks)),
    )
    text = "; ".join(f"{k}: {v}" for k, v in pairs) + "\nAccounts:\n" + accounts
    return Reply.private(
        text,
        Header("What Chapterhouse stores about you"),
        Fields(pairs),
        Section("*Accounts*\n" + accounts),
        Note("To delete it all: /member forget --confirm"),
    )


@router.command("member", "link", examples=["/member link", "/member link K7QP-2MXA"])
async def member_link(
    context: Context,
    code: Annotated[str | None, Arg("the code from your other account")] = None,
) -> Reply:
    """Join your Slack and Discord accounts into one member.

    Without a code you get one, valid 15 minutes; type it with /member link CODE
    on your other account.
    """
    if code is None:
        # One live code per member: asking again replaces the last one.
        await context.session.execute(
            delete(LinkCode).where(
                LinkCode.member_id == context.member.id, LinkCode.used_at.is_(None)
            )
        )
        raw = "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH))
        context.session.add(
            LinkCode(
                code_hash=_hash_code(raw),
                member_id=context.member.id,
                created_at=context.now,
                expires_at=context.now + LINK_TTL,
            )
        )
        shown = f"{raw[:4]}-{raw[4:]}"
        return Reply.private(
            f"Your link code is {shown}. On your other account, within 15 minutes, type "
            f"/member link {shown}"
        )
    normal = _normalise_code(code)
    if len(normal) != CODE_LENGTH:
        raise BadArgument(f"CODE looks like ABCD-EFGH ({CODE_LENGTH} letters and digits).")
    link = await context.session.scalar(
        select(LinkCode).where(LinkCode.code_hash == _hash_code(normal))
    )
    if link is None:
        raise NotFound(
            "That code is unknown. Get a fresh one with /member link on your other account."
        )
    if link.used_at is not None:
        raise Conflict("That code was already used. Get a fresh one with /member link.")
    if link.expires_at <= context.now:
        raise Conflict("That code has expired (codes last 15 minutes). Get a fresh one.")
    if link.member_id == context.member.id:
        raise BadArgument("That code is this account's own; type it on your other account.")
    target = await context.session.get(Member, link.member_id)
    if target is None:  # pragma: no cover - the code is deleted with its member
        raise NotFound("The member behind that code no longer exists.")
    link.used_at = context.now
    for hook in context.registry.member_hooks:
        await hook(context, context.member, target)
    await merge_members(context.session, source=context.member, target=target)
    return Reply.private(
        f"Linked: this {PLATFORM_NAMES.get(context.platform, context.platform)} account is now "
        f"part of {mention(target.id)}."
    )


async def merge_members(session: AsyncSession, *, source: Member, target: Member) -> None:
    """Fold `source` into `target`: accounts, roles and every reference move over.

    References are found from the schema, so tables added later are merged too.
    """
    taken = set(
        await session.scalars(select(Identity.platform).where(Identity.member_id == target.id))
    )
    moving = set(
        await session.scalars(select(Identity.platform).where(Identity.member_id == source.id))
    )
    clash = taken & moving
    if clash:
        platform = PLATFORM_NAMES.get(min(clash), min(clash))
        raise Conflict(
            f"That member already has a {platform} account; a member has one per platform."
        )
    held = set(
        await session.scalars(select(RoleGrant.role).where(RoleGrant.member_id == target.id))
    )
    if held:
        await session.execute(
            delete(RoleGrant).where(RoleGrant.member_id == source.id, RoleGrant.role.in_(held))
        )
    if target.chapter_id is None:
        target.chapter_id = source.chapter_id
    if target.email is None and source.email is not None:
        email, source.email = source.email, None
        await session.flush()
        target.email = email
    target.nudges = target.nudges and source.nudges
    target.joined_at = min(target.joined_at, source.joined_at)
    await session.flush()
    for table in Base.metadata.sorted_tables:
        for column in table.columns:
            if any(fk.column.table.name == "members" for fk in column.foreign_keys):
                await session.execute(
                    update(table).where(column == source.id).values({column.name: target.id})
                )
    session.expunge(source)
    await session.execute(delete(Member).where(Member.id == source.id))
    await session.refresh(target)


@router.command("member", "nudges", examples=["/member nudges off"])
async def member_nudges(
    context: Context,
    setting: Annotated[Literal["on", "off"], Arg("on to receive reminders, off to stop them")],
) -> Reply:
    """Turn direct-message reminders and nudges on or off."""
    context.member.nudges = setting == "on"
    if setting == "on":
        return Reply.private("Nudges are on: you will get reminders for polls and meetings.")
    return Reply.private("Nudges are off: no more reminders by direct message.")


@router.command("member", "forget", examples=["/member forget --confirm"], confirm=True)
async def member_forget(
    context: Context,
    confirm: Annotated[bool, Opt("yes, delete everything stored about me")] = False,
) -> Reply:
    """Delete your data: name, email, accounts and roles. Only anonymous counts remain."""
    if not confirm:
        raise BadArgument(
            "This deletes your profile, accounts and roles for good. "
            "To go ahead, type /member forget --confirm"
        )
    member = context.member
    if Role.HQ in context.roles and member.id in await _sole_hq(context):
        raise Conflict("You are the last HQ admin; grant HQ to someone else first.")
    for hook in context.registry.member_hooks:
        await hook(context, member, None)
    await context.session.flush()
    context.session.expunge(context.identity)
    context.session.expunge(member)
    await context.session.execute(delete(Member).where(Member.id == member.id))
    context.uow.audit(None, "member.forget", "A member deleted their data.")
    return Reply.private("Done: everything stored about you is deleted. Goodbye, and thank you.")


async def _sole_hq(context: Context) -> set[int]:
    """The HQ admin ids if there is exactly one granted HQ and no configured admin."""
    if context.settings.chapterhouse_admins:
        return set()
    holders = set(
        await context.session.scalars(
            select(RoleGrant.member_id).where(RoleGrant.role == GrantedRole.HQ)
        )
    )
    return holders if len(holders) == 1 else set()
