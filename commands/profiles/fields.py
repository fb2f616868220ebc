"""A profile's fields: checking what members type, and the words free-text finds match."""

from __future__ import annotations

from functools import cache
from zoneinfo import available_timezones

from rapidfuzz import process
from sqlalchemy.ext.asyncio import AsyncSession

from bot.errors import BadArgument
from storage.models import MemberProfile
from storage.terms import reindex as reindex
from storage.terms import words as words

MAX_BIO = 500
MAX_LINE = 120
"""Name, title, company and city."""
FIELDS = ("name", "title", "company", "city", "timezone", "bio", "skills", "interests", "visible")


@cache
def _zones() -> dict[str, str]:
    return {zone.lower(): zone for zone in available_timezones() if "/" in zone or zone == "UTC"}


def clean_zone(typed: str) -> str:
    """The IANA zone `typed` names (any case), or a one-line error with the closest names."""
    zones = _zones()
    found = zones.get(typed.strip().lower().replace(" ", "_"))
    if found is not None:
        return found
    near = process.extract(typed.strip().lower(), list(zones), limit=3, score_cutoff=50)
    hint = ", ".join(zones[name] for name, _, _ in near)
    suggestion = f" Closest: {hint}." if hint else ""
    raise BadArgument(
        f"Unknown time zone {typed[:40]!r}: give an IANA name like Europe/London.{suggestion}"
    )


CLEAR = "-"
"""Typed as a value, clears the field (the parser refuses empty values)."""


def clean_line(typed: str, flag: str, most: int = MAX_LINE) -> str | None:
    """One line of text; a dash clears the field."""
    text = " ".join(typed.split())
    if text == CLEAR:
        return None
    if len(text) > most:
        raise BadArgument(f"{flag} is at most {most} characters; yours is {len(text)}.")
    return text or None


def clean_bio(typed: str) -> str | None:
    text = typed.strip()
    if text == CLEAR:
        return None
    if len(text) > MAX_BIO:
        raise BadArgument(f"--bio is at most {MAX_BIO} characters; yours is {len(text)}.")
    return text or None


async def profile_of(session: AsyncSession, member_id: int) -> MemberProfile | None:
    return await session.get(MemberProfile, member_id)
