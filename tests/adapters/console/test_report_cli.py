"""`chapterhouse report --month YYYY-MM [--markdown]`: the society's report from the shell."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.support import Cli, TemplateDatabases, demo_database


@pytest.fixture
async def demo_cli(
    tmp_path: Path, templates: TemplateDatabases, request: pytest.FixtureRequest
) -> Cli:
    database = await demo_database(templates, f"report-{request.node.name}")
    return Cli(tmp_path, f"sqlite+aiosqlite:///{database}")


def test_the_report_prints_hqs_update_and_each_groups_line(demo_cli: Cli) -> None:
    for who, command in (
        ("bob", '/update post Boston --period 2026-05 --got "Two meetings, 31 attended"'),
        ("grace", '/update skip Mentoring --reason "Summer break"'),
        ("alice", '/update post society --period 2026-05 --got "Three chapters active"'),
    ):
        ran = demo_cli.run("exec", "--as", who, command)
        assert ran.returncode == 0, ran.stderr
    printed = demo_cli.run("report", "--month", "2026-05")
    assert printed.returncode == 0, printed.stderr
    assert "The society's report for May 2026" in printed.stdout
    assert "Three chapters active" in printed.stdout
    assert "• Boston: Two meetings, 31 attended" in printed.stdout
    assert "Posted by HQ" in printed.stdout
    marked = demo_cli.run("report", "--month", "2026-05", "--markdown")
    assert marked.returncode == 0, marked.stderr
    assert marked.stdout.startswith("# The society's report for May 2026\n")
    assert "## Got\n\nThree chapters active\n" in marked.stdout
    assert "- Boston: Two meetings, 31 attended" in marked.stdout


def test_a_month_without_hqs_update_prints_the_draft_and_a_bad_month_is_refused(
    demo_cli: Cli,
) -> None:
    printed = demo_cli.run("report", "--month", "2026-04")
    assert printed.returncode == 0, printed.stderr
    assert "Not posted by HQ yet: this is the draft from the records." in printed.stdout
    bad = demo_cli.run("report", "--month", "April")
    assert bad.returncode == 2
    assert "--month 'April' is not a month; give it as YYYY-MM, e.g. 2027-01." in bad.stderr


def test_the_quarterly_report_prints_the_quarter_and_every_groups_updates_in_it(
    demo_cli: Cli,
) -> None:
    for who, command in (
        ("bob", '/update post Boston --period 2026-05 --got "Two meetings, 31 attended"'),
        ("bob", '/update post Boston --period 2026-04 --got "A first meeting"'),
        ("alice", '/update post society --period 2026-05 --got "May only"'),
    ):
        ran = demo_cli.run("exec", "--as", who, command)
        assert ran.returncode == 0, ran.stderr
    printed = demo_cli.run("report", "--quarter", "2026-Q2")
    assert printed.returncode == 0, printed.stderr
    assert "The society's report for Q2 2026" in printed.stdout
    assert "Not posted by HQ yet: this is the draft from the records." in printed.stdout
    assert "• Boston (2026-04): A first meeting" in printed.stdout
    assert "• Boston (2026-05): Two meetings, 31 attended" in printed.stdout
    assert "Highlights" in printed.stdout and "meetings held" in printed.stdout
    marked = demo_cli.run("report", "--quarter", "2026-q2", "--markdown")
    assert marked.returncode == 0, marked.stderr
    assert marked.stdout.startswith("# The society's report for Q2 2026\n")
    assert "## Highlights\n" in marked.stdout
    month = demo_cli.run("report", "--month", "2026-06")
    assert "chapterhouse report --quarter 2026-Q2" in month.stdout
    for args, error in (
        (("--quarter", "2026-Q5"), "--quarter '2026-Q5' is not a quarter; give it as YYYY-Qn"),
        ((), "Give one of --month YYYY-MM or --quarter YYYY-Qn"),
        (("--month", "2026-05", "--quarter", "2026-Q2"), "Give one of --month YYYY-MM"),
    ):
        bad = demo_cli.run("report", *args)
        assert bad.returncode == 2 and error in bad.stderr, (args, bad.stderr)
