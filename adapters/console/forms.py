"""Console forms: a command declared with a form, typed bare, asks for its fields.

The same declaration that draws Slack's and Discord's modals drives these prompts:
one question per parameter, in declaration order. An empty answer leaves an
optional field out; an empty required field cancels. The answers become the
command's text, which then takes the usual road (parser, dispatcher).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from bot.declarations import CommandSpec, Kind
from bot.registry import Registry

Ask = Callable[[str], Awaitable[str]]


def form_for(registry: Registry, line: str) -> CommandSpec | None:
    """The spec when `line` is exactly a form command's name, typed with no arguments."""
    words = line.strip().lstrip("/").split()
    if not 1 <= len(words) <= 2:
        return None
    spec = registry.get(words[0].lower(), words[1].lower() if len(words) == 2 else None)
    return spec if spec is not None and spec.form else None


def _quoted(answer: str) -> str:
    if '"' not in answer:
        return f'"{answer}"'
    return f"“{answer}”"  # the parser reads typographic quotes too


async def fill_form(spec: CommandSpec, ask: Ask) -> str | None:
    """Ask for each parameter; the command text, or None when a required one is skipped."""
    parts = [f"/{spec.path}"]
    for param in spec.params:
        name = param.name.rstrip("_").replace("_", " ")
        if param.kind is Kind.FLAG:
            answer = (await ask(f"{name}? ({param.help}) [y/N] ")).strip().lower()
            if answer in ("y", "yes"):
                parts.append(param.flag)
            continue
        hint = f" ({'|'.join(param.choices)})" if param.choices else ""
        optional = "" if param.required else ", Enter to skip"
        answer = (await ask(f"{name}: {param.help}{hint}{optional}: ")).strip()
        if not answer:
            if param.required:
                return None
            continue
        value = _quoted(answer)
        parts.append(value if param.positional else f"{param.flag} {value}")
    return " ".join(parts)
