"""The core never imports platform code: only adapters/ may speak Slack or Discord."""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
CORE = ("bot", "commands", "storage")
PLATFORM_PACKAGES = ("slack_bolt", "slack_sdk", "discord")


def platform_imports(path: Path) -> list[str]:
    found = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), str(path))):
        names: list[str] = []
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names = [node.module]
        for name in names:
            if name.split(".")[0] in PLATFORM_PACKAGES:
                found.append(f"{path.relative_to(ROOT)}:{node.lineno} imports {name}")
    return found


def test_core_packages_do_not_import_platform_code() -> None:
    files = [f for package in CORE for f in (ROOT / package).rglob("*.py")]
    assert len(files) > 10
    problems = [problem for f in files for problem in platform_imports(f)]
    assert problems == []


def test_the_check_catches_an_offender(tmp_path: Path) -> None:
    offender = ROOT / "bot" / "_layering_probe.py"
    try:
        offender.write_text("import slack_sdk\nfrom discord.ext import commands\n")
        assert len(platform_imports(offender)) == 2
    finally:
        offender.unlink()
