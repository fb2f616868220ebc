"""Small wording helpers shared by replies."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo


def plural(count: int, noun: str, plural_form: str | None = None) -> str:
    return f"{count} {noun if count == 1 else (plural_form or noun + 's')}"


def moment(at: datetime, tz: ZoneInfo) -> str:
    """A point in time as people read it in chat: `Thu 18 Jun 16:00 UTC`."""
    local = at.astimezone(tz)
    return f"{local:%a %d %b %H:%M} {local.tzname() or tz.key}"


def percent(part: int, whole: int) -> str:
    return f"{round(100 * part / whole)}%" if whole else "0%"
