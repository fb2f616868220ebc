"""/member find: the society's directory, within what the asker may see.

Free text matches words of members' names, titles, companies, cities and tags by
prefix (`engin` finds "engineer"), read from the `member_terms` index; a member
matching more of the words comes first, then the longest-standing members.
`--skill` and `--interest` name a tag (close spellings allowed); `--chapter`
narrows to one chapter.
"""

from __future__ import annotations

from typing import Annotated, Any

from sqlalchemy import (
    ColumnElement,
    Row,
    Select,
    and_,
    func,
    literal,
    or_,
    select,
    union_all,
)
from sqlalchemy.orm import aliased

from bot.context import Context
from bot.declarations import Arg, Opt
from bot.errors import BadArgument
from bot.mentions import mention
from bot.registry import Router
from bot.reply import Block, Header, Note, Reply, Section
from commands.lookup import find_chapter
from commands.profiles.fields import words
from commands.profiles.tags import find_tag
from commands.profiles.visibility import visible_clause
from storage.models import Chapter, Member, MemberProfile, MemberTag, MemberTerm, Tag

router = Router("directory")

PAGE = 10
MAX_WORDS = 6


def _after(prefix: str) -> str:
    """The smallest string above every string starting with `prefix`."""
    return prefix[:-1] + chr(ord(prefix[-1]) + 1)


def _word_hits(typed: list[str]) -> Select[tuple[int, int]]:
    """(member, how many of the words they match): from their indexed words and name."""
    branches = []
    for index, word in enumerate(typed):
        branches.append(
            select(MemberTerm.member_id.label("member_id"), literal(index).label("q")).where(
                MemberTerm.term >= word, MemberTerm.term < _after(word)
            )
        )
        # Members who never edited a profile still have a name (ix_members_name_lower).
        branches.append(
            select(Member.id.label("member_id"), literal(index).label("q")).where(
                func.lower(Member.name) >= word, func.lower(Member.name) < _after(word)
            )
        )
    hits = union_all(*branches).subquery("hits")
    return select(hits.c.member_id, func.count(func.distinct(hits.c.q)).label("score")).group_by(
        hits.c.member_id
    )


DENSE = 4000
"""Index rows a free-text find reads before it walks members instead of ranking them all."""


async def _dense(context: Context, typed: list[str]) -> bool:
    """Whether every word is common enough that walking members finds a page sooner."""
    for word in typed:
        rows = select(MemberTerm.member_id).where(
            MemberTerm.term >= word, MemberTerm.term < _after(word)
        )
        count = await context.session.scalar(
            select(func.count()).select_from(rows.limit(DENSE).subquery())
        )
        if (count or 0) < DENSE:
            return False
    return True


def _has_word(word: str) -> ColumnElement[bool]:
    """The member has a word starting with `word`: one seek on (member, term)."""
    # LIMIT/OFFSET keep it a probe per member on PostgreSQL too, which would
    # otherwise hash every member with the word before returning the first page.
    probe = (
        select(literal(1))
        .where(
            MemberTerm.member_id == Member.id,
            MemberTerm.term >= word,
            MemberTerm.term < _after(word),
        )
        .limit(1)
        .offset(0)
    )
    return or_(
        probe.exists(),
        and_(func.lower(Member.name) >= word, func.lower(Member.name) < _after(word)),
    )


async def _tag_or_error(context: Context, typed: str, flag: str) -> Tag:
    tag = await find_tag(context.session, typed)
    if tag is None:
        raise BadArgument(f"No member has the tag {typed[:40]!r} ({flag}); see /member tags.")
    return tag


@router.command(
    "member",
    "find",
    examples=[
        "/member find data engineer",
        "/member find --skill python --chapter Boston",
        '/member find --interest "open data" --page 2',
    ],
)
async def member_find(
    context: Context,
    text: Annotated[
        tuple[str, ...], Arg("words of a name, title, company, city or tag", metavar="TEXT")
    ] = (),
    skill: Annotated[str | None, Opt("members with this skill", metavar="X")] = None,
    interest: Annotated[str | None, Opt("members with this interest", metavar="X")] = None,
    chapter: Annotated[
        str | None, Opt("only this chapter's members", complete="chapters", metavar="C")
    ] = None,
    page: Annotated[int | None, Opt("which page of results (10 a page)", metavar="N")] = None,
) -> Reply:
    """Find members by words, skill, interest or chapter: best match first, among those you may see.

    A member's profile is visible to the whole society, to their chapter (the
    default) or to HQ only, as they chose with /member edit --visible.
    """
    typed = sorted(words(" ".join(text)))[:MAX_WORDS]
    if not typed and skill is None and interest is None and chapter is None:
        raise BadArgument(
            "Say what to find: /member find TEXT, or --skill X, --interest X or --chapter C."
        )
    number = page or 1
    if number < 1:
        raise BadArgument(f"--page counts from 1; got {number}.")
    conditions: list[ColumnElement[bool]] = []
    tagged: list[tuple[int, str]] = []
    wanted: list[str] = []
    for flag, value, kind in (("--skill", skill, "skill"), ("--interest", interest, "interest")):
        if value is None:
            continue
        tag = await _tag_or_error(context, value, flag)
        wanted.append(f"{kind} {tag.label}")
        tagged.append((tag.id, kind))
    if chapter is not None:
        found = await find_chapter(context.session, chapter)
        wanted.append(f"in {found.name}")
        conditions.append(Member.chapter_id == found.id)
    visible = visible_clause(context)
    if visible is not None:
        conditions.append(visible)

    # Joined, not IN, and ordered by the tag row's member: read in member order from
    # (tag, kind, member), a page of a popular tag stops after its first rows.
    holding = [(aliased(MemberTag), tag_id, kind) for tag_id, kind in tagged]

    def finish(query: Select[*tuple[Any, ...]]) -> Select[*tuple[Any, ...]]:
        for holds, tag_id, kind in holding:
            query = query.join(
                holds,
                and_(holds.member_id == Member.id, holds.tag_id == tag_id, holds.kind == kind),
            )
        return (
            query.outerjoin(MemberProfile, MemberProfile.member_id == Member.id)
            .add_columns(MemberProfile.title, MemberProfile.company, MemberProfile.city)
            .where(*conditions)
        )

    columns = (Member.id, Member.name, Member.chapter_id)
    offset = (number - 1) * PAGE
    rows: list[Row[Any]] = []
    if typed and await _dense(context, typed):
        # Common words: those matching every word (the best score) come first, in
        # member order; walking members and checking each one's words stops early.
        every = and_(*(_has_word(w) for w in typed))
        rows = list(
            await context.session.execute(
                finish(select(*columns).where(every))
                .order_by(Member.id)
                .offset(offset)
                .limit(PAGE + 1)
            )
        )
    if typed and len(rows) <= PAGE:
        # Rare words, or past the members matching every word: rank by words matched.
        hits = _word_hits(typed).subquery("scored")
        query = select(*columns).join(hits, hits.c.member_id == Member.id)
        rows = list(
            await context.session.execute(
                finish(query)
                .order_by(hits.c.score.desc(), Member.id)
                .offset(offset)
                .limit(PAGE + 1)
            )
        )
    elif not typed:
        rows = list(
            await context.session.execute(
                finish(select(*columns))
                .order_by(holding[0][0].member_id if holding else Member.id)
                .offset(offset)
                .limit(PAGE + 1)
            )
        )
    asked = " ".join([*(f'"{w}"' for w in typed), *wanted])
    if not rows:
        where = "" if number == 1 else f" on page {number}"
        return Reply.private(f"Nobody you may see matches {asked}{where}.")
    more = len(rows) > PAGE
    rows = rows[:PAGE]
    chapters = dict(
        (
            await context.session.execute(
                select(Chapter.id, Chapter.name).where(
                    Chapter.id.in_({r.chapter_id for r in rows if r.chapter_id})
                )
            )
        ).all()
    )
    lines = []
    for row in rows:
        about = ", ".join(
            dict.fromkeys(
                p for p in (row.title, row.company, row.city, chapters.get(row.chapter_id)) if p
            )
        )
        lines.append(f"• {mention(row.id)}" + (f" — {about}" if about else ""))
    first = (number - 1) * PAGE + 1
    shown = f"{first}–{first + len(rows) - 1}"
    blocks: list[Block] = [Header(f"Members matching {asked}"), Section("\n".join(lines))]
    if more:
        again = " ".join(["/member find", *text, *_flags(skill, interest, chapter)])
        blocks.append(Note(f"Showing {shown}. More: {again} --page {number + 1}"))
    else:
        blocks.append(Note(f"Showing {shown}; that is all. See one with /member profile @member."))
    return Reply.private(
        f"Members matching {asked} ({shown}): " + "; ".join(mention(r.id) for r in rows),
        *blocks,
    )


def _flags(skill: str | None, interest: str | None, chapter: str | None) -> list[str]:
    flags = []
    for flag, value in (("--skill", skill), ("--interest", interest), ("--chapter", chapter)):
        if value is not None:
            flags.append(f'{flag} "{value}"' if " " in value else f"{flag} {value}")
    return flags
