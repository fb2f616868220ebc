"""Calendar feeds served over HTTP, read back with `icalendar` and a second parser (vobject).

On the demo society (see test_events.py): grace is a Boston member, bob its president.
"""

from __future__ import annotations

import re
from collections.abc import AsyncIterator

import aiohttp
import pytest
import vobject  # type: ignore[import-untyped]
from aiohttp import web
from icalendar import Calendar

from chapterhouse.calendar_http import add_calendar_routes
from tests.commands.test_events import PICNIC, new_event
from tests.support import TestBot, free_port


@pytest.fixture
async def served(demo: TestBot) -> AsyncIterator[tuple[TestBot, str]]:
    app = web.Application()
    add_calendar_routes(app, demo.app)
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    port = free_port()
    await web.TCPSite(runner, "127.0.0.1", port).start()
    try:
        yield demo, f"http://127.0.0.1:{port}"
    finally:
        await runner.cleanup()


async def fetch(url: str) -> tuple[int, str]:
    async with aiohttp.ClientSession() as http, http.get(url) as response:
        return response.status, await response.text()


async def links(demo: TestBot, who: str, *flags: str) -> tuple[str, str]:
    reply = await demo.ok(" ".join(["/event calendar", *flags]), as_=who)
    found = re.findall(r"/calendar/([a-z2-7]+)\.ics", reply)
    assert len(found) == 2, reply
    return found[0], found[1]


def _text(value: object) -> str:
    return value.decode() if isinstance(value, bytes) else str(value)


def events_of(body: str) -> dict[str, dict[str, str]]:
    cal = Calendar.from_ical(body)
    return {
        str(e["summary"]): {
            "uid": str(e["uid"]),
            "sequence": str(e.get("sequence")),
            "status": str(e.get("status")),
            "rrule": _text(e["rrule"].to_ical()) if "rrule" in e else "",
            "start": e.decoded("dtstart").isoformat(),
        }
        for e in cal.walk("VEVENT")
    }


async def test_chapter_and_personal_feeds_follow_changes(served: tuple[TestBot, str]) -> None:
    demo, base = served
    picnic = await new_event(demo, PICNIC)
    talk = await new_event(
        demo,
        '/event create Boston working 2026-07-07T18:00 "Study night" --repeat weekly --count 4',
    )
    chapter, personal = await links(demo, "grace")
    status, body = await fetch(f"{base}/calendar/{chapter}.ics")
    assert status == 200
    first = events_of(body)
    assert set(first) == {"Summer picnic", "Study night"}  # a series is one entry
    assert first["Study night"]["rrule"] == "FREQ=WEEKLY;COUNT=4"
    assert first["Summer picnic"]["start"] == "2026-07-02T18:30:00-04:00"
    assert "BEGIN:VTIMEZONE" in body and "TZID:America/New_York" in body
    # A second, independent parser reads the same feed.
    parsed = vobject.readOne(body)
    assert sorted(str(e.summary.value) for e in parsed.vevent_list) == [
        "Study night",
        "Summer picnic",
    ]
    # The personal feed holds only what grace is going to.
    assert (await demo.send(f"/event rsvp {picnic} going", as_="grace")).ok
    status, mine = await fetch(f"{base}/calendar/{personal}.ics")
    assert status == 200 and set(events_of(mine)) == {"Summer picnic"}
    # An edit bumps SEQUENCE under the same UID; a cancel keeps the entry, cancelled.
    assert (await demo.send(f"/event edit {picnic} --when 2026-07-02T19:00", as_="bob")).ok
    edited = events_of((await fetch(f"{base}/calendar/{chapter}.ics"))[1])["Summer picnic"]
    assert edited["uid"] == first["Summer picnic"]["uid"] and edited["sequence"] == "1"
    assert edited["start"] == "2026-07-02T19:00:00-04:00"
    assert (await demo.send(f"/event cancel {picnic}", as_="bob")).ok
    gone = events_of((await fetch(f"{base}/calendar/{chapter}.ics"))[1])["Summer picnic"]
    assert gone["status"] == "CANCELLED" and gone["sequence"] == "2"
    # A cancelled date of a series becomes an EXDATE of its one entry.
    assert (await demo.send(f"/event cancel {talk + 1}", as_="bob")).ok
    body = (await fetch(f"{base}/calendar/{chapter}.ics"))[1]
    assert "EXDATE;TZID=America/New_York:20260714T180000" in body


async def test_links_are_secret_and_a_reset_retires_them(served: tuple[TestBot, str]) -> None:
    demo, base = served
    chapter, personal = await links(demo, "grace")
    assert await links(demo, "grace") == (chapter, personal)  # shown again, unchanged
    assert (await links(demo, "frank"))[0] != chapter
    new_chapter, new_personal = await links(demo, "grace", "--reset")
    assert {new_chapter, new_personal}.isdisjoint({chapter, personal})
    for token in (chapter, personal, "a" * 32, "../../etc/passwd"):
        status, body = await fetch(f"{base}/calendar/{token}.ics")
        assert (status, body) == (404, "404: Not Found")  # as for any unknown path
    assert (await fetch(f"{base}/calendar/{new_chapter}.ics"))[0] == 200
