"""The rooms of the house and the arrows allowed between them, read from the import graph.

storage/ imports nothing of ours; bot/ only storage/; commands/ and adapters/ only
bot/ and storage/; only the composition root (chapterhouse/) imports everything. No
platform library outside adapters/ (and the root, which starts them). No import
cycles between modules, counting imports made only for type checking.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
OURS = ("chapterhouse", "bot", "commands", "adapters", "storage")
ALLOWED: dict[str, frozenset[str]] = {
    "storage": frozenset({"storage"}),
    "bot": frozenset({"bot", "storage"}),
    "commands": frozenset({"commands", "bot", "storage"}),
    "adapters": frozenset({"adapters", "bot", "storage"}),
    "chapterhouse": frozenset(OURS),
}
PLATFORM_PACKAGES = ("slack_bolt", "slack_sdk", "discord")
MAY_SPEAK_PLATFORMS = frozenset({"adapters", "chapterhouse"})


@dataclass(frozen=True)
class Import:
    source: str
    """The importing module, dotted."""
    target: str
    """The imported module (or a name in it), dotted and absolute."""
    where: str


def module_name(path: Path, root: Path) -> str:
    parts = list(path.relative_to(root).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def imports_of(path: Path, root: Path) -> Iterator[Import]:
    """Every import in a file, at any depth (function-level and type-only included)."""
    source = module_name(path, root)
    package = source if path.name == "__init__.py" else source.rpartition(".")[0]
    tree = ast.parse(path.read_text(encoding="utf-8"), str(path))
    for node in ast.walk(tree):
        where = f"{path.relative_to(root)}:{getattr(node, 'lineno', 0)}"
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield Import(source, alias.name, where)
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")
                base = base[: len(base) - (node.level - 1)]
                module = ".".join([*base, node.module] if node.module else base)
            else:
                module = node.module or ""
            for alias in node.names:
                yield Import(source, f"{module}.{alias.name}", where)


def our_files(root: Path) -> list[Path]:
    return [f for room in OURS if (root / room).is_dir() for f in (root / room).rglob("*.py")]


def layering_problems(root: Path) -> list[str]:
    problems = []
    for path in our_files(root):
        for imp in imports_of(path, root):
            room, target_room = imp.source.split(".")[0], imp.target.split(".")[0]
            if target_room in OURS and target_room not in ALLOWED[room]:
                problems.append(f"{imp.where}: {room}/ may not import {target_room}/")
            if target_room in PLATFORM_PACKAGES and room not in MAY_SPEAK_PLATFORMS:
                problems.append(f"{imp.where}: {room}/ may not import {target_room}")
    return problems


def module_graph(root: Path) -> dict[str, set[str]]:
    """Module → the modules of ours it imports (a name imported from a module counts
    as that module, and a submodule named in `from package import sub` as the sub)."""
    files = our_files(root)
    modules = {module_name(f, root) for f in files}
    graph: dict[str, set[str]] = {m: set() for m in modules}
    for path in files:
        for imp in imports_of(path, root):
            target = imp.target
            while target and target not in modules:
                target = target.rpartition(".")[0]
            if target and target != imp.source:
                graph[imp.source].add(target)
    return graph


def cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected groups of more than one module (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for nxt in sorted(graph[node]):
            if nxt not in index:
                visit(nxt)
                low[node] = min(low[node], low[nxt])
            elif nxt in on_stack:
                low[node] = min(low[node], index[nxt])
        if low[node] == index[node]:
            group = []
            while True:
                top = stack.pop()
                on_stack.discard(top)
                group.append(top)
                if top == node:
                    break
            if len(group) > 1:
                found.append(sorted(group))

    for node in sorted(graph):
        if node not in index:
            visit(node)
    return found


def without_package_inits(graph: dict[str, set[str]]) -> dict[str, set[str]]:
    """Drop the arrows from a submodule up to its own package's `__init__`.

    `from commands.polls import due` inside the package names a sibling; what the
    graph must not hold is a real loop between two modules that both run code.
    """
    return {
        source: {t for t in targets if not source.startswith(t + ".")}
        for source, targets in graph.items()
    }


def test_every_room_imports_only_the_rooms_below_it() -> None:
    assert len(our_files(ROOT)) > 50
    assert layering_problems(ROOT) == []


def test_no_import_cycles_not_even_type_only_ones() -> None:
    assert cycles(without_package_inits(module_graph(ROOT))) == []


def _tree(tmp_path: Path, files: dict[str, str]) -> Path:
    for name, text in files.items():
        path = tmp_path / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
    for room in OURS:
        (tmp_path / room).mkdir(exist_ok=True)
        (tmp_path / room / "__init__.py").touch()
    return tmp_path


def test_the_checks_catch_each_kind_of_offender(tmp_path: Path) -> None:
    root = _tree(
        tmp_path,
        {
            "storage/models.py": "from bot.config import Settings\n",
            "bot/core.py": "def f():\n    from commands import build\n",
            "commands/polls.py": "from adapters.slack import render\nimport discord\n",
            "adapters/slack.py": "from chapterhouse.bootstrap import bootstrap\n",
            "chapterhouse/bootstrap.py": "import commands\nimport adapters.slack\nimport discord\n",
        },
    )
    problems = layering_problems(root)
    assert any("storage/models.py:1: storage/ may not import bot/" in p for p in problems)
    assert any("bot/core.py:2: bot/ may not import commands/" in p for p in problems)
    assert any("commands/ may not import adapters/" in p for p in problems)
    assert any("commands/ may not import discord" in p for p in problems)
    assert any("adapters/ may not import chapterhouse/" in p for p in problems)
    assert not any(p.startswith("chapterhouse/") for p in problems)
    assert len(problems) == 5


def test_a_type_only_cycle_is_a_cycle(tmp_path: Path) -> None:
    root = _tree(
        tmp_path,
        {
            "bot/context.py": "from typing import TYPE_CHECKING\n"
            "if TYPE_CHECKING:\n    from bot.registry import Registry\n",
            "bot/registry.py": "from . import context\n",
            "bot/leaf.py": "from bot.registry import x\n",
        },
    )
    assert cycles(without_package_inits(module_graph(root))) == [["bot.context", "bot.registry"]]
