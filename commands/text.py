"""Small wording helpers shared by replies."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from bot.formatting import percent, plural

__all__ = ["moment", "percent", "plural"]


def moment(at: datetime, tz: ZoneInfo) -> str:
    """A point in time as people read it in chat: `Thu 18 Jun 16:00 UTC`."""
    local = at.astimezone(tz)
    return f"{local:%a %d %b %H:%M} {local.tzname() or tz.key}"
