"""Skills and interests as society-wide tags: one spelling for one idea.

Members type tags freely ("Python", "python ", "Pythons", "pyhton"). Before a tag
is stored it is reduced to a key (lower case, single spaces) and merged with an
existing tag whose key is the same, its singular or plural, or a close spelling, so that
finding "python" finds everyone who meant it. Close means one typo in a word of six
letters or more (two from ten), with the same first letter: "kubernets" is
"kubernetes", but "design" is not "resign".
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence

from rapidfuzz import process
from rapidfuzz.distance import DamerauLevenshtein
from sqlalchemy import delete, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.errors import BadArgument
from storage.models import MemberTag, Tag, WorkgroupTag

MAX_TAGS = 20
MAX_TAG = 40
KINDS = ("skill", "interest")

_SPACES = re.compile(r"[\s_]+")
_KEEP_S = ("ss", "us", "is", "ics", "ys", "os")
"""Endings where a final s is not a plural: business, status, analysis, analytics."""


def tag_key(text: str) -> str:
    """The tag's matching form: lower case, single spaces."""
    return _SPACES.sub(" ", text.strip().lower()).strip(" ,;")


def number_variants(key: str) -> list[str]:
    """The key with its last word singular or plural: `pythons` → `python`, `city` → `cities`."""
    if not key:
        return []
    head, _, last = key.rpartition(" ")
    prefix = f"{head} " if head else ""
    forms = []
    if last.endswith("ies") and len(last) > 4:
        forms.append(last[:-3] + "y")
    if last.endswith("es") and len(last) > 4:
        forms.append(last[:-2])
    if last.endswith("s") and len(last) > 3 and not last.endswith(_KEEP_S):
        forms.append(last[:-1])
    if last.endswith("y") and len(last) > 3:
        forms.append(last[:-1] + "ies")
    forms += [last + "s", last + "es"]
    return [prefix + form for form in forms]


def split_tags(raw: str, flag: str) -> list[str]:
    """The tags of `a, b, c` as typed (cleaned of spaces), at most `MAX_TAGS`, each short."""
    if raw.strip() == "-":
        return []
    tags = [_SPACES.sub(" ", part).strip() for part in raw.split(",")]
    tags = [t for t in tags if t]
    if len(tags) > MAX_TAGS:
        raise BadArgument(f"{flag} takes at most {MAX_TAGS} tags; you gave {len(tags)}.")
    for tag in tags:
        if len(tag) > MAX_TAG:
            raise BadArgument(
                f"A tag is at most {MAX_TAG} characters; {tag[:20]!r}… is {len(tag)}."
            )
    return list(dict.fromkeys(tags))


def _allowed_typos(key: str) -> int:
    if len(key) >= 10:
        return 2
    return 1 if len(key) >= 6 else 0


def closest_key(key: str, known: Sequence[str]) -> str | None:
    """An existing key that `key` is a close spelling of, if any (the closest).

    The shorter of the two words sets how many typos are allowed, so a short tag is
    never swallowed by a longer one (`react` stays apart from `redact`).
    """
    typos = _allowed_typos(key)
    if typos == 0 or not known:
        return None
    near = [
        k
        for k in known
        if k[:1] == key[:1] and abs(len(k) - len(key)) <= typos and _allowed_typos(k) > 0
    ]
    for candidate, distance, _ in process.extract(
        key, near, scorer=DamerauLevenshtein.distance, score_cutoff=typos, limit=5
    ):
        if distance <= _allowed_typos(min(key, candidate, key=len)):
            return str(candidate)
    return None


async def resolve_tags(session: AsyncSession, typed: Iterable[str]) -> list[Tag]:
    """The society's tags for what was typed, creating the ones nobody has used yet."""
    typed = list(typed)
    if not typed:
        return []
    known = {t.key: t for t in await session.scalars(select(Tag))}
    keys = list(known)
    found: list[Tag] = []
    for text in typed:
        key = tag_key(text)
        if not key:
            continue
        tag = known.get(key) or next((known[v] for v in number_variants(key) if v in known), None)
        if tag is None and (near := closest_key(key, keys)) is not None:
            tag = known[near]
        if tag is None:
            tag = Tag(key=key, label=text if text != text.lower() else key)
            session.add(tag)
            known[key] = tag
            keys.append(key)
        if tag not in found:
            found.append(tag)
    await session.flush()
    return found


async def find_tag(session: AsyncSession, typed: str) -> Tag | None:
    """The existing tag `typed` means (same key or a close spelling), or None."""
    key = tag_key(typed)
    tag = await session.scalar(
        select(Tag).where(Tag.key.in_([key, *number_variants(key)])).order_by(Tag.id).limit(1)
    )
    if tag is not None or not key:
        return tag
    near = closest_key(
        key, list(await session.scalars(select(Tag.key).where(Tag.key.startswith(key[:1]))))
    )
    if near is None:
        return None
    return await session.scalar(select(Tag).where(Tag.key == near))


async def set_member_tags(
    session: AsyncSession, member_id: int, kind: str, tags: Sequence[Tag]
) -> None:
    """Replace the member's tags of one kind."""
    await session.execute(
        delete(MemberTag).where(MemberTag.member_id == member_id, MemberTag.kind == kind)
    )
    session.add_all(MemberTag(member_id=member_id, tag_id=t.id, kind=kind) for t in tags)


async def member_tags(session: AsyncSession, member_id: int) -> dict[str, list[str]]:
    """The member's tag labels by kind, alphabetical."""
    rows = await session.execute(
        select(MemberTag.kind, Tag.label)
        .join(Tag, Tag.id == MemberTag.tag_id)
        .where(MemberTag.member_id == member_id)
        .order_by(Tag.key)
    )
    shown: dict[str, list[str]] = {kind: [] for kind in KINDS}
    for kind, label in rows:
        shown[kind].append(label)
    return shown


async def member_tag_ids(session: AsyncSession, member_id: int) -> set[int]:
    return set(
        await session.scalars(select(MemberTag.tag_id).where(MemberTag.member_id == member_id))
    )


async def tag_counts(session: AsyncSession) -> list[tuple[str, int, int]]:
    """Every tag in use: (label, members with it as a skill, as an interest), most used first."""
    skills = func.count().filter(MemberTag.kind == "skill")
    interests = func.count().filter(MemberTag.kind == "interest")
    rows = await session.execute(
        select(Tag.label, skills, interests)
        .join(MemberTag, MemberTag.tag_id == Tag.id)
        .group_by(Tag.id, Tag.label)
        .order_by(func.count().desc(), Tag.key)
    )
    return [(label, int(s), int(i)) for label, s, i in rows]


async def workgroup_tag_labels(session: AsyncSession, workgroup_id: int) -> list[str]:
    return list(
        await session.scalars(
            select(Tag.label)
            .join(WorkgroupTag, WorkgroupTag.tag_id == Tag.id)
            .where(WorkgroupTag.workgroup_id == workgroup_id)
            .order_by(Tag.key)
        )
    )
