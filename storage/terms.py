"""The directory's word index: each member's lower-cased words, for finds by prefix.

Kept beside the tables it writes, so that whatever changes a profile (a member's
edit, a fill from their platform, an import) rewrites the words the same way.
"""

from __future__ import annotations

import re

from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncSession

from storage.models import Member, MemberProfile, MemberTag, MemberTerm, Tag

MAX_TERM = 40
_WORD = re.compile(r"\w+")


def words(*texts: str | None) -> set[str]:
    """The lower-cased words of some texts, as the directory indexes them."""
    found: set[str] = set()
    for text in texts:
        if text:
            found.update(w[:MAX_TERM] for w in _WORD.findall(text.lower()))
    return found


async def reindex(session: AsyncSession, member: Member, profile: MemberProfile | None) -> None:
    """Rewrite the member's words: name, title, company, city and tags."""
    await session.flush()
    labels = await session.scalars(
        select(Tag.key)
        .join(MemberTag, MemberTag.tag_id == Tag.id)
        .where(MemberTag.member_id == member.id)
    )
    found = words(member.name, *labels)
    if profile is not None:
        found |= words(profile.title, profile.company, profile.city)
    await session.execute(delete(MemberTerm).where(MemberTerm.member_id == member.id))
    session.add_all(MemberTerm(member_id=member.id, term=w) for w in sorted(found))
