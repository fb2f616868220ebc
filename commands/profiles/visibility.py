"""Who may see whom: a member's profile is for the society, their chapter, or only HQ.

The same rule in two forms, one for a single profile and one for a query over many,
so `/member profile` and `/member find` cannot disagree.
"""

from __future__ import annotations

from sqlalchemy import ColumnElement, and_, false, func, or_

from bot.context import Context
from bot.permissions import Role
from storage.models import Member, MemberProfile, ProfileVisibility

DEFAULT = ProfileVisibility.CHAPTER


def may_see(context: Context, member: Member, visibility: ProfileVisibility | None) -> bool:
    """Whether the asker may see `member`'s profile: themselves, HQ, else by its setting."""
    if member.id == context.member.id or Role.HQ in context.roles:
        return True
    shown = visibility or DEFAULT
    if shown is ProfileVisibility.SOCIETY:
        return True
    if shown is ProfileVisibility.CHAPTER:
        return member.chapter_id is not None and member.chapter_id == context.member.chapter_id
    return False


def visible_clause(context: Context) -> ColumnElement[bool] | None:
    """The rule as a condition on `Member` outer-joined to `MemberProfile`; None: all."""
    if Role.HQ in context.roles:
        return None
    shown = func.coalesce(MemberProfile.visibility, DEFAULT.value)
    chapter_id = context.member.chapter_id
    same_chapter = (
        and_(shown == ProfileVisibility.CHAPTER.value, Member.chapter_id == chapter_id)
        if chapter_id is not None
        else false()
    )
    return or_(
        Member.id == context.member.id,
        shown == ProfileVisibility.SOCIETY.value,
        same_chapter,
    )


def refusal(member: Member, visibility: ProfileVisibility | None) -> tuple[str, str]:
    """(who may, what) for a `Forbidden`: says who may see it, and nothing more."""
    if (visibility or DEFAULT) is ProfileVisibility.CHAPTER:
        return "HQ and members of their chapter", f"see {member.name}'s profile"
    return "HQ", f"see {member.name}'s profile (it is hidden)"
