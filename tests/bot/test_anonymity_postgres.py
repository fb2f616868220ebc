"""An anonymous poll on PostgreSQL: a copy of the database names no voter."""

from __future__ import annotations

import pytest

from tests.probe_anonymity import run_probe
from tests.support import POSTGRES_URL, TemplateDatabases

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.skipif(not POSTGRES_URL, reason="needs TEST_DATABASE_URL"),
]


async def test_no_voter_of_an_anonymous_poll_can_be_read_from_the_database(
    templates: TemplateDatabases,
) -> None:
    probe = await run_probe(await templates.postgres_url())
    assert probe.voters == 5
    # The xmin join, ballot order (ctid, xmin) against every column that orders the
    # voters, and every column of the ballot table: nobody is recovered.
    assert probe.recovered == set(), probe.channels
