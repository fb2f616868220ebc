"""Console tab completion, generated from the registry and the database."""

from __future__ import annotations

import pytest

from adapters.console.complete import RegistryCompleter
from tests.support import TestBot


async def offered(bot: TestBot, before: str) -> list[str]:
    return [c.text for c in await RegistryCompleter(bot.app).complete(before)]


@pytest.mark.parametrize(
    ("before", "expected"),
    [
        ("/ch", ["/chapter", "/channel"]),
        ("/chapter st", ["status"]),
        ("/chapter meeting Boston w", ["working"]),
        ("/member nudges ", ["on", "off"]),
        ("/chapter create Oslo --r", ["--region"]),
        ("/role grant @bob ", ["moderator", "hq"]),
        ('/chapter meeting "Boston', []),
    ],
)
async def test_static_completions(demo: TestBot, before: str, expected: list[str]) -> None:
    assert await offered(demo, before) == expected


async def test_chapter_names_come_from_the_database(demo: TestBot) -> None:
    assert await offered(demo, "/chapter info s") == [
        '"San Francisco"',
        "Boston",
        '"Washington DC"',
    ]
    assert await offered(demo, "/chapter status bos") == ["Boston"]
    # Options and their values are skipped when counting positionals.
    assert await offered(demo, "/member join ") == [
        "Boston", "Chicago", "London", '"New York"', '"San Francisco"', '"Washington DC"',
    ]  # fmt: skip
    await demo.ok('/chapter create "Bordeaux" --region Europe --tz Europe/Paris')
    assert await offered(demo, "/chapter info bo") == ["Bordeaux", "Boston"]


async def test_console_words_are_offered_at_the_start(demo: TestBot) -> None:
    assert await offered(demo, "/a") == ["/announce", "/audit", "/as"]
