"""Importing members from a CSV: `chapterhouse members import FILE.csv [--dry-run]`.

Rows are de-duplicated by email and by platform id, within the file and against the
members already stored; every row is reported as created, updated, skipped or
rejected with its reason, and a rejected row writes nothing.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import select
from sqlalchemy.orm import selectinload
from typer.testing import CliRunner

from chapterhouse.cli import cli
from commands.demo import MEMBERS as DEMO_MEMBERS
from commands.importer import ImportReport, import_members, read_rows
from storage.models import Member
from tests.support import Cli, TemplateDatabases, TestBot, count_rows, demo_database

HEADER = "name,email,chapter,slack id,discord id\n"
ADA_DISCORD = "112233445566778899"
GRACE_DISCORD = "998877665544332211"
CHARLES_DISCORD = "554433221100998877"
DEMO_NAMES = {full_name for _, full_name, *_ in DEMO_MEMBERS}


async def import_csv(bot: TestBot, text: str) -> ImportReport:
    """Read and import a file's text in one transaction, committed as the CLI does."""
    rows, _ = read_rows(text)
    async with bot.uow() as uow:
        report = await import_members(uow.session, rows, uow.now)
        await uow.commit()
    return report


def counts(report: ImportReport) -> tuple[int, int, int, int]:
    return report.created, report.updated, report.skipped, report.rejected


async def people(bot: TestBot) -> dict[str, dict[str, str | None]]:
    """Each member by name: email, chapter and platform ids (console handles left out)."""
    async with bot.uow() as uow:
        members = await uow.session.scalars(
            select(Member).options(selectinload(Member.identities), selectinload(Member.chapter))
        )
        return {
            m.name: {
                "email": m.email,
                "chapter": m.chapter.name if m.chapter else None,
                **{i.platform: i.external_id for i in m.identities if i.platform != "console"},
            }
            for m in members
        }


# Reading the file


def test_header_variants_are_recognised_and_unknown_columns_reported() -> None:
    rows, unknown = read_rows(
        "Full Name, E-mail ,CHAPTER,Slack_ID,Discord,Notes\n"
        f"  Ada Lovelace , ada@example.org,Boston,U0ADA,{ADA_DISCORD},analyst\n"
    )
    assert rows == [
        {
            "name": "Ada Lovelace",
            "email": "ada@example.org",
            "chapter": "Boston",
            "slack": "U0ADA",
            "discord": ADA_DISCORD,
        }
    ]
    assert unknown == ["Notes"]
    rows, unknown = read_rows("Name,Email,Slack ID,Discord ID\nAda,,,\n")
    assert rows == [{"name": "Ada", "email": "", "slack": "", "discord": ""}]
    assert unknown == []


def test_a_bom_from_excel_is_not_part_of_the_first_column() -> None:
    excel = "name,email\r\nAda Lovelace,ada@example.org\r\n".encode("utf-8-sig")
    rows, unknown = read_rows(excel.decode("utf-8"))
    assert rows == [{"name": "Ada Lovelace", "email": "ada@example.org"}]
    assert unknown == []


@pytest.mark.parametrize(
    ("text", "complaint"),
    [
        (
            "full_name,email\nAda,ada@example.org\n",
            "the header has no 'name' column; expected name,email,chapter,slack id,discord id",
        ),
        ("", "the file is empty; expected a header: name,email,chapter,slack id,discord id"),
        ("\n\n", "the file is empty; expected a header: name,email,chapter,slack id,discord id"),
    ],
)
def test_an_unusable_header_is_one_line(text: str, complaint: str) -> None:
    with pytest.raises(ValueError) as error:
        read_rows(text)
    assert str(error.value) == complaint


async def test_blank_rows_are_passed_over_and_row_numbers_match_the_spreadsheet(
    demo: TestBot,
) -> None:
    report = await import_csv(
        demo,
        HEADER
        + "Ada Lovelace,ada@example.org,Boston,,\n"
        + "\n"  # a blank line: row 3 of the spreadsheet
        + ",bad-email,,,\n"  # row 4
        + ",,,,\n"  # what Excel writes for empty rows at the end
        + ",,,,\n",
    )
    assert counts(report) == (1, 0, 0, 1)
    assert report.notes == ["row 4: rejected: name is empty"]


# Creating, updating, skipping


async def test_new_members_are_created_with_chapter_email_and_accounts(demo: TestBot) -> None:
    report = await import_csv(
        demo,
        HEADER
        + f"Ada  Lovelace,Ada@Example.ORG,boston,u0ada,{ADA_DISCORD}\n"
        + "Grace Hopper,,,,\n",
    )
    assert counts(report) == (2, 0, 0, 0)
    assert report.notes == []
    everyone = await people(demo)
    assert everyone["Ada Lovelace"] == {
        "email": "ada@example.org",
        "chapter": "Boston",
        "slack": "U0ADA",
        "discord": ADA_DISCORD,
    }
    assert everyone["Grace Hopper"] == {"email": None, "chapter": None}
    assert len(everyone) == 7 + 2
    # An imported member is a member like any other: Boston counts her.
    assert "Boston (North America) · 3 members" in await demo.ok("/chapter list")


async def test_importing_the_same_file_twice_changes_nothing(demo: TestBot) -> None:
    text = (
        HEADER
        + f"Ada Lovelace,ada@example.org,Boston,U0ADA,{ADA_DISCORD}\n"
        + "Grace Hopper,grace@example.org,London,,\n"
    )
    assert counts(await import_csv(demo, text)) == (2, 0, 0, 0)
    before = await demo.snapshot()
    again = await import_csv(demo, text)
    assert counts(again) == (0, 0, 2, 0)
    assert again.notes == [
        "row 2: skipped: already up to date",
        "row 3: skipped: already up to date",
    ]
    assert await demo.snapshot() == before


async def test_rows_for_one_person_within_a_file_make_one_member(bot: TestBot) -> None:
    report = await import_csv(
        bot,
        HEADER
        + "Ada Lovelace,ada@example.org,,,\n"
        + "A. Lovelace,ADA@example.org,,U0ADA,\n"  # same email: adds her Slack id
        + f"Ada,,,u0ada,{ADA_DISCORD}\n"  # same Slack id: adds her Discord id
        + f"Countess Lovelace,,,,{ADA_DISCORD}\n",  # same Discord id: nothing new
    )
    assert counts(report) == (1, 2, 1, 0)
    assert report.notes == ["row 5: skipped: already up to date"]
    assert await people(bot) == {
        "Ada Lovelace": {
            "email": "ada@example.org",
            "chapter": None,
            "slack": "U0ADA",
            "discord": ADA_DISCORD,
        }
    }


async def test_existing_members_are_found_by_email_or_platform_id(demo: TestBot) -> None:
    await import_csv(
        demo,
        HEADER + "Ada Lovelace,,Boston,U0ADA,\n" + "Grace Hopper,grace@example.org,,,\n",
    )
    report = await import_csv(
        demo,
        HEADER
        + "Ada Lovelace,ada@example.org,London,U0ADA,\n"  # by Slack id: email set, moved
        + f"Grace Hopper,GRACE@example.org,Chicago,,{GRACE_DISCORD}\n",  # by email
    )
    assert counts(report) == (0, 2, 0, 0)
    everyone = await people(demo)
    assert everyone["Ada Lovelace"] == {
        "email": "ada@example.org",
        "chapter": "London",
        "slack": "U0ADA",
    }
    assert everyone["Grace Hopper"] == {
        "email": "grace@example.org",
        "chapter": "Chicago",
        "discord": GRACE_DISCORD,
    }
    assert len(everyone) == 7 + 2


# Rejecting


async def test_bad_rows_are_rejected_with_reasons_and_good_rows_still_imported(
    demo: TestBot,
) -> None:
    report = await import_csv(
        demo,
        HEADER
        + "Ada Lovelace,ada@example.org,Boston,U0ADA,\n"
        + "   ,nobody@example.org,Boston,,\n"
        + "No Email,not-an-email,Boston,,\n"
        + "Misspelt,,Bostn,,\n"
        + "Far Away,,Atlantis,,\n"
        + "Bad Slack,,,X0BAD,\n"
        + "Bad Discord,,,,12ab\n"
        + f"Long Name,,,,{'1' * 40}\n"
        + f"{'N' * 121},,,,\n"
        + f"Long Email,{'e' * 250}@example.org,,,\n"
        + f"Grace Hopper,grace@example.org,London,,{GRACE_DISCORD}\n",
    )
    assert report.notes == [
        "row 3: rejected: name is empty",
        "row 4: rejected: email 'not-an-email' is not an address like name@example.org",
        "row 5: rejected: unknown chapter 'Bostn' (did you mean Boston?)",
        "row 6: rejected: unknown chapter 'Atlantis'",
        "row 7: rejected: slack id 'X0BAD' is malformed",
        "row 8: rejected: discord id '12ab' is malformed",
        f"row 9: rejected: discord id '{'1' * 40}' is malformed",
        "row 10: rejected: name is longer than 120 characters",
        "row 11: rejected: email is longer than 254 characters",
    ]
    assert counts(report) == (2, 0, 0, 9)
    assert sorted(set(await people(demo)) - DEMO_NAMES) == [
        "Ada Lovelace",
        "Grace Hopper",
    ]


async def test_rows_that_contradict_stored_members_are_rejected_and_write_nothing(
    bot: TestBot,
) -> None:
    await import_csv(
        bot,
        HEADER
        + "Ada Lovelace,ada@example.org,,U0ADA,\n"
        + f"Grace Hopper,grace@example.org,,U0GRACE,{GRACE_DISCORD}\n"
        + f"Charles Babbage,charles@example.org,,,{CHARLES_DISCORD}\n",
    )
    before = await bot.snapshot()
    report = await import_csv(
        bot,
        HEADER
        # Ada's email with Grace's Slack id: which member would this be?
        + "Ada Lovelace,ada@example.org,,U0GRACE,\n"
        # Ada's email, but a Slack id she does not have.
        + "Ada Lovelace,ada@example.org,,U0OTHER,\n"
        # Grace found by her Discord id, but with another Slack id.
        + f"Grace Hopper,,,U0GRACE2,{GRACE_DISCORD}\n"
        # Charles's first Slack id would be fine; his Discord id is not.
        + f"Charles Babbage,charles@example.org,,U0CB,{ADA_DISCORD}\n"
        # Ada's Slack id with another email; the new Discord id must not be kept either.
        + f"Ada Lovelace,ada@elsewhere.org,,U0ADA,{ADA_DISCORD}\n",
    )
    assert report.notes == [
        "row 2: rejected: its email and platform ids belong to different existing members",
        "row 3: rejected: the member already has a different slack id",
        "row 4: rejected: the member already has a different slack id",
        "row 5: rejected: the member already has a different discord id",
        "row 6: rejected: the member matched by platform id has a different email",
    ]
    assert counts(report) == (0, 0, 0, 5)
    assert await bot.snapshot() == before


async def test_a_rejected_row_can_be_fixed_and_imported_again(bot: TestBot) -> None:
    await import_csv(bot, HEADER + "Charles Babbage,charles@example.org,,,\n")
    # Charles has no Slack id yet; a Discord id that is malformed rejects the whole row,
    # including the valid Slack id before it.
    report = await import_csv(bot, HEADER + "Charles Babbage,charles@example.org,,U0CB,99\n")
    assert report.notes == ["row 2: rejected: discord id '99' is malformed"]
    assert (await people(bot))["Charles Babbage"] == {
        "email": "charles@example.org",
        "chapter": None,
    }
    fixed = await import_csv(bot, HEADER + "Charles Babbage,charles@example.org,,U0CB,\n")
    assert counts(fixed) == (0, 1, 0, 0)
    assert (await people(bot))["Charles Babbage"]["slack"] == "U0CB"


# The command line, end to end


async def test_cli_dry_run_writes_nothing_then_the_real_import_does(
    tmp_path: Path, templates: TemplateDatabases
) -> None:
    database = await demo_database(templates, "cli-import")
    program = Cli(tmp_path, f"sqlite+aiosqlite:///{database}")
    members = tmp_path / "members.csv"
    # What Excel's "CSV UTF-8" writes: a byte order mark and CRLF line ends.
    members.write_text(
        "Name,Email,Chapter,Slack ID,Discord ID,Notes\n"
        "Ada Lovelace,ada@example.org,Boston,U0ADA,,first programmer\n"
        "Bad Email,not-an-email,Boston,,,\n"
        "Charles Babbage,charles@example.org,Londn,,,\n"
        f"Grace Hopper,grace@example.org,London,,{GRACE_DISCORD},\n",
        encoding="utf-8-sig",
        newline="\r\n",
    )
    expected_notes = (
        "ignored columns: Notes\n"
        "row 3: rejected: email 'not-an-email' is not an address like name@example.org\n"
        "row 4: rejected: unknown chapter 'Londn' (did you mean London?)\n"
    )

    def table_sizes() -> tuple[int, int]:
        return count_rows(database, "members"), count_rows(database, "identities")

    assert table_sizes() == (7, 7)
    dry = program.run("members", "import", str(members), "--dry-run")
    assert dry.returncode == 0, dry.stderr
    assert dry.stdout == (
        expected_notes
        + "dry run, nothing written: would have created 2, updated 0, skipped 0, rejected 2\n"
    )
    assert table_sizes() == (7, 7)

    real = program.run("members", "import", str(members))
    assert real.returncode == 0, real.stderr
    assert real.stdout == expected_notes + "created 2, updated 0, skipped 0, rejected 2\n"
    assert table_sizes() == (9, 9)


def test_cli_refuses_a_file_without_a_name_column_in_one_line(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    database = tmp_path / "untouched.db"
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("DATABASE_URL", f"sqlite+aiosqlite:///{database}")
    no_names = tmp_path / "no-names.csv"
    no_names.write_text("email,chapter\nada@example.org,Boston\n", encoding="utf-8")
    result = CliRunner().invoke(cli, ["members", "import", str(no_names)])
    assert result.exit_code == 1
    assert result.output == (
        f"{no_names}: the header has no 'name' column; "
        "expected name,email,chapter,slack id,discord id\n"
    )
    assert not database.exists()
