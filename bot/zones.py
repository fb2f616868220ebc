"""Time zones as people type them: `Europe/Berlin`, or `Tokyo`, which means `Asia/Tokyo`."""

from __future__ import annotations

import difflib
from functools import cache
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError, available_timezones

from bot.errors import BadArgument


@cache
def _by_city() -> dict[str, list[str]]:
    """Each zone's last part (`tokyo`, `new_york`) to the zones that end with it."""
    cities: dict[str, list[str]] = {}
    for key in sorted(available_timezones()):
        if "/" in key and not key.startswith(("Etc/", "SystemV/", "US/")):
            cities.setdefault(key.rsplit("/", 1)[1].lower(), []).append(key)
    return cities


def suggest_zone(text: str) -> str | None:
    """The IANA name someone most likely meant by `text`, if any is close."""
    typed = "_".join(text.strip().split()).lower()
    if not typed:
        return None
    cities = _by_city()
    if typed in cities:
        return cities[typed][0]
    keys = {key.lower(): key for key in available_timezones()}
    close = difflib.get_close_matches(typed, [*cities, *keys], n=1, cutoff=0.75)
    if not close:
        return None
    return cities[close[0]][0] if close[0] in cities else keys[close[0]]


def zone(text: str, label: str = "--tz") -> ZoneInfo:
    """The zone named by `text`, or a one-line error that names the one meant."""
    name = text.strip()
    try:
        if (name and "/" in name) or name.upper() == "UTC":
            return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        pass
    suggestion = suggest_zone(name)
    hint = (
        f"did you mean {suggestion}?" if suggestion else "use an IANA name like America/New_York."
    )
    raise BadArgument(f"{label} {name[:40]!r} is not a time zone; {hint}")
