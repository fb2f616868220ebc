"""A profile as others see it, and as its member sees it in `/member data`.

`commands.members` draws the profile card; these add what members say about
themselves, within what the asker may see.
"""

from __future__ import annotations

from collections.abc import Mapping

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.context import Context
from bot.errors import Forbidden
from commands.profiles.tags import member_tags
from commands.profiles.visibility import DEFAULT, may_see, refusal
from commands.text import moment
from storage.models import Member, MemberProfile, RecruitAsk


def shown_profile(
    context: Context, member: Member, profile: MemberProfile | None
) -> tuple[MemberProfile | None, str]:
    """The member's profile row if the asker may see it, else None and who may."""
    visibility = profile.visibility if profile is not None else None
    if not may_see(context, member, visibility):
        return None, str(Forbidden(*refusal(member, visibility)))
    return profile, ""


async def profile_pairs(
    session: AsyncSession,
    member: Member,
    profile: MemberProfile | None,
    *,
    own: bool,
    tags: Mapping[str, list[str]] | None = None,
) -> list[tuple[str, str]]:
    """What the member said about themselves; empty fields left out, except for their own.

    `tags` as `member_tags` gives them, when the caller read them already."""
    if tags is None:
        tags = await member_tags(session, member.id)
    values = [
        ("Title", profile.title if profile else None),
        ("Company", profile.company if profile else None),
        ("City", profile.city if profile else None),
        ("Time zone", member.timezone),
        ("Skills", ", ".join(tags["skill"]) or None),
        ("Interests", ", ".join(tags["interest"]) or None),
        ("About", profile.bio if profile else None),
    ]
    pairs = [(k, v if v else "—") for k, v in values if v or own]
    if own:
        pairs.append(("Visible to", _visible_to(profile)))
    return pairs


def _visible_to(profile: MemberProfile | None) -> str:
    shown = profile.visibility if profile is not None else DEFAULT
    return {
        "society": "the whole society",
        "chapter": "your chapter (and HQ)",
        "hidden": "HQ only",
    }[shown.value]


async def data_pairs(
    context: Context,
    read: tuple[MemberProfile | None, Mapping[str, list[str]], tuple[int, int]] | None = None,
) -> list[tuple[str, str]]:
    """Everything of the profile for `/member data`: fields, tags, settings, recruit history.

    `read`: the profile, its tags and (calls, answered), when the caller's own query
    read them; nothing is then queried again.
    """
    member = context.member
    if read is not None:
        profile, tags, asks = read
        pairs = await profile_pairs(context.session, member, profile, own=True, tags=tags)
    else:
        profile = await context.session.get(MemberProfile, member.id)
        pairs = await profile_pairs(context.session, member, profile, own=True)
        counted = await context.session.execute(
            select(func.count(), func.count(RecruitAsk.answer)).where(
                RecruitAsk.member_id == member.id
            )
        )
        asks = tuple(counted.one())  # type: ignore[assignment]
    pairs.append(("Volunteer calls to you", f"{asks[0]} ({asks[1]} answered)"))
    if profile is not None:
        edited = ", ".join(profile.edited) or "none"
        pairs.append(("Fields you set yourself", edited))
        if profile.filled_at is not None:
            pairs.append(("Last filled from your platform", moment(profile.filled_at, context.tz)))
    return pairs
