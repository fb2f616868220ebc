"""Fixtures for the Slack adapter's tests; the machinery is in `harness.py`."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from tests.adapters.slack.harness import SlackHarness, start_slack


@pytest.fixture
async def slack(database_url: str) -> AsyncIterator[SlackHarness]:
    """The app served to Slack on the demo society; U0ALICE is HQ by configuration."""
    async for harness in start_slack(database_url, chapterhouse_admins="slack:U0ALICE"):
        await harness.bot.seed_demo()
        yield harness
