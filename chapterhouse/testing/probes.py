"""What a watcher of a served bot sees from outside: `/healthz` and `/metrics`.

The supervision tests and the restart bench both wait on the same signals an
operator's monitor would, so they share these probes rather than each parsing the
endpoints its own way.
"""

from __future__ import annotations

import asyncio
import re
from typing import Any

import aiohttp

CLOSE_NOT_RETRIED = 4013
"""Discord's "invalid intents": a close code discord.py gives up on, ending its task."""


async def health(http: aiohttp.ClientSession, base: str) -> tuple[int, dict[str, Any]]:
    """`/healthz`'s status and body; 0 and an empty body while nothing listens."""
    try:
        async with http.get(base + "/healthz") as response:
            return response.status, await response.json()
    except aiohttp.ClientConnectionError:
        return 0, {}


async def until_health(
    http: aiohttp.ClientSession, base: str, status: int, *, every: float = 0.02, limit: float = 60
) -> dict[str, Any]:
    """Poll `/healthz` until it answers `status`; its body then."""
    async with asyncio.timeout(limit):
        while True:
            code, body = await health(http, base)
            if code == status:
                return body
            await asyncio.sleep(every)


async def restarts(http: aiohttp.ClientSession, base: str, platform: str = "discord") -> float:
    """How many times the platform's client was restarted, from `/metrics`."""
    async with http.get(base + "/metrics") as response:
        text = await response.text()
    found = re.search(
        rf'^chapterhouse_platform_restarts_total\{{kind="client",platform="{platform}"\}} (\S+)$',
        text,
        re.MULTILINE,
    )
    return float(found[1]) if found else 0.0
