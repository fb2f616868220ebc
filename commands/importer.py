"""Importing members from a CSV, de-duplicated by email and by platform id.

Each row is created, updated, skipped (nothing new) or rejected with its reason;
a rejected row writes nothing and does not stop the others. `dry_run` reports
exactly what would happen and rolls everything back.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.errors import BadArgument
from bot.parser import closest
from commands.lookup import name_key
from commands.profiles.fields import clean_line, clean_zone
from commands.profiles.tags import member_tags, resolve_tags, set_member_tags, split_tags
from storage.models import Chapter, Identity, Member, MemberProfile, ProfileVisibility
from storage.terms import reindex

COLUMNS = {
    "name": "name",
    "full name": "name",
    "email": "email",
    "e-mail": "email",
    "chapter": "chapter",
    "slack id": "slack",
    "slack_id": "slack",
    "slack": "slack",
    "discord id": "discord",
    "discord_id": "discord",
    "discord": "discord",
    "title": "title",
    "company": "company",
    "city": "city",
    "timezone": "timezone",
    "time zone": "timezone",
    "skills": "skills",
    "interests": "interests",
}
PROFILE_COLUMNS = ("title", "company", "city", "timezone", "skills", "interests")
EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
PLATFORM_IDS = {"slack": re.compile(r"^[UW][A-Z0-9]{2,20}$"), "discord": re.compile(r"^\d{15,21}$")}
MAX_NAME = 120
MAX_EMAIL = 254


@dataclass
class ImportReport:
    created: int = 0
    updated: int = 0
    skipped: int = 0
    rejected: int = 0
    notes: list[str] = field(default_factory=list)

    def summary(self) -> str:
        return (
            f"created {self.created}, updated {self.updated}, "
            f"skipped {self.skipped}, rejected {self.rejected}"
        )


class RowError(Exception):
    pass


def read_rows(text: str) -> tuple[list[dict[str, str]], list[str]]:
    """Rows keyed by canonical column; raises ValueError when the header is unusable.

    Blank lines are kept (as rows with every value empty, which the import passes
    over) so that "row N" in the report is row N of the spreadsheet.
    """
    records = csv.reader(io.StringIO(text.lstrip("\ufeff")))
    header = next((r for r in records if any(cell.strip() for cell in r)), None)
    if header is None:
        raise ValueError(
            "the file is empty; expected a header: name,email,chapter,slack id,discord id"
        )
    columns: list[str | None] = []
    unknown: list[str] = []
    for raw in header:
        key = COLUMNS.get(" ".join(raw.split()).lower())
        columns.append(key)
        if key is None and raw.strip():
            unknown.append(raw)
    if "name" not in columns:
        raise ValueError(
            "the header has no 'name' column; expected name,email,chapter,slack id,discord id"
        )
    rows: list[dict[str, str]] = []
    for record in records:
        row = {key: "" for key in columns if key is not None}
        for key, value in zip(columns, record, strict=False):
            if key is not None and value.strip():
                row[key] = value.strip()
        rows.append(row)
    return rows, unknown


async def import_members(
    session: AsyncSession, rows: Iterable[dict[str, str]], now: datetime
) -> ImportReport:
    report = ImportReport()
    chapters = {c.name_key: c for c in await session.scalars(select(Chapter))}
    for number, row in enumerate(rows, start=2):  # row 1 is the header
        if not any(row.values()):
            continue  # a blank line, or a spreadsheet's empty trailing row
        try:
            outcome = await _import_row(session, row, chapters, now)
        except RowError as error:
            report.rejected += 1
            report.notes.append(f"row {number}: rejected: {error}")
            continue
        if outcome == "created":
            report.created += 1
        elif outcome == "updated":
            report.updated += 1
        else:
            report.skipped += 1
            report.notes.append(f"row {number}: skipped: {outcome}")
    return report


async def _import_row(
    session: AsyncSession, row: dict[str, str], chapters: dict[str, Chapter], now: datetime
) -> str:
    name = " ".join(row.get("name", "").split())
    if not name:
        raise RowError("name is empty")
    if len(name) > MAX_NAME:
        raise RowError(f"name is longer than {MAX_NAME} characters")
    email = row.get("email", "").lower() or None
    if email is not None and not EMAIL.match(email):
        raise RowError(f"email {email!r} is not an address like name@example.org")
    if email is not None and len(email) > MAX_EMAIL:
        raise RowError(f"email is longer than {MAX_EMAIL} characters")
    chapter: Chapter | None = None
    if row.get("chapter"):
        chapter = chapters.get(name_key(row["chapter"]))
        if chapter is None:
            hint = closest(name_key(row["chapter"]), list(chapters))
            raise RowError(
                f"unknown chapter {row['chapter']!r}"
                + (f" (did you mean {chapters[hint].name}?)" if hint else "")
            )
    handles: dict[str, str] = {}
    for platform, pattern in PLATFORM_IDS.items():
        value = row.get(platform, "")
        if value:
            if platform == "slack":
                value = value.upper()
            if not pattern.match(value):
                raise RowError(f"{platform} id {value!r} is malformed")
            handles[platform] = value

    profile = _profile_fields(row)

    matches: dict[int, Member] = {}
    if email:
        by_email = await session.scalar(select(Member).where(Member.email == email))
        if by_email is not None:
            matches[by_email.id] = by_email
    existing_ids: dict[str, Identity] = {}
    for platform, value in handles.items():
        identity = await session.scalar(
            select(Identity).where(Identity.platform == platform, Identity.external_id == value)
        )
        if identity is not None:
            existing_ids[platform] = identity
            owner = await session.get(Member, identity.member_id)
            assert owner is not None
            matches[owner.id] = owner
    if len(matches) > 1:
        raise RowError("its email and platform ids belong to different existing members")

    if not matches:
        member = Member(
            name=name, email=email, chapter_id=chapter.id if chapter else None, joined_at=now
        )
        session.add(member)
        await session.flush()
        _add_accounts(session, member, handles, now)
        await session.flush()
        await _apply_profile(session, member, profile, now)
        return "created"

    member = next(iter(matches.values()))
    accounts = {
        i.platform: i
        for i in await session.scalars(select(Identity).where(Identity.member_id == member.id))
    }
    # Decide everything before changing anything: a rejected row writes nothing.
    new_handles: dict[str, str] = {}
    for platform, value in handles.items():
        if platform in existing_ids:
            continue
        if platform in accounts:
            raise RowError(f"the member already has a different {platform} id")
        new_handles[platform] = value
    if email and member.email is not None and member.email != email:
        raise RowError("the member matched by platform id has a different email")

    changes = bool(new_handles)
    _add_accounts(session, member, new_handles, now, name)
    if email and member.email is None:
        member.email = email
        changes = True
    if chapter is not None and member.chapter_id != chapter.id:
        member.chapter_id = chapter.id
        changes = True
    await session.flush()
    if await _apply_profile(session, member, profile, now):
        changes = True
    return "updated" if changes else "already up to date"


def _add_accounts(
    session: AsyncSession,
    member: Member,
    handles: dict[str, str],
    now: datetime,
    shown_as: str | None = None,
) -> None:
    for platform, external_id in handles.items():
        session.add(
            Identity(
                member_id=member.id,
                platform=platform,
                external_id=external_id,
                display_name=shown_as or member.name,
                created_at=now,
            )
        )


def _profile_fields(row: dict[str, str]) -> dict[str, str | list[str] | None]:
    """The profile columns of a row, checked as `/member edit` checks them."""
    fields: dict[str, str | list[str] | None] = {}
    try:
        for column in ("title", "company", "city"):
            if row.get(column):
                fields[column] = clean_line(row[column], column)
        if row.get("timezone"):
            fields["timezone"] = clean_zone(row["timezone"])
        for column in ("skills", "interests"):
            if row.get(column):
                fields[column] = split_tags(row[column], column)
    except BadArgument as error:
        raise RowError(str(error).rstrip(".")) from error
    return fields


async def _apply_profile(
    session: AsyncSession,
    member: Member,
    fields: dict[str, str | list[str] | None],
    now: datetime,
) -> bool:
    """Write the row's profile columns; whether anything changed. Empty cells change nothing."""
    if not fields:
        return False
    profile = await session.get(MemberProfile, member.id)
    if profile is None:
        profile = MemberProfile(
            member_id=member.id, visibility=ProfileVisibility.CHAPTER, edited=[], updated_at=now
        )
        session.add(profile)
    changed = False
    for column in ("title", "company", "city"):
        if column in fields and getattr(profile, column) != fields[column]:
            setattr(profile, column, fields[column])
            changed = True
    if "timezone" in fields and member.timezone != fields["timezone"]:
        member.timezone = str(fields["timezone"])
        changed = True
    for column, kind in (("skills", "skill"), ("interests", "interest")):
        typed = fields.get(column)
        if isinstance(typed, list):
            tags = await resolve_tags(session, typed)
            before = (await member_tags(session, member.id))[kind]
            await set_member_tags(session, member.id, kind, tags)
            changed = changed or sorted(before) != sorted(t.label for t in tags)
    if changed:
        profile.updated_at = now
        await reindex(session, member, profile)
    return changed
