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
