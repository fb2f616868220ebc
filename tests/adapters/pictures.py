"""A test-only command whose reply carries a binary file, for every adapter's tests.

`/picture public` posts a goal chart in the channel; `/picture private` sends it
to the one who asked. `with_pictures` adds the command to apps bootstrapped while
it is in force, so each platform is driven end to end with its own real parts.
"""

from __future__ import annotations

from datetime import date, timedelta
from functools import cache

import pytest

import chapterhouse.bootstrap
from bot.context import Context
from bot.registry import Registry, Router
from bot.reply import File, Reply
from commands import build_registry
from commands.goals.chart import ChartPanel, render_chart

router = Router("pictures")
NAME = "members.png"


@cache
def chart() -> bytes:
    """A real chart: every byte value a PNG may hold, not text in disguise."""
    start = date(2026, 1, 1)
    points = tuple((start + timedelta(days=d), 1200.0 + 9 * d) for d in range(160))
    return render_chart(
        [ChartPanel("5,000 members", "members", points, (start, 1200), (date(2026, 12, 31), 5000))]
    )


def picture() -> File:
    return File.binary(NAME, chart(), "image/png")


@router.command("picture", "public")
async def public_picture(context: Context) -> Reply:
    """Post a chart in this channel."""
    return Reply.public("The members chart.", picture())


@router.command("picture", "private")
async def private_picture(context: Context) -> Reply:
    """Send a chart to you alone."""
    return Reply.private("Your members chart.", picture())


def with_pictures(monkeypatch: pytest.MonkeyPatch) -> None:
    def registry() -> Registry:
        return build_registry().include(router)

    monkeypatch.setattr(chapterhouse.bootstrap, "build_registry", registry)
