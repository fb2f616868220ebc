"""The Discord command tree, generated from the registry: no command is written here.

Each command group becomes an `app_commands.Group` (a group that is one command
becomes a top-level command), each declared parameter a typed option: members and
channels use Discord's pickers, choices become choices, parameters with a completer
get autocomplete. discord.py reads a callback's signature to build the options, so
each callback is given the signature its declaration implies.
"""

from __future__ import annotations

import inspect
import re
from collections.abc import Awaitable, Callable, Coroutine, Mapping
from typing import Any

import discord
from discord import app_commands

from adapters.text import clip
from bot.declarations import CommandSpec, Kind, Param
from bot.registry import MAX_CHOICES, Registry

MAX_DESCRIPTION = 100
MAX_OPTION_NAME = 32

Run = Callable[
    [discord.Interaction[Any], CommandSpec, dict[str, str | tuple[str, ...]]], Awaitable[None]
]
"""Runs a command with its options as text, the way the parser would have read them."""
Complete = Callable[[str, str], Awaitable[list[str]]]
"""Given a completer's name and what was typed so far, the values to offer."""

_TYPES: dict[Kind, Any] = {
    Kind.TEXT: str,
    Kind.INT: int,
    Kind.FLAG: bool,
    Kind.CHOICE: str,
    Kind.DATE: str,
    Kind.WHEN: str,
    Kind.DURATION: str,
    Kind.MEMBER: discord.User,
    Kind.CHANNEL: discord.abc.GuildChannel,
}

_HINTS = {
    Kind.DATE: "a date: 2026-03-14, today, yesterday or a weekday",
    Kind.WHEN: "48h, 3d, or a date and time like 2026-12-01 18:00",
    Kind.DURATION: "90m, 48h, 3d or 2w",
}


def option_name(param: Param) -> str:
    """Discord option names are 1–32 lower-case characters; Python's trailing `_` goes."""
    return param.name.rstrip("_").lower()[:MAX_OPTION_NAME] or "value"


def option_description(param: Param) -> str:
    text = param.help
    if param.variadic:
        text += ', each in quotes: "Lisbon" "New York"'
    if param.kind in _HINTS:
        text += f" ({_HINTS[param.kind]})"
    return clip(text, MAX_DESCRIPTION)


def group_description(name: str, specs: list[CommandSpec]) -> str:
    names = ", ".join(s.name or "" for s in specs)
    return clip(f"{name.title()}: {names}", MAX_DESCRIPTION)


def as_text(param: Param, value: Any) -> str | tuple[str, ...]:
    """An option's value in the form the shared parser reads (`<@id>`, `true`, …)."""
    if isinstance(value, bool):
        return "true" if value else ""
    if isinstance(value, discord.abc.User):
        # The name travels with the id, so a member first met here is named, not numbered.
        name = re.sub(r"[<>|\n]", "", value.display_name)[:120]
        return f"<@{value.id}|{name}>" if name else f"<@{value.id}>"
    if isinstance(value, discord.abc.GuildChannel | app_commands.AppCommandChannel):
        return f"<#{value.id}>"
    return str(value)


def _callback(spec: CommandSpec, run: Run) -> Callable[..., Coroutine[Any, Any, None]]:
    """A callback whose signature carries the declaration's options, for discord.py to read.

    Its parameters keep the handler's Python names (`not_`); Discord sees the option
    names (`not`) through discord.py's renames.
    """
    by_name = {p.name: p for p in spec.params}

    async def callback(interaction: discord.Interaction[Any], **options: Any) -> None:
        values: dict[str, str | tuple[str, ...]] = {}
        for name, value in options.items():
            if value is None:
                continue
            text = as_text(by_name[name], value)
            if text != "":
                values[name] = text
        await run(interaction, spec, values)

    def required(param: Param) -> bool:
        # A command with a form may be sent bare (the form asks); Discord never sends a
        # command without its required options, so on Discord none of them is required.
        return param.required and param.kind is not Kind.FLAG and not spec.form

    parameters = [
        inspect.Parameter(
            "interaction",
            inspect.Parameter.POSITIONAL_OR_KEYWORD,
            annotation=discord.Interaction,
        )
    ]
    # Discord lists required options first; so does a Python signature.
    for param in sorted(spec.params, key=lambda p: not required(p)):
        needed = required(param)
        parameters.append(
            inspect.Parameter(
                param.name,
                inspect.Parameter.KEYWORD_ONLY,
                annotation=_TYPES[param.kind] if needed else _TYPES[param.kind] | None,
                default=inspect.Parameter.empty if needed else None,
            )
        )
    callback.__signature__ = inspect.Signature(parameters)  # type: ignore[attr-defined]
    callback.__discord_app_commands_param_rename__ = {  # type: ignore[attr-defined]
        p.name: option_name(p) for p in spec.params if option_name(p) != p.name
    }
    callback.__discord_app_commands_param_description__ = {  # type: ignore[attr-defined]
        p.name: option_description(p) for p in spec.params
    }
    choices = {
        p.name: [app_commands.Choice(name=c, value=c) for c in p.choices[:MAX_CHOICES]]
        for p in spec.params
        if p.choices
    }
    if choices:
        callback.__discord_app_commands_param_choices__ = choices  # type: ignore[attr-defined]
    return callback


def _autocomplete(
    source: str, kind: Kind, complete: Complete
) -> Callable[..., Coroutine[Any, Any, list[app_commands.Choice[Any]]]]:
    async def suggest(
        interaction: discord.Interaction[Any], current: str
    ) -> list[app_commands.Choice[Any]]:
        values = await complete(source, current)
        if kind is Kind.INT:
            return [app_commands.Choice(name=v, value=int(v)) for v in values if v.isdigit()][
                :MAX_CHOICES
            ]
        return [app_commands.Choice(name=clip(v, 100), value=v[:100]) for v in values][:MAX_CHOICES]

    return suggest


def build_command(
    spec: CommandSpec, run: Run, complete: Complete
) -> app_commands.Command[Any, ..., None]:
    command: app_commands.Command[Any, ..., None] = app_commands.Command(
        name=(spec.name or spec.group).replace(" ", "-"),
        description=clip(spec.summary, MAX_DESCRIPTION) or spec.path,
        callback=_callback(spec, run),
    )
    for param in spec.params:
        if param.complete is not None:
            command.autocomplete(param.name)(_autocomplete(param.complete, param.kind, complete))
    return command


def build_tree(
    tree: app_commands.CommandTree[Any], registry: Registry, run: Run, complete: Complete
) -> Mapping[str, app_commands.Command[Any, ..., None] | app_commands.Group]:
    """Fill `tree` with every command of the registry; returns what was added, by name."""
    added: dict[str, app_commands.Command[Any, ..., None] | app_commands.Group] = {}
    for group, specs in registry.groups().items():
        top = registry.get(group, None)
        if top is not None:
            command = build_command(top, run, complete)
            tree.add_command(command)
            added[group] = command
            continue
        container = app_commands.Group(name=group, description=group_description(group, specs))
        for spec in specs:
            container.add_command(build_command(spec, run, complete))
        tree.add_command(container)
        added[group] = container
    return added
