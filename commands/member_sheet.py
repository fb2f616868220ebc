"""Everything `/member profile` shows of a member, in one statement.

The card needs the member's profile, chapter, accounts, roles, presidencies and tags:
six queries, each a round trip for a row or two. Here the profile is outer-joined
and the rest come as correlated subqueries (the lists as JSON, see storage.jsonrows),
so the card costs one statement; the accounts also give the reply its mention of the
member, so it needs no query for that either.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import bindparam, select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.config import Settings
from bot.mentions import Person
from bot.permissions import Role
from commands.profiles.tags import KINDS
from storage.jsonrows import json_rows
from storage.models import (
    Chapter,
    GrantedRole,
    Identity,
    Member,
    MemberProfile,
    MemberTag,
    RoleGrant,
    Tag,
)


@dataclass(frozen=True)
class Sheet:
    profile: MemberProfile | None
    chapter: str | None
    accounts: list[tuple[str, str]]
    """(platform, account id), by platform."""
    granted: frozenset[GrantedRole]
    presides: list[str]
    """Names of the chapters the member presides over, alphabetical."""
    tags: dict[str, list[str]]
    """Tag labels by kind, in the order of their keys (as `member_tags` gives them)."""

    def roles(self, settings: Settings) -> frozenset[Role]:
        """As `bot.identity.roles_of`: grants, and HQ for a configured admin's account."""
        held = {Role.MEMBER}
        if GrantedRole.MODERATOR in self.granted:
            held.add(Role.MODERATOR)
        if GrantedRole.HQ in self.granted or any(settings.is_admin(*a) for a in self.accounts):
            held.add(Role.HQ)
        return frozenset(held)

    def person(self, member: Member) -> Person:
        return Person(member.name, dict(self.accounts))


async def member_sheet(session: AsyncSession, member: Member) -> Sheet:
    row = (await session.execute(_STATEMENT, {"member": member.id})).one()
    profile, chapter, accounts, granted, presides, tags = row
    shown: dict[str, list[str]] = {kind: [] for kind in KINDS}
    for kind, label, _ in sorted(tags or [], key=lambda tag: tag[2]):
        shown[kind].append(label)
    return Sheet(
        profile,
        chapter,
        sorted((platform, account) for platform, account in accounts or []),
        frozenset(GrantedRole(role) for (role,) in granted or []),
        sorted(name for (name,) in presides or []),
        shown,
    )


def _statement() -> Any:
    chapter = select(Chapter.name).where(Chapter.id == Member.chapter_id).scalar_subquery()
    accounts = (
        select(json_rows(Identity.platform, Identity.external_id))
        .where(Identity.member_id == Member.id)
        .scalar_subquery()
    )
    granted = (
        select(json_rows(RoleGrant.role)).where(RoleGrant.member_id == Member.id).scalar_subquery()
    )
    presides = (
        select(json_rows(Chapter.name)).where(Chapter.president_id == Member.id).scalar_subquery()
    )
    tags = (
        select(json_rows(MemberTag.kind, Tag.label, Tag.key))
        .select_from(MemberTag)
        .join(Tag, Tag.id == MemberTag.tag_id)
        .where(MemberTag.member_id == Member.id)
        .scalar_subquery()
    )
    return (
        select(MemberProfile, chapter, accounts, granted, presides, tags)
        .select_from(Member)
        .outerjoin(MemberProfile, MemberProfile.member_id == Member.id)
        .where(Member.id == bindparam("member"))
    )


_STATEMENT = _statement()
"""Built once: composing it costs more than running it."""
