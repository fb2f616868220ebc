"""/member edit and /member tags: what members say about themselves.

A member's own edits are remembered field by field (`MemberProfile.edited`), so a
later fill from their platform never overwrites them.
"""

from __future__ import annotations

from typing import Annotated, Literal

from bot.context import Context
from bot.declarations import Opt
from bot.errors import BadArgument
from bot.registry import Router
from bot.reply import Fields, Header, Note, Reply, Section
from commands.profiles.fields import (
    CLEAR,
    MAX_LINE,
    clean_bio,
    clean_line,
    clean_zone,
    reindex,
)
from commands.profiles.form import profile_form
from commands.profiles.tags import (
    member_tags,
    resolve_tags,
    set_member_tags,
    split_tags,
    tag_counts,
)
from commands.profiles.view import profile_pairs
from storage.models import MemberProfile, ProfileVisibility

router = Router("profiles")

TAGS_SHOWN = 60

Visibility = Literal["society", "chapter", "hidden"]


async def ensure_profile(context: Context) -> MemberProfile:
    """The member's profile row, made on first need."""
    profile = await context.session.get(MemberProfile, context.member.id)
    if profile is None:
        profile = MemberProfile(
            member_id=context.member.id,
            visibility=ProfileVisibility.CHAPTER,
            edited=[],
            updated_at=context.now,
        )
        context.session.add(profile)
    return profile


@router.command(
    "member",
    "edit",
    examples=[
        '/member edit --title "Data engineer" --city Boston --timezone America/New_York',
        '/member edit --skills "python, sql" --interests "open data, mentoring"',
        "/member edit --visible society",
    ],
)
async def member_edit(
    context: Context,
    title: Annotated[str | None, Opt("your job title", metavar="TEXT")] = None,
    city: Annotated[str | None, Opt("where you live", metavar="TEXT")] = None,
    skills: Annotated[str | None, Opt("what you can do, comma-separated", metavar="a,b")] = None,
    interests: Annotated[
        str | None, Opt("what you care about, comma-separated", metavar="a,b")
    ] = None,
    bio: Annotated[str | None, Opt("a few words about you (500 at most)", metavar="TEXT")] = None,
    timezone: Annotated[
        str | None, Opt("your time zone, e.g. Europe/London", metavar="ZONE")
    ] = None,
    company: Annotated[str | None, Opt("where you work", metavar="TEXT")] = None,
    name: Annotated[str | None, Opt("the name others see", metavar="TEXT")] = None,
    visible: Annotated[
        Visibility | None, Opt("who sees your profile (default: your chapter)")
    ] = None,
) -> Reply:
    """Edit your profile: title, city, skills, interests, bio, time zone, company, who sees it.

    Give only what changes; a dash clears a field (--title -). Typed bare, it opens
    your profile as a form, filled in with what it says now. Skills and interests
    are the society's tags: "Python", "pythons" and "pyhton" are one tag.
    """
    given = {
        "name": name,
        "title": title,
        "company": company,
        "city": city,
        "timezone": timezone,
        "bio": bio,
        "skills": skills,
        "interests": interests,
        "visible": visible,
    }
    member = context.member
    if all(value is None for value in given.values()):
        # Typed bare: the form, starting from what is stored, so no field is lost.
        stored = await context.session.get(MemberProfile, member.id)
        pairs = await profile_pairs(context.session, member, stored, own=True)
        return Reply.private(
            "Your profile: edit it in the form, or give what changes as options "
            '(e.g. /member edit --title "Data engineer").',
            Header(member.name),
            Fields(tuple(pairs)),
            Note("A field left empty is cleared; see /help member edit for the options."),
            await profile_form(context.session, member, stored),
        )
    # Check everything before writing anything: a bad value changes nothing.
    clean_name = clean_line(name, "--name") if name is not None else None
    if name is not None and clean_name is None:
        raise BadArgument("--name cannot be empty; give the name others should see.")
    lines = {
        field: clean_line(value, f"--{field}", MAX_LINE)
        for field, value in (("title", title), ("company", company), ("city", city))
        if value is not None
    }
    zone = clean_zone(timezone) if timezone not in (None, CLEAR) else None
    about = clean_bio(bio) if bio is not None else None
    typed_skills = split_tags(skills, "--skills") if skills is not None else None
    typed_interests = split_tags(interests, "--interests") if interests is not None else None

    profile = await ensure_profile(context)
    # Only what differs counts as the member's own edit: a form sent back as it came
    # (or a clear of an empty field) must not stop the platform filling the rest.
    changed: list[str] = []
    if clean_name is not None and clean_name != member.name:
        member.name = clean_name
        changed.append("name")
    for field, value in lines.items():
        if getattr(profile, field) != value:
            setattr(profile, field, value)
            changed.append(field)
    if timezone is not None and member.timezone != zone:
        member.timezone = zone
        changed.append("timezone")
    if bio is not None and profile.bio != about:
        profile.bio = about
        changed.append("bio")
    if visible is not None and profile.visibility != ProfileVisibility(visible):
        profile.visibility = ProfileVisibility(visible)
        changed.append("visible")
    current = await member_tags(context.session, member.id)
    for kind, field, typed in (
        ("skill", "skills", typed_skills),
        ("interest", "interests", typed_interests),
    ):
        if typed is None:
            continue
        tags = await resolve_tags(context.session, typed)
        if sorted(t.label for t in tags) != sorted(current[kind]):
            await set_member_tags(context.session, member.id, kind, tags)
            changed.append(field)
    order = list(given)
    changed.sort(key=order.index)
    if changed:
        profile.edited = sorted(set(profile.edited) | set(changed))
        profile.updated_at = context.now
        await reindex(context.session, member, profile)
    pairs = await profile_pairs(context.session, member, profile, own=True)
    said = f"updated ({', '.join(changed)})" if changed else "unchanged: it already says that"
    return Reply.private(
        f"Your profile is {said}.",
        Header(member.name),
        Fields(tuple(pairs)),
        Note("See it as others do with /member profile; find others with /member find."),
    )


@router.command("member", "tags", examples=["/member tags"])
async def member_tags_list(context: Context) -> Reply:
    """The society's skills and interests, most used first, with how many members have each."""
    counts = await tag_counts(context.session)
    if not counts:
        return Reply.private(
            'No tags yet. Add yours with /member edit --skills "a, b" --interests "c, d".'
        )
    lines = [
        f"• {label}: {_counted(skills, interests)}"
        for label, skills, interests in counts[:TAGS_SHOWN]
    ]
    more = len(counts) - TAGS_SHOWN
    rest = [Note(f"…and {more} more.")] if more > 0 else []
    return Reply.private(
        f"{len(counts)} tags in use: " + ", ".join(label for label, _, _ in counts[:TAGS_SHOWN]),
        Header("Skills and interests"),
        Section("\n".join(lines)),
        *rest,
        Note("Find members by one with /member find --skill TAG or --interest TAG."),
    )


def _counted(skills: int, interests: int) -> str:
    parts = []
    if skills:
        parts.append(f"{skills} as a skill")
    if interests:
        parts.append(f"{interests} as an interest")
    return ", ".join(parts)
