"""Profiles in the member CSV: imported with each bad row reported, and exported for HQ."""

from __future__ import annotations

import csv
import io
from pathlib import Path

from commands.importer import import_members, read_rows
from commands.profiles.export import export_members
from tests.support import Cli, TemplateDatabases, TestBot, demo_database

HEADER = "name,email,chapter,title,company,city,time zone,skills,interests\n"


async def test_profile_columns_are_imported_and_bad_rows_reported(demo: TestBot) -> None:
    text = HEADER + (
        'Ada Lovelace,ada@example.org,London,Analyst,Engines Ltd,London,europe/london,"Maths, '
        'Pythons",poetry\n'
        "Bad Zone,bz@example.org,Boston,,,,Mars/Base,,\n"
        "Too Many,tm@example.org,Boston,,,,," + '"' + ",".join(f"t{i}" for i in range(21)) + '",\n'
        "Long Tag,lt@example.org,Boston,,,,,," + "x" * 41 + "\n"
    )
    rows, unknown = read_rows(text)
    assert unknown == []
    async with demo.uow() as uow:
        report = await import_members(uow.session, rows, uow.now)
        await uow.commit()
    assert (report.created, report.rejected) == (1, 3)
    assert report.notes[0].startswith(
        "row 3: rejected: Unknown time zone 'Mars/Base': give an IANA name like Europe/London"
    )
    assert report.notes[1] == "row 4: rejected: skills takes at most 20 tags; you gave 21"
    assert report.notes[2].startswith("row 5: rejected: A tag is at most 40 characters")
    await demo.ok("/member edit --skills python", as_="grace")  # "Pythons" merged with it
    found = await demo.ok("/member find --skill python", as_="alice")
    assert "Ada Lovelace" in found or "@Ada Lovelace" in found
    assert "Engines Ltd" in await demo.ok("/member find engines", as_="alice")


async def test_export_has_every_member_and_reads_back(demo: TestBot) -> None:
    await demo.ok('/member edit --title "Zookeeper" --skills zoology --visible hidden', as_="grace")
    async with demo.uow() as uow:
        text = await export_members(uow.session)
    table = list(csv.DictReader(io.StringIO(text)))
    grace = next(r for r in table if r["name"] == "Grace Member")
    assert grace["title"] == "Zookeeper" and grace["skills"] == "zoology"
    assert grace["visible"] == "hidden"  # hidden members are in HQ's list, marked
    rows, unknown = read_rows(text)
    assert unknown == ["visible"]
    async with demo.uow() as uow:
        again = await import_members(uow.session, rows, uow.now)
    assert again.rejected == 0


async def test_cli_export(tmp_path: Path, templates: TemplateDatabases) -> None:
    database = await demo_database(templates, "cli-export")
    program = Cli(tmp_path, f"sqlite+aiosqlite:///{database}")
    target = tmp_path / "members.csv"
    done = program.run("members", "export", "--csv", str(target))
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == f"Wrote 7 members to {target}."
    assert target.read_text(encoding="utf-8").startswith("name,email,chapter,slack id")
