"""`/help`, generated from the same declarations that drive every platform."""

from __future__ import annotations

from typing import Annotated
from weakref import WeakKeyDictionary

from bot.context import Catalogue, Context
from bot.declarations import Arg, CommandSpec, Kind
from bot.errors import NotFound
from bot.parser import closest
from bot.permissions import Given
from bot.registry import Router
from bot.reply import Header, Note, Reply, Section

router = Router("help")


def _who(spec: CommandSpec) -> str:
    parts = [spec.access.describe()] if spec.access.privileged else []
    parts += [f"{_given(spec, rule)}: {rule.access.describe()}" for rule in spec.given]
    return f" _({'; '.join(parts)})_" if parts else ""


def _given(spec: CommandSpec, rule: Given) -> str:
    """What a `given` rule covers, as help writes it (`check others in to event ID,
    with @member… or --guests`): its wording filled in with the parameters' metavars."""
    params = {p.name: p for p in spec.params}
    shown = " or ".join(
        params[name].metavar + ("…" if params[name].variadic else "")
        if params[name].positional
        else params[name].flag
        for name in rule.params
    )
    return f"{rule.action.format_map({n: p.metavar for n, p in params.items()})}, with {shown}"


def _overview(group: str, specs: list[CommandSpec]) -> str:
    """One line per group: what anyone may type, then what needs a role, by role.

    A line per command no longer fits one message on every platform (Discord's
    4,096 characters) once a society has events, updates and a directory.
    """
    open_to_all = [s.name or group for s in specs if not s.access.privileged]
    by_role: dict[str, list[str]] = {}
    for spec in specs:
        if spec.access.privileged:
            by_role.setdefault(spec.access.label(), []).append(spec.name or group)
    parts = [", ".join(open_to_all)] if open_to_all else []
    parts += [f"{', '.join(names)} _({who})_" for who, names in by_role.items()]
    return f"• `/{group}`: " + "; ".join(parts)


_OVERVIEWS: WeakKeyDictionary[Catalogue, tuple[tuple[CommandSpec, ...], str]] = WeakKeyDictionary()


def _overview_of(registry: Catalogue) -> str:
    """The overview, the same for every reader: built once per set of declarations."""
    specs = registry.ordered()
    kept = _OVERVIEWS.get(registry)
    if kept is not None and kept[0] is specs:
        return kept[1]
    text = "\n".join(_overview(group, specs) for group, specs in registry.groups().items())
    _OVERVIEWS[registry] = (specs, text)
    return text


def describe(spec: CommandSpec) -> Reply:
    lines = [f"`{spec.usage()}`", "", spec.summary]
    if spec.description:
        lines += ["", spec.description]
    details = []
    for param in spec.params:
        label = param.metavar if param.positional else param.flag
        extra = "" if param.required or param.kind is Kind.FLAG else " (optional)"
        details.append(f"• `{label}`: {param.help}{extra}")
    if details:
        lines += ["", *details]
    lines += ["", f"Who may: {spec.access.describe()}."]
    lines += [f"Who may {_given(spec, rule)}: {rule.access.describe()}." for rule in spec.given]
    if spec.examples:
        lines += ["Examples:", *(f"• `{e}`" for e in spec.examples)]
    text = "\n".join(lines)
    return Reply.private(text, Header(f"/{spec.path}"), Section(text))


@router.command("help", examples=["/help", "/help chapter", "/help chapter meeting"])
async def help_command(
    context: Context,
    command: Annotated[tuple[str, ...], Arg("a command or group, e.g. chapter meeting")] = (),
) -> Reply:
    """List the commands, or explain one."""
    registry = context.registry
    if not command:
        text = _overview_of(registry)
        return Reply.private(
            text,
            Header("Chapterhouse commands"),
            Section(text),
            Note("Type /help GROUP for each command, /help COMMAND for its details."),
        )
    groups = registry.groups()
    words = [w.lstrip("/").lower() for w in command]
    group = words[0]
    if group not in groups:
        hint = closest(group, list(groups))
        raise NotFound(
            f"No command /{group}." + (f" Did you mean /{hint}?" if hint else " Type /help.")
        )
    # Two-word subcommands (`/help chapter meeting edit`) before one-word ones.
    spec = registry.get(group, " ".join(words[1:3])) if len(words) > 2 else None
    spec = spec or registry.get(group, words[1] if len(words) > 1 else None)
    if spec is None and len(words) > 1:
        names = [s.name or "" for s in registry.subcommands(group)]
        hint = closest(words[1], names)
        raise NotFound(
            f"/{group} has no subcommand {words[1]!r}."
            + (f" Did you mean {hint}?" if hint else f" Choose one of: {', '.join(names)}.")
        )
    if spec is not None:
        return describe(spec)
    specs = registry.subcommands(group)
    lines = [f"• `{s.usage()}`: {s.summary}{_who(s)}" for s in specs]
    text = "\n".join(lines)
    return Reply.private(text, Header(f"/{group}"), Section(text))
