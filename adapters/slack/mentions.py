"""Naming a mentioned newcomer from Slack before the core creates them.

Slack usually sends a mention as `<@U123|name>`, but a mention typed as a raw id,
pasted from elsewhere or picked in a form's user select arrives as `<@U123>`. The
core creates a member for an account it has never seen, and with no name it could
only call them `U123` until the profile fill ran. So, for accounts Chapterhouse
does not know yet, the adapter asks `users.info` once, at that moment, and writes
the name into the mention. A lookup that fails leaves the mention as it came: the
command still runs, and the profile fill names the member later.
"""

from __future__ import annotations

import asyncio
import re
from collections.abc import Mapping

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.profilefill import ProfileSource, ProfileUnavailable
from storage.models import Identity

PLATFORM = "slack"
UNNAMED = re.compile(r"<@([UW][A-Z0-9]{2,20})>")
MAX_LOOKUPS = 10
"""More unnamed newcomers than this in one command keep their ids until the fill."""
COMMAND_BUDGET = 3.0
"""Seconds for all lookups of a slash command (already acknowledged: only patience)."""
VIEW_BUDGET = 1.0
"""Seconds for a modal's lookups: Slack wants the submission acknowledged within 3."""


async def name_mentions(
    texts: Mapping[str, str | tuple[str, ...]],
    sessions: async_sessionmaker[AsyncSession],
    profiles: ProfileSource,
    budget: float = COMMAND_BUDGET,
) -> dict[str, str | tuple[str, ...]]:
    """`texts` with each unknown account's bare `<@U…>` written as `<@U…|Real Name>`."""
    found: list[str] = []
    for value in texts.values():
        for text in (value,) if isinstance(value, str) else value:
            found += [m for m in UNNAMED.findall(text) if m not in found]
    if not found:
        return dict(texts)
    async with sessions() as session:
        known = set(
            await session.scalars(
                select(Identity.external_id).where(
                    Identity.platform == PLATFORM, Identity.external_id.in_(found)
                )
            )
        )
    names: dict[str, str] = {}

    async def look_up(user_id: str) -> None:
        try:
            profile = await profiles.lookup(user_id)
        except ProfileUnavailable:
            return
        name = re.sub(r"[<>|\n]", "", profile.name or "").strip()[:120]
        if name:
            names[user_id] = name

    newcomers = [u for u in found if u not in known][:MAX_LOOKUPS]
    try:
        async with asyncio.timeout(budget):
            await asyncio.gather(*(look_up(u) for u in newcomers))
    except TimeoutError:
        pass  # whoever was named in time is named; the rest wait for the fill

    def named(text: str) -> str:
        return UNNAMED.sub(lambda m: f"<@{m[1]}|{names[m[1]]}>" if m[1] in names else m[0], text)

    return {
        key: named(value) if isinstance(value, str) else tuple(named(v) for v in value)
        for key, value in texts.items()
    }
