"""The member list as a CSV, in the columns `chapterhouse members import` reads back.

For HQ (the operator's command line): hidden members are included, and the
`visible` column says who each member lets see their profile.
"""

from __future__ import annotations

import csv
import io

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from storage.models import Chapter, Identity, Member, MemberProfile, MemberTag, Tag

HEADER = (
    "name",
    "email",
    "chapter",
    "slack id",
    "discord id",
    "title",
    "company",
    "city",
    "timezone",
    "skills",
    "interests",
    "visible",
)


async def export_members(session: AsyncSession) -> str:
    chapters = dict((await session.execute(select(Chapter.id, Chapter.name))).all())
    accounts: dict[int, dict[str, str]] = {}
    for member_id, platform, external_id in await session.execute(
        select(Identity.member_id, Identity.platform, Identity.external_id)
    ):
        accounts.setdefault(member_id, {})[platform] = external_id
    tags: dict[tuple[int, str], list[str]] = {}
    for member_id, kind, label in await session.execute(
        select(MemberTag.member_id, MemberTag.kind, Tag.label)
        .join(Tag, Tag.id == MemberTag.tag_id)
        .order_by(Tag.key)
    ):
        tags.setdefault((member_id, kind), []).append(label)
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(HEADER)
    rows = await session.execute(
        select(Member, MemberProfile)
        .outerjoin(MemberProfile, MemberProfile.member_id == Member.id)
        .order_by(Member.id)
    )
    for member, profile in rows:
        mine = accounts.get(member.id, {})
        writer.writerow(
            (
                member.name,
                member.email or "",
                chapters.get(member.chapter_id, "") if member.chapter_id else "",
                mine.get("slack", ""),
                mine.get("discord", ""),
                (profile.title if profile else None) or "",
                (profile.company if profile else None) or "",
                (profile.city if profile else None) or "",
                member.timezone or "",
                ", ".join(tags.get((member.id, "skill"), [])),
                ", ".join(tags.get((member.id, "interest"), [])),
                profile.visibility.value if profile else "chapter",
            )
        )
    return out.getvalue()
