"""Everything `/member profile` shows of a member, and `/member data` of its asker, in
one statement each.

The card needs the member's profile, chapter, accounts, roles, presidencies and tags:
six queries, each a round trip for a row or two. Here the profile is outer-joined
and the rest come as correlated subqueries (the lists as JSON, see storage.jsonrows),
so the card costs one statement; the accounts also give the reply its mention of the
member, so it needs no query for that either.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import Integer, bindparam, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.config import Settings
from bot.mentions import Person
from bot.permissions import Role
from commands.profiles.tags import KINDS
from storage.jsonrows import json_rows
from storage.models import (
    AuditEvent,
    Chapter,
    GrantedRole,
    Identity,
    Meeting,
    Member,
    MemberProfile,
    MemberTag,
    RecruitAsk,
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
    return Sheet(
        profile,
        chapter,
        sorted((platform, account) for platform, account in accounts or []),
        frozenset(GrantedRole(role) for (role,) in granted or []),
        sorted(name for (name,) in presides or []),
        _tags(tags),
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


@dataclass(frozen=True)
class DataSheet:
    """What `/member data` shows of its asker, besides the member row itself."""

    identities: list[Identity]
    profile: MemberProfile | None
    chapter: str | None
    presides: list[str]
    tags: dict[str, list[str]]
    meetings: int
    """Meetings the member logged."""
    actions: int
    """Privileged actions of theirs in the audit log."""
    asks: tuple[int, int]
    """Volunteer calls to them, and how many they answered."""


async def data_sheet(session: AsyncSession, member: Member) -> DataSheet:
    """One statement: a row per account of the member, each carrying the rest."""
    rows = (await session.execute(_DATA, {"member": member.id, "chapter": member.chapter_id})).all()
    first = rows[0]  # the asker's own account is one of them
    return DataSheet(
        [row[0] for row in rows],
        first[1],
        first[2],
        sorted(name for (name,) in first[3] or []),
        _tags(first[4]),
        first[5] or 0,
        first[6] or 0,
        (first[7] or 0, first[8] or 0),
    )


def _tags(rows: list[list[str]] | None) -> dict[str, list[str]]:
    shown: dict[str, list[str]] = {kind: [] for kind in KINDS}
    for kind, label, _ in sorted(rows or [], key=lambda tag: tag[2]):
        shown[kind].append(label)
    return shown


def _data() -> Any:
    member = bindparam("member", type_=Integer)
    chapter = select(Chapter.name).where(Chapter.id == bindparam("chapter")).scalar_subquery()
    presides = select(json_rows(Chapter.name)).where(Chapter.president_id == member)
    tags = (
        select(json_rows(MemberTag.kind, Tag.label, Tag.key))
        .select_from(MemberTag)
        .join(Tag, Tag.id == MemberTag.tag_id)
        .where(MemberTag.member_id == member)
    )
    meetings = select(func.count()).select_from(Meeting).where(Meeting.logged_by == member)
    actions = select(func.count()).select_from(AuditEvent).where(AuditEvent.actor_id == member)
    asked = select(func.count()).select_from(RecruitAsk).where(RecruitAsk.member_id == member)
    answered = select(func.count(RecruitAsk.answer)).where(RecruitAsk.member_id == member)
    return (
        select(
            Identity,
            MemberProfile,
            chapter,
            presides.scalar_subquery(),
            tags.scalar_subquery(),
            meetings.scalar_subquery(),
            actions.scalar_subquery(),
            asked.scalar_subquery(),
            answered.scalar_subquery(),
        )
        .outerjoin(MemberProfile, MemberProfile.member_id == Identity.member_id)
        .where(Identity.member_id == member)
        .order_by(Identity.id)
    )


_DATA = _data()
